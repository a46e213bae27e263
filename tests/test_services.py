"""The service layer's table of areas: every call is answered by the one area that has it, and the calendar's
first read loads only the areas it needs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tui_scheduler.services import AREAS, ROUTES, Scheduler, area_class

from .conftest import small_practice


def public_calls(cls: type) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_") and callable(getattr(cls, name))}


@pytest.mark.parametrize("attr", sorted(AREAS))
def test_each_area_lists_exactly_its_public_calls(attr):
    assert set(AREAS[attr][2].split()) == public_calls(area_class(attr))


def test_no_call_is_in_two_areas_or_named_like_an_area():
    listed = [call for _, _, calls in AREAS.values() for call in calls.split()]
    assert len(listed) == len(set(listed)) == len(ROUTES)
    assert not set(ROUTES) & set(AREAS)


def test_a_call_by_name_reaches_its_area_and_each_area_is_made_once(tmp_path):
    s = small_practice(tmp_path / "data")
    assert s.booking is s.booking
    assert [r.name for r in s.rooms()] == [r.name for r in s.people.rooms()]
    with pytest.raises(AttributeError, match="no 'nothing_like_this'"):
        s.nothing_like_this()


def test_the_calendars_first_read_loads_only_what_it_shows(tmp_path):
    small_practice(tmp_path / "data")
    code = (
        "import sys\n"
        "from tui_scheduler.tui.app import make_app\n"
        "app = make_app(sys.argv[1], keymap={})\n"
        "screen = app.get_default_screen()\n"
        "screen.read_period(screen.days(), True, screen.filters)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('tui_scheduler', 'tinydb')))))\n"
        "print(' '.join(sorted(app.scheduler.ctx.folder._cache)))\n"
    )
    modules, files = subprocess.run([sys.executable, "-c", code, str(tmp_path / "data")], capture_output=True,
                                    text=True, check=True).stdout.splitlines()
    out = modules.split()
    assert "clients.json" not in files.split() and "client-names.json" in files.split()  # names, not records
    assert "tui_scheduler.services.booking" in out
    assert "tinydb" not in out  # TinyDB's API is for writes; reads take the stored dicts as they are
    for unneeded in ("sync", "feeds", "reminders", "superbill", "backup", "imports", "notes"):
        assert not [m for m in out if m.rsplit(".", 1)[-1].startswith(unneeded)], unneeded


def test_a_view_reads_from_one_commit_and_refuses_to_write(tmp_path):
    s = small_practice(tmp_path / "data")
    with s.view():
        names = s.names()
        before = s.revision()
        with pytest.raises(RuntimeError, match="read-only view"):
            s.add_room("Oak", "massage")
        with pytest.raises(RuntimeError, match="read-only view"):
            with s.batch():
                pass
    assert names == s.names() and s.revision() == before
    assert "Oak" not in [r.name for r in s.rooms()]

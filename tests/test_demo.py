"""`--demo` never eats work: today's demo is reused, a new one only when asked or stale and closed, and a
demo killed half-way leaves nothing that a later one trips over. Real processes, real locks, real kills."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import NOW
from tui_scheduler import paths
from tui_scheduler.core.errors import Refused
from tui_scheduler.demo import MARKER, build_demo, open_demo
from tui_scheduler.services import Scheduler

NEXT_DAY = NOW + timedelta(days=1)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    return tmp_path / "tui-scheduler"


def at(moment: datetime):
    return lambda: moment


def typed_client(folder: Path) -> str:
    """Work a person did in the demo: a new client."""
    return Scheduler(folder, clock=at(NOW)).add_client("Typed Today", "self-pay").id


def client_ids(folder: Path) -> set[str]:
    return {c.id for c in Scheduler(folder).clients()}


def test_a_second_demo_reuses_todays_and_keeps_what_was_typed(home):
    folder, hold = open_demo(clock=at(NOW))
    assert folder == home / "demo" == paths.demo_folder()
    typed = typed_client(folder)
    again, hold2 = open_demo(clock=at(NOW + timedelta(hours=3)))  # same day, later
    assert again == folder and typed in client_ids(folder)
    assert Scheduler(folder).check_folder()[0] == []


def test_fresh_builds_a_new_one_but_not_under_an_open_app(home):
    folder, hold = open_demo(clock=at(NOW))
    typed = typed_client(folder)
    with pytest.raises(Refused, match="open in tui-scheduler; close it first"):
        open_demo(fresh=True, clock=at(NOW))
    assert typed in client_ids(folder)
    hold.close()  # the app closed
    open_demo(fresh=True, clock=at(NOW))
    assert typed not in client_ids(folder) and len(client_ids(folder)) == 12


def test_a_demo_from_another_day_is_rebuilt_only_when_nobody_has_it_open(home):
    folder, hold = open_demo(clock=at(NOW))
    typed = typed_client(folder)
    open_demo(clock=at(NEXT_DAY))  # yesterday's, still open in an app: kept
    assert typed in client_ids(folder)
    hold.close()
    open_demo(clock=at(NEXT_DAY))
    assert typed not in client_ids(folder)
    assert "2026-11-24" in (folder / MARKER).read_text()


def test_the_marker_and_logs_are_not_world_readable(home, tmp_path, monkeypatch):
    folder, _ = open_demo(clock=at(NOW))
    assert stat.S_IMODE((folder / MARKER).stat().st_mode) == 0o660
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    log = paths.log_file()
    log.parent.mkdir(parents=True)
    log.write_text("an old log\n")
    log.chmod(0o644)
    where = paths.log_exception(ValueError("boom"))
    assert where == log and "ValueError: boom" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    with paths.open_private_log(log.with_name("app.log")):
        pass
    assert stat.S_IMODE(log.with_name("app.log").stat().st_mode) == 0o600


def test_demo_refuses_a_real_practice_and_fresh_replaces_only_a_demo(home, tmp_path):
    real = tmp_path / "clinic"
    Scheduler(real, clock=at(NOW)).init("America/Chicago", "Real Clinic")
    with pytest.raises(Refused, match="already holds a practice"):
        build_demo(real, fresh=True, clock=at(NOW))
    assert Scheduler(real).practice().name == "Real Clinic"
    demo = build_demo(tmp_path / "demo-here", clock=at(NOW))
    typed = typed_client(demo)
    with pytest.raises(Refused, match="--fresh. replaces it"):
        build_demo(demo, clock=at(NOW))
    build_demo(demo, fresh=True, clock=at(NOW))
    assert typed not in client_ids(demo)


def test_every_fresh_demo_is_the_same_practice(tmp_path):
    """Ids are random; what happened in the demo's week is not (a help page or a trainer can count on it)."""
    def told(folder: Path) -> list[tuple]:
        s = Scheduler(folder, clock=at(NOW))
        names, lo, hi = s.names(), NOW - timedelta(days=8), NOW + timedelta(days=8)
        return sorted((a.start, names[a.client_id], names[a.staff_id], str(a.status), a.confirmed is not None,
                       a.hands_on is not None) for a in s.appointments(lo, hi))

    assert told(build_demo(tmp_path / "one", clock=at(NOW))) == told(build_demo(tmp_path / "two", clock=at(NOW)))


# --- processes ---------------------------------------------------------------------------------------

_STUCK_BUILD = """
import sys, time
from tui_scheduler import demo

def stuck(sched, *args, **kwargs):
    sched.init("America/Chicago", "half built")
    print("building", flush=True)
    time.sleep(600)

demo.fill_demo = stuck
if sys.argv[1] == "--demo":
    demo.open_demo()
else:
    from pathlib import Path
    demo.build_demo(Path(sys.argv[1]))
"""


def _kill_mid_build(env: dict, where: str) -> None:
    """Start a demo build that stops inside the build, and SIGKILL it there."""
    stuck = subprocess.Popen([sys.executable, "-c", _STUCK_BUILD, where], env=env, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert stuck.stdout.readline().strip() == "building"
    finally:
        stuck.send_signal(signal.SIGKILL)
        stuck.wait(timeout=60)


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(".demo-")]


def test_a_demo_killed_mid_build_leaves_nothing_the_next_one_trips_over(home, tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "TUI_SCHEDULER_NOW": NOW.isoformat()}
    _kill_mid_build(env, "--demo")
    assert _leftovers(home)  # the half-built demo beside where it would have gone
    assert not (home / "demo").exists()
    folder, _ = open_demo(clock=at(NOW))  # the killed build's lock went with it
    assert _leftovers(home) == [] and Scheduler(folder).check_folder()[0] == []

    # `tui-scheduler demo` killed half-way: the folder is still empty, so demo fills it
    target = tmp_path / "clinic-demo"
    _kill_mid_build(env, str(target))
    assert not (target / "practice.json").exists()
    exe = Path(sys.executable).with_name("tui-scheduler")
    done = subprocess.run([str(exe), "--data", str(target), "demo"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert _leftovers(tmp_path) == [] and len(client_ids(target)) == 12


def test_an_app_open_on_the_demo_is_never_swapped_by_a_second_demo(home, tmp_path):
    """A whole `tui-scheduler --demo --fresh` from a second terminal while the first one's hold is held."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "TUI_SCHEDULER_NOW": NOW.isoformat()}
    folder, hold = open_demo(clock=at(NOW))
    typed = typed_client(folder)
    exe = Path(sys.executable).with_name("tui-scheduler")
    done = subprocess.run([str(exe), "demo", "--fresh"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "close it first" in done.stderr
    assert typed in client_ids(folder)
    hold.close()
    done = subprocess.run([str(exe), "demo", "--fresh"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and str(folder) in done.stdout
    assert typed not in client_ids(folder)


def test_help_names_the_demo_folder(home, tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    exe = Path(sys.executable).with_name("tui-scheduler")
    done = subprocess.run([str(exe), "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert str(home / "demo") in "".join(done.stdout.split())  # argparse wraps a long path

"""What an adversarial tester found (issue 14, findings 4-6 and 8): every refusal is one line with the
contract's exit code, says whether the change was saved, and bad data never passes silently."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import NOW, small_practice
from tests.torture.helpers import ROOT, nobody, run_as, worker_env

EXE = [sys.executable, "-m", "tui_scheduler.cli"]


def _cli(folder, *argv: str | bytes) -> tuple[int, str, str]:
    done = subprocess.run([*EXE, *argv], capture_output=True, env=worker_env(folder), cwd=ROOT, timeout=120)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def _one_line(code: int, err: str, expected: int) -> None:
    assert code == expected, (code, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.fixture
def folder(tmp_path):
    small_practice(tmp_path / "data")
    return tmp_path / "data"


def test_someone_outside_the_practices_group_is_told_so(shared_tmp):
    uid = nobody()
    folder = shared_tmp / "data"
    small_practice(folder)
    folder.chmod(0o2770)  # the clinic's folder: nobody is not in its group
    code, _, err = run_as(uid, folder, ["list"])
    _one_line(code, err, 3)
    assert "practice's group" in err and "log out and in again" in err


def test_arguments_that_are_not_text_are_refused_in_one_line(folder):
    code, _, err = _cli(folder, "room", "add", b"\xff", "--kind", "massage")
    _one_line(code, err, 2)
    assert "not valid text" in err


def test_huge_numbers_and_names_are_bad_input_not_crashes(folder, tmp_path):
    code, _, err = _cli(folder, "referrals", "--expiring", "9999999")
    _one_line(code, err, 2)
    code, _, err = _cli(folder, "export", "--all", "--out", str(tmp_path / ("x" * 300)))
    _one_line(code, err, 2)
    code, _, err = _cli(folder, "referral", "add", "--client", "Cara", "--visits", "3", "--expires",
                        "2027-01-01", "--prescriber", "Dr. " + "x" * 100_000)
    _one_line(code, err, 2)
    assert "at most 200 characters" in err


def test_a_grid_of_zero_minutes_is_damage_not_a_division_by_zero(folder):
    practice = folder / "practice.json"
    data = json.loads(practice.read_text())
    next(iter(data["practice"].values()))["grid_minutes"] = 0
    practice.write_text(json.dumps(data))
    for argv in (["book", "session", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar", "--modality",
                  "swedish", "--start", "2026-11-24 10:00", "--minutes", "60"], ["check"]):
        code, _, err = _cli(folder, *argv)
        _one_line(code, err, 3)
        assert "practice.json" in err and "grid_minutes" in err


def test_a_name_stored_as_a_number_is_named_as_damage(folder, tmp_path):
    clients = folder / "clients.json"
    data = json.loads(clients.read_text())
    next(iter(data["clients"].values()))["name"] = 42
    clients.write_text(json.dumps(data))
    for argv in (["export", "--all", "--out", str(tmp_path / "feeds")], ["check"], ["list"]):
        code, _, err = _cli(folder, *argv)
        _one_line(code, err, 3)
        assert "clients.json" in err


def test_a_broken_visit_index_row_is_a_problem_check_reports(folder):
    (folder / "visits" / "00.json").write_text(json.dumps({"visits": {"1": {"client_id": "c-x", "id": 7}, "2": {"client_id": "c-y"}}}))
    code, out, err = _cli(folder, "check")
    assert code == 1 and "visit index disagrees" in out and "Traceback" not in err


def test_a_change_saved_before_a_damaged_file_is_read_says_it_was_saved(folder):
    from tui_scheduler.services import Scheduler

    a = Scheduler(folder, clock=lambda: NOW).book_session("Cara", "Maya", "Cedar", "swedish", "2026-11-24 10:00",
                                                         60, override="paying herself")
    (folder / "referrals.json").write_text("{half")
    code, out, err = _cli(folder, "cancel", a.id, "--reason", "client called")
    _one_line(code, err, 3)
    assert f"{a.id} is saved, but" in err and "referrals.json" in err and out.strip() == a.id
    assert '"status": "cancelled"' in (folder / "appointments" / "2026-11.json").read_text().replace(
        '":"', '": "')


def test_an_audit_log_another_user_locked_says_the_change_is_saved(shared_tmp):
    uid = nobody()
    folder = shared_tmp / "data"
    small_practice(folder)
    for p in [folder, *folder.rglob("*")]:
        os.chown(p, uid, uid)
    os.chown(folder / "audit.jsonl", 0, uid)  # root's file, in the practice's group
    (folder / "audit.jsonl").chmod(0o600)  # made private by its owner (root here)
    code, _, err = run_as(uid, folder, ["room", "add", "Oak", "--kind", "massage"])
    _one_line(code, err, 3)
    assert "the change is saved" in err and "chmod 660" in err and "owner root" in err
    # the owner's next command finishes it, and the room is there with its audit line
    (folder / "audit.jsonl").chmod(0o660)
    code, out, err = run_as(uid, folder, ["room", "list"])
    assert code == 0 and "Oak" in out, err
    assert (folder / "audit.jsonl").read_text().count('"room-add"') == 5


def test_a_waitlist_entry_needs_a_client(folder):
    code, _, err = _cli(folder, "waitlist", "add", "--client", "", "--minutes", "60", "--from", "2026-11-24",
                        "--to", "2026-11-30")
    _one_line(code, err, 2)
    code, out, _ = _cli(folder, "waitlist", "list")
    assert code == 0 and "nobody is waiting" in out


def test_an_appointment_time_that_is_not_iso_stops_writes_to_its_month(folder):
    from tui_scheduler.services import Scheduler

    a = Scheduler(folder, clock=lambda: NOW).book_session("Ann", "Maya", "Cedar", "swedish", "2026-12-02 10:00", 60)
    month = folder / "appointments" / "2026-12.json"
    data = json.loads(month.read_text())
    next(iter(data["appointments"].values()))["start"] = "Dec 2 2026 10:00"
    month.write_text(json.dumps(data))
    before = month.read_bytes()
    code, _, err = _cli(folder, "list", "--from", "2026-12-02")
    _one_line(code, err, 3)
    assert "2026-12.json" in err and a.id in err
    code, _, err = _cli(folder, "book", "session", "--client", "Ben", "--therapist", "Maya", "--room", "Cedar",
                        "--modality", "swedish", "--start", "2026-12-02 10:00", "--minutes", "60",
                        "--override", "x")
    _one_line(code, err, 3)
    assert month.read_bytes() == before


def test_check_reads_the_feeds_and_the_waitlist_too(folder):
    (folder / "feeds.json").write_text("{garbage")
    code, _, err = _cli(folder, "check")
    _one_line(code, err, 3)
    assert "feeds.json" in err
    (folder / "feeds.json").unlink()
    (folder / "waitlist.json").write_text(json.dumps({"waitlist": {"1": {"id": "w-1"}}}))
    code, _, err = _cli(folder, "check")
    _one_line(code, err, 3)
    assert "waitlist.json" in err
    shutil.rmtree(folder / "visits")  # and still nothing crashes without the index
    (folder / "waitlist.json").unlink()
    for name in ("closures.json", "outbox.json", "sending.json"):  # the clinic's day has files of its own
        (folder / name).write_text("[1, 2, 3]")
        code, _, err = _cli(folder, "check")
        _one_line(code, err, 3)
        assert name in err
        (folder / name).unlink()


def test_control_characters_never_reach_a_name_or_a_reason(folder):
    """An ESC in a name would recolour (or worse) every desk's terminal that lists it; a NUL hides a name."""
    for argv in (("client", "add", "Esc\x1b[31m Name"), ("room", "add", "Nul\x01Room", "--kind", "massage"),
                 ("closure", "add", "--from", "2026-12-24", "--to", "2026-12-24", "--reason", "shut\x1b[2J")):
        code, _, err = _cli(folder, *argv)
        _one_line(code, err, 2)
        assert "control character (U+00" in err
    code, out, _ = _cli(folder, "client", "list")
    assert code == 0 and "\x1b" not in out and "Esc" not in out

"""The `tui-scheduler` console script, run for real in a temp data folder."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.fixture
def clinic(cli):
    assert cli("init", "--timezone", "America/Chicago", "--name", "Riverside")[0] == 0
    for args in (
        ("room", "add", "Cedar", "--kind", "massage"),
        ("room", "add", "Adjusting", "--kind", "chiropractic"),
        ("staff", "add", "Maya Lindqvist", "--role", "therapist", "--modality", "swedish",
         "--modality", "deep-tissue", "--hours", "mon-fri 09:00-17:00"),
        ("staff", "add", "Dr Patel", "--role", "chiropractor"),
        ("client", "add", "Amelia Hart", "--payer", "insurance", "--flag", "osteoporosis", "--phone", "555-0101"),
        ("client", "add", "Ben Ross"),
    ):
        code, out, err = cli(*args)
        assert code == 0, err
        assert out.strip()  # the new id
    return cli


def book_session(cli, *extra, client="Ben", start="2026-11-24 10:00"):
    return cli("book", "session", "--client", client, "--therapist", "Maya", "--room", "Cedar",
               "--modality", "swedish", "--start", start, "--minutes", "60", *extra)


def test_booking_prints_the_id_and_lists_as_json(clinic):
    code, out, err = book_session(clinic)
    assert code == 0 and err == ""
    appt_id = out.strip()
    code, out, _ = clinic("list", "--from", "2026-11-24", "--json")
    rows = json.loads(out)
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == appt_id and row["kind"] == "session" and row["status"] == "booked"
    assert row["start"] == "2026-11-24T10:00:00-06:00" and row["end"] == "2026-11-24T11:00:00-06:00"
    assert (row["client"], row["therapist"], row["room"], row["modality"]) == ("Ben Ross", "Maya Lindqvist",
                                                                               "Cedar", "swedish")
    assert row["uid"].endswith("@tui-scheduler") and row["sequence"] == 0


def test_book_json_prints_the_appointment(clinic):
    code, out, _ = book_session(clinic, "--json")
    assert code == 0 and json.loads(out)["therapist"] == "Maya Lindqvist"


def test_conflict_is_exit_1_one_line_nothing_written(clinic):
    book_session(clinic)
    code, out, err = book_session(clinic, "--override", "x", client="Amelia", start="2026-11-24 10:30")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Maya Lindqvist is busy" in err
    assert len(json.loads(clinic("list", "--from", "2026-11-24", "--json")[1])) == 1


def test_soft_rule_needs_override_and_records_it(clinic):
    code, _, err = book_session(clinic, client="Amelia")
    assert code == 1 and "needs --override" in err and "osteoporosis" in err and "no referral" in err
    code, out, _ = book_session(clinic, "--override", "cleared by Dr. Chen", client="Amelia")
    assert code == 0
    row = json.loads(clinic("list", "--from", "2026-11-24", "--json")[1])[0]
    assert set(row["overrides"]) == {"flags", "referral"}


@pytest.mark.parametrize("args", [
    ("book", "session", "--client", "Ben"),                                  # missing flags
    ("book", "session", "--client", "Ben", "--therapist", "Maya", "--room", "Cedar", "--modality", "reiki",
     "--start", "2026-11-24 10:00", "--minutes", "60"),                      # unknown modality
    ("book", "session", "--client", "Ben", "--therapist", "Maya", "--room", "Cedar", "--modality", "swedish",
     "--start", "next tuesday", "--minutes", "60"),                          # unreadable time
    ("book", "session", "--client", "Ben", "--therapist", "Maya", "--room", "Cedar", "--modality", "swedish",
     "--start", "2026-11-24 10:00", "--minutes", "sixty"),
    ("list", "--from", "2026-02-30"),
    ("room", "add", "Attic", "--kind", "sauna"),
    ("frobnicate",),
])
def test_bad_input_is_exit_2_one_line_no_traceback(clinic, args):
    code, out, err = clinic(*args)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_visit_spot_move_status_cancel(clinic):
    code, out, err = clinic("book", "visit", "--client", "Ben", "--provider", "Dr Patel", "--room", "Adjusting",
                            "--start", "2026-11-24 11:00", "--minutes", "45")
    assert code == 0, err
    visit = out.strip()
    code, out, err = clinic("book", "spot", "--visit", visit, "--therapist", "Maya", "--start", "2026-11-24 11:15",
                            "--region", "neck", "--json")
    assert code == 0, err
    spot = json.loads(out)
    assert spot["visit"] == visit and spot["room"] == "Adjusting" and spot["region"] == "neck"
    code, out, err = clinic("move", visit, "--start", "2026-11-24 13:00")
    assert code == 0, err
    rows = {r["id"]: r for r in json.loads(clinic("list", "--from", "2026-11-24", "--json")[1])}
    assert rows[spot["id"]]["start"] == "2026-11-24T13:15:00-06:00"
    assert rows[visit]["sequence"] == 1
    code, _, err = clinic("status", visit, "arrived")
    assert code == 1 and "check-in is on the day" in err
    code, _, err = clinic("status", visit, "arrived", now=_at("2026-11-24T18:50:00+00:00"))
    assert code == 0, err
    assert clinic("cancel", visit)[0] == 0
    rows = {r["id"]: r for r in json.loads(clinic("list", "--from", "2026-11-24", "--json")[1])}
    assert rows[spot["id"]]["status"] == "cancelled" and rows[visit]["status"] == "cancelled"


def _at(text):
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_list_filters_by_person_room_and_client(clinic):
    book_session(clinic)
    clinic("book", "visit", "--client", "Amelia", "--provider", "Dr Patel", "--room", "Adjusting",
           "--start", "2026-11-24 12:00", "--minutes", "30")
    ids = lambda *a: [r["kind"] for r in json.loads(clinic("list", "--from", "2026-11-24", "--json", *a)[1])]  # noqa
    assert ids("--therapist", "Maya") == ["session"]
    assert ids("--room", "Adjusting") == ["visit"]
    assert ids("--client", "Amelia") == ["visit"]
    assert ids() == ["session", "visit"]
    code, out, _ = clinic("list", "--from", "2026-11-24")
    assert code == 0 and "Ben Ross" in out and "Dr Patel" in out


def test_people_and_rooms_list_as_json(clinic):
    rooms = json.loads(clinic("room", "list", "--json")[1])
    assert {r["name"]: r["kind"] for r in rooms} == {"Cedar": "massage", "Adjusting": "chiropractic"}
    staff = {s["name"]: s for s in json.loads(clinic("staff", "list", "--json")[1])}
    assert staff["Maya Lindqvist"]["modalities"] == ["swedish", "deep-tissue"]
    assert staff["Dr Patel"]["hours"]["mon"] == [["08:00", "19:00"]]  # the practice's hours by default
    clients = {c["name"]: c for c in json.loads(clinic("client", "list", "--json")[1])}
    assert clients["Amelia Hart"]["flags"] == ["osteoporosis"] and clients["Amelia Hart"]["payer"] == "insurance"


def test_referral_makes_insurance_booking_pass(clinic):
    code, out, err = clinic("referral", "add", "--client", "Amelia", "--visits", "6", "--expires", "2027-01-15",
                            "--prescriber", "Dr. Chen", "--area", "low back")
    assert code == 0, err
    code, _, err = book_session(clinic, client="Amelia")
    assert code == 1 and "osteoporosis" in err and "referral" not in err


def test_demo_fills_an_empty_folder_that_checks_clean(cli):
    code, out, err = cli("demo")
    assert code == 0, err
    staff = json.loads(cli("staff", "list", "--json")[1])
    roles = [s["role"] for s in staff]
    assert roles.count("therapist") >= 3 and "chiropractor" in roles and "physical-therapist" in roles
    assert len({tuple(s["modalities"]) for s in staff if s["role"] == "therapist"}) == 3
    rooms = {r["kind"] for r in json.loads(cli("room", "list", "--json")[1])}
    assert rooms == {"massage", "chiropractic", "physical-therapy"}
    clients = json.loads(cli("client", "list", "--json")[1])
    assert len(clients) == 12 and any(c["flags"] for c in clients)
    assert {c["payer"] for c in clients} == {"self-pay", "insurance", "hsa-fsa"}
    rows = json.loads(cli("list", "--from", "2026-11-16", "--days", "15", "--json")[1])
    kinds = {r["kind"] for r in rows}
    assert kinds == {"session", "visit", "spot"} and len(rows) > 100
    assert {"fulfilled", "booked"} <= {r["status"] for r in rows}
    code, out, _ = cli("check")
    assert code == 0 and out.startswith("ok:")
    code, _, err = cli("demo")
    assert code == 1 and "already holds a practice" in err


def test_commands_on_a_folder_without_a_practice_say_so(cli):
    code, _, err = cli("list")
    assert code == 3 and "no data folder" in err
    cli.data.mkdir()
    code, _, err = cli("room", "list")
    assert code == 2 and "init" in err


def test_check_reports_a_double_booking_written_behind_its_back(clinic):
    first = book_session(clinic)[1].strip()
    month = clinic.data / "appointments" / "2026-11.json"
    data = json.loads(month.read_text())
    doc = next(d for d in data["appointments"].values() if d["id"] == first)
    data["appointments"]["99"] = {**doc, "id": "2611-zzzzz", "uid": "other@x"}
    month.write_text(json.dumps(data))
    code, out, _ = clinic("check")
    assert code == 1 and "2611-zzzzz" in out and "overlap" in out


_FRESH_DEMO = """
from tui_scheduler.demo import open_demo
from tui_scheduler.services import Scheduler
folder, hold = open_demo()
print(folder, Scheduler(folder).check_folder()[0])
"""


def test_two_demos_started_at_once_each_get_a_whole_practice(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    runs = [subprocess.Popen([sys.executable, "-c", _FRESH_DEMO], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(2)]
    outs = [r.communicate(timeout=120)[0].split() for r in runs]
    assert all(r.returncode == 0 for r in runs)
    assert all(out[1:] == ["[]"] for out in outs), outs  # each folder checked clean
    assert outs[0][0] == outs[1][0]  # one demo, built once: the second waited for it and reused it
    left = sorted(p.name for p in (tmp_path / "tui-scheduler").iterdir())
    assert "demo" in left and not [n for n in left if n.startswith(".demo-old-")]


def test_opening_the_app_parses_only_its_own_options():
    """The app's start does not import the forty commands (about 60 ms of CPU); `--help` still lists them."""
    from tui_scheduler import cli

    assert cli.opens_the_app([]) and cli.opens_the_app(["--data", "/x", "--demo", "--fresh"])
    assert cli.opens_the_app(["--data=/x"])
    for argv in (["list"], ["--help"], ["-h"], ["--data"], ["--demo", "book"], ["--nope"]):
        assert not cli.opens_the_app(argv), argv
    code = ("import sys\nfrom tui_scheduler import cli\n"
            "args = cli.build_parser(commands=False).parse_args(['--data', '/x', '--demo'])\n"
            "assert (args.command, args.data, args.demo) == (None, '/x', True)\n"
            "print(' '.join(m for m in sys.modules if m.startswith('tui_scheduler')))\n")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "tui_scheduler.cli.booking" not in loaded and "tui_scheduler.ical.cli" not in loaded

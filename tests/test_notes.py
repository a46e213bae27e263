"""Visit notes: signed versions, who may note what, where they are kept, and that their text stays private."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest

from tui_scheduler.core.errors import BadInput, Refused
from tui_scheduler.services import Scheduler
from tui_scheduler.store.folder import _DATA_FILE

from .conftest import NOW, fixed, small_practice

LATER = NOW + timedelta(hours=4)  # Monday 2026-11-23 12:00 in Chicago
SECRET = "left knee aches since the fall (zebra-7)"  # unmistakable in any file or output


def at(sched: Scheduler, when: datetime, user: str = "maya") -> Scheduler:
    """The same folder seen by `user` at another time."""
    return Scheduler(sched.folder.path, clock=fixed(when), user=user)


@pytest.fixture
def session(sched):
    """A session this morning (10:00-11:00), fulfilled by noon."""
    appt = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-23 10:00", 60)
    at(sched, LATER).set_status(appt.id, "fulfilled")
    return appt


def test_a_change_to_a_signed_note_is_a_new_version_and_the_first_stays(sched, session):
    maya = at(sched, LATER)
    first = maya.write_note(session.id, subjective="neck 5/10", objective="tight upper traps", pressure="Medium",
                            areas="neck, shoulders")
    assert len(first.versions) == 1
    v1 = first.current
    assert (v1.signed_by, v1.signed_at, v1.pressure) == ("maya", LATER, "medium")

    later = LATER + timedelta(hours=2)
    second = at(sched, later, user="rosa").write_note(session.id, plan="weekly for 4 weeks", subjective="neck 4/10")
    assert [v.signed_by for v in second.versions] == ["maya", "rosa"]
    assert second.versions[0] == v1  # the earlier version is kept as it was signed
    now = second.current
    assert (now.subjective, now.objective, now.plan, now.areas) == ("neck 4/10", "tight upper traps",
                                                                   "weekly for 4 weeks", "neck, shoulders")
    assert now.signed_at == later

    row = sched.note_of(session.id)
    assert row["version"] == 2 and row["plan"] == "weekly for 4 weeks"
    assert [v["subjective"] for v in row["versions"]] == ["neck 5/10", "neck 4/10"]
    assert row["versions"][0]["signed_at"] == "2026-11-23T12:00:00-06:00"
    assert row["appointment"]["id"] == session.id and row["appointment"]["therapist"] == "Maya"


def test_a_section_can_be_cleared_but_not_resigned_unchanged(sched, session):
    maya = at(sched, LATER)
    maya.write_note(session.id, subjective="neck", plan="stretch daily")
    with pytest.raises(Refused, match="already says that"):
        maya.write_note(session.id, subjective="neck")
    cleared = maya.write_note(session.id, plan="")
    assert cleared.current.plan == "" and cleared.versions[0].plan == "stretch daily"


@pytest.mark.parametrize("sections,error", [
    ({}, Refused),                                   # nothing to sign
    ({"subjective": "   "}, Refused),                # blank is nothing
    ({"pressure": "crushing"}, BadInput),
    ({"plan": "x" * 4001}, BadInput),
    ({"mood": "fine"}, BadInput),
])
def test_a_note_needs_real_sections(sched, session, sections, error):
    with pytest.raises(error):
        at(sched, LATER).write_note(session.id, **sections)
    assert sched.note_of(session.id) is None


def test_only_treatment_given_is_noted(sched):
    ahead = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    with pytest.raises(Refused, match="not started yet"):
        sched.write_note(ahead.id, subjective="x")
    started = at(sched, datetime.fromisoformat("2026-11-24T10:20:00-06:00"))
    assert started.write_note(ahead.id, subjective="in the room").current.subjective == "in the room"

    gone = sched.book_session("Ben", "Daniel", "Willow", "swedish", "2026-11-24 10:00", 60, override="cleared")
    sched.cancel(gone.id)
    with pytest.raises(Refused, match="cancelled"):
        started.write_note(gone.id, subjective="x")
    missed = sched.book_session("Ann", "Daniel", "Willow", "swedish", "2026-11-23 13:00", 60)
    at(sched, LATER + timedelta(hours=3)).set_status(missed.id, "no-show")
    with pytest.raises(Refused, match="no-show"):
        started.write_note(missed.id, subjective="x")


def test_notes_are_filed_by_month_and_found_after_a_move(sched):
    nov = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-30 10:00", 60)
    dec = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-12-07 10:00", 60)
    at(sched, datetime.fromisoformat("2026-11-30T10:30:00-06:00")).write_note(nov.id, subjective="november")
    at(sched, datetime.fromisoformat("2026-12-07T10:30:00-06:00")).write_note(dec.id, subjective="december")
    folder = sched.folder.path
    files = sorted(p.relative_to(folder).as_posix() for p in (folder / "notes").iterdir())
    assert files == ["notes/2026-11.json", "notes/2026-12.json"]
    assert all(_DATA_FILE.match(f) for f in files)  # a journal naming them may be rolled forward

    # the client came back late in the evening: the session moves to the next day, and next month
    sched.move(nov.id, "2026-12-01 10:00")
    assert sched.note_of(nov.id)["subjective"] == "november"
    december = sched.client_notes("Ann", "2026-12-01", "2026-12-31")
    assert [(r["appointment"]["id"], r["subjective"]) for r in december] == [(nov.id, "november"),
                                                                             (dec.id, "december")]
    assert sched.client_notes("Ann", "2026-11-01", "2026-11-30") == []
    assert len(sched.client_notes("Ann")) == 2
    assert sched.client_notes("Ben") == []


def test_cli_note_and_notes(cli, sched_cli):
    appt = sched_cli
    code, out, err = cli("note", appt, "--subjective", "neck 5/10", "--areas", "neck", "--pressure", "light",
                         now=LATER)
    assert code == 0, err
    assert f"{appt}" in out and "version 1" in out and "neck 5/10" in out
    code, out, err = cli("note", appt, "--plan", "home stretches", now=LATER + timedelta(minutes=5))
    assert code == 0, err
    assert "version 2, amends 1 earlier" in out
    code, out, err = cli("note", appt, "--plan", "home stretches")
    assert code == 1 and "already says that" in err and out == ""

    code, out, _ = cli("notes", "--client", "Ann", "--json")
    rows = json.loads(out)
    assert len(rows) == 1 and rows[0]["plan"] == "home stretches"
    assert [(v["version"], v["plan"]) for v in rows[0]["versions"]] == [(1, ""), (2, "home stretches")]
    assert {v["signed_by"] for v in rows[0]["versions"]} == {os_user()}
    code, out, _ = cli("notes", "--client", "Ann", "--from", "2026-11-24")
    assert (code, out.strip()) == (0, "no notes")
    code, out, _ = cli("note", appt)  # no sections: shows the note
    assert code == 0 and "home stretches" in out and "P:" in out
    code, _, err = cli("note", "2611-nones")
    assert code == 1 and "no appointment" in err


@pytest.fixture
def sched_cli(cli):
    """The cli fixture's folder with a practice and a session fulfilled this morning; returns its id."""
    s = small_practice(cli.data)
    appt = s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-23 10:00", 60)
    at(s, LATER).set_status(appt.id, "fulfilled")
    return appt.id


def os_user() -> str:
    from tui_scheduler.store.folder import os_user as who

    return who()


def test_note_text_never_reaches_the_audit_log_feeds_or_log_lines(cli, sched_cli, tmp_path, monkeypatch):
    appt = sched_cli
    logs = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(logs))  # where the CLI logs unexpected errors
    assert cli("note", appt, "--subjective", SECRET, "--assessment", SECRET, now=LATER)[0] == 0
    code, out, err = cli("note", appt, "--plan", SECRET + "x" * 4000, now=LATER)
    assert code == 2 and SECRET not in err and "at most 4000" in err
    assert cli("note", appt, "--plan", SECRET, now=LATER)[0] == 0
    assert cli("export", "--all", "--out", str(tmp_path / "ics"), "--full-names")[0] == 0
    listing = cli("list", "--from", "2026-11-23", "--json")[1] + cli("day", "2026-11-23", "--json")[1]
    audit = (cli.data / "audit.jsonl").read_text()
    assert SECRET not in audit
    signed = [json.loads(line) for line in audit.splitlines() if '"note"' in line]
    assert [(e["id"], e["version"], e["sections"]) for e in signed] == [
        (appt, 1, ["subjective", "assessment"]), (appt, 2, ["plan"])]
    calendars = "".join(p.read_text() for p in (tmp_path / "ics").iterdir())
    assert "BEGIN:VEVENT" in calendars and "zebra" not in calendars
    assert "zebra" not in listing
    logged = "".join(p.read_text(errors="replace") for p in logs.rglob("*") if p.is_file())
    assert "zebra" not in logged
    # the text is where it belongs, and only there
    holding = [p for p in cli.data.rglob("*.json") if "zebra" in p.read_text()]
    assert [p.relative_to(cli.data).as_posix() for p in holding] == ["notes/2026-11.json"]


def test_check_still_passes_with_notes(sched, session):
    at(sched, LATER).write_note(session.id, subjective="ok")
    problems, summary = sched.check_folder()
    assert problems == [] and summary.startswith("ok")


def test_note_versions_hold_their_own_time(sched, session):
    """Versions are listed in the order they were signed, each with its own signature."""
    for i in range(3):
        at(sched, LATER + timedelta(minutes=i), user=f"u{i}").write_note(session.id, plan=f"plan {i}")
    row = sched.note_of(session.id)
    assert [(v["version"], v["signed_by"], v["plan"]) for v in row["versions"]] == [
        (1, "u0", "plan 0"), (2, "u1", "plan 1"), (3, "u2", "plan 2")]
    assert all(re.match(r"2026-11-23T12:0\d:00-06:00", v["signed_at"]) for v in row["versions"])


def test_a_damaged_note_is_named_without_its_text(cli, sched_cli):
    appt = sched_cli
    assert cli("note", appt, "--subjective", SECRET, now=LATER)[0] == 0
    path = cli.data / "notes" / "2026-11.json"
    data = json.loads(path.read_text())
    doc = next(iter(data["notes"].values()))
    doc["versions"][0]["objective"] = [SECRET]  # hand-edited into the wrong shape
    path.write_text(json.dumps(data))
    for args in (("note", appt), ("notes", "--client", "Ann"), ("client", "show", "Ann")):
        code, out, err = cli(*args)
        assert code == 3 and "notes/2026-11.json" in err and appt in err, err
        assert "zebra" not in err + out


def test_check_finds_a_note_without_its_appointment(sched, session):
    at(sched, LATER).write_note(session.id, subjective="ok")
    path = sched.folder.path / "notes" / "2026-11.json"
    data = json.loads(path.read_text())
    doc = next(iter(data["notes"].values()))
    data["notes"]["2"] = {**doc, "id": "2611-gonez"}
    (sched.folder.path / "notes" / "2026-12.json").write_text(json.dumps({"notes": {"1": doc}}))
    path.write_text(json.dumps(data))
    problems, summary = sched.check_folder()
    assert summary.startswith("PROBLEMS")
    assert problems == ["the note in notes/2026-11.json belongs to missing appointment 2611-gonez",
                        f"the note of {session.id} is filed in notes/2026-12.json, not notes/2026-11.json"]


def test_the_day_sheet_says_which_sessions_have_a_note(sched, session):
    other = sched.book_session("Ben", "Daniel", "Willow", "swedish", "2026-11-23 10:00", 60, override="ok")
    maya = at(sched, LATER)
    maya.write_note(session.id, subjective="first")
    maya.write_note(session.id, subjective="second")
    rows = {r["id"]: r for r in sched.day_sheet("2026-11-23")}
    assert (rows[session.id]["note_versions"], rows[other.id]["note_versions"]) == (2, 0)
    assert "second" not in json.dumps(rows) and "first" not in json.dumps(rows)


def test_notes_and_clearances_survive_a_backup_and_restore(sched, session, tmp_path):
    at(sched, LATER).write_note(session.id, subjective="kept")
    at(sched, LATER + timedelta(minutes=1)).write_note(session.id, plan="and this")
    sched.add_clearance("Ben", "osteoporosis", "Dr. Chen", note="zebra-note")
    archive = sched.take_backup()
    restored = Scheduler(tmp_path / "restored", clock=fixed(LATER))
    done = restored.restore_backup(archive.data)
    assert done.problems == []
    assert [v["subjective"] for v in restored.note_of(session.id)["versions"]] == ["kept", "kept"]
    assert [c.note for c in restored.clearances("Ben")] == ["zebra-note"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_note_and_clearance_text_never_reach_a_reminder(tmp_path):
    from tests.smtp_server import smtp_server
    from tests.test_reminders import EVENING, practice, run

    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port)
        s.update_client("Amelia", flags=["osteoporosis"])
        s.add_clearance("Amelia", "osteoporosis", "Dr. Chen", note="zebra-11 spine fracture 2019")
        earlier = s.book_session("Amelia", "Maya", "Cedar", "swedish", "2026-11-23 10:00", 60)
        at(s, LATER).set_status(earlier.id, "fulfilled")
        at(s, LATER).write_note(earlier.id, subjective=SECRET, plan="zebra-12 recheck tomorrow")
        s.book_session("Amelia", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
        done = run(s, "reminders", "send", now=EVENING)
        assert done.returncode == 0, done.stderr
        (message,) = inbox.messages
        assert message["To"] == "amelia@example.com"
        raw = message.as_bytes()
        assert b"Amelia" in raw and b"zebra" not in raw and b"fracture" not in raw
        assert "zebra" not in done.stdout + done.stderr
        assert "zebra" not in (s.folder.path / "outbox.json").read_text()

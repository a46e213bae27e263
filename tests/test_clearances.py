"""Medical clearance on file: it stands in for the flags' override while valid, and only then."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tui_scheduler.core.errors import BadInput, NeedsOverride, Refused
from tui_scheduler.services import Scheduler

from .conftest import fixed


def flags_warning(problems) -> list[str]:
    return [p.message for p in problems if p.code == "flags"]


def session(sched: Scheduler, start: str, **kw):
    return sched.book_session("Ben", "Maya", "Cedar", "swedish", start, 60, **kw)


def test_a_clearance_turns_the_override_off_until_it_expires(sched):
    with pytest.raises(NeedsOverride, match="Ben Flag is flagged \\(osteoporosis\\)"):
        session(sched, "2026-11-24 10:00")
    sched.add_clearance("Ben", "osteoporosis", "Dr. Chen", until="2026-11-30", note="light pressure only")

    cleared = session(sched, "2026-11-24 10:00")
    assert cleared.overrides == {}
    last_day = session(sched, "2026-11-30 10:00")  # the last day it covers
    assert last_day.overrides == {}
    assert sched.clearance_note("Ben", "2026-11-30 10:00") == "cleared by Dr. Chen until 2026-11-30"

    # the day after, the flag asks for a reason again, as it always did
    with pytest.raises(NeedsOverride, match="osteoporosis"):
        session(sched, "2026-12-01 10:00")
    assert sched.clearance_note("Ben", "2026-12-01 10:00") == ""
    assert session(sched, "2026-12-01 10:00", override="spoke to Dr. Chen").overrides == {
        "flags": "spoke to Dr. Chen"}
    # moving a cleared session past the clearance needs a reason too
    with pytest.raises(NeedsOverride, match="osteoporosis"):
        sched.move(cleared.id, "2026-12-02 10:00")


def test_the_booking_forms_verdict_has_no_flag_warning_while_cleared(sched):
    request = dict(client="Ben", therapist="Maya", room="Cedar", modality="swedish", minutes=60)
    assert flags_warning(sched.problems_for_session(start="2026-11-24 10:00", **request))
    sched.add_clearance("Ben", "osteoporosis", "Dr. Chen", until="2027-01-31")
    assert flags_warning(sched.problems_for_session(start="2026-11-24 10:00", **request)) == []
    assert flags_warning(sched.problems_for_session(start="2027-02-01 10:00", **request))


def test_each_flag_needs_its_own_clearance(sched):
    sched.update_client("Ben", flags=["osteoporosis", "blood-thinners"])
    sched.add_clearance("Ben", "osteoporosis", "Dr. Chen", until="2027-01-31")
    with pytest.raises(NeedsOverride) as refused:
        session(sched, "2026-11-24 10:00")
    assert flags_warning(refused.value.problems) == ["Ben Flag is flagged (blood-thinners): talk to the doctor first"]
    assert sched.clearance_note("Ben", "2026-11-24 10:00") == "osteoporosis cleared by Dr. Chen until 2027-01-31"

    sched.add_clearance("Ben", "blood-thinners", "Dr. Said")
    assert session(sched, "2026-11-24 10:00").overrides == {}
    assert sched.clearance_note("Ben", "2026-11-24 10:00") == (
        "osteoporosis cleared by Dr. Chen until 2027-01-31; blood-thinners cleared by Dr. Said")
    # after the first expires, only its flag asks again
    with pytest.raises(NeedsOverride) as refused:
        session(sched, "2027-02-01 10:00")
    assert flags_warning(refused.value.problems) == ["Ben Flag is flagged (osteoporosis): talk to the doctor first"]


def test_the_longest_clearance_counts_and_a_removed_one_no_longer(sched):
    short = sched.add_clearance("Ben", "osteoporosis", "Dr. Chen", until="2026-11-30")
    long = sched.add_clearance("Ben", "osteoporosis", "Dr. Said", until="2027-06-30")
    assert sched.clearance_note("Ben", "2026-11-24 10:00") == "cleared by Dr. Said until 2027-06-30"
    sched.remove_clearance(long.id)
    assert sched.clearance_note("Ben", "2026-11-24 10:00") == "cleared by Dr. Chen until 2026-11-30"
    sched.remove_clearance(short.id)
    with pytest.raises(NeedsOverride):
        session(sched, "2026-11-24 10:00")
    assert sched.clearances("Ben") == []
    with pytest.raises(Refused, match="no clearance"):
        sched.remove_clearance(short.id)


def test_visits_are_not_concerned_by_massage_flags(sched):
    visit = sched.book_visit("Ben", "Dr Patel", "Adjusting", "2026-11-24 09:00", 30)
    assert visit.overrides == {}
    sched.add_clearance("Ben", "osteoporosis", "Dr. Chen")
    assert sched.clearance_note("Ben", "2026-11-24 09:00", kind="visit") == ""


@pytest.mark.parametrize("args,error,match", [
    (("Ann", "osteoporosis", "Dr. Chen"), Refused, "not flagged osteoporosis"),
    (("Ben", "gout", "Dr. Chen"), BadInput, "unknown flag"),
    (("Ben", "osteoporosis", "  "), BadInput, "name"),
])
def test_a_clearance_must_fit_the_client(sched, args, error, match):
    with pytest.raises(error, match=match):
        sched.add_clearance(*args)


def test_a_clearance_already_over_is_refused(sched):
    with pytest.raises(BadInput, match="already have ended"):
        sched.add_clearance("Ben", "osteoporosis", "Dr. Chen", until="2026-11-22")


def test_the_audit_log_has_the_clearance_not_its_note_nor_the_condition(sched):
    found = sched.add_clearance("Ben", "osteoporosis", "Dr. Chen", until="2027-01-31", note="zebra-9 fracture 2019")
    sched.remove_clearance(found.id)
    entries = [json.loads(line) for line in (sched.folder.path / "audit.jsonl").read_text().splitlines()]
    added = next(e for e in entries if e["action"] == "clearance-add")
    assert (added["id"], added["by"], added["until"], added["user"]) == (found.id, "Dr. Chen", "2027-01-31", "tester")
    assert any(e["action"] == "clearance-remove" and e["id"] == found.id for e in entries)
    text = (sched.folder.path / "audit.jsonl").read_text()
    assert "zebra" not in text and "clearance-add" in text
    assert "osteoporosis" not in "".join(line for line in text.splitlines() if "clearance" in line)


def test_cli_booking_says_who_cleared_it_instead_of_the_warning(cli):
    from .conftest import small_practice

    small_practice(cli.data)
    book = ("book", "session", "--client", "Ben", "--therapist", "Maya", "--room", "Cedar", "--modality",
            "swedish", "--minutes", "60", "--start")
    code, _, err = cli(*book, "2026-11-24 10:00")
    assert code == 1 and "needs --override" in err and "osteoporosis" in err
    code, out, err = cli("clearance", "add", "--client", "Ben", "--flag", "osteoporosis", "--by", "Dr. Chen",
                         "--until", "2027-01-31", "--note", "fine with light pressure")
    assert code == 0, err
    clearance = out.strip()
    code, out, err = cli(*book, "2026-11-24 10:00")
    assert code == 0 and err == "cleared by Dr. Chen until 2027-01-31\n"
    code, out, err = cli(*book, "2026-11-25 10:00", "--json")
    assert code == 0 and json.loads(out)["cleared"] == "cleared by Dr. Chen until 2027-01-31"
    # on a day after it, the warning is back
    code, _, err = cli(*book, "2027-02-02 10:00")
    assert code == 1 and "needs --override" in err and "osteoporosis" in err
    code, out, _ = cli("clearance", "list", "--client", "Ben")
    assert clearance in out and "Ben Flag" in out and "Dr. Chen until 2027-01-31" in out
    rows = json.loads(cli("clearance", "list", "--json")[1])
    assert [(r["id"], r["flag"], r["until"], r["note"]) for r in rows] == [
        (clearance, "osteoporosis", "2027-01-31", "fine with light pressure")]
    # once the clearance's last day is behind us, a booking today needs the reason again
    after = datetime.fromisoformat("2027-02-01T08:00:00-06:00")
    code, _, err = cli(*book, "2027-02-01 10:00", now=after)
    assert code == 1 and "osteoporosis" in err
    assert cli("clearance", "remove", clearance)[0] == 0
    assert cli("clearance", "list")[1].strip() == "no clearances"


def test_clearances_are_read_by_a_second_desk(sched, tmp_path):
    other = Scheduler(sched.folder.path, clock=fixed(), user="desk2")
    sched.add_clearance("Ben", "osteoporosis", "Dr. Chen")
    assert session(other, "2026-11-24 10:00").overrides == {}


def test_the_day_sheet_shows_the_clearance_beside_the_flag(sched):
    sched.add_clearance("Ben", "osteoporosis", "Dr. Chen", until="2026-11-24")
    today = session(sched, "2026-11-24 10:00")
    later = session(sched, "2026-11-25 10:00", override="called Dr. Chen")
    (row,) = [r for r in sched.day_sheet("2026-11-24") if r["id"] == today.id]
    assert (row["flags"], row["cleared"]) == (["osteoporosis"], "cleared by Dr. Chen until 2026-11-24")
    (row,) = [r for r in sched.day_sheet("2026-11-25") if r["id"] == later.id]
    assert row["cleared"] == ""


def test_each_flag_with_its_clearance_on_a_day(sched):
    sched.update_client("Ben", flags=["osteoporosis", "blood-thinners"])
    sched.add_clearance("Ben", "blood-thinners", "Dr. Said", until="2026-12-31")
    assert sched.flag_clearances("Ben", "2026-11-24 10:00") == [
        {"flag": "osteoporosis", "label": "osteoporosis (fracture risk)", "cleared": ""},
        {"flag": "blood-thinners", "label": "on blood thinners (bruising)",
         "cleared": "cleared by Dr. Said until 2026-12-31"}]
    assert [f["cleared"] for f in sched.flag_clearances("Ben", "2027-01-04 10:00")] == ["", ""]
    assert sched.flag_clearances("Ann", "2026-11-24 10:00") == []

"""A referral pays for so many visits, whatever order the bookings are made in (issue 14, finding 2)."""

from __future__ import annotations

import json

import pytest

from tui_scheduler.core.errors import NeedsOverride
from tui_scheduler.services import Scheduler
from tests.conftest import NOW


def _cara_with_three_visits(sched: Scheduler) -> list:
    sched.add_referral("Cara", 3, "2026-12-31", issued="2026-11-01")
    return [sched.book_session("Cara", "Maya", "Cedar", "swedish", f"2026-12-{day} 10:00", 60)
            for day in ("08", "09", "10")]


def test_an_earlier_date_cannot_take_a_later_visits_place_without_a_reason(sched):
    _cara_with_three_visits(sched)
    for day in ("01", "02", "03"):  # each earlier than every booked one
        with pytest.raises(NeedsOverride, match="referral is used up"):
            sched.book_session("Cara", "Maya", "Cedar", "swedish", f"2026-12-{day} 10:00", 60)
    problems = sched.problems_for_session(client="Cara", therapist="Maya", room="Cedar", modality="swedish",
                                          start="2026-12-01 10:00", minutes=60)
    assert [p.code for p in problems] == ["referral"]
    # and it says whose paid visit an early date would take, so "visit 1 of 3" afterwards is no surprise
    assert problems[0].message.endswith("booked this early it takes the paid visit of Thu 10 Dec 10:00, "
                                        "which is then not covered"), problems[0].message
    # the booking form's preview agrees with the rule: no "visit 1 of 3" for a date the rule warns about
    assert sched.referral_note_for("Cara", "2026-12-01 10:00") == ""
    standing = sched.referral_standings(client="Cara")[0]
    assert (standing["used"], standing["left"]) == (3, 0)
    assert sched.check_folder()[0] == []


def test_moving_an_unpaid_session_ahead_of_paid_ones_needs_a_reason(sched):
    _cara_with_three_visits(sched)
    extra = sched.book_session("Cara", "Maya", "Cedar", "swedish", "2026-12-15 10:00", 60, override="self-pay")
    with pytest.raises(NeedsOverride, match="referral is used up"):
        sched.move(extra.id, "2026-12-01 10:00")
    assert [s["used"] for s in sched.referral_standings(client="Cara")] == [3]
    assert sched.get(extra.id).start.day == 15


def test_a_free_earlier_visit_is_numbered_in_time_order(sched):
    sched.add_referral("Cara", 3, "2026-12-31", issued="2026-11-01")
    later = sched.book_session("Cara", "Maya", "Cedar", "swedish", "2026-12-10 10:00", 60)
    assert sched.referral_note_for("Cara", "2026-12-01 10:00").startswith("visit 1 of 3")
    sched.book_session("Cara", "Maya", "Cedar", "swedish", "2026-12-01 10:00", 60)
    assert sched.referral_note(later).startswith("visit 2 of 3")


def test_a_no_show_taken_back_when_no_shows_are_free_meets_the_limit(sched):
    sched.update_practice(no_show_uses_visit=False)
    sched.add_referral("Cara", 1, "2026-12-31", issued="2026-11-01")
    first = sched.book_session("Cara", "Maya", "Cedar", "swedish", "2026-11-23 09:00", 60)
    later = Scheduler(sched.folder.path, clock=lambda: first.end, user="tester")
    later.set_status(first.id, "no-show")  # the visit is free again
    sched.book_session("Cara", "Maya", "Cedar", "swedish", "2026-11-25 10:00", 60)
    with pytest.raises(NeedsOverride, match="referral is used up"):
        later.set_status(first.id, "booked")
    assert later.set_status(first.id, "booked", override="client paid the difference").status == "booked"
    assert later.check_folder()[0] == []


def test_check_reports_visits_beyond_a_referral_written_behind_its_back(sched):
    booked = _cara_with_three_visits(sched)
    month = sched.folder.path / "appointments" / "2026-12.json"
    data = json.loads(month.read_text())
    doc = next(d for d in data["appointments"].values() if d["id"] == booked[0].id)
    data["appointments"]["99"] = {**doc, "id": "2612-zzzzz", "uid": "x@y", "start": "2026-12-01T16:00:00+00:00",
                                  "end": "2026-12-01T17:00:00+00:00"}
    month.write_text(json.dumps(data))
    problems = Scheduler(sched.folder.path, clock=lambda: NOW).check_folder()[0]
    assert any("Cara Ins has 1 visit(s) no referral pays for but only 0 booked with a reason" in p
               for p in problems), problems

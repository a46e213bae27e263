"""Closures and time off protect the schedule: closed days refuse bookings and are skipped by every search;
time off over booked clients is never silent."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import TZ, small_practice
from tui_scheduler.core import clock
from tui_scheduler.core.errors import Refused, StrandsBookings

TUE, WED, THU, FRI = "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"


# --- closures ------------------------------------------------------------------------------------------

def test_booking_on_a_closed_day_is_refused_with_the_reason(sched):
    sched.add_closure(THU, FRI, "Thanksgiving")
    with pytest.raises(Refused, match="the practice is closed on Thu 2026-11-26: Thanksgiving") as refused:
        sched.book_session("Ann", "Maya", "Cedar", "swedish", f"{THU} 10:00", 60, override="anyway")
    assert all(not p.soft for p in refused.value.problems if p.code == "closed")  # no override opens the door
    with pytest.raises(Refused, match="closed on Fri 2026-11-27"):
        sched.book_visit("Ann", "Dr Patel", "Adjusting", f"{FRI} 09:00", 30)
    assert sched.book_session("Ann", "Maya", "Cedar", "swedish", f"{WED} 10:00", 60)


def test_free_time_searches_and_the_waitlist_skip_closed_days(sched):
    sched.add_closure(TUE, WED, "training days")
    slots = sched.find_slots(60, "swedish", start_day=TUE, count=3)
    assert slots and all(s.start.date() >= date(2026, 11, 26) for s in slots)
    entry = sched.add_to_waitlist("Ann", 60, TUE, WED, modality="swedish")
    assert sched.waitlist_matches() == []
    with pytest.raises(Refused, match="nothing fitting is free"):
        sched.book_from_waitlist(entry.id)
    sched.remove_closure(sched.closures()[0].id)
    assert [e.id for e, _ in sched.waitlist_matches()] == [entry.id]


def test_a_series_offers_the_next_open_day_past_a_closure(sched):
    sched.add_closure("2026-12-01", "2026-12-02", "boiler repair")  # the second Tuesday and the Wednesday
    plan = sched.plan_series("Ann", "Maya", "Cedar", "swedish", 60, f"{TUE} 10:00", 7, 3)
    assert [i.free for i in plan] == [True, False, True]
    assert "closed on Tue 2026-12-01: boiler repair" in plan[1].blocking[0].message
    assert plan[1].alternative.start.astimezone(clock.zone(TZ)).date() == date(2026, 12, 3)
    booked = sched.book_series("Ann", "Maya", "Cedar", "swedish", 60, f"{TUE} 10:00", 7, 3)
    assert [str(a.start.date()) for a in booked] == [TUE, "2026-12-03", "2026-12-08"]


def test_closure_commands(cli):
    assert cli("init", "--timezone", "America/Chicago")[0] == 0
    cli("room", "add", "Cedar", "--kind", "massage")
    cli("staff", "add", "Maya", "--role", "therapist", "--modality", "swedish")
    cli("client", "add", "Ann Self")
    code, booked, _ = cli("book", "session", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar",
                          "--modality", "swedish", "--start", f"{FRI} 10:00", "--minutes", "60")
    assert code == 0
    code, out, err = cli("closure", "add", "--from", THU, "--to", FRI, "--reason", "Thanksgiving")
    assert code == 1 and booked.strip() in out and err.count("\n") == 1
    assert "1 booked appointment on those days; nothing was saved" in err
    assert json.loads(cli("closure", "list", "--json")[1]) == []
    code, out, err = cli("closure", "add", "--from", THU, "--to", FRI, "--reason", "Thanksgiving", "--override")
    assert code == 0 and booked.strip() in out and "must be moved" in err
    closure_id = out.split()[-1]
    code, out, _ = cli("closure", "list")
    assert out.strip() == f"{closure_id}  Thu 2026-11-26 to Fri 2026-11-27 (Thanksgiving)"
    code, out, _ = cli("day", FRI)
    assert out.startswith("CLOSED Thu 2026-11-26 to Fri 2026-11-27 (Thanksgiving)")
    code, _, err = cli("book", "session", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar",
                       "--modality", "swedish", "--start", f"{THU} 11:00", "--minutes", "60", "--override", "x")
    assert code == 1 and "closed on Thu 2026-11-26: Thanksgiving" in err
    code, _, err = cli("closure", "add", "--from", FRI, "--to", THU)
    assert code == 2 and "ends (2026-11-26) before it starts" in err
    assert cli("closure", "remove", closure_id)[0] == 0
    code, _, err = cli("closure", "remove", closure_id)
    assert code == 1 and "no closure with id" in err
    log = cli("audit")[1]
    assert f"closed 2026-11-26 to 2026-11-27: Thanksgiving; strands {booked.strip()}" in log
    assert "closure 2026-11-26 to 2026-11-27 removed" in log


# --- time off over booked appointments -------------------------------------------------------------------

def test_time_off_over_bookings_names_them_and_needs_override(sched):
    hit = sched.book_session("Ann", "Maya", "Cedar", "swedish", f"{TUE} 10:00", 60)
    sched.book_session("Ann", "Daniel", "Cedar", "swedish", f"{TUE} 12:00", 60)  # someone else's client
    with pytest.raises(StrandsBookings, match="Maya has 1 booked appointment then; nothing was saved") as refused:
        sched.add_time_off("Maya", f"{TUE} 09:00", f"{TUE} 13:00", "dentist")
    assert [a.id for a in refused.value.appointments] == [hit.id]
    assert sched.time_off_list("Maya") == []
    assert [a.id for a in sched.time_off_hits("Maya", f"{TUE} 09:00", f"{TUE} 13:00")] == [hit.id]
    sched.add_time_off("Maya", f"{TUE} 09:00", f"{TUE} 13:00", "dentist", override=True)
    assert sched.hit_by_time_off(TUE) == {
        hit.id: "Maya is off Tue 2026-11-24 09:00 to Tue 2026-11-24 13:00: dentist"}
    row = next(r for r in sched.day_sheet(TUE) if r["id"] == hit.id)
    assert row["time_off"].startswith("Maya is off")
    sched.move(hit.id, f"{TUE} 14:00", override="ok")  # moved out of the time off: no longer flagged
    assert sched.hit_by_time_off(TUE) == {}


def test_time_off_list_and_remove(sched):
    sched.add_time_off("Maya", f"{TUE} 09:00", f"{TUE} 13:00", "dentist")
    sched.add_time_off("Daniel", "2026-11-20 00:00", "2026-11-21 00:00", "last week")
    rows = sched.time_off_list()
    assert [(r["staff"], r["reason"]) for r in rows] == [("Maya", "dentist")]  # from today on
    assert rows[0]["start"] == "2026-11-24T09:00:00-06:00" and rows[0]["hits"] == []
    assert len(sched.time_off_list(from_day="2026-11-01")) == 2
    person, off = sched.remove_time_off(rows[0]["id"])
    assert person.name == "Maya" and off.reason == "dentist" and person.time_off == ()
    with pytest.raises(Refused, match="no time off with id"):
        sched.remove_time_off(rows[0]["id"])


def test_time_off_saved_before_it_had_ids_gets_a_stable_one(tmp_path):
    s = small_practice(tmp_path / "data")
    s.add_time_off("Maya", f"{TUE} 09:00", f"{TUE} 13:00", "old")
    staff = tmp_path / "data" / "staff.json"
    data = json.loads(staff.read_text())
    for person in data["staff"].values():
        for off in person["time_off"]:
            del off["id"]  # as a folder written before this version holds it
    staff.write_text(json.dumps(data))
    first = s.time_off_list()[0]["id"]
    assert first.startswith("t-") and s.time_off_list()[0]["id"] == first
    s.remove_time_off(first)
    assert s.time_off_list() == []


def test_time_off_commands(cli):
    assert cli("init", "--timezone", "America/Chicago")[0] == 0
    cli("room", "add", "Cedar", "--kind", "massage")
    cli("staff", "add", "Maya", "--role", "therapist", "--modality", "swedish")
    cli("client", "add", "Ann Self")
    booked = cli("book", "session", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar",
                 "--modality", "swedish", "--start", f"{TUE} 10:00", "--minutes", "60")[1].strip()
    code, out, err = cli("staff", "time-off", "Maya", "--from", TUE, "--to", TUE, "--reason", "course")
    assert code == 1 and booked in out and err.count("\n") == 1 and "add --override" in err
    assert cli("staff", "time-off-list")[1].strip() == "no time off"
    code, out, err = cli("staff", "time-off", "Maya", "--from", TUE, "--to", TUE, "--reason", "course", "--override")
    assert code == 0 and booked in out and "stay flagged" in err
    code, out, _ = cli("staff", "time-off-list", "Maya")
    line = out.strip()
    assert "Maya" in line and "2026-11-24 00:00 to 2026-11-25 00:00  course" in line and f"strands {booked}" in line
    code, out, _ = cli("day", TUE)
    assert "OFF: Maya is off" in out
    assert cli("staff", "time-off-remove", line.split()[0])[0] == 0
    assert cli("staff", "time-off-list", "--json")[1].strip() == "[]"
    assert "OFF:" not in cli("day", TUE)[1]


def test_reasons_and_labels_shown_on_one_line_keep_a_pasted_line_break_as_a_space(sched):
    """A closure's reason heads the calendar's day, a flag's meaning and a referral's prescriber fill one line
    of a list: a line break pasted into them would split that line."""
    sched.add_closure("2026-12-24", "2026-12-24", "Christmas\nEve")
    sched.add_time_off("Maya", "2026-12-01 09:00", "2026-12-01 12:00", "dentist\r\n visit")
    sched.add_flag("vertigo", "dizzy when\tlying flat")
    ref = sched.add_referral("Ann Self", 6, "2027-03-01", prescriber="Dr. Ruiz\nOrtho Clinic", area="low\nback")
    assert [c.reason for c in sched.closures()] == ["Christmas Eve"]
    assert [t["reason"] for t in sched.time_off_list("Maya", "2026-12-01")] == ["dentist visit"]
    assert sched.flags()["vertigo"] == "dizzy when lying flat"
    assert (ref.prescriber, ref.area) == ("Dr. Ruiz Ortho Clinic", "low back")

"""Treatment plans: referral counting, slot search against brute force, series, waitlist, day sheet."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_scheduler.core.errors import NeedsOverride, Refused
from tui_scheduler.services import Scheduler
from tests.conftest import NOW, fixed, small_practice

TUE = "2026-11-24"
TUESDAY_END = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)  # midnight in Chicago


# --- referrals -------------------------------------------------------------------------------------

def test_referral_counts_sessions_and_spots_not_visits_or_cancellations(sched):
    sched.add_referral("Cara", 3, "2026-12-31", issued="2026-11-01", prescriber="Dr. Chen")
    s1 = sched.book_session("Cara", "Maya", "Cedar", "swedish", f"{TUE} 09:00", 60)
    assert sched.referral_note(s1) == "visit 1 of 3, expires 2026-12-31"
    v = sched.book_visit("Cara", "Dr Patel", "Adjusting", f"{TUE} 11:00", 45)
    spot = sched.book_spot(v.id, "Daniel", f"{TUE} 11:15")
    assert sched.referral_note(v) == "" and sched.referral_note(spot) == "visit 2 of 3, expires 2026-12-31"
    cancelled = sched.book_session("Cara", "Maya", "Cedar", "swedish", f"{TUE} 13:00", 60)
    sched.cancel(cancelled.id)
    [row] = sched.referral_standings(client="Cara")
    assert (row["used"], row["left"], row["state"]) == (2, 1, "active")
    sched.book_session("Cara", "Maya", "Cedar", "swedish", f"{TUE} 14:00", 60)
    assert sched.referral_standings(client="Cara")[0]["state"] == "used up"
    with pytest.raises(NeedsOverride, match="used up"):
        sched.book_session("Cara", "Maya", "Cedar", "swedish", "2026-11-25 10:00", 60)


def test_no_show_setting_decides_whether_a_no_show_uses_a_visit(sched):
    sched.add_referral("Dan", 1, "2026-12-31", issued="2026-11-01")
    early = sched.book_session("Dan", "Daniel", "Cedar", "swedish", "2026-11-23 08:00", 30)
    later = Scheduler(sched.folder.path, clock=fixed(early.end + timedelta(minutes=1)))
    later.set_status(early.id, "no-show")
    assert later.referral_standings(client="Dan")[0]["used"] == 1
    later.update_practice(no_show_uses_visit=False)
    assert later.referral_standings(client="Dan")[0]["used"] == 0
    assert later.book_session("Dan", "Maya", "Cedar", "swedish", f"{TUE} 10:00", 60)


def test_overlapping_referrals_are_not_both_charged(sched):
    sched.add_referral("Cara", 1, "2026-11-30", issued="2026-11-01")
    sched.add_referral("Cara", 2, "2026-12-31", issued="2026-11-15")
    for hour in (9, 11, 13):
        sched.book_session("Cara", "Maya", "Cedar", "swedish", f"{TUE} {hour}:00", 60)
    rows = {r["expires"]: r for r in sched.referral_standings(client="Cara")}
    assert rows["2026-11-30"]["used"] == 1 and rows["2026-12-31"]["used"] == 2
    with pytest.raises(NeedsOverride, match="used up"):
        sched.book_session("Cara", "Maya", "Cedar", "swedish", f"{TUE} 15:00", 60)


def test_expiring_lists_only_those_ending_soon(sched):
    sched.add_referral("Cara", 6, "2026-12-01", issued="2026-11-01")
    sched.add_referral("Dan", 6, "2027-03-01", issued="2026-11-01")
    sched.add_referral("Ann", 6, "2026-11-01", issued="2026-10-01")  # already over
    assert [r["client"] for r in sched.referral_standings(expiring_days=14)] == ["Cara Ins"]
    assert len(sched.referral_standings()) == 3


# --- slots -----------------------------------------------------------------------------------------

def brute_force_starts(s: Scheduler, day: date, minutes: int, last_start) -> list:
    """Every grid start of the day (up to the last one returned) with at least one (therapist, room)
    that passes every hard rule inside working hours, found by asking the booking rules directly."""
    tz = s.practice().timezone
    from tui_scheduler.core import clock

    zone = clock.zone(tz)
    found = []
    for m in range(0, 24 * 60, 15):
        start = clock.slot_at(day, m, zone)
        if start is None or start > last_start or start < s.now():
            continue
        for therapist in ("Daniel", "Maya"):
            for room in ("Cedar", "Willow"):
                problems = s.problems_for_session(client="Ann", therapist=therapist, room=room, modality="swedish",
                                                  start=start, minutes=minutes)
                if not problems:
                    found.append(start)
                    break
            else:
                continue
            break
    return found


busy_block = st.tuples(st.sampled_from(["Maya", "Daniel"]), st.sampled_from(["Cedar", "Willow"]),
                       st.integers(0, 36), st.sampled_from([30, 60, 90]))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(busy_block, max_size=8), st.sampled_from([30, 60, 90]), st.integers(1, 6))
def test_slots_book_cleanly_and_skip_nothing_before_the_last(blocks, minutes, count):
    with tempfile.TemporaryDirectory() as tmp:
        s = small_practice(Path(tmp) / "data")
        for therapist, room, quarter, length in blocks:
            start = f"{TUE} {8 + quarter // 4:02d}:{quarter % 4 * 15:02d}"
            try:
                s.book_session("Ben Flag", therapist, room, "swedish", start, length, override="setup")
            except Refused:
                pass
        slots = s.find_slots(minutes, "swedish", client="Ann", start_day=TUE, count=count)
        assert len(slots) == count
        for slot in slots:
            assert s.problems_for_session(client="Ann", therapist=slot.staff_id, room=slot.room_id,
                                          modality="swedish", start=slot.start, minutes=minutes) == []
        tuesday = [x.start for x in slots if x.start < TUESDAY_END]
        last = tuesday[-1] if len(tuesday) == len(slots) else TUESDAY_END
        assert brute_force_starts(s, date(2026, 11, 24), minutes, last) == tuesday


def test_slots_put_the_usual_therapist_first(sched):
    for day in ("2026-11-02", "2026-11-09", "2026-11-16"):
        past = Scheduler(sched.folder.path, clock=fixed(NOW - timedelta(days=30)))
        past.book_session("Ann", "Daniel", "Cedar", "swedish", f"{day} 10:00", 60)
    first = sched.find_slots(60, "swedish", client="Ann", start_day=TUE, count=1)[0]
    assert sched.describe_slots([first])[0]["therapist"] == "Daniel"
    anyone = sched.find_slots(60, "swedish", start_day=TUE, count=1)[0]
    assert sched.describe_slots([anyone])[0]["therapist"] == "Daniel"  # earliest: Daniel starts at 08:00
    maya = sched.find_slots(60, "trigger-point", start_day=TUE, count=1)[0]
    assert sched.describe_slots([maya])[0]["start"] == "2026-11-24T09:00:00-06:00"


def test_slots_cli_json(cli):
    small_practice(cli.data)
    code, out, err = cli("slots", "--minutes", "60", "--modality", "lymph-drainage", "--from", TUE, "--count", "2",
                         "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["start"] for r in rows] == ["2026-11-24T08:00:00-06:00", "2026-11-24T08:15:00-06:00"]
    assert {r["therapist"] for r in rows} == {"Daniel"} and all(r["room"] for r in rows)


# --- series ----------------------------------------------------------------------------------------

def test_series_with_a_conflict_books_nothing_without_yes_and_offers_free_alternatives(cli):
    s = small_practice(cli.data)
    blocker = s.book_session("Ben Flag", "Maya", "Willow", "swedish", "2026-12-08 10:00", 60, override="ok")
    args = ("book", "series", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar", "--modality", "swedish",
            "--minutes", "60", "--start", "2026-11-24 10:00", "--every", "7d", "--count", "4")
    code, out, err = cli(*args, "--json")
    assert code == 0 and "nothing booked" in err
    plan = json.loads(out)
    assert [p["free"] for p in plan] == [True, True, False, True]
    alt = plan[2]["alternative"]
    assert alt["start"].startswith("2026-12-08") and alt["therapist"] == "Maya"
    assert s.appointments(*s.day_span(date(2026, 11, 24), 30)) == [s.get(blocker.id)]
    code, out, err = cli(*args, "--yes")
    assert code == 0, err
    ids = out.split()
    booked = [s.get(i) for i in ids]
    assert len(booked) == 4 and len({a.series_id for a in booked}) == 1
    assert booked[2].start.isoformat() != "2026-12-08T16:00:00+00:00"
    assert s.describe([booked[2]])[0]["start"] == alt["start"]
    # cancel the rest of the series from the third on
    code, out, _ = cli("cancel", ids[2], "--rest-of-series")
    assert code == 0 and out.split() == ids[2:]
    assert [s.get(i).status for i in ids] == ["booked", "booked", "cancelled", "cancelled"]


def test_series_refused_whole_when_a_date_has_no_free_time(sched):
    sched.add_time_off("Maya", "2026-12-01 00:00", "2026-12-03 00:00", "holiday")
    with pytest.raises(Refused, match="no free time that day or the next"):
        sched.book_series("Ann", "Maya", "Cedar", "swedish", 60, f"{TUE} 10:00", 7, 3)
    assert sched.appointments(*sched.day_span(date(2026, 11, 24), 30)) == []


# --- waitlist --------------------------------------------------------------------------------------

_CANCEL = """
import sys
from tui_scheduler.services import Scheduler
Scheduler(sys.argv[1]).cancel(sys.argv[2], "called in sick")
"""


def test_a_cancellation_by_another_process_surfaces_the_waitlist_match(sched):
    # Maya is booked solid on Tuesday; Ann waits for a 60-minute trigger-point with her that day
    taken = [sched.book_session("Ben Flag", "Maya", ("Cedar", "Willow")[h % 2], "trigger-point", f"{TUE} {h:02d}:00",
                                60, override="ok")
             for h in (9, 10, 11, 12, 13, 14, 15, 16)]
    entry = sched.add_to_waitlist("Ann", 60, TUE, TUE, modality="trigger-point", therapist="Maya")
    assert sched.waitlist_matches() == []
    subprocess.run([sys.executable, "-c", _CANCEL, str(sched.folder.path), taken[3].id], check=True)
    [(found, slot)] = sched.waitlist_matches()
    assert found.id == entry.id and slot.start == taken[3].start
    appt = sched.book_from_waitlist(entry.id)
    assert appt.start == taken[3].start and sched.waitlist() == []


# --- day sheet and billing -------------------------------------------------------------------------

def test_day_sheet_shows_check_in_flags_referral_and_units(cli):
    s = small_practice(cli.data)
    s.add_referral("Cara", 6, "2027-01-15", issued="2026-11-01", prescriber="Dr. Chen")
    a = s.book_session("Cara", "Maya", "Cedar", "deep-tissue", f"{TUE} 10:00", 60)
    s.book_session("Ben Flag", "Daniel", "Willow", "swedish", f"{TUE} 11:00", 30, override="cleared")
    after = Scheduler(cli.data, clock=fixed(a.end))
    after.set_status(a.id, "fulfilled")
    code, out, err = cli("hands-on", a.id, "97124=38", "97140=15", "--json")
    assert code == 0, err
    code, _, err = cli("hands-on", a.id, "97124=50", "97140=15")
    assert code == 1 and "do not fit" in err
    code, out, err = cli("day", TUE, "--json")
    assert code == 0, err
    rows = json.loads(out)
    first, second = rows
    assert first["check_in"] == "09:45" and first["referral"] == "visit 1 of 6, expires 2027-01-15"
    assert first["units"] == {"97124": 3, "97140": 1} and first["total_units"] == 4  # 53 min -> 4 units
    assert second["flags"] == ["osteoporosis"] and second["referral"] == ""
    code, out, _ = cli("day", TUE, "--csv")
    assert out.splitlines()[0].startswith("check_in,start,end,id") and len(out.splitlines()) == 3
    code, out, _ = cli("day", TUE, "--therapist", "Daniel")
    assert "Ben Flag" in out and "Cara" not in out


def test_the_day_sheet_lists_clients_at_the_same_time_by_name(sched):
    for client, therapist, room in (("Ben", "Maya", "Cedar"), ("Ann", "Daniel", "Willow")):
        sched.book_session(client, therapist, room, "swedish", f"{TUE} 10:00", 60, override="cleared")
    assert [r["client"] for r in sched.day_sheet(TUE)] == ["Ann Self", "Ben Flag"]


def test_hands_on_only_after_the_session(sched):
    a = sched.book_session("Ann", "Maya", "Cedar", "swedish", f"{TUE} 10:00", 60)
    with pytest.raises(Refused, match="once it is fulfilled"):
        sched.record_hands_on(a.id, {"97124": 50})

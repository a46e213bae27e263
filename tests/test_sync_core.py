"""The pure part of CalDAV sync: which writes a calendar needs, and which events become time off."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from tui_scheduler.core.sync import (
    CHANGED_HERE,
    CHANGED_THERE,
    UNRECORDED,
    Busy,
    busy_time_off,
    is_ours,
    looks_ours,
    plan,
    resource_name,
)

CHICAGO = ZoneInfo("America/Chicago")
LO = datetime(2026, 11, 1, tzinfo=timezone.utc)
HI = datetime(2027, 1, 1, tzinfo=timezone.utc)


def test_an_events_resource_name_comes_from_its_uid_alone():
    uid = "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab@tui-scheduler"
    assert resource_name(uid) == "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab_tui-scheduler.ics"
    assert resource_name(uid) == resource_name(uid)
    assert looks_ours(resource_name(uid)) and looks_ours(resource_name(f"turnover-{uid}"))
    assert is_ours(resource_name(uid), uid)
    assert not is_ours(resource_name(uid), "someone@else")  # named like ours, but not our event
    assert not is_ours("lunch.ics", "lunch@phone") and not looks_ours("lunch.ics")


def test_plan_writes_only_what_changed_and_never_touches_what_it_did_not_write():
    ledger = {"same.ics": ("e1", "d1"), "moved.ics": ("e2", "d2"), "edited.ics": ("e3", "d3"),
              "gone.ics": ("e4", "d4"), "deleted-there.ics": ("e5", "d5")}
    listing = {"same.ics": "e1", "moved.ics": "e2", "edited.ics": "e3-by-someone", "gone.ics": "e4",
               "lost_tui-scheduler.ics": "e6", "lunch.ics": "e7", "half-done.ics": "e8"}
    wanted = {"same.ics": "d1", "moved.ics": "d2-new", "edited.ics": "d3", "deleted-there.ics": "d5",
              "new.ics": "d9", "half-done.ics": "d8"}
    p = plan(wanted, listing, ledger)
    assert sorted(p.create) == ["deleted-there.ics", "new.ics"]
    assert sorted(p.update) == [("edited.ics", "e3-by-someone", CHANGED_THERE), ("half-done.ics", "e8", UNRECORDED),
                                ("moved.ics", "e2", CHANGED_HERE)]
    assert p.delete == [("gone.ics", "e4")]
    assert p.unknown == [("lost_tui-scheduler.ics", "e6")]  # its UID decides
    assert p.keep == {"same.ics": ("e1", "d1")}
    assert p.writes == 7  # lunch.ics is someone else's: not even looked at


def test_busy_events_become_time_off_each_occurrence_once():
    events = [
        Busy("dentist@phone", "", datetime(2026, 11, 24, 16, tzinfo=timezone.utc),
             datetime(2026, 11, 24, 17, tzinfo=timezone.utc)),
        Busy("gym@phone", "2026-11-24T20:00:00+00:00", datetime(2026, 11, 24, 20, tzinfo=timezone.utc),
             datetime(2026, 11, 24, 21, tzinfo=timezone.utc)),
        Busy("gym@phone", "2026-11-25T20:00:00+00:00", datetime(2026, 11, 25, 20, tzinfo=timezone.utc),
             datetime(2026, 11, 25, 21, tzinfo=timezone.utc)),
        Busy("trip@phone", "", date(2026, 12, 24), date(2026, 12, 26)),  # two whole days, local midnights
        Busy("floating@phone", "", datetime(2026, 12, 1, 9, 0), datetime(2026, 12, 1, 10, 0)),  # wall clock
        Busy("birthday@phone", "", date(2026, 12, 2), None, transparent=True),  # shown as free
        Busy("cancelled@phone", "", datetime(2026, 12, 3, 9, tzinfo=timezone.utc),
             datetime(2026, 12, 3, 10, tzinfo=timezone.utc), cancelled=True),
        Busy("x@tui-scheduler", "", datetime(2026, 12, 4, 9, tzinfo=timezone.utc),
             datetime(2026, 12, 4, 10, tzinfo=timezone.utc)),  # our own appointment, in a calendar we write
        Busy("moment@phone", "", datetime(2026, 12, 5, 9, tzinfo=timezone.utc), None),  # takes no time
        Busy("old@phone", "", datetime(2026, 10, 1, 9, tzinfo=timezone.utc),
             datetime(2026, 10, 1, 10, tzinfo=timezone.utc)),  # before the window
    ]
    got = busy_time_off(events, CHICAGO, LO, HI, "busy")
    assert [t.source for t in got] == ["caldav:dentist@phone", "caldav:gym@phone#2026-11-24T20:00:00+00:00",
                                       "caldav:gym@phone#2026-11-25T20:00:00+00:00", "caldav:floating@phone",
                                       "caldav:trip@phone"]
    trip = got[-1]
    assert trip.start == datetime(2026, 12, 24, 6, tzinfo=timezone.utc)
    assert trip.end - trip.start == timedelta(days=2)
    assert got[3].start == datetime(2026, 12, 1, 15, tzinfo=timezone.utc)
    assert {t.reason for t in got} == {"busy"}

"""Wall-clock time and the grid: DST gaps and repeats, overlap arithmetic, properties checked by hypothesis."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_scheduler.core import clock
from tui_scheduler.core.errors import BadInput, Refused
from tui_scheduler.core.rules import overlaps

ZONES = ["America/Chicago", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kathmandu",
         "Australia/Lord_Howe", "UTC"]
NY = clock.zone("America/New_York")


def test_core_imports_without_textual_or_tinydb():
    code = ("import sys, pkgutil, importlib, tui_scheduler.core as core; "
            "[importlib.import_module(f'tui_scheduler.core.{m.name}') for m in pkgutil.iter_modules(core.__path__)]; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'tinydb', 'filelock', 'orjson')]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_app_and_the_cli_start_without_the_libraries_of_single_commands():
    """PDF, CalDAV and mail libraries cost tens to hundreds of milliseconds to import: they load when a
    superbill, a sync or a reminder needs them, not on every start of the app or a command."""
    code = ("import sys, tui_scheduler.tui.app, tui_scheduler.cli; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'fpdf', 'caldav', 'icalendar', 'aiosmtpd', 'smtplib', 'radicale', 'pypdf'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_spring_forward_gap_is_refused():
    with pytest.raises(Refused, match="does not exist in America/New_York"):
        clock.parse_local("2026-03-08 02:30", NY)


def test_fall_back_repeat_needs_a_choice():
    with pytest.raises(Refused, match="happens twice") as info:
        clock.parse_local("2026-11-01 01:30", NY)
    assert "01:30-04:00" in info.value.reason and "01:30-05:00" in info.value.reason
    first = clock.parse_local("2026-11-01 01:30-04:00", NY)
    second = clock.parse_local("2026-11-01 01:30-05:00", NY)
    assert second - first == timedelta(hours=1)
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)
    with pytest.raises(Refused, match="not at offset"):
        clock.parse_local("2026-11-01 01:30-07:00", NY)


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01 10:00", "2026-11-23 25:00", "2026-11-23 10:60", ""])
def test_unreadable_times_are_bad_input(text):
    with pytest.raises(BadInput):
        clock.parse_local(text, NY)


def test_booking_on_dst_day_keeps_wall_clock_and_elapsed_time(sched):
    # Chicago falls back on 2026-11-01 (a Sunday): a 60-minute session at 01:00 is ambiguous...
    with pytest.raises(Refused, match="happens twice"):
        sched.book_session("Ann", "Daniel", "Cedar", "swedish", "2026-11-01 01:00", 60, override="x")
    # ...and an explicit offset books exactly 60 real minutes
    a = sched.book_session("Ann", "Daniel", "Cedar", "swedish", "2026-11-01 01:00-05:00", 60, override="x")
    assert a.end - a.start == timedelta(minutes=60)
    with pytest.raises(Refused, match="does not exist"):
        sched.book_session("Ann", "Daniel", "Cedar", "swedish", "2027-03-14 02:15", 60, override="x")


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
       minute=st.integers(0, 24 * 60 - 1))
def test_every_local_time_is_refused_or_round_trips(zone, day, minute):
    tz = clock.zone(zone)
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    text = f"{wall:%Y-%m-%d %H:%M}"
    try:
        instant = clock.parse_local(text, tz)
    except Refused as exc:
        # refused only for a real gap or a real repeat
        a, b = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
        assert a.utcoffset() != b.utcoffset(), exc.reason
        if "twice" in exc.reason:
            for offset in (a.utcoffset(), b.utcoffset()):
                sign = "-" if offset < timedelta(0) else "+"
                m = abs(int(offset.total_seconds() // 60))
                picked = clock.parse_local(f"{text}{sign}{m // 60:02d}:{m % 60:02d}", tz)
                assert picked.astimezone(tz).replace(tzinfo=None) == wall
        return
    assert instant.tzinfo == timezone.utc
    assert instant.astimezone(tz).replace(tzinfo=None) == wall


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(date(2024, 1, 1), date(2030, 12, 31)))
def test_grid_rows_of_a_day_are_15_real_minutes_apart_except_across_a_change(zone, day):
    tz = clock.zone(zone)
    rows = [clock.slot_at(day, m, tz) for m in range(0, 24 * 60, 15)]
    real = [r for r in rows if r is not None]
    assert real == sorted(real)
    start, end = clock.day_span(day, tz)
    assert all(start <= r < end for r in real)
    # a normal day has 96 rows; a DST day loses the skipped ones (never more than an hour's worth)
    assert 92 <= len(real) <= 96


intervals = st.tuples(st.integers(0, 200), st.integers(1, 60)).map(lambda t: (t[0], t[0] + t[1]))


@given(intervals, intervals)
def test_overlap_matches_shared_minutes(a, b):
    base = datetime(2026, 11, 23, tzinfo=timezone.utc)
    at = lambda m: base + timedelta(minutes=m)  # noqa: E731
    shared = set(range(*a)) & set(range(*b))
    assert overlaps(at(a[0]), at(a[1]), at(b[0]), at(b[1])) == bool(shared)

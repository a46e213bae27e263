"""Feeds around each summer-time change, read by six independent parsers and compared with `list --json`.

Three zones (a US, a European and a southern-hemisphere one), both changes of each within the feed's
window, a week of ordinary bookings around each change, and the awkward ones: both passes of the repeated
hour, ends inside it and on its edges, and times on either side of the skipped hour.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tui_scheduler.services import Scheduler

from .conftest import EXE, cli_env, fixed
from .parsers.readers import READERS, read

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=timezone.utc)
ZONES = ("America/New_York", "Europe/Berlin", "Australia/Sydney")
PEOPLE = 6


def offset_changes(tz: ZoneInfo, start: datetime, days: int) -> list[datetime]:
    found, hour = [], start
    while hour < start + timedelta(days=days):
        nxt = hour + timedelta(hours=1)
        if nxt.astimezone(tz).utcoffset() != hour.astimezone(tz).utcoffset():
            minute = hour
            while minute.astimezone(tz).utcoffset() == hour.astimezone(tz).utcoffset():
                minute += timedelta(minutes=1)
            found.append(minute)
        hour = nxt
    return found


def awkward(change: datetime, tz: ZoneInfo) -> list[tuple[datetime, int]]:
    """(start, minutes) of bookings that start or end in, or at the edges of, the repeated or skipped hour."""
    before = (change - timedelta(seconds=1)).astimezone(tz).utcoffset()
    size = abs(change.astimezone(tz).utcoffset() - before)
    half = size / 2
    if change.astimezone(tz).utcoffset() < before:  # summer time ends: wall times [change-size, change+size) repeat
        return [(change - half, 60),                         # first pass (01:30 EDT), ends on the second
                (change + half, 60),                         # second pass (01:30 EST)
                (change - half - timedelta(minutes=60), 60),  # ends on the first pass
                (change - size - timedelta(minutes=60), 60),  # ends where the repeated hour starts
                (change - size, 30),                         # starts where it starts
                (change + size - timedelta(minutes=30), 90)]  # starts late on the second pass
    return [(change - timedelta(minutes=30), 60),  # 01:30 standard time, ends after the skipped hour
            (change, 60),                         # the first minute of summer time
            (change - timedelta(minutes=60), 60),  # ends as the hour is skipped
            (change + timedelta(minutes=30), 45),
            (change - timedelta(minutes=90), 120),  # spans the skipped hour
            (change + size, 30)]


def practice(folder: Path, zone: str) -> list[datetime]:
    """A practice in `zone` with the bookings above; returns the offset changes it covers."""
    s = Scheduler(folder, clock=fixed(NOW), user="tester")
    s.init(zone, "Night Clinic", ["mon-sun 08:00-18:00"])
    tz = ZoneInfo(zone)
    found = offset_changes(tz, NOW, 200)
    with s.batch():
        for i in range(PEOPLE):
            s.add_room(f"Room {i}", "massage")
            s.add_staff(f"Therapist {i}", "therapist", ["swedish"], [])
            s.add_client(f"Client {i}", "self-pay")
        for change in found:
            day = change.astimezone(tz).date()
            for d in range(-3, 4):  # a week of ordinary 10:00 sessions around the change
                wall = datetime.combine(day + timedelta(days=d), datetime.min.time()).replace(hour=10, tzinfo=tz)
                s.book_session("Client 0", "Therapist 0", "Room 0", "swedish", wall.astimezone(timezone.utc), 60)
            for i, (start, minutes) in enumerate(awkward(change, tz)):
                s.book_session(f"Client {i}", f"Therapist {i}", f"Room {i}", "swedish", start, minutes,
                               override="night shift")
    return found


def run(folder: Path, *args: str) -> str:
    done = subprocess.run([str(EXE), *args], capture_output=True, text=True, env=cli_env(folder, NOW), timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module", params=ZONES)
def zone_feed(request, tmp_path_factory):
    """(zone, offset changes, `list --json` rows, the practice feed's text) from the real commands."""
    folder = tmp_path_factory.mktemp("dst") / "data"
    found = practice(folder, request.param)
    rows = json.loads(run(folder, "list", "--from", "2026-09-01", "--days", "240", "--json"))
    out = folder.parent / "feeds"
    run(folder, "export", "--all", "--future-days", "200", "--out", str(out))
    return request.param, found, rows, (out / "practice.ics").read_text(encoding="utf-8")


@pytest.mark.parametrize("parser", READERS)
def test_every_instant_matches_list_json_in_every_parser(zone_feed, parser):
    zone, found, rows, text = zone_feed
    assert len(found) == 2  # both changes are in the window
    assert len(rows) == 2 * (7 + 6)
    events = read(parser, text)["events"]
    assert set(events) == {r["uid"] for r in rows}
    for r in rows:
        event = events[r["uid"]]
        assert (event.start, event.end) == (datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])), \
            (zone, parser, r["start"], r["end"])


def test_events_near_a_change_are_written_in_utc_at_both_ends(zone_feed):
    zone, found, rows, text = zone_feed
    assert "X-WR-TIMEZONE" not in text  # it makes some parsers re-read UTC times as local ones
    tz = ZoneInfo(zone)
    by_uid = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
    near = 0
    for r in rows:
        start, end = datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])
        ends = (by_uid[r["uid"]]["DTSTART"].dt, by_uid[r["uid"]]["DTEND"].dt)
        awkward_one = any(abs(t - c) <= timedelta(hours=2) for t in (start, end) for c in found)
        if awkward_one:
            near += 1
        if any(t.astimezone(tz).replace(fold=1).utcoffset() != t.astimezone(tz).replace(fold=0).utcoffset()
               for t in (start, end)):  # a wall time that happens twice
            assert all(e.utcoffset() == timedelta(0) and str(e.tzinfo) == 'UTC' for e in ends), (zone, r)
        if any(e.utcoffset() == timedelta(0) and str(e.tzinfo) == 'UTC' for e in ends):
            assert all(e.utcoffset() == timedelta(0) and str(e.tzinfo) == 'UTC' for e in ends), (zone, r)
        if not awkward_one:
            assert all(str(e.tzinfo) == zone for e in ends), (zone, r)  # ordinary ones in local time
    assert near == 12


def test_the_parsers_from_outside_python_do_misread_a_tzid_time_on_the_first_pass():
    """Why the feed writes those in UTC: a TZID wall time on the first pass of the repeated hour
    (01:30 EDT, 2026-11-01) is read an hour late by libical and ical.js, so these two parsers can tell."""
    from tui_scheduler.ical.build import vtimezone
    from datetime import date

    tz = ZoneInfo("America/New_York")
    first_pass = datetime(2026, 11, 1, 1, 30, tzinfo=tz)  # fold=0: EDT
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "probe")
    cal.add_component(vtimezone("America/New_York", date(2026, 1, 1), date(2027, 1, 1)))
    ev = icalendar.Event()
    for key, value in (("uid", "probe"), ("dtstamp", NOW), ("dtstart", first_pass),
                       ("dtend", first_pass + timedelta(minutes=20)), ("summary", "s"), ("location", "l"),
                       ("description", "d")):
        ev.add(key, value)
    cal.add_component(ev)
    text = cal.to_ical().decode()
    assert "DTSTART;TZID=America/New_York:20261101T013000" in text
    right = first_pass.astimezone(timezone.utc)
    for parser in ("libical", "ical.js"):
        assert read(parser, text)["events"]["probe"].start == right + timedelta(hours=1), parser
    assert read("icalendar", text)["events"]["probe"].start == right

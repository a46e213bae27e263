"""How much the feed caches save, on a practice feed of 10,000 events.

Times four things and prints a table:
- plain: icalendar builds and serializes the same 10,000 events, nothing cached (the cost design.md quotes);
- full: our first build of the feed: read the appointments, make the events, serialize each;
- cached: the same feed asked for again at the same data revision;
- one change: the feed after one appointment was moved (only that event is serialized again).

    .venv/bin/python bench/bench_feeds.py [DATA_DIR]

With no DATA_DIR, a temp folder is filled; an empty DATA_DIR is filled; a folder that already holds a
practice is measured as it is. `measure(data_dir)` returns the numbers for a bench harness.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from tui_scheduler.core import feeds
from tui_scheduler.core import clock
from tui_scheduler.core.model import Appointment, Kind, Status
from tui_scheduler.ical.build import FeedBuilder
from tui_scheduler.services import Scheduler
from tui_scheduler.store.tables import AppointmentBook, new_code

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
TZ = "America/Chicago"
EVENTS = 10_000
ROOMS = 8
HOURS = (9, 10, 11, 13, 14, 15)  # six 60-minute sessions a day per room; 17:00 stays free for the move


def fill(data_dir: Path, now: datetime = NOW, count: int = EVENTS) -> Scheduler:
    """A practice with `count` sessions inside the default feed window, written in one transaction.

    Booking them one by one through the rules would take minutes; the sessions are laid out so none
    clashes (each therapist has a room of their own) and written with the model's own to_dict.
    """
    sched = Scheduler(data_dir, clock=lambda: now, user="bench")
    sched.init(TZ, "Bench Clinic", ["mon-sun 08:00-19:00"])
    with sched.batch():
        rooms = [sched.add_room(f"Room {i + 1}", "massage") for i in range(ROOMS)]
        staff = [sched.add_staff(f"Therapist {i + 1}", "therapist", ["swedish", "deep-tissue"],
                                 ["mon-sun 08:00-19:00"]) for i in range(ROOMS)]
        clients = [sched.add_client(f"Client Number{i}", "self-pay") for i in range(200)]
    tz = ZoneInfo(TZ)
    today = clock.local_day(now, tz)
    months: dict[str, dict[str, dict]] = {}
    made = 0
    day = today - timedelta(days=feeds.PAST_DAYS)
    while made < count:
        for hour in HOURS:
            for i in range(ROOMS):
                if made == count:
                    break
                start = clock.slot_at(day, hour * 60, tz)
                month = clock.month_key(start, tz)
                appt = Appointment(
                    id=f"{month[2:4]}{month[5:7]}-{new_code(5)}", uid=f"{uuid.uuid4()}@tui-scheduler",
                    kind=Kind.SESSION, start=start, end=start + timedelta(minutes=60),
                    client_id=clients[made % len(clients)].id, staff_id=staff[i].id, room_id=rooms[i].id,
                    status=Status.CANCELLED if made % 50 == 0 else Status.BOOKED,
                    modality="swedish" if made % 3 else "deep-tissue", created=now, updated=now)
                table = months.setdefault(month, {})
                table[str(len(table) + 1)] = appt.to_dict()
                made += 1
        day += timedelta(days=1)
    with sched.folder.transaction("bench") as tx:
        for month, table in months.items():
            tx.stage(AppointmentBook.rel(month), {"appointments": table})
    return sched


def plain_build(sched: Scheduler, feed: feeds.Feed) -> float:
    """icalendar on its own: one Calendar of the same events, built and serialized from scratch."""
    content = sched.feed_content(feed)
    tz = ZoneInfo(content.timezone)
    began = time.perf_counter()
    cal = Calendar()
    cal.add("prodid", "-//bench//EN")
    cal.add("version", "2.0")
    for e in content.entries:
        ev = Event()
        ev.add("uid", e.uid)
        ev.add("sequence", e.sequence)
        ev.add("dtstamp", e.modified)
        ev.add("dtstart", e.start.astimezone(tz))
        ev.add("dtend", e.end.astimezone(tz))
        ev.add("summary", e.summary)
        ev.add("description", e.description)
        ev.add("location", e.location)
        ev.add("categories", list(e.categories))
        ev.add("status", "CANCELLED" if e.cancelled else "CONFIRMED")
        cal.add_component(ev)
    cal.to_ical()
    return time.perf_counter() - began


def _timed(fn):
    began = time.perf_counter()
    out = fn()
    return time.perf_counter() - began, out


def measure(data_dir: str | Path, now: datetime | None = None) -> dict:
    data_dir = Path(data_dir)
    if (data_dir / "practice.json").exists():
        sched = Scheduler(data_dir, clock=(lambda: now) if now else None, user="bench")
    else:
        sched = fill(data_dir, now or NOW)
    feed = sched.describe_feed("practice")
    plain = plain_build(sched, feed)

    builder = FeedBuilder()
    cold = Scheduler(data_dir, clock=sched.clock, user="bench")  # nothing parsed yet: reads every file
    full, built = _timed(lambda: builder.build(cold, feed))
    cached = min(_timed(lambda: builder.build(cold, feed))[0] for _ in range(5))

    changes = []
    movable = [a for a in cold.appointments(*feeds.window(feed, built.today, ZoneInfo(built.timezone)))
               if a.holds_time and a.kind == Kind.SESSION and a.start > cold.now()]
    for appt in movable[:3]:
        local = appt.start.astimezone(ZoneInfo(built.timezone))
        cold.move(appt.id, f"{local:%Y-%m-%d} 17:00", override="bench")
        seconds, rebuilt = _timed(lambda: builder.build(cold, feed))
        changes.append((seconds, rebuilt.serialized))
    change = min(changes, default=(float("nan"), 0))
    return {
        "events": built.events,
        "plain_s": plain,
        "full_s": full,
        "cached_s": cached,
        "one_change_s": change[0],
        "one_change_serialized": change[1],
        "cached_vs_full": cached / full,
        "one_change_vs_full": change[0] / full,
    }


def main(argv: list[str]) -> None:
    if argv:
        result = measure(Path(argv[0]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = measure(Path(tmp) / "data")
    print(f"practice feed of {result['events']:,} events")
    print(f"{'build':<40}{'ms':>10}{'of full':>10}")
    rows = [("plain icalendar build + serialize", result["plain_s"]),
            ("ours, first build", result["full_s"]),
            ("ours, again at the same revision", result["cached_s"]),
            (f"ours, after one move ({result['one_change_serialized']} serialized)", result["one_change_s"])]
    for label, seconds in rows:
        print(f"{label:<40}{seconds * 1000:>10.2f}{seconds / result['full_s']:>10.2%}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Wall-clock time in the practice's zone, and the 15-minute grid.

Elapsed time is computed in UTC; local times are built from a date and a time of day, never by shifting
a previous local time, so DST changes cannot drift a slot (arrow's shift() has open bugs there).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import BadInput, Refused

_LOCAL = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::00)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$", re.IGNORECASE
)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadInput(f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)") from None


YEARS = (1900, 2999)  # far beyond any booking, and far enough from datetime's limits for day arithmetic


def parse_date(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"not a date: {text!r} (use YYYY-MM-DD)") from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise BadInput(f"{day} is outside the years {YEARS[0]}-{YEARS[1]}")
    return day


def _offset_minutes(text: str) -> int:
    if text.upper() == "Z":
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:]))


def local_to_utc(wall: datetime, tz: ZoneInfo, fold: int | None = None) -> datetime:
    """The instant a naive local wall-clock time names in `tz`.

    Refused when the time does not exist (skipped by spring-forward) or occurs twice (fall-back) and
    the caller has not said which one with `fold` (0 = the first, 1 = the second).
    """
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    when = f"{wall:%Y-%m-%d %H:%M}"
    if first.utcoffset() != second.utcoffset():
        # zoneinfo marks both gaps and repeats by fold-dependent offsets; a gap's time does not round-trip.
        if first.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != wall:
            raise Refused(f"{when} does not exist in {tz.key}: the clocks skip it when summer time starts")
        if fold is None:
            a, b = _fmt_offset(first.utcoffset()), _fmt_offset(second.utcoffset())
            raise Refused(
                f"{when} happens twice in {tz.key} when summer time ends: "
                f"say which with '{when}{a}' (first) or '{when}{b}' (second)"
            )
        return (second if fold else first).astimezone(timezone.utc)
    return first.astimezone(timezone.utc)


def _fmt_offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_local(text: str, tz: ZoneInfo) -> datetime:
    """Parse "2026-11-23 10:00" as wall-clock time in the practice's zone and return UTC.

    An explicit offset ("2026-11-01 01:30-05:00") picks one of the two instants of a repeated hour; it
    must be an offset the zone really has at that time.
    """
    m = _LOCAL.match(text or "")
    if not m:
        raise BadInput(f"not a date and time: {text!r} (use 'YYYY-MM-DD HH:MM')")
    day = parse_date(m.group(1))
    hour, minute = int(m.group(2)), int(m.group(3))
    if hour > 23 or minute > 59:
        raise BadInput(f"not a time of day: {m.group(2)}:{m.group(3)}")
    wall = datetime.combine(day, time(hour, minute))
    if not m.group(4):
        return local_to_utc(wall, tz)
    wanted = timedelta(minutes=_offset_minutes(m.group(4)))
    for fold in (0, 1):
        candidate = wall.replace(tzinfo=tz, fold=fold)
        if candidate.utcoffset() == wanted:
            return local_to_utc(wall, tz, fold)
    raise Refused(f"{wall:%Y-%m-%d %H:%M} in {tz.key} is not at offset {_fmt_offset(wanted)}")


def to_local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz)


def local_minutes(instant: datetime, tz: ZoneInfo) -> int:
    """Minutes after local midnight."""
    t = instant.astimezone(tz)
    return t.hour * 60 + t.minute


def on_grid(instant: datetime, tz: ZoneInfo, grid_minutes: int) -> bool:
    t = instant.astimezone(tz)
    return t.second == 0 and t.microsecond == 0 and (t.hour * 60 + t.minute) % grid_minutes == 0


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """UTC instant of local midnight starting `day` (midnight exists in every IANA zone we care about;
    where it does not, the first instant of the day is taken)."""
    wall = datetime.combine(day, time())
    first = wall.replace(tzinfo=tz)
    return first.astimezone(timezone.utc)


def day_span(day: date, tz: ZoneInfo, days: int = 1) -> tuple[datetime, datetime]:
    return day_start(day, tz), day_start(day + timedelta(days=days), tz)


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def slot_at(day: date, minutes_after_midnight: int, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a grid row on a given day, or None when that wall time does not exist that day.

    A repeated wall time (fall-back) gives its first occurrence.
    """
    if minutes_after_midnight >= 24 * 60:
        return None
    wall = datetime.combine(day, time(minutes_after_midnight // 60, minutes_after_midnight % 60))
    try:
        return local_to_utc(wall, tz, fold=0)
    except Refused:
        return None


def describe(instant: datetime, tz: ZoneInfo) -> str:
    return f"{instant.astimezone(tz):%a %Y-%m-%d %H:%M}"


def month_key(instant: datetime, tz: ZoneInfo) -> str:
    """The store's partition for an appointment: its local start month, 'YYYY-MM'."""
    return f"{instant.astimezone(tz):%Y-%m}"


def months_between(start: datetime, end: datetime, tz: ZoneInfo) -> list[str]:
    """Every local month touched by [start, end], widened by a day on each side for safety at edges."""
    a = (start - timedelta(days=1)).astimezone(tz).date().replace(day=1)
    b = (end + timedelta(days=1)).astimezone(tz).date()
    out = []
    while a <= b:
        out.append(f"{a:%Y-%m}")
        a = (a + timedelta(days=32)).replace(day=1)
    return out

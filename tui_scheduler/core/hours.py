"""Weekly hours ("mon-fri 09:00-17:00"): when the practice is open and when each person works."""

from __future__ import annotations

import re

from .errors import BadInput
from .record import record

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(r"^\s*([a-z,\-]+)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def _minutes(text: str) -> int:
    hh, mm = text.split(":")
    h, m = int(hh), int(mm)
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > 24 * 60:
        raise BadInput(f"not a time of day: {text!r}")
    return h * 60 + m


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            if first not in DAYS or last not in DAYS:
                raise BadInput(f"unknown day in {part!r} (use mon, tue, ... sun)")
            a, b = DAYS.index(first), DAYS.index(last)
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        elif part in DAYS:
            days.append(DAYS.index(part))
        else:
            raise BadInput(f"unknown day {part!r} (use mon, tue, ... sun)")
    return days


@record
class WeeklyHours:
    """For each weekday (Monday = 0) the (start, end) spans in minutes after local midnight."""

    spans: tuple[tuple[tuple[int, int], ...], ...]

    @classmethod
    def parse(cls, specs: list[str] | tuple[str, ...]) -> WeeklyHours:
        """Parse lines like "mon-fri 09:00-17:00" or "tue,thu 12:00-20:00"; later lines add spans."""
        week: list[list[tuple[int, int]]] = [[] for _ in DAYS]
        for spec in specs:
            m = _SPEC.match(spec.lower())
            if not m:
                raise BadInput(f"hours must look like 'mon-fri 09:00-17:00', not {spec!r}")
            start, end = _minutes(m.group(2)), _minutes(m.group(3))
            if end <= start:
                raise BadInput(f"hours end before they start: {spec!r}")
            for day in _days(m.group(1)):
                week[day].append((start, end))
        return cls(tuple(tuple(sorted(spans)) for spans in week))

    def covers(self, weekday: int, start_min: int, end_min: int) -> bool:
        """True when one span holds the whole stretch [start_min, end_min) of that weekday."""
        return any(a <= start_min and end_min <= b for a, b in self.spans[weekday])

    def day_bounds(self) -> tuple[int, int] | None:
        """The earliest start and latest end over the week, to size a calendar grid."""
        spans = [s for day in self.spans for s in day]
        if not spans:
            return None
        return min(a for a, _ in spans), max(b for _, b in spans)

    def describe(self) -> str:
        parts = []
        for i, spans in enumerate(self.spans):
            if spans:
                parts.append(DAYS[i] + " " + ",".join(f"{_clock(a)}-{_clock(b)}" for a, b in spans))
        return "; ".join(parts) or "no hours"

    def compact(self) -> str:
        """'mon-fri 09:00-17:00; sat 09:00-14:00': days that share their hours on one line, as a person
        types them (and `parse` reads them back)."""
        days_by_spans: dict[tuple, list[int]] = {}
        for day, spans in enumerate(self.spans):
            if spans:
                days_by_spans.setdefault(spans, []).append(day)
        parts = []
        for spans, days in days_by_spans.items():
            runs: list[list[int]] = []
            for day in days:
                if runs and runs[-1][1] == day - 1:
                    runs[-1][1] = day
                else:
                    runs.append([day, day])
            names = ",".join(DAYS[a] if a == b else f"{DAYS[a]}{'-' if b > a + 1 else ','}{DAYS[b]}"
                             for a, b in runs)
            parts += [f"{names} {_clock(a)}-{_clock(b)}" for a, b in spans]
        return "; ".join(parts) or "no hours"

    def to_dict(self) -> dict:
        return {DAYS[i]: [[_clock(a), _clock(b)] for a, b in spans] for i, spans in enumerate(self.spans)}

    @classmethod
    def from_dict(cls, d: dict) -> WeeklyHours:
        return cls(tuple(tuple((_minutes(a), _minutes(b)) for a, b in d.get(day, ())) for day in DAYS))

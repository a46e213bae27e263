"""Days the whole practice is closed: holidays, training days, a broken boiler. Pure, no I/O."""

from __future__ import annotations

from datetime import date
from typing import Iterable

from .record import record


@record
class Closure:
    id: str
    first_day: date
    last_day: date
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def describe(self) -> str:
        days = f"{self.first_day:%a %Y-%m-%d}" + (f" to {self.last_day:%a %Y-%m-%d}"
                                                   if self.last_day != self.first_day else "")
        return days + (f" ({self.reason})" if self.reason else "")

    def to_dict(self) -> dict:
        return {"id": self.id, "first_day": self.first_day.isoformat(), "last_day": self.last_day.isoformat(),
                "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict) -> Closure:
        return cls(id=d["id"], first_day=date.fromisoformat(d["first_day"]),
                   last_day=date.fromisoformat(d["last_day"]), reason=d.get("reason", ""))


def closure_on(closures: Iterable[Closure], day: date) -> Closure | None:
    return next((c for c in closures if c.covers(day)), None)


def closed_text(closure: Closure, day: date) -> str:
    """Why nothing can be booked on `day`, in one sentence."""
    why = f": {closure.reason}" if closure.reason else ""
    return f"the practice is closed on {day:%a %Y-%m-%d}{why}"

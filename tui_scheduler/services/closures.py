"""Practice closures: holidays, training days, a broken boiler.

A closed day refuses bookings (a hard rule, core.rules) and free-time searches skip it (core.slots). Like
time off, a closure over booked appointments is taken only when the caller says so.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..core import clock
from ..core.closures import Closure, closed_text
from ..core.errors import BadInput, Refused, StrandsBookings
from ..core.model import Appointment
from .context import Area
from .desk import Desk, clean_line
from .search import as_day

MAX_DAYS = 366


def _hits(desk: Desk, first: date, last: date) -> list[Appointment]:
    lo, hi = clock.day_span(first, desk.tz, (last - first).days + 1)
    return desk.booked_between(lo, hi)


def _days(first_day: date | str, last_day: date | str) -> tuple[date, date]:
    first, last = as_day(first_day), as_day(last_day)
    if last < first:
        raise BadInput(f"the closure ends ({last}) before it starts ({first})")
    if (last - first).days >= MAX_DAYS:
        raise BadInput(f"a closure lasts at most {MAX_DAYS} days")
    return first, last


class Closing(Area):
    def closure_hits(self, first_day: date | str, last_day: date | str) -> list[Appointment]:
        """The booked appointments a closure of these days would strand (for a form to show)."""
        first, last = _days(first_day, last_day)
        with self.ctx.read() as desk:
            return _hits(desk, first, last)

    def add_closure(self, first_day: date | str, last_day: date | str, reason: str = "",
                    override: bool = False) -> Closure:
        first, last = _days(first_day, last_day)
        reason = clean_line(reason, "a closure reason", 200)
        with self.ctx.write() as desk:
            hits = _hits(desk, first, last)
            if hits and not override:
                raise StrandsBookings(f"{len(hits)} booked appointment{'s' if len(hits) != 1 else ''} on those days; "
                                      f"nothing was saved: move them first, or close anyway and keep them flagged", hits)
            closure = Closure(id=desk.closures.new_id("k"), first_day=first, last_day=last, reason=reason)
            desk.closures.put(closure)
            desk.tx.audit("closure-add", id=closure.id, first=str(first), last=str(last), reason=reason,
                          hits=[a.id for a in hits])
        return closure

    def closures(self, from_day: date | str | None = None) -> list[Closure]:
        """Closures that end on or after `from_day` (all of them without it), in date order."""
        with self.ctx.read() as desk:
            found = desk.closures.all()
        if from_day:
            first = as_day(from_day)
            found = [c for c in found if c.last_day >= first]
        return sorted(found, key=lambda c: (c.first_day, c.id))

    def remove_closure(self, closure_id: str) -> Closure:
        with self.ctx.write() as desk:
            closure = desk.closures.get((closure_id or "").strip())
            if closure is None:
                raise Refused(f"no closure with id {closure_id!r} (see 'tui-scheduler closure list')")
            desk.closures.remove(closure.id)
            desk.tx.audit("closure-remove", id=closure.id, first=str(closure.first_day), last=str(closure.last_day))
        return closure

    def closed_days(self, first_day: date | str, days: int = 1) -> dict[date, Closure]:
        """Each closed day among `days` days from `first_day`, with its closure: for the calendar and the
        day sheet to draw as closed."""
        first = as_day(first_day)
        out = {}
        for closure in self.closures(first):
            day = max(closure.first_day, first)
            while day <= closure.last_day and day < first + timedelta(days=days):
                out.setdefault(day, closure)
                day += timedelta(days=1)
        return out

    def hit_by_closures(self, first_day: date | str, days: int = 1) -> dict[str, str]:
        """Booked appointments on closed days among these, each with why ("the practice is closed on Thu
        2026-11-26: Thanksgiving"): flagged on the calendar, as time off's are, until they are moved."""
        closed = self.closed_days(first_day, days)
        if not closed:
            return {}
        with self.ctx.read() as desk:
            out = {}
            for day, closure in closed.items():
                out.update({a.id: closed_text(closure, day) for a in _hits(desk, day, day)})
        return out

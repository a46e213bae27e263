"""Time off: a therapist's or provider's absence, which must never silently strand booked clients.

Time off over booked appointments is taken only when the caller says so (`override`), and those
appointments stay flagged on the day sheet and the calendar until they are moved.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from ..core import clock
from ..core.errors import BadInput, Refused, StrandsBookings
from ..core.model import Appointment, Staff, TimeOff
from ..core.rules import overlaps
from ..store.tables import new_code
from .context import Area
from .desk import Desk, clean_line
from .search import as_day


def _hits(desk: Desk, person: Staff, start: datetime, end: datetime) -> list[Appointment]:
    return [a for a in desk.booked_between(start, end) if a.staff_id == person.id]


def _span(off: TimeOff, tz) -> str:
    return f"{clock.describe(off.start, tz)} to {clock.describe(off.end, tz)}"


class TimeAway(Area):
    def time_off_hits(self, who: str, start: str | datetime, end: str | datetime) -> list[Appointment]:
        """The booked appointments that time off from `start` to `end` would strand (for a form to show)."""
        with self.ctx.read() as desk:
            person = desk.find(desk.staff, who, "staff member")
            return _hits(desk, person, desk.time(start), desk.time(end))

    def add_time_off(self, who: str, start: str | datetime, end: str | datetime, reason: str = "",
                     override: bool = False) -> Staff:
        """Block time off. Over booked appointments it is refused (listing them) unless `override`."""
        reason = clean_line(reason, "a time-off reason", 200)
        with self.ctx.write() as desk:
            person = desk.find(desk.staff, who, "staff member")
            lo, hi = desk.time(start), desk.time(end)
            if hi <= lo:
                raise BadInput("time off must end after it starts")
            hits = _hits(desk, person, lo, hi)
            if hits and not override:
                raise StrandsBookings(f"{person.name} has {len(hits)} booked appointment"
                                      f"{'s' if len(hits) != 1 else ''} then; nothing was saved: move them first, "
                                      f"or take it anyway and keep them flagged until they are moved", hits)
            taken = {t.id for s in desk.staff.all() for t in s.time_off}
            ident = f"t-{new_code(5)}"
            while ident in taken:
                ident = f"t-{new_code(5)}"
            person = replace(person, time_off=(*person.time_off, TimeOff(lo, hi, reason, id=ident)))
            desk.staff.put(person)
            # a staff member's reason may speak of their health: the log says only that one was given
            desk.tx.audit("time-off", id=person.id, time_off=ident, start=lo.isoformat(), end=hi.isoformat(),
                          reason_given=bool(reason) or None, hits=[a.id for a in hits])
        return person

    def time_off_list(self, who: str | None = None, from_day: date | str | None = None) -> list[dict]:
        """Each stretch of time off (ending on or after `from_day`, default today), in time order, with the
        booked appointments it strands."""
        with self.ctx.read() as desk:
            people = [desk.find(desk.staff, who, "staff member")] if who else desk.staff.all()
            first = as_day(from_day) if from_day else clock.local_day(self.now(), desk.tz)
            since = clock.day_start(first, desk.tz)
            rows = []
            for person in people:
                for off in person.time_off:
                    if off.end <= since:
                        continue
                    rows.append({**off.to_dict(), "start": off.start.astimezone(desk.tz).isoformat(),
                                 "end": off.end.astimezone(desk.tz).isoformat(), "staff": person.name,
                                 "staff_id": person.id, "hits": [a.id for a in _hits(desk, person, off.start, off.end)]})
        return sorted(rows, key=lambda r: (r["start"], r["staff"]))

    def remove_time_off(self, time_off_id: str) -> tuple[Staff, TimeOff]:
        with self.ctx.write() as desk:
            for person in desk.staff.all():
                off = next((t for t in person.time_off if t.id == (time_off_id or "").strip()), None)
                if off and off.source:
                    raise Refused(f"{person.name}'s time off {_span(off, desk.tz)} comes from their own calendar: "
                                  f"remove the event there, and the next sync takes it away here")
                if off:
                    person = replace(person, time_off=tuple(t for t in person.time_off if t.id != off.id))
                    desk.staff.put(person)
                    desk.tx.audit("time-off-remove", id=person.id, time_off=off.id, start=off.start.isoformat(),
                                  end=off.end.isoformat())
                    return person, off
        raise Refused(f"no time off with id {time_off_id!r} (see 'tui-scheduler staff time-off-list')")

    def hit_by_time_off(self, first_day: date | str, days: int = 1) -> dict[str, str]:
        """Booked appointments on these days whose therapist or provider is off then, each with why
        ("Maya Lindqvist is off Tue 2026-11-24 10:00 to Tue 2026-11-24 14:00: dentist"): for the day
        sheet and the calendar to flag until they are moved."""
        with self.ctx.read() as desk:
            lo, hi = clock.day_span(as_day(first_day), desk.tz, days)
            staff = {s.id: s for s in desk.staff.all()}
            out = {}
            for a in desk.booked_between(lo, hi):
                person = staff.get(a.staff_id)
                off = next((t for t in person.time_off if overlaps(a.start, a.end, t.start, t.end)), None) \
                    if person else None
                if off:
                    out[a.id] = f"{person.name} is off {_span(off, desk.tz)}" + (f": {off.reason}" if off.reason else "")
        return out

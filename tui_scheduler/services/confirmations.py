"""Confirmations: the client called back or replied, and the front desk's call list of those who have not."""

from __future__ import annotations

from datetime import date, timedelta

from ..core import clock
from ..core.closures import closed_text, closure_on
from ..core.errors import Refused
from ..core.model import Appointment, Kind, Status
from .context import Area
from .search import as_day


class Confirmations(Area):
    def confirm(self, appt_id: str) -> Appointment:
        """Mark an appointment confirmed. Spot work is confirmed with its visit: the client confirms one
        visit, whatever happens inside it."""
        with self.ctx.write() as desk:
            appt = desk.appointment(appt_id)
            if appt.kind == Kind.SPOT:
                appt = desk.appointment(appt.visit_id or "")
            if appt.status != Status.BOOKED:
                raise Refused(f"{desk.label(appt)} is {appt.status}; only a booked appointment is confirmed")
            if appt.confirmed:
                raise Refused(f"{desk.label(appt)} was already confirmed {clock.describe(appt.confirmed, desk.tz)}")
            day = clock.local_day(appt.start, desk.tz)
            closed = closure_on(desk.closures.all(), day)
            if closed:  # an appointment that cannot take place is moved or cancelled, not confirmed
                raise Refused(f"{closed_text(closed, day)}: move or cancel "
                              f"{desk.label(appt)} instead of confirming it")
            now = self.now()
            group = [appt, *desk.spots_of(appt)]
            for a in group:
                desk.book.put(a.changed(now, confirmed=now))
            desk.tx.audit("confirm", id=appt.id, spots=[a.id for a in group[1:]])
            return desk.appointment(appt.id)

    def call_list(self, day: date | str | None = None) -> list[dict]:
        """Tomorrow's (or `day`'s) booked appointments that are not confirmed, in time order, each with the
        client's phone: the list the front desk works through. Spot work goes with its visit. On a closed
        day each row says so (`closed`): those calls are to move or cancel."""
        with self.ctx.read() as desk:
            the_day = as_day(day) if day else clock.local_day(self.now(), desk.tz) + timedelta(days=1)
            closed = closure_on(desk.closures.all(), the_day)
            lo, hi = clock.day_span(the_day, desk.tz)
            due = [a for a in desk.booked_between(lo, hi)
                   if a.status == Status.BOOKED and a.kind != Kind.SPOT and not a.confirmed and a.start >= lo]
            phones = {c.id: c.phone for c in desk.clients.matching(lambda d: d.get("id") in {a.client_id for a in due})}
        rows = self.services.booking.describe(due)
        for a, row in zip(due, rows):
            row["phone"] = phones.get(a.client_id, "")
            row["closed"] = closed_text(closed, the_day) if closed else ""
        return rows

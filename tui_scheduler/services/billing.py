"""Billing: hands-on minutes per timed code after a session, counted in units by the 8-minute rule."""

from __future__ import annotations

from ..core import billing
from ..core.errors import BadInput, Refused
from ..core.model import Appointment, Kind, Status
from .context import Area


class Billing(Area):
    def record_hands_on(self, appt_id: str, minutes_by_code: dict[str, int]) -> Appointment:
        """Direct one-on-one minutes per timed code, after the session, for billing."""
        with self.ctx.write() as desk:
            appt = desk.appointment(appt_id)
            if appt.kind == Kind.VISIT:
                raise Refused("hands-on minutes are recorded on massage sessions and spot work, not on visits")
            if appt.status != Status.FULFILLED:
                raise Refused(f"{desk.label(appt)} is {appt.status}; record hands-on minutes once it is fulfilled")
            clean = {}
            for code, minutes in minutes_by_code.items():
                if code not in billing.CODES:
                    raise BadInput(f"unknown code {code!r} (one of: {', '.join(billing.CODES)})")
                if not isinstance(minutes, int) or minutes < 0:
                    raise BadInput(f"minutes for {code} must be a whole number, 0 or more")
                clean[code] = minutes
            if sum(clean.values()) > appt.minutes:
                raise Refused(f"{sum(clean.values())} hands-on minutes do not fit in a {appt.minutes}-minute "
                              f"{appt.kind}")
            done = appt.changed(self.now(), hands_on=clean)
            desk.book.put(done)
            desk.tx.audit("hands-on", id=appt.id, minutes=clean)
            return done


"""The day sheet: the day in order, with what the front desk needs at check-in."""

from __future__ import annotations

from datetime import date, timedelta

from ..core import billing, clock
from ..core.clearances import covering, wording
from ..core.model import Appointment, Client, Kind
from .context import Area
from .search import as_day


class DaySheet(Area):
    def day_sheet(self, day: date | str | None = None, therapist: str | None = None) -> list[dict]:
        """The day in order: check-in time, phone, flags (the clearance on file for them, and those no
        clearance covers: `uncleared`), referral state, status, billable units, whether the therapist or
        provider is off then, and how many signed versions the note has (0: no note yet)."""
        with self.ctx.read() as desk:
            the_day = as_day(day) if day else clock.local_day(self.now(), desk.tz)
            lo, hi = clock.day_span(the_day, desk.tz)
            appts = desk.book.between(lo, hi, clock.months_between(lo, hi, desk.tz))
            if therapist:
                who = desk.find(desk.staff, therapist, "staff member")
                appts = [a for a in appts if a.staff_id == who.id]
            names = desk.names()  # same-time rows by client: a stable order a person can scan
            appts.sort(key=lambda a: (a.start, a.kind != Kind.VISIT, names.get(a.client_id, ""), a.id))
            clients = {c.id: c for c in desk.clients.matching(lambda d: d.get("id") in {a.client_id for a in appts})}
            allocations = {cid: desk.allocation(cid) for cid, c in clients.items() if c.needs_referral}
            lead = timedelta(minutes=desk.practice.checkin_lead_minutes)
            tz = desk.tz
            noted = desk.notes.of(a.id for a in appts)
            held = desk.clearances.matching(lambda d: d.get("client_id") in clients)
        rows = self.services.booking.describe(appts)
        stranded = self.services.hit_by_time_off(the_day)
        for a, row in zip(appts, rows):
            client = clients.get(a.client_id)
            row["check_in"] = (a.start - lead).astimezone(tz).strftime("%H:%M")
            row["phone"] = client.phone if client else ""
            row["time_off"] = stranded.get(a.id, "")  # booked while the therapist is off: to be moved
            row["flags"] = list(client.flags) if client else []
            row["payer"] = str(client.payer) if client else ""
            row["referral"] = _referral_state(a, client, allocations.get(a.client_id))
            covered = covering(held, client.id, client.flags, the_day) if client else {}
            row["cleared"] = wording(covered, client.flags) if covered else ""
            row["uncleared"] = [f for f in client.flags if f not in covered] if client else []  # still ⚠
            row["note_versions"] = len(noted[a.id].versions) if a.id in noted else 0
            if a.hands_on:
                row["hands_on"] = dict(a.hands_on)
                row["units"] = billing.units(a.hands_on)
                row["total_units"] = sum(row["units"].values())
        return rows



def _referral_state(a: Appointment, client: Client | None, allocation) -> str:
    if client is None or not client.needs_referral or a.kind == Kind.VISIT:
        return ""
    return (allocation.note(a.id) if allocation else "") or "not covered by a referral"

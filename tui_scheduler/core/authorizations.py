"""Which referral pays for which visit: each counted session or spot uses one authorized visit.

Appointments are taken in time order and each goes to the referral covering its day that expires first
and still has visits left, so two overlapping prescriptions are never both charged for one visit.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from . import clock
from .model import Appointment, Kind, Referral, Status
from .record import record


@record
class Standing:
    referral: Referral
    used: int

    @property
    def left(self) -> int:
        return max(0, self.referral.visits - self.used)



def counts_as_visit(a: Appointment, no_show_counts: bool) -> bool:
    """Whether an appointment uses up one authorized visit of a referral."""
    if a.kind not in (Kind.SESSION, Kind.SPOT) or a.status == Status.CANCELLED:
        return False
    return no_show_counts or a.status != Status.NO_SHOW


@record
class Allocation:
    by_referral: dict[str, list[Appointment]]
    uncovered: list[Appointment]
    # appointment id -> (referral, its 1-based visit number under that referral)
    visit_of: dict[str, tuple[Referral, int]]

    def standing(self, ref: Referral) -> Standing:
        return Standing(ref, len(self.by_referral.get(ref.id, [])))

    def note(self, appt_id: str) -> str:
        """'visit 3 of 6, expires 2027-01-15' for an appointment a referral pays for, else ''."""
        found = self.visit_of.get(appt_id)
        if not found:
            return ""
        ref, number = found
        return f"visit {number} of {ref.visits}, expires {ref.expires}"


def allocate(referrals: list[Referral], appointments: list[Appointment], no_show_counts: bool,
             tz: ZoneInfo) -> Allocation:
    refs = sorted(referrals, key=lambda r: (r.expires, r.issued, r.id))
    by_ref: dict[str, list[Appointment]] = {r.id: [] for r in refs}
    uncovered: list[Appointment] = []
    visit_of: dict[str, tuple[Referral, int]] = {}
    counted = sorted((a for a in appointments if counts_as_visit(a, no_show_counts)), key=lambda a: (a.start, a.id))
    for a in counted:
        day: date = clock.local_day(a.start, tz)
        for r in refs:
            if r.client_id == a.client_id and r.covers(day) and len(by_ref[r.id]) < r.visits:
                by_ref[r.id].append(a)
                visit_of[a.id] = (r, len(by_ref[r.id]))
                break
        else:
            uncovered.append(a)
    return Allocation(by_ref, uncovered, visit_of)


def admit(referrals: list[Referral], history: list[Appointment], new: Appointment, no_show_counts: bool,
          tz: ZoneInfo) -> tuple[Allocation, list[Appointment]]:
    """The allocation with `new` (a booking, or a new version of one in `history`), and the appointments a
    referral paid for without it and would no longer pay for with it.

    Visits are counted in time order, so a booking dated before others would take their place in the count:
    it is admitted only if it takes nobody's paid visit, whatever order the bookings were made in.
    """
    others = [a for a in history if a.id != new.id]
    before = allocate(referrals, others, no_show_counts, tz)
    after = allocate(referrals, others + [new], no_show_counts, tz)
    return after, [a for a in others if a.id in before.visit_of and a.id not in after.visit_of]


"""The superbill: the itemised statement a client sends to an insurer, HSA or FSA for reimbursement.

Each fulfilled session and spot is billed from its recorded hands-on minutes (units by the 8-minute rule,
one line per CPT code), at the practice's fee per unit, with the diagnosis codes of the referral the visit
counted against. Nothing is guessed: a session without hands-on minutes is listed as not billed, and each
item a payer needs but the practice has not recorded is named, so the front desk can add it.
Money is exact decimals, never floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from . import billing, clock
from .codes import CENT
from .errors import Refused
from .model import Appointment, Client, Kind, Practice, Referral, Role, Staff, Status
from .record import record

# How each code reads on the bill.
SERVICES = {"97124": "Massage therapy", "97140": "Manual therapy"}
# Manual therapy the same day as a chiropractic adjustment is paid only for another body region, said with
# modifier 59 (a distinct procedural service); the spot's recorded region is that region.
DISTINCT = "59"


@record
class Line:
    """One CPT code of one session or spot."""

    day: date
    appointment_id: str
    kind: str
    provider_id: str
    code: str
    units: int
    fee: Decimal | None  # per unit; None when the practice has no fee for the code
    icd10: tuple[str, ...]
    region: str = ""
    modifier: str = ""  # DISTINCT for spot work's manual therapy inside a chiropractic visit

    @property
    def amount(self) -> Decimal | None:
        return None if self.fee is None else (self.fee * self.units).quantize(CENT)


@record
class NotBilled:
    day: date
    appointment_id: str
    kind: str
    provider_id: str
    reason: str


@dataclass
class Superbill:
    first: date
    last: date
    lines: list[Line] = field(default_factory=list)
    not_billed: list[NotBilled] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what a payer needs and the practice has not recorded

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.amount is not None), Decimal("0.00"))

    @property
    def units(self) -> int:
        return sum(line.units for line in self.lines)

    @property
    def provider_ids(self) -> list[str]:
        return list(dict.fromkeys(line.provider_id for line in self.lines))


def bill(practice: Practice, client: Client, appts: list[Appointment], staff: dict[str, Staff],
         referral_of: dict[str, Referral], first: date, last: date, tz: ZoneInfo) -> Superbill:
    """The superbill of `client`'s fulfilled sessions and spots among `appts` between two days.

    `referral_of` maps an appointment id to the referral it counted against. Refused when nothing at
    all can be billed; otherwise every gap is in `missing`.
    """
    sb = Superbill(first, last)
    billable = sorted((a for a in appts if a.client_id == client.id and a.status == Status.FULFILLED
                       and a.kind in (Kind.SESSION, Kind.SPOT)
                       and first <= clock.local_day(a.start, tz) <= last), key=lambda a: (a.start, a.id))
    if not billable:
        raise Refused(f"nothing to bill: {client.name} has no fulfilled session or spot work from {first} "
                      f"to {last}")
    unrecorded, uncovered, uncoded, no_fee, no_region = [], [], {}, [], []
    visits = {a.id: a for a in appts if a.kind == Kind.VISIT}
    for a in billable:
        day = clock.local_day(a.start, tz)
        units = billing.units(a.hands_on)
        if not a.hands_on:
            sb.not_billed.append(NotBilled(day, a.id, str(a.kind), a.staff_id, "hands-on minutes not recorded"))
            unrecorded.append(a.id)
            continue
        if not any(units.values()):
            sb.not_billed.append(NotBilled(day, a.id, str(a.kind), a.staff_id,
                                           "under 8 hands-on minutes: no billable unit"))
            continue
        ref = referral_of.get(a.id)
        codes = ref.icd10 if ref else ()
        if ref is None:
            uncovered.append(a.id)
        elif not codes:
            uncoded.setdefault(ref.id, ref)
        host = visits.get(a.visit_id or "")
        beside_adjustment = host is not None and getattr(staff.get(host.staff_id), "role", None) == Role.CHIROPRACTOR
        for code in sorted(units):
            if not units[code]:
                continue
            price = practice.fees.get(code)
            if price is None and code not in no_fee:
                no_fee.append(code)
            modifier = DISTINCT if code == "97140" and beside_adjustment else ""
            if modifier and not a.region:
                no_region.append(a.id)
            sb.lines.append(Line(day, a.id, str(a.kind), a.staff_id, code, units[code],
                                 Decimal(price) if price is not None else None, codes, a.region, modifier))
    if not sb.lines:
        raise Refused(f"nothing to bill: none of {client.name}'s {len(billable)} fulfilled session(s) from "
                      f"{first} to {last} has billable hands-on minutes recorded")
    sb.missing = _missing(practice, client, staff, sb, unrecorded, uncovered, list(uncoded.values()), no_fee)
    if no_region:
        sb.missing.append(f"the body region worked in {', '.join(no_region)} (manual therapy beside an adjustment "
                          f"is billed with modifier {DISTINCT}, for another region)")
    return sb


def _missing(practice: Practice, client: Client, staff: dict[str, Staff], sb: Superbill, unrecorded,
             uncovered, uncoded: list[Referral], no_fee) -> list[str]:
    out = [f"the practice's {what}" for what, value in
           (("address", practice.address), ("phone", practice.phone), ("tax id", practice.tax_id)) if not value]
    for pid in sb.provider_ids:
        person = staff.get(pid)
        name = person.name if person else pid
        out += [f"{what} of {name}" for what, value in
                (("the NPI", person and person.npi), ("the licence", person and person.license)) if not value]
    if client.dob is None:
        out.append(f"{client.name}'s date of birth")
    if not client.address:
        out.append(f"{client.name}'s address")
    out += [f"a fee for {code}" for code in no_fee]
    if uncovered:
        out.append(f"a diagnosis (ICD-10): no referral covers {', '.join(uncovered)}")
    out += [f"ICD-10 codes on referral {r.id} ({r.prescriber or 'no prescriber'}, issued {r.issued})"
            for r in uncoded]
    if unrecorded:
        out.append(f"hands-on minutes of {', '.join(unrecorded)} (listed as not billed)")
    return out

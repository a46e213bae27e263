"""Superbills: the statement a client sends to an insurer, HSA or FSA, as data and as a PDF.

The figures come from core/superbill.py; this area gathers what they need in one read, describes the
result in plain data (the same for `--json`, the PDF and the app) and writes the PDF where asked.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..core import clock, codes, superbill
from ..core.errors import BadInput
from ..documents import files
from .context import Area
from .search import as_day


class Superbills(Area):
    def superbill(self, client: str, first: date | str, last: date | str, paid: str | None = None) -> dict:
        """The superbill of a client's fulfilled sessions and spot work between two days (inclusive).

        Refused when nothing can be billed; otherwise `missing` names each item a payer needs that the
        practice has not recorded (the bill is still made without it). `paid`: what the client has paid
        for these services, shown with the balance (the scheduler keeps no payments of its own).
        """
        first_d, last_d = as_day(first), as_day(last)
        paid_d = codes.money(paid) if paid is not None else None
        if last_d < first_d:
            raise BadInput(f"the period ends ({last_d}) before it starts ({first_d})")
        with self.ctx.read() as desk:
            who = desk.find(desk.clients, client, "client")
            lo, _ = clock.day_span(first_d, desk.tz)
            _, hi = clock.day_span(last_d, desk.tz)
            appts = desk.client_appointments(who.id, lo, hi)
            allocation = desk.allocation(who.id)
            staff = {s.id: s for s in desk.staff.all()}
            practice, tz = desk.practice, desk.tz
            today = clock.local_day(self.now(), tz)
        referral_of = {appt_id: ref for appt_id, (ref, _) in allocation.visit_of.items()}
        bill = superbill.bill(practice, who, appts, staff, referral_of, first_d, last_d, tz)
        billed_ids = {line.appointment_id for line in bill.lines}
        referrals = {r.id: r for appt_id, r in referral_of.items() if appt_id in billed_ids}

        def name(pid: str) -> str:
            return staff[pid].name if pid in staff else pid

        return {
            "statement_date": today.isoformat(),
            "period": {"from": first_d.isoformat(), "to": last_d.isoformat()},
            "practice": {"name": practice.name, "address": practice.address, "phone": practice.phone,
                         "tax_id": practice.tax_id},
            "providers": [{"id": pid, "name": name(pid), "role": str(staff[pid].role) if pid in staff else "",
                           "npi": staff[pid].npi if pid in staff else "",
                           "license": staff[pid].license if pid in staff else ""} for pid in bill.provider_ids],
            "client": {"id": who.id, "name": who.name, "dob": who.dob.isoformat() if who.dob else "",
                       "address": who.address, "payer": str(who.payer)},
            "diagnoses": [{"referral": r.id, "prescriber": r.prescriber, "issued": r.issued.isoformat(),
                           "expires": r.expires.isoformat(), "visits": r.visits, "icd10": list(r.icd10)}
                          for r in referrals.values()],
            "lines": [{"date": line.day.isoformat(), "appointment": line.appointment_id, "kind": line.kind,
                       "provider": name(line.provider_id), "code": line.code, "modifier": line.modifier,
                       "service": superbill.SERVICES.get(line.code, line.code) + (f", {line.region}" if line.region else ""),
                       "units": line.units, "fee": _cents(line.fee), "amount": _cents(line.amount),
                       "icd10": list(line.icd10)} for line in bill.lines],
            "not_billed": [{"date": n.day.isoformat(), "appointment": n.appointment_id, "kind": n.kind,
                            "provider": name(n.provider_id), "reason": n.reason} for n in bill.not_billed],
            "total_units": bill.units,
            "total": _cents(bill.total),
            "paid": _cents(paid_d),
            "balance": _cents(bill.total - paid_d) if paid_d is not None else None,
            "missing": bill.missing,
        }

    def write_superbill(self, client: str, first: date | str, last: date | str, path: str | Path,
                        paid: str | None = None) -> dict:
        """Make the superbill and write it as a PDF to exactly `path` (a new file, or a plain file it
        replaces; never a folder, link or device). Nothing is written when nothing can be billed."""
        data = self.superbill(client, first, last, paid)
        from ..documents.superbill import render  # fpdf2 costs 150 ms to import: not on the app's start

        files.write_document(Path(path), render(data))
        return data


def _cents(amount) -> str | None:
    return None if amount is None else f"{amount:.2f}"


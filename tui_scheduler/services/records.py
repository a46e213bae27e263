"""The clinical record: visit notes (signed, every version kept) and the client's history.

A note's text is health information: it is kept in the notes files only. The audit log says that a
note was signed, by whom and which sections changed, never what they say.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..core import billing, clock, notes
from ..core.errors import Refused
from ..core.model import Appointment, Kind, Status
from ..core.notes import SECTIONS, Note
from .context import Area
from .search import as_day

# How far back the client's history and attendance counts reach unless asked for more.
HISTORY_DAYS = 365


class ClinicalRecord(Area):
    # --- notes ---------------------------------------------------------------------------------------

    def write_note(self, appt_id: str, **sections: str | None) -> Note:
        """Sign the appointment's note with the given sections (None or left out: as they were).

        The first save is version 1; each later one is an addendum, the earlier versions stay.
        """
        changes = notes.clean_sections(sections)
        with self.ctx.write() as desk:
            appt = desk.appointment(appt_id)
            now = self.now()
            notes.may_note(appt, now, desk.label(appt))
            before = desk.notes.get(appt.id)
            note = notes.amend(before, appt, changes, desk.tx.user, now, desk.label(appt))
            desk.notes.put(note)
            was = before.current.sections() if before else dict.fromkeys(SECTIONS, "")
            changed = [k for k, v in note.current.sections().items() if v != was[k]]
            desk.tx.audit("note", id=appt.id, client=appt.client_id, version=len(note.versions),
                          sections=changed)
            return note

    def note_refusal(self, appt_id: str) -> str:
        """Why a note cannot be signed for the appointment now ("... has not started yet: ..."), or ''
        when it can: for an editor to say before anything is typed."""
        with self.ctx.read() as desk:
            appt = desk.appointment(appt_id)
            try:
                notes.may_note(appt, self.now(), desk.label(appt))
            except Refused as exc:
                return exc.reason
        return ""

    def note_of(self, appt_id: str) -> dict | None:
        """The appointment's note as a row (see `client_notes`), or None when it has none."""
        with self.ctx.read() as desk:
            appt = desk.appointment(appt_id)
            note = desk.notes.get(appt.id)
            tz = desk.tz
        return _note_row(self.services.booking.describe([appt])[0], note, tz) if note else None

    def client_notes(self, client: str, first: date | str | None = None, last: date | str | None = None
                     ) -> list[dict]:
        """The client's notes, oldest first, between two days (inclusive; open-ended when left out).

        Each row: the appointment (id, kind, start, therapist or provider, status), the note as it
        stands (its sections, who signed it and when, its version), and every version.
        """
        with self.ctx.read() as desk:
            who = desk.find(desk.clients, client, "client")
            lo, hi = _span(first, last, desk.tz)
            appts = desk.client_appointments(who.id, lo, hi)
            found = desk.notes.of(a.id for a in appts)
            appts = sorted((a for a in appts if a.id in found), key=lambda a: (a.start, a.id))
            tz = desk.tz
        rows = self.services.booking.describe(appts)
        return [_note_row(row, found[a.id], tz) for a, row in zip(appts, rows)]

    # --- the client's history ------------------------------------------------------------------------

    def client_history(self, client: str, since: date | str | None = None) -> dict:
        """Everything the front desk and the therapist look up about a client, from one call.

        `client`: contact, payer, date of birth, address, pressure, the client's own notes.
        `flags`: each flag with the clearance covering it today ('' when none does).
        `clearances`, `referrals` (visits used and left), `next` (booked and arrived, soonest first),
        `history` (everything else since `since`, default a year back, newest first, each with units and
        whether it has a note), `attendance` (no-shows and late cancels in the last 12 months, as the
        booking form counts them).
        """
        with self.ctx.read() as desk:
            who = desk.find(desk.clients, client, "client")
            now = self.now()
            today = clock.local_day(now, desk.tz)
            first = as_day(since) if since else today - timedelta(days=HISTORY_DAYS)
            lo, hi = _span(first, None, desk.tz)
            appts = desk.client_appointments(who.id, lo, hi)
            noted = desk.notes.of(a.id for a in appts)
            held = desk.clearances.matching(lambda d: d.get("client_id") == who.id)
        coming = sorted((a for a in appts if _upcoming(a, now)), key=lambda a: (a.start, a.id))
        past = sorted((a for a in appts if not _upcoming(a, now)), key=lambda a: (a.start, a.id), reverse=True)
        rows = self.services.booking.describe(coming + past)
        for a, row in zip(coming + past, rows):
            row.update(_billing(a))
            row["note"] = a.id in noted
            row["note_versions"] = len(noted[a.id].versions) if a.id in noted else 0
        return {
            "client": who.to_dict(),
            "flags": self.services.clearance.flag_clearances(who.id, now),
            "clearances": [{**c.to_dict(), "valid": c.valid_on(today)} for c in held],
            "referrals": self.services.treatment.referral_standings(client=who.id),
            "next": rows[:len(coming)],
            "history": rows[len(coming):],
            "attendance": _attendance(self.services.attendance_records.client_attendance(who.id)),
            "since": first.isoformat(),
        }

def _attendance(record) -> dict:
    return {"months": record.months, "appointments": record.appointments, "no_shows": len(record.no_shows),
            "late_cancels": len(record.late_cancels), "missed": [a.id for a in record.no_shows + record.late_cancels],
            "text": record.text}


def _upcoming(a: Appointment, now: datetime) -> bool:
    return a.status in (Status.BOOKED, Status.ARRIVED) and a.end > now


def _billing(a: Appointment) -> dict:
    """Units by the 8-minute rule from the recorded hands-on minutes; None where they are not recorded."""
    if a.kind == Kind.VISIT:
        return {}
    if not a.hands_on:
        return {"units": None, "total_units": None}
    units = billing.units(a.hands_on)
    return {"hands_on": dict(a.hands_on), "units": units, "total_units": sum(units.values())}


def _span(first, last, tz) -> tuple[datetime, datetime]:
    lo = clock.day_start(as_day(first) if first else date(clock.YEARS[0], 1, 2), tz)
    hi = clock.day_start((as_day(last) if last else date(clock.YEARS[1], 12, 30)) + timedelta(days=1), tz)
    return lo, hi


def _note_row(appt_row: dict, note: Note, tz) -> dict:
    versions = [{**v.sections(), "signed_by": v.signed_by, "signed_at": v.signed_at.astimezone(tz).isoformat(),
                 "version": i} for i, v in enumerate(note.versions, 1)]
    return {"appointment": appt_row, **versions[-1], "versions": versions}

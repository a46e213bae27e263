"""Visit notes: the SOAP note a therapist keeps for each session, spot or visit.

Subjective (what the client reports), objective (what the therapist found), assessment (the response to
treatment), plan (frequency, home care), plus the areas treated and the pressure used. Every save is
signed by the person who made it, with the time; a change to a signed note is a new version beside the
earlier ones (an addendum), never an overwrite.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .errors import BadInput, Refused
from .model import PRESSURES, Appointment, Status, _build, _plain, from_iso, iso
from .record import record

SECTIONS = ("subjective", "objective", "assessment", "plan", "areas", "pressure")
# Long enough for a thorough note, short enough that a pasted file is caught.
SECTION_LIMIT = 4000


@record
class NoteVersion:
    signed_by: str
    signed_at: datetime
    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""
    areas: str = ""
    pressure: str = ""

    def sections(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in SECTIONS}

    def to_dict(self) -> dict:
        return {**_plain(self), "signed_at": iso(self.signed_at)}

    @classmethod
    def from_dict(cls, d: dict) -> NoteVersion:
        return _build(cls, d, signed_at=from_iso(d["signed_at"]))


@record
class Note:
    """One appointment's note: `id` is the appointment's id; the last version is the note as it stands."""

    id: str
    client_id: str
    versions: tuple[NoteVersion, ...]

    @property
    def current(self) -> NoteVersion:
        return self.versions[-1]

    def to_dict(self) -> dict:
        return {"id": self.id, "client_id": self.client_id, "versions": [v.to_dict() for v in self.versions]}

    @classmethod
    def from_dict(cls, d: dict) -> Note:
        versions = tuple(NoteVersion.from_dict(v) for v in d["versions"])
        if not versions:
            raise ValueError("a note without a version")
        return cls(id=d["id"], client_id=d["client_id"], versions=versions)


def may_note(appt: Appointment, now: datetime, label: str) -> None:
    """A note records treatment given: from the start of the appointment, unless it never took place.
    `label` names the appointment for a person ("Keiko Tanaka's session Thu 26 Nov 13:00")."""
    if appt.status in (Status.CANCELLED, Status.NO_SHOW):
        raise Refused(f"{label} is {appt.status}: a note records treatment given")
    if appt.status == Status.BOOKED and now < appt.start:
        raise Refused(f"{label} has not started yet: write its note once the client is here")


def clean_sections(changes: dict[str, str | None]) -> dict[str, str]:
    """The sections a person filled in (None: leave as it was), trimmed and checked."""
    out = {}
    for name, value in changes.items():
        if name not in SECTIONS:
            raise BadInput(f"a note has no section {name!r} (one of: {', '.join(SECTIONS)})")
        if value is None:
            continue
        text = str(value).strip()
        if len(text) > SECTION_LIMIT:  # never quote the text itself: errors reach logs
            raise BadInput(f"the note's {name} is at most {SECTION_LIMIT} characters, not {len(text)}")
        if name == "pressure" and text:
            text = text.lower()
            if text not in PRESSURES:
                raise BadInput(f"pressure is one of: {', '.join(PRESSURES)}")
        out[name] = text
    return out


def amend(note: Note | None, appt: Appointment, changes: dict[str, str], by: str, at: datetime, label: str) -> Note:
    """The note with a new signed version holding `changes` over the last one (or the first version)."""
    last = note.current if note else None
    base = last.sections() if last else dict.fromkeys(SECTIONS, "")
    merged = {**base, **changes}
    if last is not None and merged == base:
        raise Refused(f"the note of {label} already says that: nothing to sign")
    if last is None and not any(merged.values()):
        raise Refused("an empty note: give at least one section (subjective, objective, assessment, plan, "
                      "areas, pressure)")
    version = NoteVersion(signed_by=by, signed_at=at, **merged)
    if note is None:
        return Note(id=appt.id, client_id=appt.client_id, versions=(version,))
    return replace(note, versions=(*note.versions, version))

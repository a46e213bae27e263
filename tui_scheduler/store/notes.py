"""Visit notes on disk: notes/YYYY-MM.json, one file per month of the appointments they belong to.

A note is filed under the month in its appointment's id (the month the appointment was booked for), which
never changes when the appointment moves: finding a note reads one file, and saving one rewrites a month's
notes, whatever the years of history. Appointments whose ids carry no month (written by other tools) have
their notes in notes/other.json.
"""

from __future__ import annotations

from typing import Iterable

from ..core.errors import DataFolderError
from ..core.model import load_record
from ..core.notes import Note
from .folder import Transaction
from .tables import AppointmentBook, docs, stage_record

TABLE = "notes"


class NoteBook:
    def __init__(self, tx: Transaction):
        self.tx = tx

    @staticmethod
    def rel(appt_id: str) -> str:
        return f"notes/{AppointmentBook.home_month(appt_id) or 'other'}.json"

    def _load(self, d: dict, rel: str) -> Note:
        where = f"{self.tx.folder.path}/{rel}"
        try:
            return load_record(Note, d, where)
        except DataFolderError:  # its detail may quote the note's text, which no error line may carry
            raise DataFolderError(f"{where}: the note of {str(d.get('id'))[:12]!r} is malformed. It was left "
                                  f"untouched") from None

    def get(self, appt_id: str) -> Note | None:
        rel = self.rel(appt_id)
        for d in docs(self.tx, rel, TABLE):
            if d.get("id") == appt_id:
                return self._load(d, rel)
        return None

    def of(self, appt_ids: Iterable[str]) -> dict[str, Note]:
        """The notes of these appointments that exist (reading each month file once)."""
        wanted: dict[str, set[str]] = {}
        for ident in appt_ids:
            wanted.setdefault(self.rel(ident), set()).add(ident)
        found = {}
        for rel, ids in wanted.items():
            for d in docs(self.tx, rel, TABLE):
                if d.get("id") in ids:
                    found[d["id"]] = self._load(d, rel)
        return found

    def every(self) -> Iterable[tuple[str, Note]]:
        """Every note with the file it is in (for `check`)."""
        folder = self.tx.folder.path / "notes"
        names = sorted(p.name for p in folder.glob("*.json") if not p.name.startswith(".")) if folder.is_dir() else []
        for name in names:
            rel = f"notes/{name}"
            for d in docs(self.tx, rel, TABLE):
                yield rel, self._load(d, rel)

    def put(self, note: Note) -> None:
        stage_record(self.tx, self.rel(note.id), TABLE, note.id, note.to_dict())

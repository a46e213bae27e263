"""The waitlist: clients waiting for a session that is not free yet, and who fits a freed slot now."""

from __future__ import annotations

from datetime import date, timedelta

from ..core import clock
from ..core.errors import BadInput, Refused
from ..core.model import Appointment, WaitEntry
from ..core.slots import Slot, free_on_day
from .context import Area
from .desk import clean_text
from .search import as_day, day_snapshot, search_inputs


class Waitlist(Area):
    def add_to_waitlist(self, client: str, minutes: int, first_day: date | str, last_day: date | str,
                        modality: str | None = None, therapist: str | None = None, note: str = "") -> WaitEntry:
        if not isinstance(minutes, int) or not 30 <= minutes <= 120:
            raise BadInput("a session lasts 30 to 120 minutes")
        first, last = as_day(first_day), as_day(last_day)
        if last < first:
            raise BadInput("the waitlist range ends before it starts")
        if not (client or "").strip():
            raise BadInput("which client is waiting? (give a name or an id)")
        with self.ctx.write() as desk:
            modality, people, _, who = search_inputs(desk, self.now(), modality, therapist, None, client)
            entry = WaitEntry(id=desk.waitlist.new_id("w"), client_id=who.id, minutes=minutes, first_day=first,
                              last_day=last, modality=modality, therapist_id=people[0].id if therapist else None,
                              note=clean_text(note, "the note", 500))
            desk.waitlist.put(entry)
            desk.tx.audit("waitlist-add", id=entry.id, client=who.id)
        return entry

    def waitlist(self) -> list[WaitEntry]:
        with self.ctx.read() as desk:
            return sorted(desk.waitlist.all(), key=lambda w: (w.first_day, w.id))

    def remove_from_waitlist(self, entry_id: str) -> None:
        with self.ctx.write() as desk:
            entry = desk.waitlist.get(entry_id)
            if entry is None:
                raise Refused(f"no waitlist entry {entry_id!r}")
            desk.waitlist.remove(entry_id)
            desk.tx.audit("waitlist-remove", id=entry_id, client=entry.client_id)

    def waitlist_matches(self) -> list[tuple[WaitEntry, Slot]]:
        """Waiting clients for whom a fitting slot is free now, each with the earliest such slot."""
        out = []
        today = clock.local_day(self.now(), clock.zone(self.services.setup.practice().timezone))
        for entry in self.waitlist():
            if entry.last_day < today:
                continue
            slot = self._wait_slot(entry)
            if slot:
                out.append((entry, slot))
        return out

    def _wait_slot(self, entry: WaitEntry) -> Slot | None:
        with self.ctx.read() as desk:
            modality, people, rooms, who = search_inputs(desk, self.now(), entry.modality, entry.therapist_id, None,
                                                               entry.client_id)
            now = self.now()
            today = clock.local_day(now, desk.tz)
            day = max(entry.first_day, today)
            while day <= entry.last_day:
                found = free_on_day(day_snapshot(desk, day, who), day, entry.minutes, modality, who.id,
                                    people, rooms, now, 1)
                if found:
                    return found[0]
                day += timedelta(days=1)
        return None

    def book_from_waitlist(self, entry_id: str, override: str | None = None) -> Appointment:
        """Book the earliest fitting slot for a waiting client and take them off the list, together."""
        with self.ctx.batch():
            with self.ctx.read() as desk:
                entry = desk.waitlist.get(entry_id)
                if entry is None:
                    raise Refused(f"no waitlist entry {entry_id!r}")
            slot = self._wait_slot(entry)
            if slot is None:
                raise Refused("nothing fitting is free for this waitlist entry yet")
            with self.ctx.read() as desk:
                person = desk.staff.get(slot.staff_id)
            modality = entry.modality or person.modalities[0]
            appt = self.services.booking.book_session(entry.client_id, slot.staff_id, slot.room_id, modality, slot.start,
                                     entry.minutes, override=override)
            self.remove_from_waitlist(entry.id)
            return appt


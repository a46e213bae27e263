"""Finding free times: every candidate is confirmed by the same rules a booking meets.

A quick pass over each therapist's and room's busy spans skips what is certainly taken; whatever is left
is checked with `rules.check`, so a slot offered here always books (clinical warnings aside).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from . import clock, rules
from .closures import closure_on
from .model import Appointment, Kind, Room, Staff
from .record import record


@record
class Slot:
    start: datetime
    end: datetime
    staff_id: str
    room_id: str


def starts_of_day(snap: rules.Snapshot, day: date, minutes: int) -> list[datetime]:
    """Grid starts on `day` whose whole stretch lies inside the practice's opening hours (none on a day
    the practice is closed)."""
    if closure_on(snap.closures, day):
        return []
    grid = snap.practice.grid_minutes
    out = []
    for open_, close in snap.practice.hours.spans[day.weekday()]:
        first = -(-open_ // grid) * grid
        for m in range(first, close - minutes + 1, grid):
            start = clock.slot_at(day, m, snap.tz)
            if start is not None:
                out.append(start)
    return sorted(set(out))


def free_on_day(snap: rules.Snapshot, day: date, minutes: int, modality: str | None, client_id: str,
                therapists: list[Staff], rooms: list[Room], after: datetime,
                limit: int, near: datetime | None = None) -> list[Slot]:
    """Up to `limit` free session slots on one day, earliest first (or nearest to `near`).

    At each start the therapists are tried in the order given (the caller puts the client's usual
    therapist first) and the first free room is taken, so each start is offered once. With no modality,
    any one the therapist is certified for will do.
    """
    turnover = timedelta(minutes=snap.practice.turnover_minutes)
    staff_busy, room_busy = defaultdict(list), defaultdict(list)
    for a in snap.nearby:
        if a.holds_time:
            staff_busy[a.staff_id].append((a.start, a.end))
            span = rules.room_span(a, snap.practice)
            if span:
                room_busy[a.room_id].append(span)
    starts = [s for s in starts_of_day(snap, day, minutes) if s >= after]
    if near is not None:
        starts.sort(key=lambda s: (abs(s - near), s))
    length = timedelta(minutes=minutes)
    out: list[Slot] = []
    for start in starts:
        end = start + length
        slot = _first_fit(snap, start, end, turnover, modality, client_id, therapists, rooms, staff_busy, room_busy)
        if slot:
            out.append(slot)
            if len(out) >= limit:
                break
    return out


def _first_fit(snap, start, end, turnover, modality, client_id, therapists, rooms, staff_busy, room_busy):
    for person in therapists:
        if any(rules.overlaps(start, end, *b) for b in staff_busy[person.id]):
            continue
        for room in rooms:
            if any(rules.overlaps(start, end + turnover, *b) for b in room_busy[room.id]):
                continue
            draft = Appointment(id="(slot)", uid="", kind=Kind.SESSION, start=start, end=end,
                                client_id=client_id, staff_id=person.id, room_id=room.id,
                                modality=modality or next(iter(person.modalities), None))
            if not rules.check(snap, draft, clinical=False):
                return Slot(start, end, person.id, room.id)
    return None

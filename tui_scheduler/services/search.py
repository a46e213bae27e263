"""Looking for free time: whom and where a search may offer, and one day's snapshot for the rules.

Shared by the free-slot search, the series planner and the waitlist.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from ..core import clock, rules
from ..core.errors import Refused
from ..core.model import Appointment, Client, Kind, RoomKind, Status
from .desk import ANYONE, Desk, choice

# Searching further than this for a free slot is not a search a front desk wants to wait for.
HORIZON_DAYS = 92


def search_inputs(desk: Desk, now: datetime, modality, therapist, room, client):
    """The modality, the therapists (the client's usual one first), the massage rooms, and the client."""
    if modality:
        modality = choice(modality, desk.practice.modalities, "modality")
    people = [s for s in desk.staff.all() if s.is_therapist and s.active
              and (modality is None or modality in s.modalities)]
    if therapist:
        person = desk.find(desk.staff, therapist, "therapist")
        if not person.is_therapist:
            raise Refused(f"{person.name} is a {person.role}, not a massage therapist")
        if modality and modality not in person.modalities:
            raise Refused(f"{person.name} is not certified for {modality}")
        people = [person]
    rooms = [r for r in desk.rooms.all() if r.kind == RoomKind.MASSAGE and r.active]
    if room:
        where = desk.find(desk.rooms, room, "room")
        rooms = [where]
    who = desk.find(desk.clients, client, "client") if client else ANYONE
    usual = usual_therapist(desk, who, now) if client else None
    people.sort(key=lambda s: (s.id != usual, s.name.casefold()))
    rooms.sort(key=lambda r: r.name.casefold())
    return modality, people, rooms, who


def usual_therapist(desk: Desk, client: Client, now: datetime) -> str | None:
    """The therapist this client has seen most over the last half year."""
    lo = now - timedelta(days=183)
    past = desk.book.of_client(client.id, lo, now, clock.months_between(lo, now, desk.tz))
    seen = Counter(a.staff_id for a in past if a.kind == Kind.SESSION and a.status != Status.CANCELLED)
    return seen.most_common(1)[0][0] if seen else None


def day_snapshot(desk: Desk, day: date, who: Client, extra: list[Appointment] = ()) -> rules.Snapshot:
    lo, hi = clock.day_span(day, desk.tz)
    return desk.snapshot([], desk.near(lo, hi) + list(extra), also=who)


def as_day(value: date | str) -> date:
    return value if isinstance(value, date) else clock.parse_date(value)

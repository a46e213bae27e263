"""Every booking rule of the practice, in one place.

Hard problems refuse a booking. Soft problems (working hours, contraindications, referrals) let it through
only with an override reason, which is stored with the appointment. Each problem reads as one sentence
a front-desk person understands.
"""

from __future__ import annotations

from dataclasses import field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from . import clock
from .authorizations import admit
from .clearances import Clearance, covering
from .closures import Closure, closed_text, closure_on
from .model import (
    FLAGS,
    SESSION_MINUTES,
    SPOT_MINUTES,
    VISIT_MINUTES,
    VISIT_ROLES,
    VISIT_ROOMS,
    Appointment,
    Client,
    Kind,
    Practice,
    Referral,
    Role,
    Room,
    RoomKind,
    Staff,
)
from .record import record


@record
class Problem:
    code: str
    message: str
    soft: bool = False


@record
class Snapshot:
    """What the rules may look at: the practice, its people and rooms, and the appointments near a booking."""

    practice: Practice
    rooms: dict[str, Room]
    staff: dict[str, Staff]
    clients: dict[str, Client]
    referrals: list[Referral] = field(default_factory=list)
    # holding and non-holding appointments around the booking (at least the booking's day +- a few hours)
    nearby: list[Appointment] = field(default_factory=list)
    # the client's appointments over the windows of their referrals, for counting visits used
    client_history: list[Appointment] = field(default_factory=list)
    # the clients' medical clearances on file
    clearances: list[Clearance] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return clock.zone(self.practice.timezone)

    def find(self, appt_id: str) -> Appointment | None:
        for a in self.nearby:
            if a.id == appt_id:
                return a
        return None


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: back-to-back appointments do not overlap."""
    return a_start < b_end and b_start < a_end


def room_span(a: Appointment, practice: Practice) -> tuple[datetime, datetime] | None:
    """How long an appointment keeps its room: a session adds the turnover buffer; a spot lives inside
    its visit's room time and adds none of its own."""
    if a.kind == Kind.SPOT:
        return None
    extra = practice.turnover_minutes if a.kind == Kind.SESSION else 0
    return a.start, a.end + timedelta(minutes=extra)


def _span_text(a: Appointment, tz: ZoneInfo, who: str = "") -> str:
    """'Tue 2026-11-24 10:00-11:00 (a session with Maya)': the time and what holds it, never an id."""
    start = a.start.astimezone(tz)
    return f"{start:%a %Y-%m-%d %H:%M}-{a.end.astimezone(tz):%H:%M} (a {a.kind}{' with ' + who if who else ''})"


def check(snap: Snapshot, appt: Appointment, ignore: frozenset[str] = frozenset(),
          clinical: bool = True) -> list[Problem]:
    """All problems with booking `appt` among the snapshot's appointments.

    `ignore` holds ids that should not count as conflicts (the appointment itself when moving, and a
    visit's own spots when the visit moves with them). `clinical=False` leaves out the client's flags and
    referral, which say nothing about whether a time is free (slot search).
    """
    problems = _shape(snap, appt)
    if any(p.code == "unknown" for p in problems):
        return problems
    problems += _closed(snap, appt)
    problems += _conflicts(snap, appt, ignore | {appt.id})
    problems += _soft(snap, appt, ignore | {appt.id}, clinical)
    return problems


def _shape(snap: Snapshot, a: Appointment) -> list[Problem]:
    out: list[Problem] = []
    tz = snap.tz
    client = snap.clients.get(a.client_id)
    person = snap.staff.get(a.staff_id)
    room = snap.rooms.get(a.room_id)
    for what, value, ident in (("client", client, a.client_id), ("staff member", person, a.staff_id),
                               ("room", room, a.room_id)):
        if value is None:
            out.append(Problem("unknown", f"no {what} with id {ident!r}"))
    if out:
        return out
    if a.end <= a.start:
        out.append(Problem("time", "the end must be after the start"))
        return out
    grid = snap.practice.grid_minutes
    if not clock.on_grid(a.start, tz, grid) or not clock.on_grid(a.end, tz, grid):
        out.append(Problem("grid", f"times must fall on the {grid}-minute grid "
                                   f"(:00, :15, :30, :45), not {clock.describe(a.start, tz)}"))
    if not room.active:
        out.append(Problem("room", f"room {room.name} is not in use"))
    if not person.active:
        out.append(Problem("staff", f"{person.name} no longer works here"))

    if a.kind == Kind.SESSION:
        lo, hi = SESSION_MINUTES
        if not lo <= a.minutes <= hi:
            out.append(Problem("minutes", f"a session lasts {lo} to {hi} minutes, not {a.minutes}"))
        if room.kind != RoomKind.MASSAGE:
            out.append(Problem("room", f"{room.name} is a {room.kind} room; massage sessions go in a massage room"))
        out += _therapist(person, a.modality, snap.practice.modalities)
    elif a.kind == Kind.VISIT:
        lo, hi = VISIT_MINUTES
        if not lo <= a.minutes <= hi:
            out.append(Problem("minutes", f"a visit lasts {lo} to {hi} minutes, not {a.minutes}"))
        if person.role not in VISIT_ROLES:
            out.append(Problem("role", f"{person.name} is a {person.role}; visits are with a chiropractor "
                                       f"or physical therapist"))
        if room.kind not in VISIT_ROOMS:
            out.append(Problem("room", f"{room.name} is a {room.kind} room; visits go in a chiropractic "
                                       f"or physical-therapy room"))
    else:
        out += _spot_shape(snap, a, person)
    return out


def _therapist(person: Staff, modality: str | None, known: tuple[str, ...]) -> list[Problem]:
    if person.role != Role.THERAPIST:
        return [Problem("role", f"{person.name} is a {person.role}, not a massage therapist")]
    if modality not in known:
        return [Problem("modality", f"unknown modality {modality!r} (one of: {', '.join(known)})")]
    if modality not in person.modalities:
        certified = ", ".join(person.modalities) or "nothing"
        return [Problem("certification", f"{person.name} is not certified for {modality} "
                                         f"(certified: {certified})")]
    return []


def _spot_shape(snap: Snapshot, a: Appointment, person: Staff) -> list[Problem]:
    out = []
    if a.minutes != SPOT_MINUTES:
        out.append(Problem("minutes", f"spot work lasts exactly {SPOT_MINUTES} minutes, not {a.minutes}"))
    visit = snap.find(a.visit_id or "")
    if visit is None:
        return out + [Problem("unknown", f"no visit with id {a.visit_id!r}")]
    if visit.kind != Kind.VISIT:
        return out + [Problem("visit", f"that is a {visit.kind}; spot work goes inside a "
                                       f"chiropractic or physical-therapy visit")]
    if not visit.holds_time:
        out.append(Problem("visit", f"the visit is {visit.status}"))
    if not (visit.start <= a.start and a.end <= visit.end):
        tz = snap.tz
        out.append(Problem("inside", f"spot work must lie inside its visit "
                                     f"({clock.describe(visit.start, tz)}-{visit.end.astimezone(tz):%H:%M})"))
    if a.client_id != visit.client_id or a.room_id != visit.room_id:
        out.append(Problem("visit", "spot work shares its visit's client and room"))
    return out + _therapist(person, a.modality, snap.practice.modalities)


def _closed(snap: Snapshot, a: Appointment) -> list[Problem]:
    """Nothing is booked on a day the practice is closed, whoever works then."""
    last = a.end - timedelta(minutes=1) if a.end > a.start else a.end  # ending at midnight is not the next day
    for day in sorted({clock.local_day(a.start, snap.tz), clock.local_day(last, snap.tz)}):
        closure = closure_on(snap.closures, day)
        if closure:
            return [Problem("closed", closed_text(closure, day))]
    return []


def _conflicts(snap: Snapshot, a: Appointment, ignore: frozenset[str]) -> list[Problem]:
    tz = snap.tz
    out = []
    mine = room_span(a, snap.practice)
    for other in snap.nearby:
        if other.id in ignore or not other.holds_time:
            continue
        if other.staff_id == a.staff_id and overlaps(a.start, a.end, other.start, other.end):
            name = snap.staff[a.staff_id].name
            out.append(Problem("staff-busy", f"{name} is busy {_span_text(other, tz)}"))
        theirs = room_span(other, snap.practice)
        if (mine and theirs and other.room_id == a.room_id and overlaps(*mine, *theirs)):
            room = snap.rooms[a.room_id].name
            turnover = f" + {snap.practice.turnover_minutes} min turnover" if other.kind == Kind.SESSION else ""
            start = other.start.astimezone(tz)
            out.append(Problem("room-busy", f"room {room} is in use {start:%a %Y-%m-%d %H:%M}-"
                                            f"{theirs[1].astimezone(tz):%H:%M} (a {other.kind}{turnover})"))
        if other.client_id == a.client_id and overlaps(a.start, a.end, other.start, other.end):
            own_visit = (a.kind == Kind.SPOT and a.visit_id == other.id) or (
                other.kind == Kind.SPOT and other.visit_id == a.id)
            if not own_visit:
                client = snap.clients[a.client_id].name
                staff = snap.staff.get(other.staff_id)
                out.append(Problem("client-busy", f"{client} is already booked "
                                                  f"{_span_text(other, tz, staff.name if staff else '')}"))
    return out


def _soft(snap: Snapshot, a: Appointment, ignore: frozenset[str], clinical: bool) -> list[Problem]:
    tz = snap.tz
    out = []
    person = snap.staff[a.staff_id]
    client = snap.clients[a.client_id]
    start = a.start.astimezone(tz)
    day, first, last = start.weekday(), clock.local_minutes(a.start, tz), clock.local_minutes(a.end, tz)
    same_day = a.end.astimezone(tz).date() == start.date()
    if not same_day or not snap.practice.hours.covers(day, first, last):
        out.append(Problem("hours", f"the practice is closed then ({clock.describe(a.start, tz)})", soft=True))
    elif not person.hours.covers(day, first, last):
        out.append(Problem("hours", f"{person.name} does not work then ({person.hours.compact()})", soft=True))
    for off in person.time_off:
        if overlaps(a.start, a.end, off.start, off.end):
            why = f": {off.reason}" if off.reason else ""
            out.append(Problem("time-off", f"{person.name} is off {clock.describe(off.start, tz)} to "
                                           f"{clock.describe(off.end, tz)}{why}", soft=True))
            break
    if clinical and a.kind in (Kind.SESSION, Kind.SPOT):
        open_flags = uncleared(snap, client, a) if client.flags and "flags" not in a.overrides else []
        if open_flags:
            out.append(Problem("flags", f"{client.name} is flagged ({', '.join(open_flags)}): talk to the "
                                        f"doctor first", soft=True))
        out += _referral_problem(snap, a, client, ignore)
    return out


def uncleared(snap: Snapshot, client: Client, a: Appointment) -> list[str]:
    """The client's flags that no clearance on file covers on the appointment's day."""
    day = clock.local_day(a.start, snap.tz)
    cleared = covering(snap.clearances, client.id, client.flags, day)
    return [f for f in client.flags if f not in cleared]


def _referral_problem(snap: Snapshot, a: Appointment, client: Client, ignore) -> list[Problem]:
    if not client.needs_referral:
        return []
    day = clock.local_day(a.start, snap.tz)
    mine = [r for r in snap.referrals if r.client_id == client.id]
    history = [h for h in snap.client_history if h.id not in ignore and h.id != a.id]
    allocation, displaced = admit(mine, history, a, snap.practice.no_show_uses_visit, snap.tz)
    if a.id in allocation.visit_of and not displaced:
        return []
    valid = [r for r in mine if r.covers(day)]
    if not valid:
        return [Problem("referral", f"{client.name} pays by {client.payer} and has no referral valid on {day}",
                        soft=True)]
    ref = allocation.visit_of[a.id][0] if a.id in allocation.visit_of else max(valid, key=lambda r: r.expires)
    # dated before visits already paid for, it would take one of theirs: say whose, so that "visit 11 of
    # 12" after booking is no surprise
    taken = (f"; booked this early it takes the paid visit of "
             f"{', '.join(f'{d.start.astimezone(snap.tz):%a %d %b %H:%M}' for d in displaced)}, "
             f"which is then not covered") if displaced else ""
    return [Problem("referral", f"{client.name}'s referral is used up ({ref.visits} of {ref.visits} visits, "
                                f"expires {ref.expires}){taken}", soft=True)]


def flag_text(flags) -> str:
    return "; ".join(FLAGS.get(f, f) for f in flags)

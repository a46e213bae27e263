"""One transaction's view of the practice, and the small helpers every use case shares."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone
from functools import cached_property
from importlib import import_module
from typing import TYPE_CHECKING

from ..core import clock, rules
from ..core.closures import Closure
from ..core.errors import BadInput, NeedsOverride, Refused
from ..core.model import Appointment, Client, Kind, Practice, Referral, Room, Staff, Status, WaitEntry, iso
from ..store.folder import Transaction
from ..store.tables import AppointmentBook, Records

if TYPE_CHECKING:
    from ..core.authorizations import Allocation
    from ..store.notes import NoteBook

# A stand-in client for searches and verdicts made before a client is chosen: no flags, no bookings.
ANYONE = Client(id="(anyone)", name="any client")

# Windows for conflict checks are widened by a day on each side: far more than the longest visit plus
# turnover, so nothing that could clash is left out.
_NEAR = timedelta(days=1)


def choice(value: str, allowed, what: str) -> str:
    v = (value or "").strip().lower()
    if v not in allowed:
        raise BadInput(f"unknown {what} {value!r} (one of: {', '.join(allowed)})")
    return v


def _no_controls(value: str, what: str, allowed: str = "") -> str:
    """Control characters (an ESC that recolours every desk's terminal, a NUL) are never text a person
    typed: refused, named by their code."""
    bad = next((ch for ch in value if unicodedata.category(ch) == "Cc" and ch not in allowed), None)
    if bad is not None:
        raise BadInput(f"{what} holds a control character (U+{ord(bad):04X}); type it again without it")
    return value


def clean_name(text: str, what: str) -> str:
    name = " ".join((text or "").split())
    if not name:
        raise BadInput(f"a {what} needs a name")
    if len(name) > 200:
        raise BadInput(f"a {what} name is at most 200 characters")
    return _no_controls(name, f"the {what}'s name")


def clean_text(text: str | None, what: str, limit: int = 500) -> str:
    """Free text a person typed, trimmed; refused when it is longer than any real one would be."""
    value = (text or "").strip()
    if len(value) > limit:
        raise BadInput(f"{what} is at most {limit} characters, not {len(value)}")
    return _no_controls(value, what, allowed="\n\r\t")


def clean_line(text: str | None, what: str, limit: int = 200) -> str:
    """Text shown on one line (a reason, a phone number, a label): a pasted line break or tab is a space."""
    return " ".join(clean_text(text, what, limit).split())


def decide(problems: list[rules.Problem], override: str | None) -> dict[str, str]:
    """Raise for hard problems, and for soft ones without a reason; return the overrides to record."""
    hard = [p for p in problems if not p.soft]
    if hard:
        raise Refused(hard)
    soft = [p for p in problems if p.soft]
    reason = clean_line(override, "the reason", 500)
    if soft and not reason:
        raise NeedsOverride(soft)
    return {p.code: reason for p in soft}


def _word_starts(wanted: list[str], words: list[str]) -> bool:
    """Whether each wanted word starts a word of the name, in the name's order."""
    at = 0
    for w in wanted:
        at = next((i + 1 for i in range(at, len(words)) if words[i].startswith(w)), -1)
        if at < 0:
            return False
    return True


def _opened_on_use(module: str, cls: str) -> cached_property:
    """A Desk's records of a kind whose module (in core) is imported when a transaction first uses them."""
    def records(desk: Desk) -> Records:
        return Records(desk.tx, getattr(import_module(f"..core.{module}", __package__), cls))
    return cached_property(records)


class Desk:
    """One transaction's view of the practice: records, appointments, and the rules' snapshot."""

    def __init__(self, tx: Transaction):
        self.tx = tx
        practice = Records(tx, Practice).all()
        if not practice:
            raise BadInput(f"{tx.folder.path} has no practice yet (run 'tui-scheduler init --timezone ZONE')")
        self.practice: Practice = practice[0]
        self.tz = clock.zone(self.practice.timezone)
        self.rooms = Records(tx, Room)
        self.staff = Records(tx, Staff)
        self.clients = Records(tx, Client)
        self.referrals = Records(tx, Referral)
        self.waitlist = Records(tx, WaitEntry)
        self.closures = Records(tx, Closure)
        self.book = AppointmentBook(tx, lambda t: clock.month_key(t, self.tz))

    # The records below are opened, and their modules imported, on first use: most transactions touch
    # none of them, and the calendar's first frame would wait for their imports.
    feeds = _opened_on_use("feeds", "Feed")
    clearances = _opened_on_use("clearances", "Clearance")
    caldav = _opened_on_use("sync", "CalDavAccount")
    synced = _opened_on_use("sync", "SyncedCalendar")
    sending = _opened_on_use("reminders", "Sending")
    outbox = _opened_on_use("reminders", "Message")

    @cached_property
    def notes(self) -> NoteBook:
        from ..store.notes import NoteBook
        return NoteBook(self.tx)

    def save_practice(self, practice: Practice) -> None:
        """The practice is one record per folder: replaced whole."""
        table = Records(self.tx, Practice).table
        table.truncate()
        table.insert(practice.to_dict())
        self.practice = practice

    def time(self, value: str | datetime) -> datetime:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise BadInput("a time needs its zone")
            if not clock.YEARS[0] <= value.year <= clock.YEARS[1]:
                raise BadInput(f"{value:%Y-%m-%d} is outside the years {clock.YEARS[0]}-{clock.YEARS[1]}")
            return value.astimezone(timezone.utc)
        return clock.parse_local(value, self.tz)

    def find(self, records: Records, text: str, what: str):
        """A record by id, by name (any case), by the unique start of its name, or by the starts of some of
        its words in order ("Patel" and "Dr. Patel" for Dr. Sam Patel, as the day sheet shortens him)."""
        key = (text or "").strip()
        if not key:
            raise BadInput(f"which {what}? (give a name or an id)")
        found = records.get(key)  # an id, looked up in the file's id index: no pass over 2,000 clients
        if found is not None:
            return found
        folded = key.casefold()
        raw = list(records.raw())
        for pick in (
            lambda d: str(d.get("name", "")).casefold() == folded,
            lambda d: str(d.get("name", "")).casefold().startswith(folded),
            lambda d: _word_starts(folded.split(), str(d.get("name", "")).casefold().split()),
        ):
            hits = [d for d in raw if pick(d)]
            if len(hits) == 1:
                return records.get(hits[0].get("id"))
            if len(hits) > 1:
                names = ", ".join(f"{d.get('name')} ({d.get('id')})" for d in hits[:5])
                raise BadInput(f"{key!r} could be several {what}s: {names}; use the id")
        raise Refused(f"no {what} called {key!r}")

    def appointment(self, appt_id: str) -> Appointment:
        a = self.book.get((appt_id or "").strip())
        if a is None:
            raise Refused(f"no appointment with id {appt_id!r}")
        return a

    def label(self, appt: Appointment) -> str:
        """'Keiko Tanaka's session Thu 26 Nov 13:00': how a person recognises an appointment."""
        client = self.clients.get(appt.client_id)
        return (f"{client.name if client else 'a client'}'s {appt.kind} "
                f"{appt.start.astimezone(self.tz):%a %d %b %H:%M}")

    def near(self, start: datetime, end: datetime) -> list[Appointment]:
        lo, hi = start - _NEAR, end + _NEAR
        return self.book.between(lo, hi, clock.months_between(lo, hi, self.tz))

    def referral_history(self, client_id: str, refs: list[Referral]) -> list[Appointment]:
        """The client's appointments over the windows of their referrals: what counting visits needs."""
        if not refs:
            return []
        lo = clock.day_start(min(r.issued for r in refs), self.tz)
        hi = clock.day_start(max(r.expires for r in refs) + timedelta(days=1), self.tz)
        return self.book.of_client(client_id, lo, hi, clock.months_between(lo, hi, self.tz))

    def client_appointments(self, client_id: str, lo: datetime, hi: datetime) -> list[Appointment]:
        """One client's whole appointments overlapping [lo, hi), reading only the month files the client's
        visit index names: a client's history costs their own months, not the practice's years."""
        if self.book.visits.ready():
            rows = self.book.visits.between(client_id, iso(lo), iso(hi))
            months = sorted({self.book.month_of(r.start) for r in rows})
        else:
            first, last = clock.month_key(lo - _NEAR, self.tz), clock.month_key(hi + _NEAR, self.tz)
            months = [m for m in self.tx.folder.months() if first <= m <= last]
        return self.book.between(lo, hi, months, client_id=client_id)

    def allocation(self, client_id: str) -> Allocation:
        """Which referral pays for which of the client's visits."""
        from ..core.authorizations import allocate

        refs = self.referrals.matching(lambda d: d.get("client_id") == client_id)
        return allocate(refs, self.referral_history(client_id, refs), self.practice.no_show_uses_visit, self.tz)

    def spots_of(self, appt: Appointment, keep=lambda spot: spot.status == Status.BOOKED) -> list[Appointment]:
        """A visit's spot work that `keep` accepts (by default: still booked); none for other kinds."""
        if appt.kind != Kind.VISIT:
            return []
        return [a for a in self.near(appt.start, appt.end)
                if a.kind == Kind.SPOT and a.visit_id == appt.id and keep(a)]

    def snapshot(self, appts: list[Appointment], nearby: list[Appointment],
                 also: Client | None = None) -> rules.Snapshot:
        """What the rules need to judge `appts`; `also` adds a client (or a stand-in for any client)."""
        client_ids = {a.client_id for a in appts}
        clients = {c.id: c for c in (self.clients.get(i) for i in client_ids) if c}
        if also is not None:
            clients[also.id] = also
        referrals = self.referrals.matching(lambda d: d.get("client_id") in clients)
        history: list[Appointment] = []
        for c in clients.values():
            if c.needs_referral:
                history += self.referral_history(c.id, [r for r in referrals if r.client_id == c.id])
        by_id = {a.id: a for a in history}
        for a in appts:
            by_id[a.id] = a  # the booking itself counts as it will be
        return rules.Snapshot(
            practice=self.practice,
            rooms={r.id: r for r in self.rooms.all()},
            staff={s.id: s for s in self.staff.all()},
            clients=clients,
            referrals=referrals,
            nearby=nearby,
            client_history=list(by_id.values()),
            clearances=self.clearances.matching(lambda d: d.get("client_id") in clients),
            closures=self.closures.all(),
        )

    def booked_between(self, start: datetime, end: datetime) -> list[Appointment]:
        """Appointments still to happen (booked or checked in) overlapping [start, end), in time order."""
        found = self.book.between(start, end, clock.months_between(start, end, self.tz))
        return sorted((a for a in found if a.status in (Status.BOOKED, Status.ARRIVED)),
                      key=lambda a: (a.start, a.kind != Kind.VISIT, a.id))

    def names(self) -> dict[str, str]:
        """id -> name for everyone and every room, to print appointments."""
        out = {}
        for records in (self.rooms, self.staff, self.clients):
            out.update(records.names())
        return out



"""The use cases of the practice: set it up, book, move, cancel, check in, list.

Each call is one transaction on the data folder: load fresh, apply the rules, commit. The TUI, the CLI and
the feed server all call this module and never decide a rule themselves.
"""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

from .core import clock, rules
from .core.errors import BadInput, Refused
from .core.hours import WeeklyHours
from .core.model import (
    FLAGS,
    MODALITIES,
    PRESSURES,
    Appointment,
    Client,
    Kind,
    Payer,
    Practice,
    Referral,
    Role,
    Room,
    RoomKind,
    Staff,
    Status,
    TimeOff,
)
from .desk import Desk, choice, clean_name, decide
from .store.folder import DataFolder
from .store.tables import Records, VisitIndex
from .treatment import TreatmentPlans

DEFAULT_HOURS = ("mon-fri 08:00-19:00", "sat 09:00-14:00")

# Status changes a person may make; cancel has its own call because it carries spots with it.
_NEXT = {
    Status.BOOKED: {Status.ARRIVED, Status.FULFILLED, Status.NO_SHOW},
    Status.ARRIVED: {Status.FULFILLED, Status.BOOKED},
    Status.FULFILLED: {Status.ARRIVED},  # a slip of the key, taken back
    Status.NO_SHOW: {Status.BOOKED},
}


class Scheduler(TreatmentPlans):
    """The one service layer. `clock` returns now (UTC); tests and demos pass a fixed one."""

    def __init__(self, data_dir: str | Path, clock: Callable[[], datetime] | None = None,
                 user: str | None = None, lock_timeout: float = 15.0):
        self.folder = DataFolder(data_dir, lock_timeout=lock_timeout)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.user = user
        self._batch = threading.local()  # the Desk of an open batch, per thread

    # --- plumbing --------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Desk]:
        if getattr(self._batch, "desk", None) is not None:
            yield self._batch.desk
            return
        with self.folder.transaction(self.user) as tx:
            yield Desk(tx)

    @contextmanager
    def _read(self) -> Iterator[Desk]:
        if getattr(self._batch, "desk", None) is not None:
            yield self._batch.desk
            return
        with self.folder.reading() as tx:
            yield Desk(tx)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Several calls as one transaction: they commit together, or (on an error) none of them does.

        A call refused inside a batch stages nothing (every call checks before it writes), so the
        caller may catch the refusal and go on.
        """
        if getattr(self._batch, "desk", None) is not None:
            yield
            return
        with self.folder.transaction(self.user) as tx:
            self._batch.desk = Desk(tx)
            try:
                yield
            finally:
                self._batch.desk = None

    def now(self) -> datetime:
        return self.clock().astimezone(timezone.utc)

    def revision(self) -> int:
        return self.folder.revision()

    # --- the practice ----------------------------------------------------------------------------

    def init(self, timezone_name: str, name: str = "", hours: list[str] | tuple[str, ...] = ()) -> Practice:
        tz = clock.zone(timezone_name)
        practice = Practice(
            name=" ".join((name or "").split()) or "Our practice",
            timezone=tz.key,
            hours=WeeklyHours.parse(list(hours) or list(DEFAULT_HOURS)),
        )
        self.folder.create()
        with self.folder.transaction(self.user) as tx:
            existing = Records(tx, Practice)
            if existing.all():
                raise Refused(f"{self.folder.path} already holds a practice")
            existing.table.insert(practice.to_dict())
            VisitIndex(tx).rebuild([])
            tx.audit("init", practice=practice.name, timezone=practice.timezone)
        return practice

    def update_practice(self, *, name: str | None = None, hours=None, turnover_minutes: int | None = None,
                        checkin_lead_minutes: int | None = None, no_show_uses_visit: bool | None = None) -> Practice:
        with self._write() as desk:
            changes = {}
            if name is not None:
                changes["name"] = clean_name(name, "practice")
            if hours:
                changes["hours"] = WeeklyHours.parse(list(hours))
            for key, value in (("turnover_minutes", turnover_minutes), ("checkin_lead_minutes", checkin_lead_minutes)):
                if value is not None:
                    if not 0 <= value <= 120 or value % desk.practice.grid_minutes:
                        raise BadInput(f"{key.replace('_', ' ')} must be 0 to 120, on the "
                                       f"{desk.practice.grid_minutes}-minute grid")
                    changes[key] = value
            if no_show_uses_visit is not None:
                changes["no_show_uses_visit"] = no_show_uses_visit
            practice = replace(desk.practice, **changes)
            table = Records(desk.tx, Practice).table
            table.truncate()
            table.insert(practice.to_dict())
            desk.tx.audit("practice-edit", changes=sorted(changes))
            return practice

    def rebuild_visit_index(self) -> None:
        """Write each client's visit index afresh from the month files (for folders written by other
        tools, or to repair one that `check` says disagrees)."""
        with self._write() as desk:
            desk.book.visits.rebuild(d for month in self.folder.months()
                                     for d in desk.book.raw_month(month))
            desk.tx.audit("visit-index-rebuild")

    def is_set_up(self) -> bool:
        return (self.folder.path / "practice.json").exists()

    def practice(self) -> Practice:
        with self._read() as desk:
            return desk.practice

    def rooms(self) -> list[Room]:
        with self._read() as desk:
            return sorted(desk.rooms.all(), key=lambda r: r.name.casefold())

    def staff(self) -> list[Staff]:
        with self._read() as desk:
            return sorted(desk.staff.all(), key=lambda s: s.name.casefold())

    def clients(self) -> list[Client]:
        with self._read() as desk:
            return sorted(desk.clients.all(), key=lambda c: c.name.casefold())

    def referrals(self, client: str | None = None) -> list[Referral]:
        with self._read() as desk:
            refs = desk.referrals.all()
            if client:
                who = desk.find(desk.clients, client, "client")
                refs = [r for r in refs if r.client_id == who.id]
            return sorted(refs, key=lambda r: (r.client_id, r.issued))

    def add_room(self, name: str, kind: str) -> Room:
        name = clean_name(name, "room")
        kind = RoomKind(choice(kind, list(RoomKind), "room kind"))
        with self._write() as desk:
            if any(str(d.get("name", "")).casefold() == name.casefold() for d in desk.rooms.raw()):
                raise Refused(f"there is already a room called {name!r}")
            room = Room(id=desk.rooms.new_id("r"), name=name, kind=kind)
            desk.rooms.put(room)
            desk.tx.audit("room-add", id=room.id, name=name, kind=kind)
        return room

    def add_staff(self, name: str, role: str, modalities=(), hours=()) -> Staff:
        name = clean_name(name, "staff member")
        role = Role(choice(role, list(Role), "role"))
        mods = tuple(dict.fromkeys(choice(m, MODALITIES, "modality") for m in modalities))
        if mods and role != Role.THERAPIST:
            raise BadInput(f"only massage therapists carry massage certifications, not a {role}")
        with self._write() as desk:
            if any(str(d.get("name", "")).casefold() == name.casefold() for d in desk.staff.raw()):
                raise Refused(f"there is already a staff member called {name!r}")
            week = WeeklyHours.parse(list(hours)) if hours else desk.practice.hours
            person = Staff(id=desk.staff.new_id("s"), name=name, role=role, hours=week, modalities=mods)
            desk.staff.put(person)
            desk.tx.audit("staff-add", id=person.id, name=name, role=role, modalities=list(mods))
        return person

    def update_staff(self, who: str, *, modalities=None, hours=None, active: bool | None = None) -> Staff:
        with self._write() as desk:
            person = desk.find(desk.staff, who, "staff member")
            changes = {}
            if modalities is not None:
                changes["modalities"] = tuple(dict.fromkeys(choice(m, MODALITIES, "modality") for m in modalities))
            if hours is not None:
                changes["hours"] = WeeklyHours.parse(list(hours)) if hours else desk.practice.hours
            if active is not None:
                changes["active"] = active
            person = replace(person, **changes)
            desk.staff.put(person)
            desk.tx.audit("staff-edit", id=person.id, changes=sorted(changes))
        return person

    def add_time_off(self, who: str, start: str | datetime, end: str | datetime, reason: str = "") -> Staff:
        with self._write() as desk:
            person = desk.find(desk.staff, who, "staff member")
            lo, hi = desk.time(start), desk.time(end)
            if hi <= lo:
                raise BadInput("time off must end after it starts")
            person = replace(person, time_off=(*person.time_off, TimeOff(lo, hi, reason.strip())))
            desk.staff.put(person)
            desk.tx.audit("time-off", id=person.id, start=lo.isoformat(), end=hi.isoformat(), reason=reason)
        return person

    def add_client(self, name: str, payer: str = "self-pay", flags=(), phone: str = "", email: str = "",
                   pressure: str = "", notes: str = "") -> Client:
        name = clean_name(name, "client")
        client = Client(
            id="",
            name=name,
            payer=Payer(choice(payer, list(Payer), "payer")),
            phone=(phone or "").strip(),
            email=(email or "").strip(),
            flags=tuple(dict.fromkeys(choice(f, list(FLAGS), "flag") for f in flags)),
            pressure=choice(pressure, PRESSURES, "pressure") if pressure else "",
            notes=(notes or "").strip(),
        )
        with self._write() as desk:
            client = replace(client, id=desk.clients.new_id("c"))
            desk.clients.put(client)
            desk.tx.audit("client-add", id=client.id, payer=client.payer, flags=list(client.flags))
        return client

    def update_client(self, who: str, **changes) -> Client:
        with self._write() as desk:
            client = desk.find(desk.clients, who, "client")
            clean = {}
            for key, value in changes.items():
                if value is None:
                    continue
                if key == "name":
                    clean[key] = clean_name(value, "client")
                elif key == "payer":
                    clean[key] = Payer(choice(value, list(Payer), "payer"))
                elif key == "flags":
                    clean[key] = tuple(dict.fromkeys(choice(f, list(FLAGS), "flag") for f in value))
                elif key == "pressure":
                    clean[key] = choice(value, PRESSURES, "pressure") if value else ""
                elif key in ("phone", "email", "notes"):
                    clean[key] = str(value).strip()
                else:
                    raise BadInput(f"a client has no {key!r}")
            client = replace(client, **clean)
            desk.clients.put(client)
            desk.tx.audit("client-edit", id=client.id, changes=sorted(clean))
        return client

    def add_referral(self, client: str, visits: int, expires: str | date, issued: str | date | None = None,
                     prescriber: str = "", area: str = "") -> Referral:
        if not isinstance(visits, int) or visits < 1 or visits > 1000:
            raise BadInput("a referral authorizes 1 to 1000 visits")
        expires_d = expires if isinstance(expires, date) else clock.parse_date(expires)
        with self._write() as desk:
            who = desk.find(desk.clients, client, "client")
            if issued is None:
                issued_d = clock.local_day(self.now(), desk.tz)
            else:
                issued_d = issued if isinstance(issued, date) else clock.parse_date(issued)
            if expires_d < issued_d:
                raise BadInput(f"the referral expires ({expires_d}) before it is issued ({issued_d})")
            ref = Referral(id=desk.referrals.new_id("f"), client_id=who.id, visits=visits, issued=issued_d,
                           expires=expires_d, prescriber=(prescriber or "").strip(), area=(area or "").strip())
            desk.referrals.put(ref)
            desk.tx.audit("referral-add", id=ref.id, client=who.id, visits=visits, expires=str(expires_d))
        return ref

    # --- booking ---------------------------------------------------------------------------------

    def _draft(self, desk: Desk, kind: Kind, client: Client, person: Staff, room: Room, start: datetime,
               minutes: int, **extra) -> Appointment:
        if not isinstance(minutes, int) or isinstance(minutes, bool):
            raise BadInput("minutes must be a whole number")
        if minutes <= 0:
            raise Refused("the end must be after the start")
        if minutes > 24 * 60:  # before any arithmetic: a huge number would overflow the date
            raise Refused(f"an appointment lasts at most a day, not {minutes} minutes")
        now = self.now()
        return Appointment(
            id=desk.book.new_id(start),
            uid=f"{uuid.uuid4()}@tui-scheduler",
            kind=kind,
            start=start,
            end=start + timedelta(minutes=minutes),
            client_id=client.id,
            staff_id=person.id,
            room_id=room.id,
            created=now,
            updated=now,
            **extra,
        )

    def _commit_new(self, desk: Desk, appt: Appointment, override: str | None, dry_run: bool,
                    extra_near: tuple[Appointment, ...] = ()) -> Appointment:
        nearby = desk.near(appt.start, appt.end)
        nearby += [a for a in extra_near if a.id not in {n.id for n in nearby}]
        problems = rules.check(desk.snapshot([appt], nearby), appt)
        if dry_run:
            raise _DryRun(problems)
        appt = replace(appt, overrides=decide(problems, override))
        desk.book.put(appt)
        desk.tx.audit(f"book-{appt.kind}", id=appt.id, start=appt.start.isoformat(), minutes=appt.minutes,
                      client=appt.client_id, staff=appt.staff_id, room=appt.room_id, override=override)
        return appt

    def book_session(self, client: str, therapist: str, room: str, modality: str, start: str | datetime,
                     minutes: int, override: str | None = None, series_id: str | None = None,
                     dry_run: bool = False) -> Appointment:
        modality = choice(modality, MODALITIES, "modality")
        with self._write() as desk:
            appt = self._draft(
                desk, Kind.SESSION, desk.find(desk.clients, client, "client"),
                desk.find(desk.staff, therapist, "therapist"), desk.find(desk.rooms, room, "room"),
                desk.time(start), minutes, modality=modality, series_id=series_id,
            )
            return self._commit_new(desk, appt, override, dry_run)

    def book_visit(self, client: str, provider: str, room: str, start: str | datetime, minutes: int,
                   override: str | None = None, dry_run: bool = False) -> Appointment:
        with self._write() as desk:
            appt = self._draft(
                desk, Kind.VISIT, desk.find(desk.clients, client, "client"),
                desk.find(desk.staff, provider, "provider"), desk.find(desk.rooms, room, "room"),
                desk.time(start), minutes,
            )
            return self._commit_new(desk, appt, override, dry_run)

    def book_spot(self, visit: str, therapist: str, start: str | datetime, modality: str | None = None,
                  region: str = "", override: str | None = None, dry_run: bool = False) -> Appointment:
        with self._write() as desk:
            host = desk.appointment(visit)
            if host.kind != Kind.VISIT:
                raise Refused(f"{host.id} is a {host.kind}; spot work goes inside a chiropractic or "
                              f"physical-therapy visit")
            person = desk.find(desk.staff, therapist, "therapist")
            if modality:
                modality = choice(modality, MODALITIES, "modality")
            else:
                # spot work is usually the therapist's focused technique; default to their first one
                modality = person.modalities[0] if person.modalities else "swedish"
            client = desk.clients.get(host.client_id)
            room = desk.rooms.get(host.room_id)
            if client is None or room is None:
                raise Refused(f"visit {host.id} refers to a client or room that no longer exists")
            appt = self._draft(desk, Kind.SPOT, client, person, room, desk.time(start), 15,
                               modality=modality, visit_id=host.id, region=(region or "").strip())
            return self._commit_new(desk, appt, override, dry_run, extra_near=(host,))

    @staticmethod
    def _verdict(book, **request) -> list[rules.Problem]:
        try:
            book(**request, dry_run=True)
        except _DryRun as result:
            return result.problems
        return []

    def problems_for_session(self, **request) -> list[rules.Problem]:
        """The rules' verdict on a session without booking it, for live warnings in a form."""
        return self._verdict(self.book_session, **request)

    def problems_for_visit(self, **request) -> list[rules.Problem]:
        return self._verdict(self.book_visit, **request)

    def problems_for_spot(self, **request) -> list[rules.Problem]:
        return self._verdict(self.book_spot, **request)

    # --- changing appointments ---------------------------------------------------------------------

    def move(self, appt_id: str, start: str | datetime, override: str | None = None) -> Appointment:
        """Move to a new start, keeping the length; a visit takes its spot work along."""
        with self._write() as desk:
            appt = desk.appointment(appt_id)
            if not appt.holds_time or appt.status == Status.FULFILLED:
                raise Refused(f"{appt.id} is {appt.status} and cannot be moved")
            new_start = desk.time(start)
            delta = new_start - appt.start
            now = self.now()
            group = [appt]
            group += self._spots_of(desk, appt, keep=lambda spot: spot.holds_time)
            moved = [a.changed(now, start=a.start + delta, end=a.end + delta) for a in group]
            ids = {a.id for a in moved}
            nearby = [a for a in desk.near(new_start, new_start + (appt.end - appt.start)) if a.id not in ids]
            if appt.kind == Kind.SPOT and appt.visit_id not in {a.id for a in nearby}:
                host = desk.book.get(appt.visit_id or "")
                nearby += [host] if host else []
            nearby += moved
            snap = desk.snapshot(moved, nearby)
            problems = []
            for a in moved:
                for p in rules.check(snap, a):
                    label = "" if a.id == appt.id else f"spot work {a.id}: "
                    problems.append(replace(p, message=label + p.message))
            granted = decide(problems, override)
            for a in moved:
                desk.book.put(replace(a, overrides={**a.overrides, **granted}))
            desk.tx.audit("move", id=appt.id, spots=[a.id for a in moved[1:]], start=new_start.isoformat(),
                          was=appt.start.isoformat(), override=override)
            return replace(moved[0], overrides={**moved[0].overrides, **granted})

    def cancel(self, appt_id: str, reason: str = "") -> Appointment:
        """Cancel; a visit's spot work is cancelled with it (the patient is not there for it)."""
        with self._write() as desk:
            appt = desk.appointment(appt_id)
            if appt.status in (Status.CANCELLED, Status.FULFILLED, Status.NO_SHOW):
                raise Refused(f"{appt.id} is already {appt.status}")
            now = self.now()
            done = appt.changed(now, status=Status.CANCELLED)
            desk.book.put(done)
            spots = self._spots_of(desk, appt)
            for spot in spots:
                desk.book.put(spot.changed(now, status=Status.CANCELLED))
            desk.tx.audit("cancel", id=appt.id, spots=[s.id for s in spots], reason=reason)
            return done

    def reinstate(self, appt_id: str, spot_ids: tuple[str, ...] | list[str] = ()) -> Appointment:
        """Take back a cancellation (undo): only if the time, people and room are still free.

        `spot_ids` are spot work cancelled together with a visit, reinstated with it.
        """
        with self._write() as desk:
            appt = desk.appointment(appt_id)
            if appt.status != Status.CANCELLED:
                raise Refused(f"{appt.id} is {appt.status}, not cancelled")
            now = self.now()
            group = [appt.changed(now, status=Status.BOOKED)]
            for spot_id in spot_ids:
                spot = desk.appointment(spot_id)
                if spot.visit_id != appt.id or spot.status != Status.CANCELLED:
                    raise Refused(f"{spot.id} is not cancelled spot work of {appt.id}")
                group.append(spot.changed(now, status=Status.BOOKED))
            ids = {a.id for a in group}
            nearby = [a for a in desk.near(appt.start, appt.end) if a.id not in ids] + group
            snap = desk.snapshot(group, nearby)
            decide([p for a in group for p in rules.check(snap, a) if not p.soft], None)
            for a in group:
                desk.book.put(a)
            desk.tx.audit("reinstate", id=appt.id, spots=list(spot_ids))
            return group[0]

    def set_status(self, appt_id: str, status: str) -> Appointment:
        target = Status(choice(status, [s.value for s in Status if s != Status.CANCELLED], "status"))
        with self._write() as desk:
            appt = desk.appointment(appt_id)
            now = self.now()
            if target == appt.status:
                raise Refused(f"{appt.id} is already {target}")
            if target not in _NEXT.get(appt.status, set()):
                raise Refused(f"{appt.id} is {appt.status} and cannot become {target}")
            today = clock.local_day(now, desk.tz)
            if target == Status.ARRIVED and clock.local_day(appt.start, desk.tz) != today:
                raise Refused(f"check-in is on the day of the appointment ({clock.local_day(appt.start, desk.tz)})")
            if target in (Status.FULFILLED, Status.NO_SHOW) and now < appt.start:
                raise Refused(f"{appt.id} has not started yet ({clock.describe(appt.start, desk.tz)})")
            if target == Status.BOOKED:
                # the time was given up on a no-show: take it back only if nobody else has it now
                snap = desk.snapshot([appt], desk.near(appt.start, appt.end))
                decide([p for p in rules.check(snap, appt) if not p.soft], None)
            done = appt.changed(now, status=target)
            desk.book.put(done)
            spots = self._spots_of(desk, appt) if target == Status.NO_SHOW else []
            for spot in spots:
                desk.book.put(spot.changed(now, status=Status.NO_SHOW))
            desk.tx.audit("status", id=appt.id, status=target, was=appt.status, spots=[s.id for s in spots])
            return done

    @staticmethod
    def _spots_of(desk: Desk, appt: Appointment, keep=lambda spot: spot.status == Status.BOOKED
                  ) -> list[Appointment]:
        """A visit's spot work that `keep` accepts (by default: still booked); none for other kinds."""
        if appt.kind != Kind.VISIT:
            return []
        return [a for a in desk.near(appt.start, appt.end) if a.kind == Kind.SPOT and a.visit_id == appt.id and keep(a)]

    # --- reading ---------------------------------------------------------------------------------

    def get(self, appt_id: str) -> Appointment:
        with self._read() as desk:
            return desk.appointment(appt_id)

    def appointments(self, start: datetime, end: datetime, therapist: str | None = None,
                     room: str | None = None, client: str | None = None) -> list[Appointment]:
        with self._read() as desk:
            months = clock.months_between(start, end, desk.tz)
            found = desk.book.between(start, end, months)
            if therapist:
                who = desk.find(desk.staff, therapist, "staff member")
                found = [a for a in found if a.staff_id == who.id]
            if room:
                where = desk.find(desk.rooms, room, "room")
                found = [a for a in found if a.room_id == where.id]
            if client:
                whom = desk.find(desk.clients, client, "client")
                found = [a for a in found if a.client_id == whom.id]
            return sorted(found, key=lambda a: (a.start, a.kind != Kind.VISIT, a.id))

    def names(self) -> dict[str, str]:
        """id -> name of every client, staff member and room, without building their records."""
        with self._read() as desk:
            return desk.names()

    def day_span(self, day: date, days: int = 1) -> tuple[datetime, datetime]:
        with self._read() as desk:
            return clock.day_span(day, desk.tz, days)

    def describe(self, appts: list[Appointment]) -> list[dict]:
        """Appointments as plain dicts with names and local times, for JSON and printing."""
        with self._read() as desk:
            names = desk.names()
            tz = desk.tz
        out = []
        for a in appts:
            d = {
                "id": a.id,
                "uid": a.uid,
                "sequence": a.sequence,
                "kind": str(a.kind),
                "status": str(a.status),
                "start": a.start.astimezone(tz).isoformat(),
                "end": a.end.astimezone(tz).isoformat(),
                "minutes": a.minutes,
                "client": names.get(a.client_id, a.client_id),
                "client_id": a.client_id,
                "room": names.get(a.room_id, a.room_id),
                "room_id": a.room_id,
            }
            role = "provider" if a.kind == Kind.VISIT else "therapist"
            d[role] = names.get(a.staff_id, a.staff_id)
            d[f"{role}_id"] = a.staff_id
            if a.modality:
                d["modality"] = a.modality
            if a.visit_id:
                d["visit"] = a.visit_id
            if a.region:
                d["region"] = a.region
            if a.series_id:
                d["series"] = a.series_id
            if a.overrides:
                d["overrides"] = dict(a.overrides)
            out.append(d)
        return out

    # --- for the app's booking forms (added with the TUI) -----------------------------------------

    def staff_for_slot(self, start: str | datetime, minutes: int, room: str, kind: str = "session",
                       modality: str | None = None, client: str | None = None
                       ) -> list[tuple[Staff, list[rules.Problem]]]:
        """Who could take this slot in this room, each with the rules' verdict, free ones first.

        A session offers the therapists certified for `modality`; a visit the chiropractors and physical
        therapists. Without a client, a stand-in with no flags and no bookings is judged.
        """
        from .treatment import ANYONE

        kind = Kind(choice(kind, [Kind.SESSION, Kind.VISIT], "kind"))
        if kind == Kind.SESSION:
            modality = choice(modality, MODALITIES, "modality")
        with self._read() as desk:
            where = desk.find(desk.rooms, room, "room")
            who = desk.find(desk.clients, client, "client") if client else ANYONE
            begin = desk.time(start)
            if kind == Kind.SESSION:
                people = [s for s in desk.staff.all() if s.active and s.is_therapist and modality in s.modalities]
            else:
                people = [s for s in desk.staff.all()
                          if s.active and s.role in (Role.CHIROPRACTOR, Role.PHYSICAL_THERAPIST)]
            nearby = desk.near(begin, begin + timedelta(minutes=minutes))
            verdicts = []
            for person in people:
                draft = self._draft(desk, kind, who, person, where, begin, minutes,
                                    modality=modality if kind == Kind.SESSION else None)
                snap = desk.snapshot([draft], nearby, also=who)
                verdicts.append((person, rules.check(snap, draft, clinical=client is not None)))
        return sorted(verdicts, key=lambda v: (any(not p.soft for p in v[1]), len(v[1]), v[0].name.casefold()))

    def spot_openings(self, visit: str) -> list[tuple[datetime, Staff, list[rules.Problem]]]:
        """Where spot work fits inside a visit: each 15-minute start in it with each therapist free then,
        and the soft warnings booking it would need a reason for (anything refused is left out)."""
        with self._read() as desk:
            host = desk.appointment(visit)
            if host.kind != Kind.VISIT or not host.holds_time:
                raise Refused(f"{host.id} is a {host.status} {host.kind}; spot work goes inside a booked visit")
            client, room = desk.clients.get(host.client_id), desk.rooms.get(host.room_id)
            if client is None or room is None:
                raise Refused(f"visit {host.id} refers to a client or room that no longer exists")
            nearby = desk.near(host.start, host.end)
            therapists = [s for s in desk.staff.all() if s.active and s.is_therapist and s.modalities]
            openings = []
            start = host.start
            while start + timedelta(minutes=15) <= host.end:
                for person in therapists:
                    draft = self._draft(desk, Kind.SPOT, client, person, room, start, 15,
                                        modality=person.modalities[0], visit_id=host.id)
                    problems = rules.check(desk.snapshot([draft], nearby), draft)
                    if all(p.soft for p in problems):
                        openings.append((start, person, problems))
                start += timedelta(minutes=15)
        return sorted(openings, key=lambda o: (o[0], o[1].name.casefold()))

    def update_room(self, room: str, *, name: str | None = None, kind: str | None = None,
                    active: bool | None = None) -> Room:
        """Rename a room, change its kind, or take it out of use (its past bookings stay)."""
        with self._write() as desk:
            found = desk.find(desk.rooms, room, "room")
            changes = {}
            if name is not None:
                changes["name"] = clean_name(name, "room")
                if any(str(d.get("name", "")).casefold() == changes["name"].casefold() and d.get("id") != found.id
                       for d in desk.rooms.raw()):
                    raise Refused(f"there is already a room called {changes['name']!r}")
            if kind is not None:
                changes["kind"] = RoomKind(choice(kind, list(RoomKind), "room kind"))
            if active is not None:
                changes["active"] = active
            found = replace(found, **changes)
            desk.rooms.put(found)
            desk.tx.audit("room-edit", id=found.id, changes=sorted(changes))
        return found


class _DryRun(Exception):
    def __init__(self, problems):
        self.problems = problems

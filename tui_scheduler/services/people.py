"""The people and places of the practice: rooms, staff (with their hours and time off), clients and their
referrals (prescriptions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from ..core import clock, codes
from ..core.errors import BadInput, Refused
from ..core.hours import WeeklyHours
from ..core.model import PRESSURES, REMIND_BY, Client, Payer, Referral, Role, Room, RoomKind, Staff
from .context import Area
from .desk import choice, clean_line, clean_name, clean_text


class People(Area):
    def rooms(self) -> list[Room]:
        with self.ctx.read() as desk:
            return sorted(desk.rooms.all(), key=lambda r: r.name.casefold())

    def staff(self) -> list[Staff]:
        with self.ctx.read() as desk:
            return sorted(desk.staff.all(), key=lambda s: s.name.casefold())

    def clients(self) -> list[Client]:
        with self.ctx.read() as desk:
            return sorted(desk.clients.all(), key=lambda c: c.name.casefold())

    def referrals(self, client: str | None = None) -> list[Referral]:
        with self.ctx.read() as desk:
            refs = desk.referrals.all()
            if client:
                who = desk.find(desk.clients, client, "client")
                refs = [r for r in refs if r.client_id == who.id]
            return sorted(refs, key=lambda r: (r.client_id, r.issued))

    def add_room(self, name: str, kind: str) -> Room:
        name = clean_name(name, "room")
        kind = RoomKind(choice(kind, list(RoomKind), "room kind"))
        with self.ctx.write() as desk:
            if any(str(d.get("name", "")).casefold() == name.casefold() for d in desk.rooms.raw()):
                raise Refused(f"there is already a room called {name!r}")
            room = Room(id=desk.rooms.new_id("r"), name=name, kind=kind)
            desk.rooms.put(room)
            desk.tx.audit("room-add", id=room.id, name=name, kind=kind)
        return room

    def update_room(self, room: str, *, name: str | None = None, kind: str | None = None,
                    active: bool | None = None) -> Room:
        """Rename a room, change its kind, or take it out of use (its past bookings stay)."""
        with self.ctx.write() as desk:
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


    def add_staff(self, name: str, role: str, modalities=(), hours=(), npi: str = "", license: str = "") -> Staff:
        name = clean_name(name, "staff member")
        ids = _provider_ids(npi, license)
        role = Role(choice(role, list(Role), "role"))
        with self.ctx.write() as desk:
            mods = tuple(dict.fromkeys(choice(m, desk.practice.modalities, "modality") for m in modalities))
            if mods and role != Role.THERAPIST:
                raise BadInput(f"only massage therapists carry massage certifications, not a {role}")
            if any(str(d.get("name", "")).casefold() == name.casefold() for d in desk.staff.raw()):
                raise Refused(f"there is already a staff member called {name!r}")
            week = WeeklyHours.parse(list(hours)) if hours else desk.practice.hours
            person = Staff(id=desk.staff.new_id("s"), name=name, role=role, hours=week, modalities=mods, **ids)
            desk.staff.put(person)
            desk.tx.audit("staff-add", id=person.id, name=name, role=role, modalities=list(mods))
        return person

    def update_staff(self, who: str, *, modalities=None, hours=None, active: bool | None = None,
                     npi: str | None = None, license: str | None = None,
                     busy_calendar: str | None = None) -> Staff:
        with self.ctx.write() as desk:
            person = desk.find(desk.staff, who, "staff member")
            changes = _provider_ids(npi, license)
            if busy_calendar is not None:  # "" stops taking time off from a calendar
                changes["busy_calendar"] = clean_line(busy_calendar, "--busy-calendar", 1000)
            if modalities is not None:
                changes["modalities"] = tuple(dict.fromkeys(choice(m, desk.practice.modalities, "modality")
                                                            for m in modalities))
            if hours is not None:
                changes["hours"] = WeeklyHours.parse(list(hours)) if hours else desk.practice.hours
            if active is not None:
                changes["active"] = active
            person = replace(person, **changes)
            desk.staff.put(person)
            desk.tx.audit("staff-edit", id=person.id, changes=sorted(changes))
        return person

    def add_client(self, name: str, payer: str = "self-pay", flags=(), phone: str = "", email: str = "",
                   pressure: str = "", notes: str = "", remind_by: str = "", dob: str | date | None = None,
                   address: str = "") -> Client:
        name = clean_name(name, "client")
        client = Client(
            id="",
            name=name,
            payer=Payer(choice(payer, list(Payer), "payer")),
            phone=clean_line(phone, "a phone number", 40),
            email=clean_line(email, "an email address", 200),
            pressure=choice(pressure, PRESSURES, "pressure") if pressure else "",
            notes=clean_text(notes, "the notes", 2000),
            remind_by=choice(remind_by, REMIND_BY, "way to remind") if remind_by else "",
            dob=_birth_date(dob, self.now()),
            address=clean_text(address, "an address", 300),
        )
        with self.ctx.write() as desk:
            client = replace(client, id=desk.clients.new_id("c"),
                             flags=tuple(dict.fromkeys(choice(f, desk.practice.flags, "flag") for f in flags)))
            desk.clients.put(client)
            # flags are health information: the audit log says a client was added, not what they have
            desk.tx.audit("client-add", id=client.id, payer=client.payer)
        return client

    def update_client(self, who: str, **changes) -> Client:
        with self.ctx.write() as desk:
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
                    clean[key] = tuple(dict.fromkeys(choice(f, desk.practice.flags, "flag") for f in value))
                elif key == "remind_by":
                    clean[key] = choice(value, REMIND_BY, "way to remind") if value else ""
                elif key == "pressure":
                    clean[key] = choice(value, PRESSURES, "pressure") if value else ""
                elif key in ("phone", "email"):
                    clean[key] = clean_line(str(value), f"the {key}", {"phone": 40, "email": 200}[key])
                elif key == "notes":
                    clean[key] = clean_text(str(value), "the notes", 2000)
                elif key == "dob":
                    clean[key] = _birth_date(value, self.now())
                elif key == "address":
                    clean[key] = clean_text(value, "an address", 300)
                else:
                    raise BadInput(f"a client has no {key!r}")
            client = replace(client, **clean)
            desk.clients.put(client)
            desk.tx.audit("client-edit", id=client.id, changes=sorted(clean))
        return client

    def add_referral(self, client: str, visits: int, expires: str | date, issued: str | date | None = None,
                     prescriber: str = "", area: str = "", icd10=()) -> Referral:
        if not isinstance(visits, int) or visits < 1 or visits > 1000:
            raise BadInput("a referral authorizes 1 to 1000 visits")
        diagnoses = tuple(dict.fromkeys(codes.icd10(c) for c in icd10))
        expires_d = expires if isinstance(expires, date) else clock.parse_date(expires)
        with self.ctx.write() as desk:
            who = desk.find(desk.clients, client, "client")
            if issued is None:
                issued_d = clock.local_day(self.now(), desk.tz)
            else:
                issued_d = issued if isinstance(issued, date) else clock.parse_date(issued)
            if expires_d < issued_d:
                raise BadInput(f"the referral expires ({expires_d}) before it is issued ({issued_d})")
            ref = Referral(id=desk.referrals.new_id("f"), client_id=who.id, visits=visits, issued=issued_d,
                           expires=expires_d, prescriber=clean_line(prescriber, "the prescriber", 200),
                           area=clean_line(area, "the area", 200), icd10=diagnoses)
            desk.referrals.put(ref)
            desk.tx.audit("referral-add", id=ref.id, client=who.id, visits=visits, expires=str(expires_d))
        return ref

    def client(self, who: str) -> Client:
        with self.ctx.read() as desk:
            return desk.find(desk.clients, who, "client")

    def names(self) -> dict[str, str]:
        """id -> name of every client, staff member and room, without building their records."""
        with self.ctx.read() as desk:
            return desk.names()


def _provider_ids(npi: str | None, license: str | None) -> dict[str, str]:
    """A provider's NPI (checked, or '' to clear it) and licence, as far as they were given."""
    out = {}
    if npi is not None:
        out["npi"] = codes.npi(npi) if npi.strip() else ""
    if license is not None:
        out["license"] = clean_line(license, "a licence", 100)
    return out


def _birth_date(value: str | date | None, now: datetime) -> date | None:
    if value is None or value == "":
        return None
    day = value if isinstance(value, date) else clock.parse_date(value)
    if day > now.date():
        raise BadInput(f"a date of birth cannot be in the future ({day})")
    return day

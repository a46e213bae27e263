"""Treatment plans: referral standings, free-slot search, series, waitlist, day sheet, billing units.

These are use cases of the same service: `Scheduler` inherits them, and they run in its transactions.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from .core import billing, clock, rules
from .core.authorizations import allocate
from .core.errors import BadInput, Refused
from .core.model import MODALITIES, Appointment, Client, Kind, RoomKind, Status, WaitEntry
from .core.slots import Slot, free_on_day
from .desk import Desk, choice

# Searching further than this for a free slot is not a search a front desk wants to wait for.
HORIZON_DAYS = 92
# A stand-in client for slot searches made before a client is chosen: no flags, no bookings.
ANYONE = Client(id="(anyone)", name="any client")


@dataclass
class PlanItem:
    """One date of a planned series: its own time, what stands in the way, and the nearest free time."""

    start: datetime
    end: datetime
    problems: list[rules.Problem] = field(default_factory=list)
    alternative: Slot | None = None

    @property
    def free(self) -> bool:
        return not self.blocking

    @property
    def blocking(self) -> list[rules.Problem]:
        """Problems that a reason cannot override: conflicts, and hours nobody works."""
        return [p for p in self.problems if not p.soft or p.code in ("hours", "time-off")]


class TreatmentPlans:
    """Mixed into Scheduler: uses its _read/_write/batch/now and the booking calls."""

    # --- referrals -------------------------------------------------------------------------------

    def referral_standings(self, expiring_days: int | None = None, client: str | None = None) -> list[dict]:
        """Every referral with visits used and left; `expiring_days` keeps those ending within that many
        days from today (already expired ones are left out)."""
        with self._read() as desk:
            today = clock.local_day(self.now(), desk.tz)
            refs = desk.referrals.all()
            if client:
                who = desk.find(desk.clients, client, "client")
                refs = [r for r in refs if r.client_id == who.id]
            if expiring_days is not None:
                if expiring_days < 0:
                    raise BadInput("--expiring takes a number of days, 0 or more")
                refs = [r for r in refs if today <= r.expires <= today + timedelta(days=expiring_days)]
            names = desk.names()
            rows = []
            for ref in sorted(refs, key=lambda r: (r.expires, r.id)):
                allocation = self._allocation(desk, ref.client_id)
                standing = allocation.standing(ref)
                state = "expired" if ref.expires < today else ("used up" if standing.left == 0 else "active")
                rows.append({
                    "id": ref.id, "client": names.get(ref.client_id, ref.client_id), "client_id": ref.client_id,
                    "prescriber": ref.prescriber, "area": ref.area, "issued": ref.issued.isoformat(),
                    "expires": ref.expires.isoformat(), "visits": ref.visits, "used": standing.used,
                    "left": standing.left, "days_left": (ref.expires - today).days, "state": state,
                })
            return rows

    @staticmethod
    def _allocation(desk: Desk, client_id: str, extra: tuple[Appointment, ...] = ()):
        """Which referral pays for which of the client's visits; `extra` are visits not booked yet."""
        refs = desk.referrals.matching(lambda d: d.get("client_id") == client_id)
        history = desk.referral_history(client_id, refs) + list(extra)
        return allocate(refs, history, desk.practice.no_show_uses_visit, desk.tz)

    def referral_note(self, appt: Appointment) -> str:
        """'visit 3 of 6, expires 2027-01-15' for a booking paid by a referral, else ''."""
        with self._read() as desk:
            return self._allocation(desk, appt.client_id).note(appt.id)

    # --- free slots ------------------------------------------------------------------------------

    def _search_inputs(self, desk: Desk, modality, therapist, room, client):
        if modality:
            modality = choice(modality, MODALITIES, "modality")
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
        usual = self._usual_therapist(desk, who) if client else None
        people.sort(key=lambda s: (s.id != usual, s.name.casefold()))
        rooms.sort(key=lambda r: r.name.casefold())
        return modality, people, rooms, who

    def _usual_therapist(self, desk: Desk, client: Client) -> str | None:
        """The therapist this client has seen most over the last half year."""
        now = self.now()
        lo = now - timedelta(days=183)
        past = desk.book.of_client(client.id, lo, now, clock.months_between(lo, now, desk.tz))
        seen = Counter(a.staff_id for a in past if a.kind == Kind.SESSION and a.status != Status.CANCELLED)
        return seen.most_common(1)[0][0] if seen else None

    def _day_snapshot(self, desk: Desk, day: date, who: Client, extra: list[Appointment] = ()) -> rules.Snapshot:
        lo, hi = clock.day_span(day, desk.tz)
        return desk.snapshot([], desk.near(lo, hi) + list(extra), also=who)

    def find_slots(self, minutes: int, modality: str | None = None, therapist: str | None = None,
                   room: str | None = None, client: str | None = None, start_day: date | str | None = None,
                   count: int = 5) -> list[Slot]:
        """The next `count` free start times, earliest first, each with a therapist and room that fit."""
        if not isinstance(minutes, int) or not 30 <= minutes <= 120:
            raise BadInput("a session lasts 30 to 120 minutes")
        if not 1 <= count <= 100:
            raise BadInput("--count must be between 1 and 100")
        with self._read() as desk:
            modality, people, rooms, who = self._search_inputs(desk, modality, therapist, room, client)
            if not people or not rooms:
                return []
            now = self.now()
            today = clock.local_day(now, desk.tz)
            first = _as_day(start_day) if start_day else today
            found: list[Slot] = []
            for offset in range(HORIZON_DAYS):
                day = max(first, today) + timedelta(days=offset)
                snap = self._day_snapshot(desk, day, who)
                found += free_on_day(snap, day, minutes, modality, who.id, people, rooms, now, count - len(found))
                if len(found) >= count:
                    break
            return found

    def describe_slots(self, slots: list[Slot]) -> list[dict]:
        with self._read() as desk:
            names, tz = desk.names(), desk.tz
        return [{"start": s.start.astimezone(tz).isoformat(), "end": s.end.astimezone(tz).isoformat(),
                 "therapist": names.get(s.staff_id, s.staff_id), "therapist_id": s.staff_id,
                 "room": names.get(s.room_id, s.room_id), "room_id": s.room_id} for s in slots]

    # --- series ----------------------------------------------------------------------------------

    def plan_series(self, client: str, therapist: str, room: str, modality: str, minutes: int,
                    start: str | datetime, every_days: int, count: int) -> list[PlanItem]:
        """Each date of the series with its conflicts and, where it is not free, the nearest free time the
        same day or the next (same therapist, the requested room first)."""
        if not 1 <= count <= 52:
            raise BadInput("a series has 1 to 52 visits")
        if not 1 <= every_days <= 90:
            raise BadInput("--every is 1d to 90d")
        modality = choice(modality, MODALITIES, "modality")
        with self._read() as desk:
            who = desk.find(desk.clients, client, "client")
            person = desk.find(desk.staff, therapist, "therapist")
            where = desk.find(desk.rooms, room, "room")
            first = desk.time(start)
            wall = first.astimezone(desk.tz)
            rooms = [where] + sorted((r for r in desk.rooms.all() if r.kind == RoomKind.MASSAGE and r.active
                                      and r.id != where.id), key=lambda r: r.name.casefold())
            planned: list[Appointment] = []
            plan: list[PlanItem] = []
            for i in range(count):
                day = wall.date() + timedelta(days=i * every_days)
                item = self._plan_one(desk, who, person, where, rooms, modality, minutes, day, wall.time(),
                                      planned)
                plan.append(item)
                chosen = item.alternative or (None if item.blocking else Slot(item.start, item.end, person.id,
                                                                               where.id))
                if chosen:
                    planned.append(Appointment(id=f"(plan {i})", uid="", kind=Kind.SESSION, start=chosen.start,
                                               end=chosen.end, client_id=who.id, staff_id=person.id,
                                               room_id=chosen.room_id, modality=modality))
            return plan

    def _plan_one(self, desk, who, person, where, rooms, modality, minutes, day, at: time, planned):
        try:
            start = clock.local_to_utc(datetime.combine(day, at), desk.tz, fold=0)
        except Refused as exc:
            start = clock.day_start(day, desk.tz) + timedelta(hours=at.hour, minutes=at.minute)
            return PlanItem(start, start + timedelta(minutes=minutes), exc.problems,
                            self._nearest(desk, who, person, rooms, modality, minutes, day, start, planned))
        end = start + timedelta(minutes=minutes)
        draft = Appointment(id="(draft)", uid="", kind=Kind.SESSION, start=start, end=end, client_id=who.id,
                            staff_id=person.id, room_id=where.id, modality=modality)
        nearby = desk.near(start, end) + planned
        problems = rules.check(desk.snapshot([draft, *planned], nearby), draft)
        item = PlanItem(start, end, problems)
        if item.blocking:
            item.alternative = self._nearest(desk, who, person, rooms, modality, minutes, day, start, planned)
        return item

    def _nearest(self, desk, who, person, rooms, modality, minutes, day, wanted, planned) -> Slot | None:
        now = self.now()
        for d in (day, day + timedelta(days=1)):
            snap = self._day_snapshot(desk, d, who, planned)
            near = wanted if d == day else wanted + timedelta(days=1)
            found = free_on_day(snap, d, minutes, modality, who.id, [person], rooms, now, 1, near=near)
            if found:
                return found[0]
        return None

    def book_series(self, client: str, therapist: str, room: str, modality: str, minutes: int,
                    start: str | datetime, every_days: int, count: int,
                    override: str | None = None) -> list[Appointment]:
        """Book the planned series in one transaction: each date at its time or its offered alternative.
        Refused as a whole, with nothing booked, if any date has no free time."""
        with self.batch():
            plan = self.plan_series(client, therapist, room, modality, minutes, start, every_days, count)
            stuck = [item for item in plan if item.blocking and not item.alternative]
            if stuck:
                with self._read() as desk:
                    day = clock.describe(stuck[0].start, desk.tz)
                raise Refused(f"{day}: {stuck[0].blocking[0].message}; no free time that day or the next")
            series_id = f"series-{uuid.uuid4().hex[:8]}"
            booked = []
            for item in plan:
                when, where = (item.alternative.start, item.alternative.room_id) if item.alternative else (
                    item.start, room)
                booked.append(self.book_session(client, therapist, where, modality, when, minutes,
                                                override=override, series_id=series_id))
            return booked

    def cancel_rest_of_series(self, appt_id: str, reason: str = "") -> list[Appointment]:
        """Cancel this appointment and every later one of its series that is still booked."""
        with self.batch():
            with self._read() as desk:
                appt = desk.appointment(appt_id)
                if not appt.series_id:
                    raise Refused(f"{appt.id} is not part of a series")
                months = [m for m in desk.tx.folder.months() if m >= clock.month_key(appt.start, desk.tz)]
                rest = sorted((a for a in desk.book.in_months(months)
                               if a.series_id == appt.series_id and a.start >= appt.start
                               and a.status == Status.BOOKED), key=lambda a: a.start)
            return [self.cancel(a.id, reason) for a in rest]

    # --- waitlist --------------------------------------------------------------------------------

    def add_to_waitlist(self, client: str, minutes: int, first_day: date | str, last_day: date | str,
                        modality: str | None = None, therapist: str | None = None, note: str = "") -> WaitEntry:
        if not isinstance(minutes, int) or not 30 <= minutes <= 120:
            raise BadInput("a session lasts 30 to 120 minutes")
        first, last = _as_day(first_day), _as_day(last_day)
        if last < first:
            raise BadInput("the waitlist range ends before it starts")
        with self._write() as desk:
            modality, people, _, who = self._search_inputs(desk, modality, therapist, None, client)
            entry = WaitEntry(id=desk.waitlist.new_id("w"), client_id=who.id, minutes=minutes, first_day=first,
                              last_day=last, modality=modality, therapist_id=people[0].id if therapist else None,
                              note=(note or "").strip())
            desk.waitlist.put(entry)
            desk.tx.audit("waitlist-add", id=entry.id, client=who.id)
        return entry

    def waitlist(self) -> list[WaitEntry]:
        with self._read() as desk:
            return sorted(desk.waitlist.all(), key=lambda w: (w.first_day, w.id))

    def remove_from_waitlist(self, entry_id: str) -> None:
        with self._write() as desk:
            if desk.waitlist.get(entry_id) is None:
                raise Refused(f"no waitlist entry {entry_id!r}")
            desk.waitlist.remove(entry_id)
            desk.tx.audit("waitlist-remove", id=entry_id)

    def waitlist_matches(self) -> list[tuple[WaitEntry, Slot]]:
        """Waiting clients for whom a fitting slot is free now, each with the earliest such slot."""
        out = []
        today = clock.local_day(self.now(), clock.zone(self.practice().timezone))
        for entry in self.waitlist():
            if entry.last_day < today:
                continue
            slot = self._wait_slot(entry)
            if slot:
                out.append((entry, slot))
        return out

    def _wait_slot(self, entry: WaitEntry) -> Slot | None:
        with self._read() as desk:
            modality, people, rooms, who = self._search_inputs(desk, entry.modality, entry.therapist_id, None,
                                                               entry.client_id)
            now = self.now()
            today = clock.local_day(now, desk.tz)
            day = max(entry.first_day, today)
            while day <= entry.last_day:
                found = free_on_day(self._day_snapshot(desk, day, who), day, entry.minutes, modality, who.id,
                                    people, rooms, now, 1)
                if found:
                    return found[0]
                day += timedelta(days=1)
        return None

    def book_from_waitlist(self, entry_id: str, override: str | None = None) -> Appointment:
        """Book the earliest fitting slot for a waiting client and take them off the list, together."""
        with self.batch():
            with self._read() as desk:
                entry = desk.waitlist.get(entry_id)
                if entry is None:
                    raise Refused(f"no waitlist entry {entry_id!r}")
            slot = self._wait_slot(entry)
            if slot is None:
                raise Refused("nothing fitting is free for this waitlist entry yet")
            with self._read() as desk:
                person = desk.staff.get(slot.staff_id)
            modality = entry.modality or person.modalities[0]
            appt = self.book_session(entry.client_id, slot.staff_id, slot.room_id, modality, slot.start,
                                     entry.minutes, override=override)
            self.remove_from_waitlist(entry.id)
            return appt

    # --- day sheet and billing -------------------------------------------------------------------

    def record_hands_on(self, appt_id: str, minutes_by_code: dict[str, int]) -> Appointment:
        """Direct one-on-one minutes per timed code, after the session, for billing."""
        with self._write() as desk:
            appt = desk.appointment(appt_id)
            if appt.kind == Kind.VISIT:
                raise Refused("hands-on minutes are recorded on massage sessions and spot work, not on visits")
            if appt.status != Status.FULFILLED:
                raise Refused(f"{appt.id} is {appt.status}; record hands-on minutes once it is fulfilled")
            clean = {}
            for code, minutes in minutes_by_code.items():
                if code not in billing.CODES:
                    raise BadInput(f"unknown code {code!r} (one of: {', '.join(billing.CODES)})")
                if not isinstance(minutes, int) or minutes < 0:
                    raise BadInput(f"minutes for {code} must be a whole number, 0 or more")
                clean[code] = minutes
            if sum(clean.values()) > appt.minutes:
                raise Refused(f"{sum(clean.values())} hands-on minutes do not fit in a {appt.minutes}-minute "
                              f"{appt.kind}")
            done = appt.changed(self.now(), hands_on=clean)
            desk.book.put(done)
            desk.tx.audit("hands-on", id=appt.id, minutes=clean)
            return done

    def day_sheet(self, day: date | str | None = None, therapist: str | None = None) -> list[dict]:
        """The day in order: check-in time, flags, referral state, status, billable units."""
        with self._read() as desk:
            the_day = _as_day(day) if day else clock.local_day(self.now(), desk.tz)
            lo, hi = clock.day_span(the_day, desk.tz)
            appts = desk.book.between(lo, hi, clock.months_between(lo, hi, desk.tz))
            if therapist:
                who = desk.find(desk.staff, therapist, "staff member")
                appts = [a for a in appts if a.staff_id == who.id]
            appts.sort(key=lambda a: (a.start, a.kind != Kind.VISIT, a.id))
            clients = {c.id: c for c in desk.clients.matching(lambda d: d.get("id") in {a.client_id for a in appts})}
            allocations = {cid: self._allocation(desk, cid) for cid, c in clients.items() if c.needs_referral}
            lead = timedelta(minutes=desk.practice.checkin_lead_minutes)
            tz = desk.tz
        rows = self.describe(appts)
        for a, row in zip(appts, rows):
            client = clients.get(a.client_id)
            row["check_in"] = (a.start - lead).astimezone(tz).strftime("%H:%M")
            row["flags"] = list(client.flags) if client else []
            row["payer"] = str(client.payer) if client else ""
            row["referral"] = _referral_state(a, client, allocations.get(a.client_id))
            if a.hands_on:
                row["hands_on"] = dict(a.hands_on)
                row["units"] = billing.units(a.hands_on)
                row["total_units"] = sum(row["units"].values())
        return rows

    def referral_note_for(self, client: str, start: str | datetime) -> str:
        """What a new session for `client` at `start` would count as ('visit 3 of 6, expires ...'), or ''.
        For a booking form, before anything is booked: the visits are numbered in time order."""
        with self._read() as desk:
            who = desk.find(desk.clients, client, "client")
            if not who.needs_referral:
                return ""
            when = desk.time(start)
            draft = Appointment(id="(draft)", uid="", kind=Kind.SESSION, start=when, end=when + timedelta(minutes=1),
                                client_id=who.id, staff_id="", room_id="")
            return self._allocation(desk, who.id, extra=(draft,)).note(draft.id)

def _referral_state(a: Appointment, client: Client | None, allocation) -> str:
    if client is None or not client.needs_referral or a.kind == Kind.VISIT:
        return ""
    return (allocation.note(a.id) if allocation else "") or "not covered by a referral"


def _as_day(value: date | str) -> date:
    return value if isinstance(value, date) else clock.parse_date(value)

"""Treatment plans: what each referral has left, the next free times, and series of sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..core import clock, rules
from ..core.authorizations import admit
from ..core.closures import closure_on
from ..core.errors import BadInput, Refused
from ..core.model import Appointment, Kind, RoomKind, Status
from ..core.slots import Slot, free_on_day
from .context import Area
from .desk import choice
from .search import HORIZON_DAYS, as_day, day_snapshot, search_inputs

# A series date inside a closure is offered the next open day; closures longer than this are not looked past.
_LOOK_PAST_CLOSURES = 31


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


class Treatment(Area):
    # --- referrals -------------------------------------------------------------------------------

    def referral_standings(self, expiring_days: int | None = None, client: str | None = None) -> list[dict]:
        """Every referral with visits used and left; `expiring_days` keeps those ending within that many
        days from today (already expired ones are left out)."""
        with self.ctx.read() as desk:
            today = clock.local_day(self.now(), desk.tz)
            refs = desk.referrals.all()
            if client:
                who = desk.find(desk.clients, client, "client")
                refs = [r for r in refs if r.client_id == who.id]
            if expiring_days is not None:
                if not 0 <= expiring_days <= 3660:
                    raise BadInput("--expiring takes a number of days, 0 to 3660")
                refs = [r for r in refs if today <= r.expires <= today + timedelta(days=expiring_days)]
            names = desk.names()
            rows = []
            for ref in sorted(refs, key=lambda r: (r.expires, r.id)):
                allocation = desk.allocation(ref.client_id)
                standing = allocation.standing(ref)
                state = "expired" if ref.expires < today else ("used up" if standing.left == 0 else "active")
                rows.append({
                    "id": ref.id, "client": names.get(ref.client_id, ref.client_id), "client_id": ref.client_id,
                    "prescriber": ref.prescriber, "area": ref.area, "issued": ref.issued.isoformat(),
                    "expires": ref.expires.isoformat(), "visits": ref.visits, "used": standing.used,
                    "left": standing.left, "days_left": (ref.expires - today).days, "state": state,
                    "icd10": list(ref.icd10),
                })
            return rows

    def referral_note(self, appt: Appointment) -> str:
        """'visit 3 of 6, expires 2027-01-15' for a booking paid by a referral, else ''."""
        with self.ctx.read() as desk:
            return desk.allocation(appt.client_id).note(appt.id)

    def referral_note_for(self, client: str, start: str | datetime) -> str:
        """What a new session for `client` at `start` would count as ('visit 3 of 6, expires ...'), or ''.
        For a booking form, before anything is booked: the visits are numbered in time order."""
        with self.ctx.read() as desk:
            who = desk.find(desk.clients, client, "client")
            if not who.needs_referral:
                return ""
            when = desk.time(start)
            draft = Appointment(id="(draft)", uid="", kind=Kind.SESSION, start=when, end=when + timedelta(minutes=1),
                                client_id=who.id, staff_id="", room_id="")
            refs = desk.referrals.matching(lambda d: d.get("client_id") == who.id)
            allocation, displaced = admit(refs, desk.referral_history(who.id, refs), draft,
                                          desk.practice.no_show_uses_visit, desk.tz)
            # as the rule judges it: a date that would take another booking's paid visit is not covered
            return "" if displaced else allocation.note(draft.id)


    # --- free slots ------------------------------------------------------------------------------

    def find_slots(self, minutes: int, modality: str | None = None, therapist: str | None = None,
                   room: str | None = None, client: str | None = None, start_day: date | str | None = None,
                   count: int = 5) -> list[Slot]:
        """The next `count` free start times, earliest first, each with a therapist and room that fit."""
        if not isinstance(minutes, int) or not 30 <= minutes <= 120:
            raise BadInput("a session lasts 30 to 120 minutes")
        if not 1 <= count <= 100:
            raise BadInput("--count must be between 1 and 100")
        with self.ctx.read() as desk:
            modality, people, rooms, who = search_inputs(desk, self.now(), modality, therapist, room, client)
            if not people or not rooms:
                return []
            now = self.now()
            today = clock.local_day(now, desk.tz)
            first = as_day(start_day) if start_day else today
            found: list[Slot] = []
            for offset in range(HORIZON_DAYS):
                day = max(first, today) + timedelta(days=offset)
                snap = day_snapshot(desk, day, who)
                found += free_on_day(snap, day, minutes, modality, who.id, people, rooms, now, count - len(found))
                if len(found) >= count:
                    break
            return found

    def describe_slots(self, slots: list[Slot]) -> list[dict]:
        with self.ctx.read() as desk:
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
        with self.ctx.read() as desk:
            modality = choice(modality, desk.practice.modalities, "modality")
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
        """The free time nearest `wanted` on its day or the next open day (a closure is skipped over)."""
        now = self.now()
        closures = desk.closures.all()
        open_days = [d for d in (day + timedelta(days=i) for i in range(_LOOK_PAST_CLOSURES))
                     if not closure_on(closures, d)]
        for d in open_days[:2]:
            snap = day_snapshot(desk, d, who, planned)
            near = wanted + (d - day)
            found = free_on_day(snap, d, minutes, modality, who.id, [person], rooms, now, 1, near=near)
            if found:
                return found[0]
        return None

    def book_series(self, client: str, therapist: str, room: str, modality: str, minutes: int,
                    start: str | datetime, every_days: int, count: int,
                    override: str | None = None) -> list[Appointment]:
        """Book the planned series in one transaction: each date at its time or its offered alternative.
        Refused as a whole, with nothing booked, if any date has no free time."""
        with self.ctx.batch():
            plan = self.plan_series(client, therapist, room, modality, minutes, start, every_days, count)
            stuck = [item for item in plan if item.blocking and not item.alternative]
            if stuck:
                with self.ctx.read() as desk:
                    day = clock.describe(stuck[0].start, desk.tz)
                raise Refused(f"{day}: {stuck[0].blocking[0].message}; no free time that day or the next open day")
            series_id = f"series-{uuid.uuid4().hex[:8]}"
            booked = []
            for item in plan:
                when, where = (item.alternative.start, item.alternative.room_id) if item.alternative else (
                    item.start, room)
                booked.append(self.services.booking.book_session(client, therapist, where, modality, when, minutes,
                                                override=override, series_id=series_id))
            return booked

    def cancel_rest_of_series(self, appt_id: str, reason: str = "", by: str = "client") -> list[Appointment]:
        """Cancel this appointment and every later one of its series that is still booked."""
        with self.ctx.batch():
            with self.ctx.read() as desk:
                appt = desk.appointment(appt_id)
                if not appt.series_id:
                    raise Refused(f"{desk.label(appt)} is not part of a series")
                months = [m for m in desk.tx.folder.months() if m >= clock.month_key(appt.start, desk.tz)]
                rest = sorted((a for a in desk.book.in_months(months)
                               if a.series_id == appt.series_id and a.start >= appt.start
                               and a.status == Status.BOOKED), key=lambda a: a.start)
            return [self.services.booking.cancel(a.id, reason, by) for a in rest]


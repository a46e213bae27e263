"""Booking and changing appointments: sessions, visits and spot work; move, cancel, check in, no-show.

A booking is drafted, judged by the rules and committed in one write transaction. A preview (the live
verdict in a booking form) drafts the same appointment under a read lock and returns the verdict, so desks
typing at once never queue behind each other's previews.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

from ..core import clock, rules, statuses
from ..core.errors import BadInput, Refused
from ..core.model import Appointment, Client, Kind, Role, Room, Staff, Status
from ..core.policy import CANCELLED_BY, is_late_cancel
from .context import Area
from .desk import ANYONE, Desk, choice, clean_line, decide


class Booking(Area):
    # --- drafts: the same appointment for a booking and for its preview ---------------------------

    def draft(self, desk: Desk, kind: Kind, client: Client, person: Staff, room: Room, start: datetime,
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

    def _session(self, desk: Desk, client: str, therapist: str, room: str, modality: str, start,
                 minutes: int, series_id: str | None = None) -> tuple[Appointment, tuple]:
        modality = choice(modality, desk.practice.modalities, "modality")
        appt = self.draft(desk, Kind.SESSION, desk.find(desk.clients, client, "client"),
                          desk.find(desk.staff, therapist, "therapist"), desk.find(desk.rooms, room, "room"),
                          desk.time(start), minutes, modality=modality, series_id=series_id)
        return appt, ()

    def _visit(self, desk: Desk, client: str, provider: str, room: str, start, minutes: int
               ) -> tuple[Appointment, tuple]:
        appt = self.draft(desk, Kind.VISIT, desk.find(desk.clients, client, "client"),
                          desk.find(desk.staff, provider, "provider"), desk.find(desk.rooms, room, "room"),
                          desk.time(start), minutes)
        return appt, ()

    def _spot(self, desk: Desk, visit: str, therapist: str, start, modality: str | None = None,
              region: str = "") -> tuple[Appointment, tuple]:
        """Spot work and the visit it goes inside (which the rules must see, wherever it starts)."""
        host = desk.appointment(visit)
        if host.kind != Kind.VISIT:
            raise Refused(f"{desk.label(host)} is a {host.kind}; spot work goes inside a chiropractic or "
                          f"physical-therapy visit")
        person = desk.find(desk.staff, therapist, "therapist")
        if modality:
            modality = choice(modality, desk.practice.modalities, "modality")
        else:
            # spot work is usually the therapist's focused technique; default to their first one
            modality = person.modalities[0] if person.modalities else "swedish"
        client = desk.clients.get(host.client_id)
        room = desk.rooms.get(host.room_id)
        if client is None or room is None:
            raise Refused(f"{desk.label(host)} refers to a client or room that no longer exists")
        appt = self.draft(desk, Kind.SPOT, client, person, room, desk.time(start), 15,
                          modality=modality, visit_id=host.id, region=clean_line(region, "the region", 100))
        return appt, (host,)

    @staticmethod
    def _problems(desk: Desk, appt: Appointment, extra_near: tuple[Appointment, ...]) -> list[rules.Problem]:
        nearby = desk.near(appt.start, appt.end)
        nearby += [a for a in extra_near if a.id not in {n.id for n in nearby}]
        return rules.check(desk.snapshot([appt], nearby), appt)

    def _book(self, make, override: str | None, **request) -> Appointment:
        with self.ctx.write() as desk:
            appt, extra_near = make(desk, **request)
            appt = replace(appt, overrides=decide(self._problems(desk, appt, extra_near), override))
            desk.book.put(appt)
            desk.tx.audit(f"book-{appt.kind}", id=appt.id, start=appt.start.isoformat(), minutes=appt.minutes,
                          client=appt.client_id, staff=appt.staff_id, room=appt.room_id,
                          overridden=sorted(appt.overrides) or None)  # which rules; their reason stays on it
            return appt

    def _preview(self, make, **request) -> list[rules.Problem]:
        with self.ctx.read() as desk:
            appt, extra_near = make(desk, **request)
            return self._problems(desk, appt, extra_near)

    # --- booking ---------------------------------------------------------------------------------

    def book_session(self, client: str, therapist: str, room: str, modality: str, start: str | datetime,
                     minutes: int, override: str | None = None, series_id: str | None = None) -> Appointment:
        return self._book(self._session, override, client=client, therapist=therapist, room=room,
                          modality=modality, start=start, minutes=minutes, series_id=series_id)

    def book_visit(self, client: str, provider: str, room: str, start: str | datetime, minutes: int,
                   override: str | None = None) -> Appointment:
        return self._book(self._visit, override, client=client, provider=provider, room=room, start=start,
                          minutes=minutes)

    def book_spot(self, visit: str, therapist: str, start: str | datetime, modality: str | None = None,
                  region: str = "", override: str | None = None) -> Appointment:
        return self._book(self._spot, override, visit=visit, therapist=therapist, start=start,
                          modality=modality, region=region)

    def problems_for_session(self, **request) -> list[rules.Problem]:
        """The rules' verdict on a session without booking it, for live warnings in a form."""
        return self._preview(self._session, **request)

    def problems_for_visit(self, **request) -> list[rules.Problem]:
        return self._preview(self._visit, **request)

    def problems_for_spot(self, **request) -> list[rules.Problem]:
        return self._preview(self._spot, **request)

    # --- changing appointments ---------------------------------------------------------------------
    def move(self, appt_id: str, start: str | datetime, override: str | None = None) -> Appointment:
        """Move to a new start, keeping the length; a visit takes its spot work along."""
        with self.ctx.write() as desk:
            appt, moved, problems = self._moving(desk, appt_id, start)
            granted = decide(problems, override)
            for a in moved:
                desk.book.put(replace(a, overrides={**a.overrides, **granted}))
            desk.tx.audit("move", id=appt.id, spots=[a.id for a in moved[1:]], start=moved[0].start.isoformat(),
                          was=appt.start.isoformat(), overridden=sorted(granted) or None)
            return replace(moved[0], overrides={**moved[0].overrides, **granted})

    def problems_for_move(self, appt_id: str, start: str | datetime) -> list[rules.Problem]:
        """The rules' verdict on a move without making it, for the calendar while an appointment is carried."""
        with self.ctx.read() as desk:
            return self._moving(desk, appt_id, start)[2]

    def _moving(self, desk: Desk, appt_id: str, start: str | datetime
                ) -> tuple[Appointment, list[Appointment], list[rules.Problem]]:
        """The appointment, it and its spot work at the new time, and what the rules say of them there."""
        appt = desk.appointment(appt_id)
        if appt.status not in statuses.MOVABLE:
            raise Refused(f"{desk.label(appt)} is {appt.status} and cannot be moved")
        new_start = desk.time(start)
        delta = new_start - appt.start
        now = self.now()
        group = [appt]
        group += desk.spots_of(appt, keep=lambda spot: spot.holds_time)
        # the client confirmed the old time, not the new one
        moved = [a.changed(now, start=a.start + delta, end=a.end + delta, confirmed=None) for a in group]
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
                label = "" if a.id == appt.id else f"spot work at {a.start.astimezone(desk.tz):%H:%M}: "
                problems.append(replace(p, message=label + p.message))
        return appt, moved, problems

    def cancel(self, appt_id: str, reason: str = "", by: str = "client") -> Appointment:
        """Cancel; a visit's spot work is cancelled with it (the patient is not there for it).

        A client's cancellation within the practice's late-cancel window is recorded as a late cancel;
        one `by` the practice never is. The reason is optional (an undo or a quick cancel at the desk
        gives none) and is kept with the appointment; the audit log records whether one was given, never its
        words (a reason may speak of the client's health).
        """
        by = choice(by, CANCELLED_BY, "canceller")
        with self.ctx.write() as desk:
            appt = desk.appointment(appt_id)
            if appt.status not in statuses.CANCELLABLE:
                raise Refused(f"{desk.label(appt)} is already {appt.status}")
            reason = clean_line(reason, "the reason", 500)
            late = is_late_cancel(self.now(), appt.start, desk.practice.late_cancel_hours, by)
            done, spots = self._change(desk, appt, Status.CANCELLED, cancel_reason=reason, late_cancel=late)
            desk.tx.audit("cancel", id=appt.id, spots=[s.id for s in spots], reason_given=bool(reason) or None,
                          by=by, late=late or None)
            return done

    def _change(self, desk: Desk, appt: Appointment, target: Status, **extra) -> tuple[Appointment, list[Appointment]]:
        """Give the appointment its new status (and `extra` changes), and a visit's spot work the status
        that follows from it."""
        now = self.now()
        spots = desk.spots_of(appt, keep=lambda spot: True)
        for spot in spots:
            if statuses.spot_blocks(target, spot.status):
                raise Refused(f"{desk.label(appt)} cannot become {target}: its spot work at "
                              f"{spot.start.astimezone(desk.tz):%H:%M} is {spot.status}")
        done = appt.changed(now, status=target, **extra)
        desk.book.put(done)
        moved = []
        for spot in spots:
            follows = statuses.spot_follows(appt.status, target, spot.status)
            if follows is not None:
                moved.append(spot.changed(now, status=follows))
                desk.book.put(moved[-1])
        return done, moved

    def reinstate(self, appt_id: str, spot_ids: tuple[str, ...] | list[str] = ()) -> Appointment:
        """Take back a cancellation (undo): only if the time, people and room are still free.

        `spot_ids` are spot work cancelled together with a visit, reinstated with it.
        """
        with self.ctx.write() as desk:
            appt = desk.appointment(appt_id)
            if appt.status != Status.CANCELLED:
                raise Refused(f"{desk.label(appt)} is {appt.status}, not cancelled")
            now = self.now()
            undone = dict(status=Status.BOOKED, cancel_reason="", late_cancel=False)
            group = [appt.changed(now, **undone)]
            for spot_id in spot_ids:
                spot = desk.appointment(spot_id)
                if spot.visit_id != appt.id or spot.status != Status.CANCELLED:
                    raise Refused(f"{desk.label(spot)} is not cancelled spot work of {desk.label(appt)}")
                group.append(spot.changed(now, **undone))
            ids = {a.id for a in group}
            nearby = [a for a in desk.near(appt.start, appt.end) if a.id not in ids] + group
            snap = desk.snapshot(group, nearby)
            decide([p for a in group for p in rules.check(snap, a) if not p.soft], None)
            for a in group:
                desk.book.put(a)
            desk.tx.audit("reinstate", id=appt.id, spots=list(spot_ids))
            return group[0]

    def set_status(self, appt_id: str, status: str, override: str | None = None) -> Appointment:
        """Check in, fulfil, no-show, or take one of those back; a visit's spot work follows it.

        Back to booked from a no-show takes the time again: only if nobody else has it now, and (when
        no-shows do not use a referral's visits) with a reason if the referral has no visit left for it.
        """
        target = Status(choice(status, [s.value for s in Status if s != Status.CANCELLED], "status"))
        with self.ctx.write() as desk:
            appt = desk.appointment(appt_id)
            now = self.now()
            label = desk.label(appt)
            if target == appt.status:
                raise Refused(f"{label} is already {target}")
            if target not in statuses.NEXT.get(appt.status, set()):
                raise Refused(f"{label} is {appt.status} and cannot become {target}")
            today = clock.local_day(now, desk.tz)
            if target == Status.ARRIVED and clock.local_day(appt.start, desk.tz) != today:
                raise Refused(f"check-in is on the day of the appointment ({clock.local_day(appt.start, desk.tz)})")
            if target in (Status.FULFILLED, Status.NO_SHOW) and now < appt.start:
                raise Refused(f"{label} has not started yet")
            if appt.kind == Kind.SPOT:
                host = desk.book.get(appt.visit_id or "")
                if host is not None and statuses.spot_alone_refused(target, host.status):
                    raise Refused(f"{label} cannot be a no-show: the client is {host.status} for the visit")
            granted = {}
            if appt.status == Status.NO_SHOW and target == Status.BOOKED:
                back = [appt.changed(now, status=target)]
                back += [s.changed(now, status=target) for s in desk.spots_of(appt, keep=lambda s: s.status == Status.NO_SHOW)]
                snap = desk.snapshot(back, [a for a in desk.near(appt.start, appt.end)
                                            if a.id not in {b.id for b in back}] + back)
                problems = [p for a in back for p in rules.check(snap, a)
                            if not p.soft or (p.code == "referral" and p.code not in a.overrides)]
                granted = decide(problems, override)
            done, spots = self._change(desk, replace(appt, overrides={**appt.overrides, **granted}), target)
            desk.tx.audit("status", id=appt.id, status=target, was=appt.status, spots=[s.id for s in spots],
                          overridden=sorted(granted) or None)
            return done

    # --- reading ---------------------------------------------------------------------------------

    def get(self, appt_id: str) -> Appointment:
        with self.ctx.read() as desk:
            return desk.appointment(appt_id)

    def appointments(self, start: datetime, end: datetime, therapist: str | None = None,
                     room: str | None = None, client: str | None = None) -> list[Appointment]:
        with self.ctx.read() as desk:
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

    def day_span(self, day: date, days: int = 1) -> tuple[datetime, datetime]:
        with self.ctx.read() as desk:
            return clock.day_span(day, desk.tz, days)

    def describe(self, appts: list[Appointment]) -> list[dict]:
        """Appointments as plain dicts with names and local times, for JSON and printing."""
        with self.ctx.read() as desk:
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
            d["confirmed"] = a.confirmed.astimezone(tz).isoformat() if a.confirmed else None
            if a.status == Status.CANCELLED:
                d["cancel_reason"] = a.cancel_reason
                d["late_cancel"] = a.late_cancel
            out.append(d)
        return out


    # --- for the app's booking forms -------------------------------------------------------------

    def staff_for_slot(self, start: str | datetime, minutes: int, room: str, kind: str = "session",
                       modality: str | None = None, client: str | None = None
                       ) -> list[tuple[Staff, list[rules.Problem]]]:
        """Who could take this slot in this room, each with the rules' verdict, free ones first.

        A session offers the therapists certified for `modality`; a visit the chiropractors and physical
        therapists. Without a client, a stand-in with no flags and no bookings is judged.
        """
        kind = Kind(choice(kind, [Kind.SESSION, Kind.VISIT], "kind"))
        with self.ctx.read() as desk:
            if kind == Kind.SESSION:
                modality = choice(modality, desk.practice.modalities, "modality")
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
                draft = self.draft(desk, kind, who, person, where, begin, minutes,
                                    modality=modality if kind == Kind.SESSION else None)
                snap = desk.snapshot([draft], nearby, also=who)
                verdicts.append((person, rules.check(snap, draft, clinical=client is not None)))
        return sorted(verdicts, key=lambda v: (any(not p.soft for p in v[1]), len(v[1]), v[0].name.casefold()))

    def spot_openings(self, visit: str) -> list[tuple[datetime, Staff, list[rules.Problem]]]:
        """Where spot work fits inside a visit: each 15-minute start in it with each therapist free then,
        and the soft warnings booking it would need a reason for (anything refused is left out)."""
        with self.ctx.read() as desk:
            host = desk.appointment(visit)
            if host.kind != Kind.VISIT or not host.holds_time:
                raise Refused(f"{desk.label(host)} is a {host.status} {host.kind}; spot work goes inside a booked visit")
            client, room = desk.clients.get(host.client_id), desk.rooms.get(host.room_id)
            if client is None or room is None:
                raise Refused(f"{desk.label(host)} refers to a client or room that no longer exists")
            nearby = desk.near(host.start, host.end)
            therapists = [s for s in desk.staff.all() if s.active and s.is_therapist and s.modalities]
            openings = []
            start = host.start
            while start + timedelta(minutes=15) <= host.end:
                for person in therapists:
                    draft = self.draft(desk, Kind.SPOT, client, person, room, start, 15,
                                        modality=person.modalities[0], visit_id=host.id)
                    problems = rules.check(desk.snapshot([draft], nearby), draft)
                    if all(p.soft for p in problems):
                        openings.append((start, person, problems))
                start += timedelta(minutes=15)
        return sorted(openings, key=lambda o: (o[0], o[1].name.casefold()))


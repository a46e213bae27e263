"""The calendar screen: a day or a week of rooms or staff, and every action on the appointments in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from ...core import clock
from ...core.errors import NeedsOverride, SchedulerError
from ...core.model import Appointment, Kind, Room, Staff, Status
from ...services import Scheduler
from ..widgets.blocks import STATUS_LETTER, Column, Layout, place, row_bounds
from ..widgets.calendar import CalendarGrid
from ..widgets.keyline import KeyLine
from .details import DetailsScreen
from .prompts import ConfirmScreen, DatePrompt, Filters, FilterScreen, OverrideScreen
from .live import Live

# set_status walks back one step at a time; a fulfilment straight from booked goes back through arrived
_BACK = {(Status.FULFILLED, Status.BOOKED): (Status.ARRIVED, Status.BOOKED)}


@dataclass(frozen=True)
class Change:
    """This user's last change, and what taking it back needs."""

    what: str  # book, cancel, move, status
    appt_id: str
    label: str
    was_start: datetime | None = None
    was_status: Status | None = None
    spot_ids: tuple[str, ...] = ()


@dataclass
class Period:
    """One load of the data folder: the placed grid and the records behind it."""

    layout: Layout
    names: dict[str, str]
    appointments: dict[str, Appointment]
    rooms: list[Room] = field(default_factory=list)
    staff: list[Staff] = field(default_factory=list)


class CalendarScreen(Live, Screen):
    BINDINGS = [
        Binding("b", "book('session')", "Book", id="book.session", tooltip="Book a massage session here"),
        Binding("v", "book('visit')", "Visit", id="book.visit", tooltip="Book a chiropractic or PT visit here"),
        Binding("s", "spot", "Spot", id="book.spot", tooltip="Spot work inside the visit under the cursor"),
        Binding("enter", "details", "Open", id="appt.details", tooltip="The appointment under the cursor"),
        Binding("m", "move", "Move", id="appt.move", tooltip="Move the appointment, then Enter on its new slot"),
        Binding("u", "undo", "Undo", id="appt.undo", tooltip="Take back your own last change"),
        Binding("a", "status('arrived')", "Check in", show=False, id="appt.arrived"),
        Binding("d", "status('fulfilled')", "Done", show=False, id="appt.fulfilled", tooltip="Mark fulfilled"),
        Binding("o", "status('no-show')", "No-show", show=False, id="appt.no_show"),
        Binding("x", "cancel_appointment", "Cancel appt", show=False, id="appt.cancel"),
        Binding("X", "cancel_series", "Cancel rest of series", show=False, id="appt.cancel_series",
                tooltip="This session and the later ones of its series"),
        Binding("S", "series", "Series", show=False, id="book.series", tooltip="Plan and book a series of sessions"),
        Binding("escape", "stop_moving", "Stop moving", show=False, id="appt.stop_moving"),
        Binding("w", "toggle_week", "Day/Week", id="view.week"),
        Binding("r", "toggle_columns", "Rooms/Staff", id="view.columns"),
        Binding("f", "filter", "Filter", show=False, id="view.filter", tooltip="By therapist, room or modality"),
        Binding("n", "step(1)", "Next", show=False, id="nav.next", tooltip="Next day (week in the week view)"),
        Binding("p", "step(-1)", "Previous", show=False, id="nav.prev", tooltip="Previous day or week"),
        Binding("N", "step_week(1)", "Next week", show=False, id="nav.next_week"),
        Binding("P", "step_week(-1)", "Previous week", show=False, id="nav.prev_week"),
        Binding("t", "today", "Today", show=False, id="nav.today"),
        Binding("g", "go_to_date", "Go to date", show=False, id="nav.date"),
        Binding("c", "clients", "Clients", show=False, id="screen.clients"),
        Binding("T", "team", "Staff & rooms", show=False, id="screen.team"),
        Binding("W", "waitlist", "Waitlist", show=False, id="screen.waitlist"),
        Binding("D", "day_sheet", "Day sheet", show=False, id="screen.day",
                tooltip="The shown day in order: check-in, flags, referral, units"),
    ]
    # actions that need an appointment under the cursor
    _ON_APPOINTMENT = {"details", "status", "cancel_appointment", "cancel_series", "spot"}

    class Ready(Message):
        """The first period is on screen."""

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.scheduler = scheduler
        self.practice = scheduler.practice()
        self.tz = clock.zone(self.practice.timezone)
        self.anchor = clock.local_day(scheduler.now(), self.tz)
        self.week = False
        self.by_room = True
        self.filters = Filters()
        self.last_change: Change | None = None
        self.moving: Appointment | None = None
        self.period: Period | None = None
        self._cursor_wish: object = "now"
        self._people: tuple | None = None  # (revision stamp, rooms, staff, names of everyone and every room)
        # the periods next to the one shown, read ahead in the loading worker: (days, by_room, filters,
        # revision stamp) -> Period, so paging a day or week on shows at once
        self._ahead: dict[tuple, Period] = {}
        self._footer_for: tuple | None = None  # what the footer's bindings were last worked out for
        self._generation = 0  # which period on screen a read-ahead was started for

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield CalendarGrid(id="grid")
        yield Static(id="info")
        yield KeyLine()

    @property
    def grid(self) -> CalendarGrid:
        return self.query_one(CalendarGrid)

    def on_mount(self) -> None:
        self.grid.focus()
        self.reload("now")
        self.watch(self.app, "waitlist_fits", self._show_top, init=False)

    # --- loading ---------------------------------------------------------------------------------

    def days(self) -> tuple[date, ...]:
        if not self.week:
            return (self.anchor,)
        monday = self.anchor - timedelta(days=self.anchor.weekday())
        return tuple(monday + timedelta(days=i) for i in range(7))

    def reload(self, cursor: object = None) -> None:
        """Load the period again; `cursor` is "now", an (x, row), ("appt", id), or None to stay put."""
        if cursor is not None:
            self._cursor_wish = cursor
        key = (self.days(), self.by_room, self.filters, self.scheduler.folder.revision_stamp())
        ready = self._ahead.get(key)
        if ready is not None and self.showing:
            self._show(ready)
            return
        self._load(self.days(), self.by_room, self.filters)

    @property
    def showing(self) -> bool:
        """False while the screen is being built or taken down (a load may finish just then)."""
        return bool(self.query(CalendarGrid))

    def on_screen_resume(self) -> None:
        # back from clients or staff & rooms: show what was changed there without waiting for the poll
        if self.period is not None:
            self.reload()

    def on_data_changed(self, changed: bool) -> None:
        if not self.showing:
            return
        if changed:
            self.reload()
        elif self.period is not None:
            self.grid.set_now(self.scheduler.now())

    @work(exclusive=True, thread=True, group="period")
    def _load(self, days: tuple[date, ...], by_room: bool, filters: Filters) -> None:
        try:
            period = self.read_period(days, by_room, filters)
        except SchedulerError as exc:
            # a damaged file or a folder busy too long: say so and keep showing what we had
            self.app.call_from_thread(self.notify, exc.reason, severity="error", timeout=10)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, period)

    @work(thread=True, group="ahead")
    def _read_ahead(self, days: tuple[date, ...], by_room: bool, filters: Filters, generation: int) -> None:
        """Read the periods before and after the one shown, so paging on shows at once. Never cancelled
        (a wait on a cancelled worker fails); a newer period on screen makes it stop early instead."""
        stamp = self.scheduler.folder.revision_stamp()
        step = timedelta(days=len(days))
        ahead = {}
        try:
            for shift in (step, -step):
                if generation != self._generation:
                    return
                near = tuple(d + shift for d in days)
                ahead[(near, by_room, filters, stamp)] = self.read_period(near, by_room, filters)
        except SchedulerError:
            return  # the next real load says what is wrong
        if generation == self._generation:
            self._ahead = ahead

    def read_period(self, days: tuple[date, ...], by_room: bool, filters: Filters) -> Period:
        sched = self.scheduler
        stamp = sched.folder.revision_stamp()
        if self._people is None or self._people[0] != stamp:
            self._people = (stamp, sched.rooms(), sched.staff(), sched.names())
        _, rooms, staff, names = self._people
        start, end = clock.day_span(days[0], self.tz, len(days))
        every = sched.appointments(start, end)
        shown = [a for a in every if filters.keeps(a)]
        if by_room:
            columns = [Column(r.id, r.name, self.practice.hours) for r in rooms
                       if r.active and filters.room in (None, r.id)]
        else:
            people = sorted((s for s in staff if s.active and filters.therapist in (None, s.id)),
                            key=lambda s: not s.is_therapist)
            columns = [Column(s.id, s.name, s.hours) for s in people]
        if not columns:
            columns = [Column("", "nobody" if not by_room else "no rooms", self.practice.hours)]
        first, rows = row_bounds(self.practice.hours, shown, self.tz, self.practice.grid_minutes)
        layout = place(days, tuple(columns), shown, self.tz, first, rows, self.practice.grid_minutes, by_room,
                       self.practice.turnover_minutes)
        return Period(layout, names, {a.id: a for a in every}, rooms, staff)

    def _show(self, period: Period) -> None:
        if not self.showing:
            return
        first_show = self.period is None
        self.period = period
        wish, self._cursor_wish = self._cursor_wish, None
        layout = period.layout
        grid = self.grid
        if wish == "now":
            grid.show(layout, period.names, self.tz, self.scheduler.now(), cursor=None)
            column = grid.cursor[0] % len(layout.columns) if not first_show else 0
            today = clock.local_day(self.scheduler.now(), self.tz)
            day = layout.days.index(today) if today in layout.days else 0
            grid.cursor = (day * len(layout.columns) + column, grid.now_row or 0)
        else:
            grid.show(layout, period.names, self.tz, self.scheduler.now(),
                      cursor=wish if isinstance(wish, tuple) and wish[0] != "appt" else None)
            if isinstance(wish, tuple) and wish[0] == "appt":
                grid.move_cursor_to(wish[1])
        if self.moving is not None:
            grid.mark(self.moving.id)
        self._show_top()
        self._show_info()
        if first_show:
            self.post_message(self.Ready())
        # read the neighbouring periods once this one is on screen, not while it is being drawn
        self._generation += 1
        self.call_after_refresh(self._read_ahead, self.days(), self.by_room, self.filters, self._generation)

    def _show_top(self) -> None:
        days = self.days()
        if self.week:
            when = f"Week {days[0]:%V}: {days[0]:%a %d %b} – {days[-1]:%a %d %b %Y}"
        else:
            when = f"{days[0]:%A %d %B %Y}"
        names = self.period.names if self.period else {}
        shown = "by room" if self.by_room else "by staff"
        filters = self.filters.describe(names)
        fits = len(self.app.waitlist_fits)
        badge = f"[b reverse $warning] Waitlist: {fits} fit [/] " if fits else ""
        self.query_one("#topbar", Static).update(
            badge + f"[b]{self.practice.name}[/b] │ {when} │ {shown}" + (f" │ only {filters}" if filters else ""))

    def _show_info(self) -> None:
        grid = self.grid
        slot = grid.slot
        if slot is None or self.period is None:
            return
        appt = grid.appointment_at_cursor()
        if self.moving is not None:
            target = self._slot_text()
            text = f"[b]Moving[/b] {self._label(self.moving)} → {target}: Enter to move here, Esc to stop"
        elif appt is not None:
            text = self._summary(appt)
        else:
            names = self.period.names
            cell = slot.cell
            busy = " · turnover (room being readied)" if cell is not None and cell.turnover else ""
            text = f"{self._slot_text()} · {names.get(slot.column_id, '')}{busy}"
        self.query_one("#info", Static).update(text)

    def _slot_text(self) -> str:
        slot = self.grid.slot
        return f"{slot.day:%a %d %b} {slot.minute // 60:02d}:{slot.minute % 60:02d}"

    def _summary(self, a: Appointment) -> str:
        names = self.period.names
        when = f"{a.start.astimezone(self.tz):%H:%M}-{a.end.astimezone(self.tz):%H:%M}"
        what = a.modality or str(a.kind)
        if a.kind == Kind.SPOT:
            what = f"spot {what}" + (f" ({a.region})" if a.region else "")
        return (f"{when} [b]{STATUS_LETTER[a.status]}[/b] {a.status} · {names.get(a.client_id, '?')} · {what} · "
                f"{names.get(a.staff_id, '?')} · {names.get(a.room_id, '?')}")

    def _label(self, a: Appointment) -> str:
        names = self.period.names if self.period else {}
        return f"{names.get(a.client_id, a.client_id)} {a.start.astimezone(self.tz):%a %H:%M}"

    def on_calendar_grid_cursor_moved(self, message: CalendarGrid.CursorMoved) -> None:
        if self.week and message.slot is not None:
            self.anchor = message.slot.day
        self._show_info()
        # the footer is rebuilt on every refresh (tens of ms): only when what check_action says changes
        appt = self.grid.appointment_at_cursor()
        shown = (appt is None, appt is not None and appt.kind in (Kind.VISIT, Kind.SPOT),
                 appt is not None and appt.series_id is not None and appt.status == Status.BOOKED)
        if shown != self._footer_for:
            self._footer_for = shown
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Appointment actions show in the footer only on an appointment; spot work only on a visit."""
        if self.period is None or not self.showing:
            return True
        if action == "stop_moving":
            return self.moving is not None
        if self.moving is not None and action in ("details", "move"):
            return True
        if action in self._ON_APPOINTMENT or action == "move":
            appt = self.grid.appointment_at_cursor()
            if action == "spot":
                return appt is not None and appt.kind in (Kind.VISIT, Kind.SPOT)
            if action == "cancel_series":
                return appt is not None and appt.series_id is not None and appt.status == Status.BOOKED
            return appt is not None
        return True

    # --- navigation ------------------------------------------------------------------------------

    def action_step(self, step: int) -> None:
        self.anchor += timedelta(days=step * (7 if self.week else 1))
        self.reload()

    def action_step_week(self, step: int) -> None:
        self.anchor += timedelta(days=7 * step)
        self.reload()

    def action_today(self) -> None:
        self.anchor = clock.local_day(self.scheduler.now(), self.tz)
        self.reload("now")

    def action_go_to_date(self) -> None:
        def go(day: date | None) -> None:
            if day is not None:
                self.anchor = day
                per_day = self._column_count()
                x, row = self.grid.cursor
                self.reload(((day.weekday() if self.week else 0) * per_day + x % per_day, row))

        self.app.push_screen(DatePrompt(self.anchor), go)

    def action_toggle_week(self) -> None:
        x, row = self.grid.cursor
        per_day = len(self.period.layout.columns) if self.period else 1
        if self.week:
            self.week = False
            self.reload((x % per_day, row))
        else:
            self.week = True
            self.reload((self.anchor.weekday() * per_day + x % per_day, row))

    def action_toggle_columns(self) -> None:
        self.by_room = not self.by_room
        day = self.days().index(self.anchor) if self.anchor in self.days() else 0
        self.reload((day * self._column_count(), self.grid.cursor[1]))

    def _column_count(self) -> int:
        if self.period is None:
            return 1
        if self.by_room:
            return max(1, sum(1 for r in self.period.rooms if r.active and self.filters.room in (None, r.id)))
        return max(1, sum(1 for s in self.period.staff if s.active and self.filters.therapist in (None, s.id)))

    def action_filter(self) -> None:
        def chosen(filters: Filters | None) -> None:
            if filters is not None:
                self.filters = filters
                self.reload((0, self.grid.cursor[1]))

        period = self.period
        self.app.push_screen(FilterScreen(self.filters, period.rooms, period.staff), chosen)

    def action_clients(self) -> None:
        from .clients import ClientsScreen

        self.app.push_screen(ClientsScreen(self.scheduler))

    def action_team(self) -> None:
        from .team import TeamScreen

        self.app.push_screen(TeamScreen(self.scheduler))

    def action_waitlist(self) -> None:
        from .waitlist import WaitlistScreen

        self.app.push_screen(WaitlistScreen(self.scheduler))

    def action_day_sheet(self) -> None:
        from .daysheet import DaySheetScreen

        self.app.push_screen(DaySheetScreen(self.scheduler, self.anchor))

    # --- booking ---------------------------------------------------------------------------------

    def slot_start(self) -> datetime | None:
        slot = self.grid.slot
        wall = datetime.combine(slot.day, time(slot.minute // 60, slot.minute % 60))
        try:
            return clock.local_to_utc(wall, self.tz, fold=0)
        except SchedulerError:
            return None

    def action_book(self, kind: str) -> None:
        from .booking import BookingScreen

        slot = self.grid.slot
        if slot is None:
            return
        start = self.slot_start()
        if start is None:
            self.notify("that time does not exist on this day (summer time starts)", severity="error")
            return
        room = slot.column_id if self.by_room else None
        person = slot.column_id if not self.by_room else None
        self.app.push_screen(BookingScreen(self.scheduler, kind, start, room=room, person=person), self._booked)

    def _booked(self, appt: Appointment | None) -> None:
        if appt is None:
            return
        self.last_change = Change("book", appt.id, f"booking of {self._label(appt)}")
        note = self.scheduler.referral_note(appt)
        self.notify(f"Booked {self._label(appt)}" + (f"\n{note}" if note else ""), title="Booked")
        self.reload(("appt", appt.id))

    def action_series(self) -> None:
        slot = self.grid.slot
        start = self.slot_start()
        if slot is None or start is None:
            return
        self.open_series(room=slot.column_id if self.by_room else None,
                         therapist=slot.column_id if not self.by_room else None,
                         start=f"{start.astimezone(self.tz):%Y-%m-%d %H:%M}")

    def open_series(self, **prefill) -> None:
        """The series planner, filled from the cursor or from a booking form."""
        from .series import SeriesScreen

        self.app.push_screen(SeriesScreen(self.scheduler, **prefill), self._series_booked)

    def _series_booked(self, booked: list[Appointment] | None) -> None:
        if not booked:
            return
        first = booked[0]
        self.notify(f"Booked {len(booked)} sessions of a series, the first {self._label(first)}", title="Booked")
        self.anchor = clock.local_day(first.start, self.tz)
        self.reload(("appt", first.id))

    def action_spot(self) -> None:
        from .booking import SpotScreen

        appt = self.grid.appointment_at_cursor()
        if appt is None:
            return
        visit = self.period.appointments.get(appt.visit_id) if appt.kind == Kind.SPOT else appt
        if visit is None or visit.kind != Kind.VISIT:
            self.notify("spot work goes inside a chiropractic or physical-therapy visit: put the cursor on one",
                        severity="warning")
            return
        try:
            openings = self.scheduler.spot_openings(visit.id)
        except SchedulerError as exc:
            self.notify(exc.reason, title="Refused", severity="error")
            return
        if not openings:
            self.notify("no therapist is free for 15 minutes inside this visit", severity="warning")
            return
        self.app.push_screen(SpotScreen(self.scheduler, visit, openings, self.period.names), self._booked)

    # --- changing an appointment -----------------------------------------------------------------

    def _write(self, call, *args, **kwargs):
        """Run a change through the service; a refusal is shown with its reason and changes nothing."""
        try:
            return call(*args, **kwargs)
        except SchedulerError as exc:
            self.notify(exc.reason, title="Refused", severity="error", timeout=8)
            return None

    def action_details(self) -> None:
        if self.moving is not None:
            self.drop_moving()
            return
        appt = self.grid.appointment_at_cursor()
        if appt is None:
            return

        def chosen(action: str | None) -> None:
            if action:
                self.call_later(self.run_action, action)

        spots = [a for a in self.period.appointments.values() if a.visit_id == appt.id]
        self.app.push_screen(DetailsScreen(self.scheduler, appt, spots, self.period.names), chosen)

    def action_status(self, status: str) -> None:
        appt = self.grid.appointment_at_cursor()
        if appt is None:
            return
        done = self._write(self.scheduler.set_status, appt.id, status)
        if done is not None:
            self.last_change = Change("status", appt.id, f"{status} of {self._label(appt)}",
                                      was_status=appt.status)
            self.notify(f"{self._label(appt)}: {status}")
            self.reload(("appt", appt.id))

    def action_cancel_appointment(self) -> None:
        appt = self.grid.appointment_at_cursor()
        if appt is None:
            return
        # the spot work a visit takes with it, so that undo can bring it back too
        spots = tuple(a.id for a in self.period.appointments.values()
                      if a.visit_id == appt.id and a.status == Status.BOOKED)
        if self._write(self.scheduler.cancel, appt.id, "cancelled at the front desk") is not None:
            self.last_change = Change("cancel", appt.id, f"cancellation of {self._label(appt)}", spot_ids=spots)
            self.notify(f"Cancelled {self._label(appt)} (u to undo)")
            self.reload()

    def action_cancel_series(self) -> None:
        appt = self.grid.appointment_at_cursor()
        if appt is None or not appt.series_id:
            return
        label = self._label(appt)

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            done = self._write(self.scheduler.cancel_rest_of_series, appt.id, "rest of series cancelled at the desk")
            if done is not None:
                self.notify(f"Cancelled {len(done)} session(s) of the series from {label} on")
                self.reload()

        self.app.push_screen(ConfirmScreen(f"Cancel {label} and every later booked session of its series?\n"
                                           "This cannot be undone with u."), answered)

    def action_move(self) -> None:
        if self.moving is not None:
            self.drop_moving()
            return
        appt = self.grid.appointment_at_cursor()
        if appt is None:
            return
        self.moving = appt
        self.grid.mark(appt.id)
        self._show_info()
        self.refresh_bindings()

    def action_stop_moving(self) -> None:
        self.moving = None
        self.grid.mark(None)
        self._show_info()
        self.refresh_bindings()

    def drop_moving(self) -> None:
        """Move the marked appointment to the cursor's time (same people and room), asking a reason
        when only soft warnings stand in the way."""
        appt, start = self.moving, self.slot_start()
        if start is None:
            return
        label = self._label(appt)

        def attempt(reason: str | None) -> None:
            try:
                moved = self.scheduler.move(appt.id, start, override=reason)
            except NeedsOverride as exc:
                self.app.push_screen(OverrideScreen(f"Move {label}", exc.problems), retry)
                return
            except SchedulerError as exc:
                self.notify(exc.reason, title="Refused", severity="error", timeout=8)
                return
            self.last_change = Change("move", appt.id, f"move of {label}", was_start=appt.start)
            self.action_stop_moving()
            self.notify(f"Moved {label} to {self._label(moved)}")
            self.reload(("appt", appt.id))

        def retry(reason: str | None) -> None:
            if reason:
                attempt(reason)

        attempt(None)

    def action_undo(self) -> None:
        change = self.last_change
        if change is None:
            self.notify("nothing of yours to undo", severity="warning")
            return
        sched = self.scheduler
        try:
            if change.what == "book":
                sched.cancel(change.appt_id, "undo")
            elif change.what == "cancel":
                sched.reinstate(change.appt_id, change.spot_ids)
            elif change.what == "move":
                try:
                    sched.move(change.appt_id, change.was_start)
                except NeedsOverride:
                    sched.move(change.appt_id, change.was_start, override="undo: back where it was")
            else:
                current = sched.get(change.appt_id).status
                with sched.batch():
                    for status in _BACK.get((current, change.was_status), (change.was_status,)):
                        sched.set_status(change.appt_id, status)
        except SchedulerError as exc:
            self.notify(f"cannot undo the {change.label}: {exc.reason}", title="Refused", severity="error")
            return
        self.last_change = None
        self.notify(f"Undone: {change.label}")
        self.reload(("appt", change.appt_id))

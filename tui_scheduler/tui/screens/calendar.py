"""The calendar screen: a day or a week of rooms or staff, and every action on the appointments in it."""

from __future__ import annotations

from dataclasses import field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from ...core import clock, statuses
from ...core.errors import NeedsOverride, SchedulerError
from ...core.model import Appointment, Kind, Room, Staff, Status
from ...core.policy import is_late_cancel
from ...core.record import record
from ...services import Scheduler
from ..widgets.blocks import STATUS_LETTER, Column, Layout, marks, name_forms, place, row_bounds
from ..widgets.calendar import CalendarGrid
from ..widgets.keyline import Hint, KeyLine
from ..widgets.topbar import TopBar
from .live import Live

if TYPE_CHECKING:
    from ...core.rules import Problem
    from .prompts import Filters

# set_status walks back one step at a time; a fulfilment straight from booked goes back through arrived
_BACK = {(Status.FULFILLED, Status.BOOKED): (Status.ARRIVED, Status.BOOKED)}
_STATUS_VERB = {"arrived": "check in", "fulfilled": "mark done", "no-show": "mark as a no-show"}
_STATUS_DONE = {"arrived": "Checked in {}", "fulfilled": "Done: {}", "no-show": "No-show: {}"}
_STATUS_WORD = {"arrived": "check-in", "fulfilled": "done", "no-show": "no-show"}  # "Undone: check-in of ..."
_STATUS_NOW = {"booked": "booked", "arrived": "checked in", "fulfilled": "done", "no-show": "a no-show"}


def _key(key: str, action: str, description: str, id: str, tooltip: str = "") -> Binding:
    return Binding(key, action, description, show=False, id=id, tooltip=tooltip)


class Change(NamedTuple):
    """This user's last change, and what taking it back needs."""

    what: str  # book, cancel, move, status
    appt_id: str
    label: str
    was_start: datetime | None = None
    was_status: Status | None = None
    spot_ids: tuple[str, ...] = ()


@record
class Period:
    """One load of the data folder: the placed grid and the records behind it."""

    layout: Layout
    names: dict[str, str]
    appointments: dict[str, Appointment]
    rooms: list[Room] = field(default_factory=list)
    staff: list[Staff] = field(default_factory=list)


class _AllShown:
    """The calendar before anyone filters it: the filter dialog (and its module) is loaded on `f`."""

    therapist = room = modality = None

    def keeps(self, appt: Appointment) -> bool:
        return True

    def describe(self, names: dict[str, str]) -> str:
        return ""


class CalendarScreen(Live, Screen):
    # The key line, not Textual's footer, says which of these matter where the cursor is: see _show_keys.
    BINDINGS = [
        _key("b", "book('session')", "Book", id="book.session", tooltip="Book a massage session here"),
        _key("v", "book('visit')", "Visit", id="book.visit", tooltip="Book a chiropractic or PT visit here"),
        _key("s", "spot", "Spot", id="book.spot", tooltip="Spot work inside the visit under the cursor"),
        _key("enter", "details", "Open", id="appt.details", tooltip="The appointment under the cursor"),
        _key("m", "move", "Move", id="appt.move", tooltip="Move the appointment, then Enter on its new slot"),
        _key("u", "undo", "Undo", id="appt.undo", tooltip="Take back your own last change"),
        _key("C", "confirm", "Confirm", id="appt.confirm", tooltip="The client confirmed the time"),
        _key("a", "status('arrived')", "Check in", id="appt.arrived"),
        _key("d", "status('fulfilled')", "Done", id="appt.fulfilled", tooltip="Mark fulfilled"),
        _key("o", "status('no-show')", "No-show", id="appt.no_show"),
        _key("x", "cancel_appointment", "Cancel appt", id="appt.cancel", tooltip="Asks for the reason"),
        _key("X", "cancel_series", "Cancel rest of series", id="appt.cancel_series",
             tooltip="This session and the later ones of its series"),
        _key("S", "series", "Series", id="book.series", tooltip="Plan and book a series of sessions"),
        _key("escape", "stop_moving", "Stop moving", id="appt.stop_moving"),
        _key("w", "toggle_week", "Day/Week", id="view.week"),
        _key("r", "toggle_columns", "Rooms/Staff", id="view.columns"),
        _key("left_square_bracket", "page(-1)", "Previous rooms or staff", id="view.prev_columns",
             tooltip="When not every room or staff member fits"),
        _key("right_square_bracket", "page(1)", "Next rooms or staff", id="view.next_columns",
             tooltip="When not every room or staff member fits"),
        _key("f", "filter", "Filter", id="view.filter", tooltip="By therapist, room or modality"),
        _key("n", "step(1)", "Next", id="nav.next", tooltip="Next day (week in the week view)"),
        _key("p", "step(-1)", "Previous", id="nav.prev", tooltip="Previous day or week"),
        _key("N", "step_week(1)", "Next week", id="nav.next_week"),
        _key("P", "step_week(-1)", "Previous week", id="nav.prev_week"),
        _key("t", "today", "Today", id="nav.today"),
        _key("g", "go_to_date", "Go to date", id="nav.date"),
        _key("c", "clients", "Clients", id="screen.clients"),
        _key("T", "team", "Staff & rooms", id="screen.team"),
        _key("W", "waitlist", "Waitlist", id="screen.waitlist"),
        _key("D", "day_sheet", "Day sheet", id="screen.day",
             tooltip="The shown day in order: check-in, flags, referral, units"),
    ]

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
        self.filters: Filters | _AllShown = _AllShown()
        self.last_change: Change | None = None
        self.moving: Appointment | None = None
        # while moving: (appointment id, start, revision stamp) -> what the rules say of the move there (or
        # why it cannot be judged); worked out off the event loop each time the cursor settles on a time
        self._verdict: tuple[tuple, list[Problem] | str] | None = None
        self._judging: tuple | None = None
        self.period: Period | None = None
        self._cursor_wish: object = "now"
        self._people: tuple | None = None  # (revision stamp, rooms, staff, names of everyone and every room)
        # the periods next to the one shown, read ahead in the loading worker: (days, by_room, filters,
        # revision stamp) -> Period, so paging a day or week on shows at once
        self._ahead: dict[tuple, Period] = {}
        self._generation = 0  # which period on screen a read-ahead was started for
        self._away = False  # another screen was in front since the calendar was last shown

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar")
        yield CalendarGrid(id="grid")
        yield Static(id="info")
        yield KeyLine()

    @property
    def grid(self) -> CalendarGrid:
        return self.query_one(CalendarGrid)

    def on_mount(self) -> None:
        self.grid.focus()
        self._cursor_wish = "now"
        # The first period is read here, not in a worker: nothing can be done before it is on screen, and
        # a worker thread would only compete with the first layout for the interpreter.
        try:
            self._show(self.read_period(self.days(), self.by_room, self.filters))
        except SchedulerError as exc:  # a damaged file or a busy folder: said; the next change reads again
            self.notify(exc.reason, severity="error", timeout=10)
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

    def on_screen_suspend(self) -> None:
        self._away = True

    def on_screen_resume(self) -> None:
        # back from clients or staff & rooms: show what was changed there without waiting for the poll
        # (not on the first showing: on_mount has just read the period)
        if self._away and self.period is not None:
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
        with self.scheduler.view():  # everything shown from one commit, under one lock
            return self._read_period(days, by_room, filters)

    def _read_period(self, days: tuple[date, ...], by_room: bool, filters: Filters) -> Period:
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
        time_off = {s.id: s.time_off for s in staff if s.time_off} if not by_room else None
        layout = place(days, tuple(columns), shown, self.tz, first, rows, self.practice.grid_minutes, by_room,
                       self.practice.turnover_minutes, closed=sched.closed_days(days[0], len(days)),
                       time_off=time_off, stranded={**sched.hit_by_closures(days[0], len(days)),
                                                    **sched.hit_by_time_off(days[0], len(days))})
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
        first, last = days[0], days[-1]
        if self.week:
            dates = (f"Week {first:%V}: {first:%a %d %b} – {last:%a %d %b %Y}",
                     f"Week {first:%V}: {first:%d %b} – {last:%d %b}", f"Week {first:%V}")
        else:
            dates = (f"{first:%A %d %B %Y}", f"{first:%a %d %b %Y}", f"{first:%a %d %b}")
        names = self.period.names if self.period else {}
        view = f"{'week' if self.week else 'day'} · by {'room' if self.by_room else 'staff'}"
        grid = self.grid
        if grid.paged:
            shown, every = grid.first_column + 1, len(grid.placed.columns)
            end = shown + grid.per_page - 1
            view += f" {shown}{f'-{end}' if end > shown else ''} of {every}"
        fits = len(self.app.waitlist_fits)
        self.query_one(TopBar).show(self.practice.name, dates, view, self.filters.describe(names),
                                    f"Waitlist: {fits} fit" if fits else "")

    def _show_info(self) -> None:
        grid = self.grid
        slot = grid.slot
        if slot is None or self.period is None:
            return
        appt = grid.appointment_at_cursor()
        info = self.query_one("#info", Static)
        width = info.content_size.width or self.size.width - 2
        if self.moving is not None:
            text = self._move_hint(width)
        elif appt is not None:
            text = Text(self._summary(appt, width))
        else:
            text = Text(self._free_text(width))
        info.update(text)
        self._show_keys()

    def _free_text(self, width: int) -> str:
        """The slot under the cursor with nothing booked: free, being readied, a closed day, time off."""
        names, slot, layout = self.period.names, self.grid.slot, self.period.layout
        where = f"{self._slot_text()} · {names.get(slot.column_id, '')}"
        closure = layout.closed.get(slot.day)
        away = layout.away.get(self.grid.cursor)
        if closure is not None:
            why = f": {closure.reason}" if closure.reason else ""
            wordings = (f"{where} · the practice is closed{why}", f"{where} · closed{why}", f"{where} · closed")
            return next((t for t in wordings if len(t) <= width), wordings[-1])
        if away is not None:
            off = away.off
            start, end = off.start.astimezone(self.tz), off.end.astimezone(self.tz)
            span = f"{start:%H:%M}-{end:%H:%M}" if start.date() == end.date() else \
                f"{start:%a %d %b %H:%M} to {end:%a %d %b %H:%M}"
            head, why = f"{where} · off {span}", f": {off.reason}" if off.reason else ""
            if off.source:
                wordings = (f"{head}{why} (from their own calendar)", f"{head} (from their own calendar)",
                            f"{head} (own calendar)")
            else:
                wordings = (head + why,)
            return next((t for t in wordings if len(t) <= width), head)
        cell = slot.cell
        if cell is not None and cell.turnover:
            return f"{where} · turnover (room being readied)"
        if not layout.is_open(*self.grid.cursor):
            return f"{where} · {'closed' if self.by_room else 'not working'} then"
        return where

    def _move_hint(self, width: int) -> Text:
        """What is being moved where, whether the rules allow it there, and the keys, whole: the names give
        way first, then the verdict's words."""
        from .booking import in_the_way  # the booking form's words for what stands in the way

        a, target = self.moving, self._slot_text()
        verdict = self._move_verdict()
        say = ""
        if verdict is None:  # being worked out
            tail = ": Enter to move here, Esc to stop"
        elif not verdict:
            tail = " ✔ Enter to move here, Esc to stop"
        elif isinstance(verdict, str):
            say, tail = f" ✖ {verdict}", " · Esc to stop"
        else:  # in the desk's words ("busy", "room taken", "off"), else the rule's own
            soft = all(p.soft for p in verdict)
            words = [w for w in in_the_way(verdict, clinical=True) if w != "see below"]
            say = ", ".join(words) or next(p.message for p in verdict if p.soft == soft)
            say = f" {'⚠' if soft else '✖'} {say}"
            tail = " · Enter asks a reason, Esc to stop" if soft else " · Esc to stop"
        client = self.period.names.get(a.client_id, "?") if self.period else "?"
        heads = [f"Moving {who} {a.start.astimezone(self.tz):%a %H:%M} → {target}" for who in name_forms(client)]
        heads.append(f"→ {target}")
        for head in heads:
            line = head + say + tail
            if len(line) <= width:
                break
        else:  # the verdict's words give way, a word at a time, to keep the keys in sight
            words = say.split()
            while len(words) > 1 and len(line) > width:
                words.pop()
                line = f"{heads[-1]} {' '.join(words)}…{tail}"
        text = Text(line)
        text.stylize("bold", 0, len("Moving") if line.startswith("Moving") else 1)
        return text

    def _move_verdict(self) -> list[Problem] | str | None:
        """The rules' word on the move to the cursor's time, or None while it is being worked out."""
        start = self.slot_start()
        if start is None or self.moving is None:
            return None
        key = (self.moving.id, start, self.scheduler.folder.revision_stamp())
        if self._verdict is not None and self._verdict[0] == key:
            return self._verdict[1]
        if self._judging != key:
            self._judging = key
            self._judge_move(key)
        return None

    @work(exclusive=True, thread=True, group="move-verdict")
    def _judge_move(self, key: tuple) -> None:
        appt_id, start, _ = key
        try:
            verdict: list[Problem] | str = self.scheduler.problems_for_move(appt_id, start)
        except SchedulerError as exc:
            verdict = exc.reason
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._judged, key, verdict)

    def _judged(self, key: tuple, verdict: list[Problem] | str) -> None:
        self._verdict = (key, verdict)
        if self.moving is not None and self.showing:
            self._show_info()

    def _slot_text(self) -> str:
        slot = self.grid.slot
        return f"{slot.day:%a %d %b} {slot.minute // 60:02d}:{slot.minute % 60:02d}"

    def on_resize(self) -> None:
        # how many rooms or staff fit changed: the page in the top bar, the move hint, the keys
        if self.period is not None:
            self.call_after_refresh(self._show_top)
            self.call_after_refresh(self._show_info)

    def _summary(self, a: Appointment, width: int) -> str:
        """The appointment under the cursor on one line: when, status and client always, then how it
        stands (its therapist off then, confirmed or not, a late cancel), then what, who and where as they
        fit; those give way before a shorter wording of how it stands."""
        names, stranded = self.period.names, self.period.layout.stranded
        when = f"{a.start.astimezone(self.tz):%H:%M}-{a.end.astimezone(self.tz):%H:%M}"
        what = a.modality or str(a.kind)
        if a.kind == Kind.SPOT:
            what = f"spot {what}" + (f" ({a.region})" if a.region else "")
        head = [f"{when} {STATUS_LETTER[a.status]}{marks(a, stranded)} {a.status}", names.get(a.client_id, '?')]
        rest = [what, names.get(a.staff_id, '?'), names.get(a.room_id, '?')]
        states = self._standing(a)
        longest = max((len(forms) for forms in states), default=1)
        for level in range(longest):
            said = [forms[min(level, len(forms) - 1)] for forms in states]
            for keep in range(len(rest), -1, -1):
                line = " · ".join(head + [s for s in said if s] + rest[:keep])
                if len(line) <= width:
                    return line
        return line

    def _standing(self, a: Appointment) -> list[tuple[str, ...]]:
        """How an appointment stands, each as wordings from the fullest to the shortest."""
        out = []
        off = self.period.layout.stranded.get(a.id)
        if off and clock.local_day(a.start, self.tz) in self.period.layout.closed:
            out.append((f"⚠ {off}: move it", "⚠ closed that day: move it", "⚠ closed"))
        elif off:
            who = self.period.names.get(a.staff_id, "?")
            out.append((f"⚠ {off}: move it", f"⚠ {who} is off then: move it", f"⚠ {who} off", "⚠ off"))
        if statuses.asks_confirmation(a.kind, a.status):
            out.append((f"✔ confirmed {a.confirmed.astimezone(self.tz):%a %H:%M}", "✔ confirmed")
                       if a.confirmed else ("not confirmed",))
        if a.status == Status.CANCELLED:
            why = a.cancel_reason or "no reason given"
            out.append((f"late cancel: {why}", "late cancel") if a.late_cancel else (why, ""))
        return out

    def _label(self, a: Appointment) -> str:
        names = self.period.names if self.period else {}
        return f"{names.get(a.client_id, a.client_id)} {a.start.astimezone(self.tz):%a %H:%M}"

    def on_calendar_grid_cursor_moved(self, message: CalendarGrid.CursorMoved) -> None:
        if self.week and message.slot is not None:
            self.anchor = message.slot.day
        self._show_info()

    def _show_keys(self) -> None:
        """The key line: what can be done right here first, then the way to everything else."""
        appt = self.grid.appointment_at_cursor()
        if self.moving is not None:
            here = [Hint(("appt.details",), "Move here"), Hint(("appt.stop_moving",), "Stop moving")]
        elif appt is not None:
            here = [hint for status, hint in ((Status.ARRIVED, Hint(("appt.arrived",), "Check in")),
                                              (Status.FULFILLED, Hint(("appt.fulfilled",), "Done")),
                                              (Status.NO_SHOW, Hint(("appt.no_show",), "No-show")),
                                              (Status.CANCELLED, Hint(("appt.cancel",), "Cancel")))
                    if statuses.may_become(appt.status, status)]  # the others still say why, when pressed
            if appt.status in statuses.MOVABLE:
                here.append(Hint(("appt.move",), "Move"))
            if appt.kind in (Kind.VISIT, Kind.SPOT):
                here.append(Hint(("book.spot",), "Spot"))
            if appt.series_id is not None and appt.status == Status.BOOKED:
                here.append(Hint(("appt.cancel_series",), "Rest of series"))
            here.append(Hint(("appt.details",), "Open"))
        else:
            here = [Hint(("book.session",), "Book"), Hint(("book.visit",), "Visit"), Hint(("book.series",), "Series")]
        if self.grid.paged:
            here.append(Hint(("view.prev_columns", "view.next_columns"), "More rooms" if self.by_room else "More staff"))
        if appt is not None and self.moving is None and not appt.confirmed \
                and statuses.asks_confirmation(appt.kind, appt.status):
            here.append(Hint(("appt.confirm",), "Confirm"))  # the details dialog has it too, when this is cut
        always = (Hint(("appt.undo",), "Undo"), Hint(("screen.day",), "Day sheet"),
                  Hint(("screen.waitlist",), "Waitlist"), Hint(("screen.clients",), "Clients"),
                  Hint(("screen.team",), "Staff & rooms"), Hint(("view.filter",), "Filter"),
                  Hint(("nav.date",), "Go to date"), Hint(("nav.today",), "Today"),
                  Hint(("view.week",), "Day view" if self.week else "Week view"),
                  Hint(("view.columns",), "By staff" if self.by_room else "By room"), Hint(("app.quit",), "Quit"))
        self.query_one(KeyLine).show(tuple(here), always)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Every key acts or says why it cannot (see _appointment_for); Esc only stops a move."""
        if action == "stop_moving":
            return self.moving is not None
        return True

    def _where(self) -> str:
        slot = self.grid.slot
        names = self.period.names if self.period else {}
        return f"{self._slot_text()} in {names.get(slot.column_id, '?')}"

    def _appointment_for(self, doing: str) -> Appointment | None:
        """The appointment under the cursor, or a one-line note that there is none to act on."""
        appt = self.grid.appointment_at_cursor() if self.period is not None else None
        if appt is None and self.period is not None:
            slot = self.grid.slot
            readied = " (the room is being readied)" if slot.cell is not None and slot.cell.turnover else ""
            self.notify(f"Nothing booked at {self._where()}{readied} to {doing}: put the cursor on an "
                        "appointment", severity="warning")
        return appt

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

        from .prompts import DatePrompt

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

    def action_page(self, step: int) -> None:
        if not self.grid.paged:
            every = "room" if self.by_room else "staff member"
            self.notify(f"Every {every} is on screen already", severity="information")
            return
        self.grid.page(step)
        self._show_top()

    def action_filter(self) -> None:
        def chosen(filters: Filters | None) -> None:
            if filters is not None:
                self.filters = filters
                self.reload((0, self.grid.cursor[1]))

        period = self.period
        from .prompts import FilterScreen

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

        appt = self._appointment_for("add spot work to")
        if appt is None:
            return
        visit = self.period.appointments.get(appt.visit_id) if appt.kind == Kind.SPOT else appt
        if visit is None or visit.kind != Kind.VISIT:
            self.notify(f"Spot work goes inside a chiropractic or PT visit; {self._label(appt)} is a massage "
                        "session", severity="warning")
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
        from .details import DetailsScreen

        if self.moving is not None:
            self.drop_moving()
            return
        appt = self._appointment_for("open")
        if appt is None:
            return

        def chosen(action: str | None) -> None:
            if action:
                self.call_later(self.run_action, action)

        spots = [a for a in self.period.appointments.values() if a.visit_id == appt.id]
        self.app.push_screen(DetailsScreen(self.scheduler, appt, spots, self.period.names, self.tz), chosen)

    def action_confirm(self) -> None:
        appt = self._appointment_for("confirm")
        if appt is None:
            return
        if self._write(self.scheduler.confirm, appt.id) is not None:
            self.notify(f"Confirmed {self._label(appt)}")
            self.reload(("appt", appt.id))

    def action_status(self, status: str) -> None:
        appt = self._appointment_for(_STATUS_VERB[status])
        if appt is None:
            return
        done = self._write(self.scheduler.set_status, appt.id, status)
        if done is not None:
            label = self._label(appt)
            self.last_change = Change("status", appt.id, f"{_STATUS_WORD[status]} of {label}", was_status=appt.status)
            if statuses.may_become(appt.status, Status(status)):
                self.notify(_STATUS_DONE[status].format(label))
            else:  # a step back, which no key offers: said as one, with the way back
                self.notify(f"{label} is back to {_STATUS_NOW[status]}, no longer "
                            f"{_STATUS_NOW.get(appt.status.value, appt.status.value)} (u undoes it)")
            self.reload(("appt", appt.id))

    def action_cancel_appointment(self) -> None:
        from .cancel import CancelScreen

        appt = self._appointment_for("cancel")
        if appt is None:
            return
        # the spot work a visit takes with it, so that undo can bring it back too
        spots = [a for a in self.period.appointments.values() if a.visit_id == appt.id and a.status == Status.BOOKED]
        names = self.period.names
        note = ("Its spot work goes with it: " + ", ".join(
            f"{names.get(s.staff_id, '?')} {s.start.astimezone(self.tz):%H:%M}" for s in spots)) if spots else ""
        label = self._label(appt)

        def answered(answer: tuple[str, str] | None) -> None:
            if not answer:
                return
            reason, by = answer
            done = self._write(self.scheduler.cancel, appt.id, reason, by=by)
            if done is not None:
                self.last_change = Change("cancel", appt.id, f"cancellation of {label}",
                                          spot_ids=tuple(s.id for s in spots))
                late = ", a late cancel" if done.late_cancel else ""
                self.notify(f"Cancelled {label}: {reason} (by the {by}{late}; u to undo)")
                self.reload()

        self.app.push_screen(CancelScreen(self._described(appt), note, self._late_if(appt)), answered)

    def _late_if(self, appt: Appointment):
        """Whether cancelling now would be a late cancel, by client or practice (the policy's own rule)."""
        hours, now = self.scheduler.practice().late_cancel_hours, self.scheduler.now()
        return lambda by: is_late_cancel(now, appt.start, hours, by)

    def action_cancel_series(self) -> None:
        from .cancel import CancelScreen

        appt = self._appointment_for("cancel the rest of its series")
        if appt is None:
            return
        label = self._label(appt)
        if appt.series_id is None or appt.status != Status.BOOKED:
            why = "is not part of a series" if appt.series_id is None else f"is {appt.status}, not booked"
            self.notify(f"{label} {why}: X cancels a booked session and the later ones of its series",
                        severity="warning")
            return

        def answered(answer: tuple[str, str] | None) -> None:
            if not answer:
                return
            reason, by = answer
            done = self._write(self.scheduler.cancel_rest_of_series, appt.id, reason, by=by)
            if done is not None:
                self.notify(f"Cancelled {len(done)} session(s) of the series from {label} on: {reason} "
                            f"(by the {by})")
                self.reload()

        self.app.push_screen(CancelScreen(self._described(appt), "and every later booked session of its series "
                                          "(cannot be undone with u)", self._late_if(appt)), answered)

    def _described(self, a: Appointment) -> str:
        """"Keiko Tanaka · Thu 26 Nov 13:00-14:00 · swedish with Maya Lindqvist"."""
        names = self.period.names
        start, end = a.start.astimezone(self.tz), a.end.astimezone(self.tz)
        return (f"{names.get(a.client_id, '?')} · {start:%a %d %b %H:%M}-{end:%H:%M} · "
                f"{a.modality or a.kind} with {names.get(a.staff_id, '?')}")

    def action_move(self) -> None:
        if self.moving is not None:
            self.drop_moving()
            return
        appt = self._appointment_for("move")
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
        from .prompts import OverrideScreen

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
            self.notify(f"Moved {self._moved(appt, moved)}")
            self.reload(("appt", appt.id))

        def retry(reason: str | None) -> None:
            if reason:
                attempt(reason)

        attempt(None)

    def _moved(self, was: Appointment, now: Appointment) -> str:
        """"Keiko Tanaka from Thu 13:00 to 13:15" (the day is said again only when it changed)."""
        old, new = was.start.astimezone(self.tz), now.start.astimezone(self.tz)
        to = f"{new:%H:%M}" if old.date() == new.date() else f"{new:%a %d %b %H:%M}"
        name = self.period.names.get(was.client_id, "?") if self.period else "?"
        return f"{name} from {old:%a %H:%M} to {to}"

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

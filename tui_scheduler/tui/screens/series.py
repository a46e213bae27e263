"""A series of sessions: plan every date first (free, or its conflict and the nearest free time), then
book all of it in one go, or nothing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...core import clock
from ...core.errors import NeedsOverride, Refused, SchedulerError
from ...core.model import Client, RoomKind
from ...services import Scheduler
from ...services.treatment import PlanItem
from ..widgets.keyline import KeyLine
from . import SCREENS_CSS
from .booking import SESSION_MINUTES, in_the_way
from .fields import ButtonBar, Choice, TextField
from .live import Live
from .prompts import plain, problem_lines
from .reading import read_then


class SeriesScreen(Live, Screen):
    """Dismisses with the booked appointments, or None when left without booking."""

    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("escape", "close", "Back", id="series.close"),
        Binding("ctrl+l", "plan", "Plan", id="series.plan", tooltip="Check every date of the series"),
        Binding("ctrl+s", "book", "Book series", id="series.book", tooltip="Book the planned series, all or nothing"),
    ]

    def __init__(self, scheduler: Scheduler, client: str | None = None, therapist: str | None = None,
                 room: str | None = None, modality: str | None = None, minutes: int | None = None,
                 start: str = ""):
        super().__init__()
        self.scheduler = scheduler
        self.tz = clock.zone(scheduler.practice().timezone)
        self.prefill = dict(client=client, therapist=therapist, room=room, modality=modality,
                            minutes=minutes or 60, start=start)
        self.planned: dict | None = None  # the request whose plan is on screen
        self.plan: list[PlanItem] = []

    def compose(self) -> ComposeResult:
        # staff and rooms are small files, read at once; the clients (thousands) in a worker after
        p, sched = self.prefill, self.scheduler
        therapists = [s for s in sched.staff() if s.active and s.is_therapist]
        every_room = sched.rooms()
        rooms = [r for r in every_room if r.active and r.kind == RoomKind.MASSAGE]
        self.room_names = {r.id: r.name for r in every_room}
        person = next((s for s in therapists if s.id == p["therapist"]), None)
        modality = p["modality"] or (person.modalities[0] if person and person.modalities else "swedish")
        yield Static("[b]Series[/b] · ^l plans every date · ^s books the plan, all or nothing · Esc back",
                     id="topbar")
        with Horizontal(id="series-form"):
            with Vertical():
                yield Choice("Client", prompt="…", id="client")
                yield TextField("First", p["start"], placeholder="YYYY-MM-DD HH:MM", id="start")
                yield TextField("Every", "7", type="integer", placeholder="days", id="every")
                yield TextField("Sessions", "6", type="integer", id="count")
            with Vertical():
                yield Choice("Therapist", [(s.name, s.id) for s in therapists], p["therapist"], id="therapist")
                yield Choice("Room", [(r.name, r.id) for r in rooms], p["room"], id="room")
                yield Choice("Modality", [(m, m) for m in sched.modalities()], modality, id="modality")
                yield Choice("Minutes", [(str(m), m) for m in SESSION_MINUTES], p["minutes"], id="minutes")
        yield TextField("Override", placeholder="reason, only for ⚠ warnings", id="override")
        yield Static("[dim]Nothing is booked until the plan is confirmed with ^s.[/dim]", id="message",
                     classes="problems")
        yield OptionList(id="plan")
        yield Static(id="plan-detail", classes="problems")
        yield ButtonBar(("Plan ^l", "plan"), ("Book series ^s", "book"))
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one("#client" if self.prefill["client"] is None else "#start").focus()
        read_then(self, self.scheduler.clients, self._clients_read)

    def _clients_read(self, clients: list[Client]) -> None:
        choice = self.query_one("#client", Choice)
        chosen = choice.value or self.prefill["client"]
        choice.set_options((c.name, c.id) for c in clients)
        choice.prompt = "choose (type to search)"
        choice.value = chosen

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    def _request(self) -> dict | None:
        values = {name: self.query_one(f"#{name}", Choice).value for name in ("client", "therapist", "room")}
        missing = [name for name, value in values.items() if value is None]
        if missing:
            self._say(f"[$error]✖ choose a {' and a '.join(missing)} first[/]")
            return None
        numbers = {name: self.query_one(f"#{name}", Input).value for name in ("every", "count")}
        if not all(v.isdigit() for v in numbers.values()):
            self._say("[$error]✖ give every how many days, and how many sessions, as whole numbers[/]")
            return None
        return dict(**values, modality=self.query_one("#modality", Choice).value,
                    minutes=self.query_one("#minutes", Choice).value, start=self.query_one("#start", Input).value,
                    every_days=int(numbers["every"]), count=int(numbers["count"]))

    def action_plan(self) -> None:
        request = self._request()
        if request is None:
            return
        self.planned, self.plan = None, []
        try:
            plan = self.scheduler.plan_series(**request)
        except SchedulerError as exc:
            self.query_one("#plan", OptionList).clear_options()
            self.query_one("#plan-detail", Static).update("")
            self._say(f"[$error]✖ {plain(exc.reason)}[/]")
            return
        self.planned, self.plan = request, plan
        self.query_one("#plan-detail", Static).update("")
        shown = self.query_one("#plan", OptionList)
        shown.set_options(Option(self._line(i, item)) for i, item in enumerate(plan, 1))
        # the arrows go through the dates, each spelled out below the list; the first that is not free first
        shown.highlighted = next((i for i, item in enumerate(plan) if item.problems), 0)
        shown.focus()
        moved = sum(1 for item in plan if item.alternative)
        stuck = sum(1 for item in plan if item.blocking and not item.alternative)
        soft = any(item.problems and item.free for item in plan)
        verdict = [f"{len(plan) - moved - stuck} of {len(plan)} free as asked"]
        if moved:
            verdict.append(f"{moved} moved to the nearest free time (→)")
        if stuck:
            verdict.append(f"[$error]{stuck} with no free time: it cannot be booked[/]")
        note = "Nothing is booked yet: ^s books this plan." if not stuck else "Nothing is booked."
        if soft and not stuck:
            note += " ⚠ needs a reason in Override."
        self._say("; ".join(verdict) + f".\n[b]{note}[/b]")

    def _line(self, number: int, item: PlanItem) -> str:
        """One date of the plan on one line (two with the nearest free time); the highlighted date's
        problems are spelled out below the list."""
        when = clock.describe(item.start, self.tz)
        if item.free:
            if not item.problems:
                return f"{number:>2} [$success]✔[/] {when}  free"
            return f"{number:>2} [$warning]⚠[/] {when}  {', '.join(in_the_way(item.problems, clinical=True))}"
        why = ", ".join(in_the_way(item.blocking, clinical=True))
        alt = item.alternative
        if alt is None:
            return f"{number:>2} [$error]✖[/] {when}  {why}\n     → [b]no free time that day or the next[/b]"
        return (f"{number:>2} [$error]✖[/] {when}  {why}\n     → [b]{clock.describe(alt.start, self.tz)}"
                f"[/b] in {self.room_names.get(alt.room_id, alt.room_id)}")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "plan" and event.option_index < len(self.plan):
            self.query_one("#plan-detail", Static).update(problem_lines(self.plan[event.option_index].problems))

    def action_book(self) -> None:
        request = self._request()
        if request is None:
            return
        if request != self.planned:
            # books only what the desk has seen: a changed form is planned again and confirmed again
            self.action_plan()
            return
        reason = self.query_one("#override", Input).value.strip() or None
        try:
            booked = self.scheduler.book_series(**request, override=reason)
        except NeedsOverride as exc:
            self._say(problem_lines(exc.problems) + "\n[b]Nothing was booked: give a reason in Override.[/b]")
            self.query_one("#override", Input).focus()
            return
        except Refused as exc:
            self._say(f"[$error]✖ {plain(exc.reason)}[/]\n[b]Refused: nothing was booked.[/b]")
            return
        except SchedulerError as exc:
            self._say(f"[$error]✖ {plain(exc.reason)}[/]")
            return
        self.dismiss(booked)

    def on_data_changed(self, changed: bool) -> None:
        if changed and self.planned is not None:
            self.action_plan()  # someone else booked or cancelled: the plan on screen stays true

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_book() if event.input.id == "override" else self.action_plan()

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        self.action_book() if event.name == "book" else self.action_plan()

    def action_close(self) -> None:
        self.dismiss(None)


"""A series of sessions: plan every date first (free, or its conflict and the nearest free time), then
book all of it in one go, or nothing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...core import clock
from ...core.errors import NeedsOverride, Refused, SchedulerError
from ...core.model import MODALITIES, RoomKind
from ...services import Scheduler
from ...services.treatment import PlanItem
from .booking import SESSION_MINUTES
from .clients import field
from .prompts import problem_lines
from .live import Live


class SeriesScreen(Live, Screen):
    """Dismisses with the booked appointments, or None when left without booking."""

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
        self.clients = scheduler.clients()
        self.therapists = [s for s in scheduler.staff() if s.active and s.is_therapist]
        self.rooms = [r for r in scheduler.rooms() if r.active and r.kind == RoomKind.MASSAGE]
        self.room_names = {r.id: r.name for r in scheduler.rooms()}
        person = next((s for s in self.therapists if s.id == therapist), None)
        self.prefill = dict(client=client if any(c.id == client for c in self.clients) else None,
                            therapist=person.id if person else None,
                            room=room if any(r.id == room for r in self.rooms) else None,
                            modality=modality or (person.modalities[0] if person and person.modalities else "swedish"),
                            minutes=minutes or 60, start=start)
        self.planned: dict | None = None  # the request whose plan is on screen

    def compose(self) -> ComposeResult:
        p = self.prefill
        yield Static("[b]Series[/b] · ^l plans every date · ^s books the plan, all or nothing · Esc back",
                     id="topbar")
        with Horizontal(id="series-form"):
            with Vertical():
                yield field("Client", Select([(c.name, c.id) for c in self.clients], value=p["client"] or Select.NULL,
                                             prompt="choose (type to search)", id="client", compact=True))
                yield field("First", Input(p["start"], placeholder="YYYY-MM-DD HH:MM", id="start", compact=True))
                yield field("Every", Input("7", type="integer", placeholder="days", id="every", compact=True))
                yield field("Sessions", Input("6", type="integer", id="count", compact=True))
            with Vertical():
                yield field("Therapist", Select([(s.name, s.id) for s in self.therapists],
                                                value=p["therapist"] or Select.NULL, prompt="choose", id="therapist",
                                                compact=True))
                yield field("Room", Select([(r.name, r.id) for r in self.rooms], value=p["room"] or Select.NULL,
                                           prompt="choose", id="room", compact=True))
                yield field("Modality", Select([(m, m) for m in MODALITIES], value=p["modality"], allow_blank=False,
                                               id="modality", compact=True))
                yield field("Minutes", Select([(str(m), m) for m in SESSION_MINUTES], value=p["minutes"],
                                              allow_blank=False, id="minutes", compact=True))
        yield field("Override", Input(placeholder="reason, only for ⚠ warnings", id="override", compact=True))
        yield Static("[dim]Nothing is booked until the plan is confirmed with ^s.[/dim]", id="message",
                     classes="problems")
        yield OptionList(id="plan")
        with Horizontal(classes="buttons"):
            yield Button("Plan  ^l", id="plan-button", compact=True)
            yield Button("Book series  ^s", id="book", variant="primary", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#client" if self.prefill["client"] is None else "#start").focus()

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    def _request(self) -> dict | None:
        values = {name: self.query_one(f"#{name}", Select).value for name in ("client", "therapist", "room")}
        missing = [name for name, value in values.items() if value is Select.NULL]
        if missing:
            self._say(f"[$error]✖ choose a {' and a '.join(missing)} first[/]")
            return None
        numbers = {name: self.query_one(f"#{name}", Input).value for name in ("every", "count")}
        if not all(v.isdigit() for v in numbers.values()):
            self._say("[$error]✖ give every how many days, and how many sessions, as whole numbers[/]")
            return None
        return dict(**values, modality=self.query_one("#modality", Select).value,
                    minutes=self.query_one("#minutes", Select).value, start=self.query_one("#start", Input).value,
                    every_days=int(numbers["every"]), count=int(numbers["count"]))

    def action_plan(self) -> None:
        request = self._request()
        if request is None:
            return
        self.planned = None
        try:
            plan = self.scheduler.plan_series(**request)
        except SchedulerError as exc:
            self.query_one("#plan", OptionList).clear_options()
            self._say(f"[$error]✖ {exc.reason}[/]")
            return
        self.planned = request
        self.query_one("#plan", OptionList).set_options(Option(self._line(i, item)) for i, item in enumerate(plan, 1))
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
        when = clock.describe(item.start, self.tz)
        if item.free:
            if not item.problems:
                return f"{number:>2} [$success]✔[/] {when}  free"
            return f"{number:>2} [$warning]⚠[/] {when}  {_first(item.problems)}"
        why = _first(item.blocking)
        alt = item.alternative
        if alt is None:
            return f"{number:>2} [$error]✖[/] {when}  {why} → [b]no free time that day or the next[/b]"
        return (f"{number:>2} [$error]✖[/] {when}  {why}\n     → [b]{clock.describe(alt.start, self.tz)}"
                f"[/b] in {self.room_names.get(alt.room_id, alt.room_id)}")

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
            self._say(f"[$error]✖ {exc.reason}[/]\n[b]Refused: nothing was booked.[/b]")
            return
        except SchedulerError as exc:
            self._say(f"[$error]✖ {exc.reason}[/]")
            return
        self.dismiss(booked)

    def on_data_changed(self, changed: bool) -> None:
        if changed and self.planned is not None:
            self.action_plan()  # someone else booked or cancelled: the plan on screen stays true

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_book() if event.input.id == "override" else self.action_plan()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_book() if event.button.id == "book" else self.action_plan()

    def action_close(self) -> None:
        self.dismiss(None)


def _first(problems) -> str:
    """One line per date: the first problem, and how many more (a conflict often comes with several)."""
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0].message + more

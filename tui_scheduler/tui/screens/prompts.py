"""Small dialogs: go to a date, filter the calendar, give a reason to override soft warnings."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ...core import clock
from ...core.errors import SchedulerError
from ...core.model import Appointment, Room, Staff
from ...core.record import record
from ...core.rules import Problem
from . import SCREENS_CSS
from .fields import ButtonBar, Choice


class Dialog(ModalScreen):
    """A modal that Escape closes without an answer."""

    CSS_PATH = SCREENS_CSS
    BINDINGS = [Binding("escape", "close", "Close", id="dialog.close")]

    def action_close(self) -> None:
        self.dismiss(None)


class FormDialog(Dialog):
    """A dialog with a form that does one thing (`action_submit`): ^s, Enter in a field or any button of the
    bar but Close does it. A refusal is said in the form's `#problems` line, and the typing stays."""

    def action_submit(self) -> None:
        raise NotImplementedError

    def refused(self, who: str, reason: str, lost: str = "nothing saved") -> None:
        self.query_one("#problems", Static).update(refusal(who, reason, lost))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_submit()

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        self.action_close() if event.name == "close" else self.action_submit()


def plain(text: str) -> str:
    """Text from the data (a name, a note, a service message) to put into styled text: its square brackets
    show as typed instead of being read as styles ("Lee [VIP] Park")."""
    return text.replace("[", "\\[")


def refusal(who: str, reason: str, lost: str = "nothing saved; your typing is kept") -> str:
    """'✖ Maya: reason (nothing saved; ...)' in a form's problems line; names and reasons shown as typed."""
    return f"[$error]✖ {plain(who) + ': ' if who else ''}{plain(reason)}[/] ({lost})"


def problem_lines(problems: list[Problem]) -> str:
    """Hard problems (✖) refuse; soft ones (⚠) go through with a reason. Marked by symbol, not only colour;
    each form says once where the reason goes."""
    return "\n".join(f"[$warning]⚠ {plain(p.message)}[/]" if p.soft else f"[$error]✖ {plain(p.message)}[/]"
                     for p in problems)


@record
class Filters:
    therapist: str | None = None
    room: str | None = None
    modality: str | None = None

    def keeps(self, a: Appointment) -> bool:
        return (self.therapist in (None, a.staff_id) and self.room in (None, a.room_id)
                and self.modality in (None, a.modality))

    def describe(self, names: dict[str, str]) -> str:
        parts = [names.get(self.therapist, ""), names.get(self.room, ""), self.modality or ""]
        return ", ".join(p for p in parts if p)


class DatePrompt(Dialog):
    def __init__(self, day: date):
        super().__init__()
        self.day = day

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("[b]Go to date[/b] (YYYY-MM-DD)")
            yield Input(self.day.isoformat(), id="date", compact=True)
            yield Static(id="error", classes="problems")
            yield Label("[dim]Enter goes to the day · Esc stays here[/dim]")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(clock.parse_date(event.value))
        except SchedulerError as exc:
            self.query_one("#error", Static).update(f"[$error]{plain(exc.reason)}[/]")


class FilterScreen(Dialog):
    BINDINGS = [Binding("ctrl+s", "apply", "Apply", id="filter.apply")]

    def __init__(self, filters: Filters, rooms: list[Room], staff: list[Staff]):
        super().__init__()
        self.filters, self.rooms, self.staff = filters, rooms, staff

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("[b]Show only[/b]")
            yield Choice("Therapist", [("anyone", None), *((s.name, s.id) for s in self.staff)],
                         self.filters.therapist, id="therapist")
            yield Choice("Room", [("any room", None), *((r.name, r.id) for r in self.rooms)], self.filters.room,
                         id="room")
            yield Choice("Modality", [("any modality", None), *((m, m) for m in self.app.scheduler.modalities())],
                         self.filters.modality, id="modality")
            with Horizontal(classes="buttons"):
                yield Button("Apply ^s", id="apply", variant="primary", compact=True)
                yield Button("Show all", id="clear", compact=True)
            yield Label("[dim]Esc leaves the calendar as it is[/dim]")

    def _value(self, name: str) -> str | None:
        value = self.query_one(f"#{name}", Choice).value
        return None if value is None else str(value)

    def action_apply(self) -> None:
        self.dismiss(Filters(self._value("therapist"), self._value("room"), self._value("modality")))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "clear":
            self.dismiss(Filters())
        else:
            self.action_apply()


class OverrideScreen(Dialog):
    """Soft warnings stand in the way: book anyway, for a reason that is recorded."""

    def __init__(self, title: str, problems: list[Problem]):
        super().__init__()
        self.title_text, self.problems = title, problems

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"[b]{self.title_text}[/b]")
            yield Static(problem_lines(self.problems), classes="problems")
            yield Label("Reason for going ahead (recorded):")
            yield Input(id="reason", compact=True, placeholder="e.g. cleared by Dr. Chen")
            yield Static(id="error", classes="problems")
            yield Label("[dim]Enter goes ahead with the reason · Esc leaves everything as it was[/dim]")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.query_one("#error", Static).update("[$error]a reason is needed to go ahead[/]")


class ConfirmScreen(Dialog):
    """A yes-or-no question for a change that cannot be undone: y or Enter says yes, n or Esc no."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question)
            yield Label("[b]y[/b] yes · [b]n[/b] / Esc no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

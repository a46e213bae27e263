"""Why an appointment is cancelled: the usual reasons a key away, the first one already chosen, so Enter
cancels; anything else is typed. The reason is recorded with the cancellation."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static

from .prompts import Dialog

REASONS = ("client called", "client sick", "practice closed", "therapist unavailable")


class CancelScreen(Dialog):
    """Answers the reason, or None when Esc keeps the appointment."""

    BINDINGS = [Binding(str(n), f"pick({n - 1})", show=False) for n in range(1, len(REASONS) + 1)]

    def __init__(self, what: str, note: str = ""):
        super().__init__()
        self.what, self.note = what, note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="cancel"):
            yield Static(f"[b]Cancel[/b] {_escape(self.what)}")
            if self.note:
                yield Static(_escape(self.note), classes="info")
            yield Static("Why? [b]1-4[/b] or [b]↑↓[/b] then [b]⏎[/b] · [b]Tab[/b] another reason · "
                         "[b]Esc[/b] keeps the appointment", classes="info")
            yield Static(id="chosen", classes="info")
            yield OptionList(*(f"{n}  {r}" for n, r in enumerate(REASONS, 1)), id="reasons", compact=True,
                             markup=False)
            yield Input(id="other", placeholder="another reason, then ⏎", compact=True)

    def on_mount(self) -> None:
        reasons = self.query_one("#reasons", OptionList)
        reasons.highlighted = 0
        reasons.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # said in words too: the highlight alone is a colour
        self.query_one("#chosen", Static).update(f"⏎ cancels it: [b]{REASONS[event.option_index]}[/b]")

    def action_pick(self, index: int) -> None:
        self.dismiss(REASONS[index])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(REASONS[event.option_index])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        self.dismiss(typed or REASONS[self.query_one("#reasons", OptionList).highlighted or 0])


def _escape(text: str) -> str:
    """Client and staff names are text, not markup."""
    return text.replace("[", r"\[")

"""Why an appointment is cancelled, and who cancelled it: the usual reasons a key away, the first one already
chosen, so Enter cancels; anything else is typed. Each usual reason says who cancels (the client calling in
sick, the practice closing); ← → change it. A client's cancellation inside the practice's window is a late
cancel, and the dialog says so before Enter. The reason and who are recorded with the cancellation."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static

from .prompts import Dialog, plain

# (reason, who cancels for that reason)
REASONS = (("client called", "client"), ("client sick", "client"), ("practice closed", "practice"),
           ("therapist unavailable", "practice"))
BY = ("client", "practice")


class CancelScreen(Dialog):
    """Answers (reason, "client" or "practice"), or None when Esc keeps the appointment."""

    BINDINGS = [
        *(Binding(str(n), f"pick({n - 1})", show=False) for n in range(1, len(REASONS) + 1)),
        Binding("left,right", "switch_by", "Client or practice", show=False, id="cancel.by"),
    ]

    def __init__(self, what: str, note: str = "", late_if: Callable[[str], bool] | None = None):
        """`late_if(by)`: whether cancelling now would be a late cancel when `by` cancels."""
        super().__init__()
        self.what, self.note = what, note
        self.late_if = late_if or (lambda by: False)
        self.by = REASONS[0][1]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="cancel"):
            yield Static(f"[b]Cancel[/b] {plain(self.what)}")
            if self.note:
                yield Static(plain(self.note), classes="info")
            yield Static("Why? [b]1-4[/b] or [b]↑↓[/b] then [b]⏎[/b] · [b]Tab[/b] another reason · "
                         "[b]←→[/b] client or practice · [b]Esc[/b] keeps the appointment", classes="info")
            yield Static(id="by", classes="info")
            yield Static(id="chosen", classes="info")
            yield OptionList(*(f"{n}  {r}  (by the {by})" for n, (r, by) in enumerate(REASONS, 1)), id="reasons",
                             compact=True, markup=False)
            yield Input(id="other", placeholder="another reason, then ⏎", compact=True)

    def on_mount(self) -> None:
        reasons = self.query_one("#reasons", OptionList)
        reasons.highlighted = 0
        reasons.focus()
        self._say()

    def _reason(self) -> str:
        typed = self.query_one("#other", Input).value.strip()
        return typed or REASONS[self.query_one("#reasons", OptionList).highlighted or 0][0]

    def _say(self) -> None:
        """Who cancels and what follows, in words (the highlight alone is a colour)."""
        boxes = "  ".join(f"[{'x' if by == self.by else ' '}] {by}" for by in BY)
        self.query_one("#by", Static).update(f"Cancelled by  {plain(boxes)}")
        late = self.late_if(self.by)
        consequence = " · [b]a late cancel[/b] (counted against the client)" if late else ""
        self.query_one("#chosen", Static).update(
            f"⏎ cancels it: [b]{plain(self._reason())}[/b], by the {self.by}{consequence}")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.by = REASONS[event.option_index][1]
        self._say()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._say()

    def action_switch_by(self) -> None:
        self.by = BY[1 - BY.index(self.by)]
        self._say()

    def action_pick(self, index: int) -> None:
        self.dismiss(REASONS[index])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss((REASONS[event.option_index][0], self.by))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss((self._reason(), self.by))

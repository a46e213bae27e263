"""The next free times for a session, found by the service; choosing one fills the booking form."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ...core import clock
from ...core.slots import Slot
from .prompts import Dialog, plain


class FreeSlotsScreen(Dialog):
    """Dismisses with the chosen Slot, or None on Escape."""

    def __init__(self, title: str, slots: list[Slot], rows: list[dict], tz):
        super().__init__()
        self.title_text, self.slots, self.rows, self.tz = title, slots, rows, tz

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(f"[b]Next free[/b] · {plain(self.title_text)}")  # a long name wraps, never cut
            yield OptionList(*[Option(f"{clock.describe(s.start, self.tz)}-{s.end.astimezone(self.tz):%H:%M}  "
                                      f"{r['therapist']} · {r['room']}", id=str(i))
                               for i, (s, r) in enumerate(zip(self.slots, self.rows))], id="slots")
            yield Label("[dim]Enter fills the form · Esc keeps it as it was[/dim]")

    def on_mount(self) -> None:
        self.query_one("#slots", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.slots[int(event.option.id)])

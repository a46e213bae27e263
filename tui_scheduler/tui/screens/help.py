"""Every key of the calendar, grouped as the front desk works, and what the marks on a block mean, over the
calendar (never beside it); on a screen that lists its own keys (a `KEYS_HELP` of two columns, as LEFT and
RIGHT here), that screen's keys, and its `LEGEND` if it has one.

`?` (or F1) opens it and closes it again, Esc closes it. Keys are shown as the user's keymap has them.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.keyline import key_displays
from . import SCREENS_CSS

# (heading, [(binding ids, what it does)]); two columns that each fit 24 rows with the frame
LEFT = [
    ("On an appointment", [
        (("appt.details",), "details and every action"),
        (("appt.confirm",), "the client confirmed"),
        (("appt.arrived",), "check in"),
        (("appt.fulfilled",), "done (fulfilled)"),
        (("appt.no_show",), "no-show"),
        (("appt.cancel",), "cancel (asks why)"),
        (("appt.move",), "move; ⏎ on the new time"),
        (("book.spot",), "spot work inside a visit"),
        (("appt.cancel_series",), "cancel rest of its series"),
    ]),
    ("On a free time", [
        (("book.session",), "book a session"),
        (("book.visit",), "book a chiro or PT visit"),
        (("book.series",), "plan and book a series"),
    ]),
    ("Other screens", [
        (("screen.day",), "day sheet of the shown day"),
        (("screen.waitlist",), "waitlist"),
        (("screen.clients",), "clients"),
        (("screen.team",), "staff & rooms"),
    ]),
]
RIGHT = [
    ("Moving around", [
        (("grid.up", "grid.down", "grid.left", "grid.right"), "the cursor"),
        (("grid.page_up", "grid.page_down"), "two hours up, down"),
        (("nav.next", "nav.prev"), "next, previous day (week)"),
        (("nav.next_week", "nav.prev_week"), "next, previous week"),
        (("nav.today", "nav.date"), "today, go to a date"),
        (("view.prev_columns", "view.next_columns"), "other rooms or staff"),
    ]),
    ("What the calendar shows", [
        (("view.week",), "day or week"),
        (("view.columns",), "rooms or staff"),
        (("view.filter",), "only a therapist, room..."),
    ]),
    ("Anywhere", [
        (("appt.undo",), "undo your last change"),
        (("command_palette",), "every action by name"),
        (("app.keys",), "this help (Esc closes it)"),
        (("app.quit",), "quit"),
    ]),
]
KEY_WIDTH = 10
# what the letters and marks on a block mean, below the keys
LEGEND = ("B booked  A checked in  F fulfilled  X cancelled  N no-show  ✔ confirmed\n"
          "⚠ off/closed: move  ! late cancel  ▸ spot work  ░ turnover  · not bookable")


class HelpScreen(ModalScreen):
    CSS_PATH = SCREENS_CSS
    # the same id as the app's help key, so that a keymap moving one moves both
    BINDINGS = [
        Binding("question_mark,f1", "close", "Close help", id="app.keys"),
        Binding("escape", "close", "Close help", id="help.close"),
    ]

    def __init__(self, calendar) -> None:
        super().__init__()
        self.calendar = calendar

    def compose(self) -> ComposeResult:
        keys = key_displays(self.calendar)
        keys.setdefault("command_palette", [self.app.get_key_display(Binding(self.app.COMMAND_PALETTE_BINDING,
                                                                              ""))])
        with Vertical(id="help", classes="dialog wide"):
            yield Static(Text("Keys", style="bold"))
            with Horizontal(id="help-columns"):
                for column in getattr(self.calendar, "KEYS_HELP", (LEFT, RIGHT)):
                    yield Static(_column(column, keys))
            legend = getattr(self.calendar, "LEGEND", "" if hasattr(self.calendar, "KEYS_HELP") else LEGEND)
            if legend:
                yield Static(Text(legend, no_wrap=True, overflow="ellipsis"), id="legend")

    def action_close(self) -> None:
        self.dismiss()


def _column(groups, keys: dict[str, list[str]]) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for heading, entries in groups:
        if text:
            text.append("\n")
        text.append(heading, style="bold underline")
        for ids, label in entries:
            shown = " ".join("/".join(keys.get(i, [])) for i in ids if i in keys)
            text.append("\n")
            text.append(shown.ljust(KEY_WIDTH), style="bold")
            text.append(label)
    return text

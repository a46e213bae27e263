"""The calendar's top line: what it shows (day or week, rooms or staff, a filter) and the waitlist badge
always; the practice's name and then the date give way when the line is short."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from .blocks import name_forms


class TopBar(Widget):
    DEFAULT_CSS = """
    TopBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.practice = ""
        self.dates: tuple[str, ...] = ()  # the shown period, longest wording first
        self.view = ""
        self.filter = ""
        self.badge = ""

    def show(self, practice: str, dates: tuple[str, ...], view: str, filter: str, badge: str) -> None:
        self.practice, self.dates, self.view, self.filter, self.badge = practice, dates, view, filter, badge
        self.refresh()

    def render(self) -> Text:
        width = self.size.width
        names = (*name_forms(self.practice, person=False), "") if self.practice else ("",)
        choices = [(d, n) for d in self.dates or ("",) for n in names]
        for date, name in choices:
            line = self._line(name, date)
            if line.cell_len <= width:
                return line
        date, name = choices[-1]
        return self._line(name, date)  # cut at the end: the filter's tail, the least needed

    def _line(self, name: str, date: str) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        if self.badge:
            line.append(f" {self.badge} ", style="bold reverse")
            line.append(" ")
        parts = [p for p in (name, date, self.view, f"only {self.filter}" if self.filter else "") if p]
        for i, part in enumerate(parts):
            if i:
                line.append(" │ ")
            line.append(part, style="bold" if part == name else "")
        return line

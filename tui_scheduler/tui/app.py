"""The Textual app. For now one screen: the day's appointments, day by day."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from ..core import clock
from ..service import Scheduler


class SchedulerApp(App):
    TITLE = "tui-scheduler"
    BINDINGS = [
        Binding("left,p", "day(-1)", "Prev day", id="day.prev"),
        Binding("right,n", "day(1)", "Next day", id="day.next"),
        Binding("t", "today", "Today", id="day.today"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.scheduler = scheduler
        self.practice = scheduler.practice()
        self.tz = clock.zone(self.practice.timezone)
        self.day = clock.local_day(scheduler.now(), self.tz)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="day")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.practice.name
        self.show_day()

    def show_day(self) -> None:
        start, end = clock.day_span(self.day, self.tz)
        rows = self.scheduler.describe(self.scheduler.appointments(start, end))
        lines = [f"[b]{self.day:%A %Y-%m-%d}[/b]", ""]
        for r in rows:
            who = r.get("therapist") or r.get("provider")
            lines.append(f"{r['start'][11:16]}-{r['end'][11:16]}  {r['kind']:<7} {r['status']:<9} "
                         f"{r['client']} · {who} · {r['room']}")
        if not rows:
            lines.append("no appointments")
        self.query_one("#day", Static).update("\n".join(lines))

    def action_day(self, step: int) -> None:
        self.day += timedelta(days=step)
        self.show_day()

    def action_today(self) -> None:
        self.day = clock.local_day(self.scheduler.now(), self.tz)
        self.show_day()


def make_app(data_dir: str | Path, clock=None) -> SchedulerApp:
    """The one app factory, used by the CLI and the tests."""
    return SchedulerApp(Scheduler(data_dir, clock=clock))

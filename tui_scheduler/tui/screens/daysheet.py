"""The day sheet: the day's appointments in order with check-in time, flags, referral and status, and
hands-on minutes per code after a fulfilled session, with the billable units the service counts."""

from __future__ import annotations

from datetime import date, timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from ...core import billing, clock
from ...core.errors import SchedulerError
from ...core.model import FLAGS, Status
from ...services import Scheduler
from ..widgets.blocks import STATUS_LETTER
from .clients import field
from .prompts import Dialog
from .live import Live

# (heading, width with its one-space gap): one line per appointment in 80 columns; the highlighted row is
# shown in full below the table
COLUMNS = (("In", 6), ("At", 6), ("", 2), ("Client", 15), ("With", 10), ("Room", 9), ("Flags", 9),
           ("Referral", 14), ("Units", 5))


def _fit(text: str, width: int) -> str:
    return text if len(text) < width else text[:width - 2] + "…"


def _who(row: dict) -> str:
    person = row.get("therapist") or row.get("provider") or ""
    return f"▸{person}" if row["kind"] == "spot" else person


def _needs_minutes(row: dict) -> bool:
    """A fulfilled massage paid by a referral, with no hands-on minutes recorded yet."""
    return row["status"] == Status.FULFILLED and row["kind"] != "visit" and bool(row["referral"]) \
        and "hands_on" not in row


def _short_referral(text: str) -> str:
    """The service's 'visit 3 of 6, expires 2027-01-15' fits the column as 'visit 3 of 6'; the full text
    is in the line below the table."""
    return "⚠ none" if text.startswith("not covered") else text.partition(", expires")[0]


def _units(row: dict) -> str:
    if "total_units" in row:
        return str(row["total_units"])
    return "?" if _needs_minutes(row) else ""


class DaySheetScreen(Live, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Calendar", id="day.close"),
        Binding("h", "hands_on", "Hands-on", id="day.hands_on",
                tooltip="Record hands-on minutes per code for a fulfilled session"),
        Binding("n", "step(1)", "Next day", id="day.next"),
        Binding("p", "step(-1)", "Previous day", id="day.prev"),
        Binding("t", "today", "Today", show=False, id="day.today"),
    ]

    def __init__(self, scheduler: Scheduler, day: date):
        super().__init__()
        self.scheduler, self.day = scheduler, day
        self.tz = clock.zone(scheduler.practice().timezone)
        self.rows: dict[str, dict] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield DataTable(id="sheet", cursor_type="row", cell_padding=0)
        yield Static(id="row-info", classes="info")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#sheet", DataTable)
        for heading, width in COLUMNS:
            table.add_column(heading, width=width)
        self.reload()
        table.focus()

    def on_data_changed(self, changed: bool) -> None:
        if changed:
            self.reload()

    def reload(self) -> None:
        try:
            rows = self.scheduler.day_sheet(self.day)
        except SchedulerError as exc:
            self.notify(exc.reason, title="Day sheet", severity="error")
            return
        table = self.query_one("#sheet", DataTable)
        kept = self.current["id"] if self.current else None
        self.rows = {r["id"]: r for r in rows}
        table.clear()
        for r in rows:
            cells = (r["check_in"], r["start"][11:16], STATUS_LETTER[Status(r["status"])], r["client"], _who(r),
                     r["room"], ("⚠" + ",".join(r["flags"])) if r["flags"] else "", _short_referral(r["referral"]),
                     _units(r))
            table.add_row(*(_fit(cell, width) for cell, (_, width) in zip(cells, COLUMNS)), key=r["id"])
        if kept in self.rows:
            table.move_cursor(row=table.get_row_index(kept))
        self.query_one("#topbar", Static).update(
            f"[b]Day sheet[/b] · {self.day:%a %d %b %Y} · {len(rows)} appointments")
        self._show_row()

    @property
    def current(self) -> dict | None:
        table = self.query_one("#sheet", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
        return self.rows.get(key.value)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_row()
        self.refresh_bindings()

    def _show_row(self) -> None:
        r = self.current
        info = self.query_one("#row-info", Static)
        if r is None:
            info.update("[dim]nothing booked this day[/dim]")
            return
        what = " · ".join(part for part in (r.get("modality"), r.get("region")) if part)
        lines = [(f"{r['check_in']} check-in · {r['start'][11:16]}-{r['end'][11:16]} {r['status']} {r['kind']} · "
                  f"{r['client']} ({r['payer']}) · " + (f"{what} · " if what else "") + f"{_who(r)} · {r['room']}")]
        extra = []
        if r["flags"]:
            extra.append("[$warning]⚠ " + "; ".join(FLAGS.get(f, f) for f in r["flags"]) + "[/]")
        if r["referral"]:
            extra.append(r["referral"])
        if "hands_on" in r:
            minutes = ", ".join(f"{code} {m} min" for code, m in r["hands_on"].items())
            units = ", ".join(f"{code} {u}" for code, u in r["units"].items())
            billing_line = f"hands-on {minutes} → [b]{r['total_units']} units[/b] ({units})"
        elif _needs_minutes(r):
            billing_line = "[$warning]hands-on minutes not recorded (h)[/]"
        else:
            billing_line = ""
        lines += [" · ".join(extra), billing_line]
        info.update("\n".join(line for line in lines if line))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hands_on":
            r = self.current
            return r is not None and r["kind"] != "visit" and r["status"] == Status.FULFILLED
        return True

    def action_step(self, days: int) -> None:
        self.day += timedelta(days=days)
        self.reload()

    def action_today(self) -> None:
        self.day = clock.local_day(self.scheduler.now(), self.tz)
        self.reload()

    def action_hands_on(self) -> None:
        r = self.current
        if r is None:
            return
        self.app.push_screen(HandsOnScreen(self.scheduler, r), lambda done: self.reload() if done else None)


class HandsOnScreen(Dialog):
    """Direct one-on-one minutes per timed code; the units follow the 8-minute rule."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="hands_on.save")]

    def __init__(self, scheduler: Scheduler, row: dict):
        super().__init__()
        self.scheduler, self.row = scheduler, row

    def compose(self) -> ComposeResult:
        r, recorded = self.row, self.row.get("hands_on", {})
        with Vertical(classes="dialog"):
            yield Label(f"[b]Hands-on minutes[/b] · {r['client']} {r['start'][11:16]}-{r['end'][11:16]} "
                        f"({r['minutes']} min)")
            for code, what in billing.CODES.items():
                yield field(code, Input(str(recorded.get(code, "")), type="integer", id=f"code-{code}",
                                        placeholder=what.split(" (")[0], compact=True))
            yield Static(id="units", classes="info")
            yield Static(id="problems", classes="problems")
            with Horizontal(classes="buttons"):
                yield Button("Save  ^s", id="save", variant="primary", compact=True)
                yield Button("Close  esc", id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one(f"#code-{next(iter(billing.CODES))}", Input).focus()
        self._preview()

    def _minutes(self) -> dict[str, int]:
        typed = {code: self.query_one(f"#code-{code}", Input).value.strip() for code in billing.CODES}
        return {code: int(value) for code, value in typed.items() if value.isdigit()}

    def _preview(self) -> None:
        units = billing.units(self._minutes())
        total = sum(units.values())
        detail = ", ".join(f"{code} {u}" for code, u in units.items() if u)
        self.query_one("#units", Static).update(f"= [b]{total} units[/b]" + (f" ({detail})" if detail else "")
                                               + " by the 8-minute rule")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._preview()

    def action_save(self) -> None:
        try:
            done = self.scheduler.record_hands_on(self.row["id"], self._minutes())
        except SchedulerError as exc:
            self.query_one("#problems", Static).update(f"[$error]✖ {exc.reason}[/]")
            return
        self.dismiss(done)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.dismiss(None)

"""The day sheet: the day's appointments in order with check-in time, phone, how each stands (confirmed,
its therapist off then), flags and their clearances, referral, the visit note, and hands-on minutes per code
after a fulfilled session, with the billable units the service counts. A closed day says so above it.

The call list (`l`) is the same screen on the list the desk works through: the day's booked appointments
not confirmed yet, with phone numbers; `c` marks the highlighted one confirmed as the client says yes.

The sheet is one line per appointment, fitted to the width it has: whole names when they fit (160
columns), and at 80 columns shorter forms a person still recognises ("Amelia H.", "Dr. Patel", "⚠2",
"3/6") and then fewer columns, never a word cut in half. The highlighted row is shown in full below.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...core import billing, clock
from ...core.closures import Closure
from ...core.errors import SchedulerError
from ...core.model import Status
from ...core.record import record
from ...core.statuses import asks_confirmation
from ...services import Scheduler
from ..widgets.blocks import CONFIRMED, LATE, STATUS_LETTER, STRANDED, note_mark
from ..widgets.keyline import Hint, KeyLine
from . import SCREENS_CSS
from .fields import ButtonBar, TextField
from .live import Live
from .prompts import FormDialog, plain
from .reading import read_then


def short_name(name: str) -> str:
    """'Amelia Hart' -> 'Amelia H.', 'Dr. Sam Patel' -> 'Dr. Patel', 'Maya' -> 'Maya'."""
    words = name.split()
    if len(words) < 2:
        return name
    if words[0].rstrip(".").casefold() in ("dr", "prof"):
        return f"{words[0]} {words[-1]}"
    return f"{words[0]} {words[-1][0]}."


def _who(row: dict, short: bool = False) -> str:
    person = row.get("therapist") or row.get("provider") or ""
    person = short_name(person) if short else person
    return f"▸{person}" if row["kind"] == "spot" else person


def _what(row: dict) -> str:
    if row["kind"] == "spot":
        return "spot" + (f" {row['region']}" if row.get("region") else "")
    return row.get("modality") or row["kind"]


def _needs_minutes(row: dict) -> bool:
    """A fulfilled massage paid by a referral, with no hands-on minutes recorded yet."""
    return row["status"] == Status.FULFILLED and row["kind"] != "visit" and bool(row["referral"]) \
        and "hands_on" not in row


def _referral(row: dict, form: int) -> str:
    """The service's 'visit 3 of 6, expires 2027-01-15', then 'visit 3 of 6', then '3/6'."""
    text = row["referral"]
    if not text:
        return ""
    if text.startswith("not covered"):
        return ("⚠ not covered", "⚠ none", "⚠ none")[form]
    visit = text.partition(", expires")[0]
    return (text, visit, visit.removeprefix("visit ").replace(" of ", "/"))[form]


def _flags(row: dict, form: int) -> str:
    """'⚠ tumor ✔ osteoporosis' (✔ where a clearance on file covers the flag), then '✔1⚠1'."""
    flags = row["flags"]
    if not flags:
        return ""
    open_ = [f for f in flags if f in row.get("uncleared", flags)]
    if form == 0:
        cleared = [f for f in flags if f not in open_]
        return " ".join(f"{mark} {', '.join(group)}" for mark, group in (("⚠", open_), ("✔", cleared)) if group)
    cleared = len(flags) - len(open_)
    return (f"✔{cleared}" if cleared else "") + (f"⚠{len(open_)}" if open_ else "")


def _state(row: dict) -> str:
    """The status letter and its marks, as on the calendar: ✔ confirmed, ⚠ therapist off, ! late cancel."""
    status = Status(row["status"])
    marks = CONFIRMED if row.get("confirmed") and asks_confirmation(row["kind"], status) else ""
    marks += STRANDED if row.get("time_off") else ""
    marks += LATE if row.get("late_cancel") else ""
    return STATUS_LETTER[status] + marks


def _units(row: dict) -> str:
    if "total_units" in row:
        return str(row["total_units"])
    return "?" if _needs_minutes(row) else ""


@record
class Column:
    heading: str
    forms: tuple[Callable[[dict], str], ...]  # the fullest first; each one a person recognises


COLUMNS = {
    "in": Column("In", (lambda r: r["check_in"],)),
    "at": Column("At", (lambda r: r["start"][11:16],)),
    "status": Column("", (_state,)),
    "client": Column("Client", (lambda r: r["client"], lambda r: short_name(r["client"]))),
    "phone": Column("Phone", (lambda r: r.get("phone", ""),)),
    "with": Column("With", (_who, lambda r: _who(r, short=True))),
    "what": Column("What", (_what,)),
    "room": Column("Room", (lambda r: r["room"], lambda r: r["room"].split()[0])),
    "flags": Column("Flags", (lambda r: _flags(r, 0), lambda r: _flags(r, 1))),
    "referral": Column("Referral", (lambda r: _referral(r, 0), lambda r: _referral(r, 1), lambda r: _referral(r, 2))),
    "units": Column("Units", (_units,)),
    "note": Column("Note", (lambda r: note_mark(r.get("note_versions", 0)),)),
}
# when the line is too long, one step at a time: a shorter form of a column, or a column left out (the
# row below the sheet still says everything)
STEPS = (("shorter", "referral"), ("shorter", "flags"), ("shorter", "room"), ("shorter", "with"),
         ("leave out", "what"), ("shorter", "referral"), ("shorter", "client"), ("leave out", "in"),
         ("leave out", "room"), ("leave out", "flags"), ("leave out", "phone"))
# the call list: who to call, their number, and what for
CALLS = ("at", "status", "client", "phone", "with", "what", "room")
CALL_STEPS = (("shorter", "room"), ("shorter", "with"), ("leave out", "room"), ("shorter", "client"),
              ("leave out", "what"))
GAP = 1


def fit(rows: list[dict], width: int, names: tuple[str, ...] = tuple(COLUMNS), steps=STEPS
        ) -> list[tuple[str, int, int]]:
    """(column, form, width) for each of the columns `names` shown, so that a line fits `width` whole. A
    column with nothing in any row (no phones on file, no notes yet) takes no room."""
    form = {name: 0 for name in names}
    shown = [n for n in names if not rows or any(COLUMNS[n].forms[0](r) for r in rows)]

    def column_width(name: str) -> int:
        cell = COLUMNS[name].forms[form[name]]
        return max([len(COLUMNS[name].heading), *(len(cell(r)) for r in rows)])

    def total() -> int:
        return sum(column_width(name) for name in shown) + GAP * (len(shown) - 1)

    for step, name in steps:
        if total() <= width:
            break
        if step == "shorter":
            form[name] = min(form[name] + 1, len(COLUMNS[name].forms) - 1)
        elif name in shown:
            shown.remove(name)
    return [(name, form[name], column_width(name)) for name in shown]


def sheet_line(row: dict | None, columns: list[tuple[str, int, int]]) -> str:
    """One row of the sheet, or its headings for None."""
    cells = [(COLUMNS[name].heading if row is None else COLUMNS[name].forms[form](row)).ljust(width)
             for name, form, width in columns]
    return (" " * GAP).join(cells).rstrip()


class DaySheetScreen(Live, Screen):
    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Calendar", id="day.close"),
        Binding("c", "confirm", "Confirm", id="day.confirm", tooltip="The client confirmed the time"),
        Binding("e", "note", "Note", id="day.note", tooltip="The visit note of the highlighted row"),
        Binding("h", "hands_on", "Hands-on", id="day.hands_on",
                tooltip="Record hands-on minutes per code for a fulfilled session"),
        Binding("l", "calls", "Call list", id="day.calls",
                tooltip="Tomorrow's unconfirmed appointments with phone numbers, and back"),
        Binding("n", "step(1)", "Next day", id="day.next"),
        Binding("p", "step(-1)", "Previous day", id="day.prev"),
        Binding("t", "today", "Today", show=False, id="day.today"),
    ]

    # what help (?) shows here: this screen's keys, and what the marks on a row mean
    KEYS_HELP = (
        [("On the highlighted row", [
            (("day.confirm",), "the client confirmed"),
            (("day.note",), "its visit note: read, sign"),
            (("day.hands_on",), "hands-on minutes (done)"),
        ]), ("The list", [
            (("day.calls",), "the call list, and back"),
            (("day.next", "day.prev"), "next, previous day"),
            (("day.today",), "today (calls: tomorrow)"),
        ])],
        [("Anywhere", [
            (("day.close",), "back to the calendar"),
            (("app.keys",), "this help (Esc closes it)"),
        ])],
    )
    LEGEND = ("B booked  A checked in  F fulfilled  X cancelled  N no-show  ✔ confirmed\n"
              "⚠ therapist off: move it  ! late cancel  ✎ a note (✎2: amended once)")

    def __init__(self, scheduler: Scheduler, day: date):
        super().__init__()
        self.scheduler, self.day = scheduler, day
        self.tz = clock.zone(scheduler.practice().timezone)
        self.calls = False  # the call list instead of the day sheet
        self.shown: tuple | None = None  # (day, calls) of the rows on screen
        self.sheet_day = day  # the day sheet's day, to go back to from the call list
        self.rows: list[dict] = []
        self.closure: Closure | None = None
        self.meanings: dict[str, str] = {}  # flag -> what it means, the practice's own words
        self._fitted: tuple | None = None  # (rows, width) the lines on screen were fitted to

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield Static(id="closed", classes="banner")
        yield Static(id="sheet-head")
        yield OptionList(id="sheet")
        yield Static(id="row-info", classes="info")
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one("#sheet", OptionList).focus()
        self.reload()

    def on_data_changed(self, changed: bool) -> None:
        if changed:
            self.reload()

    def on_resize(self) -> None:
        self._show_rows()

    def reload(self) -> None:
        """Read the day (or its call list) after the frame in hand; what comes back is shown only if the
        person is still looking at that day and list."""
        title = "Call list" if self.calls else "Day sheet"
        self.query_one("#topbar", Static).update(f"[b]{title}[/b] · {self.day:%a %d %b %Y}")
        read_then(self, lambda day=self.day, calls=self.calls: self._read(day, calls), self._fill)

    def _read(self, day: date, calls: bool) -> tuple:
        sched = self.scheduler
        try:
            rows = sched.call_list(day) if calls else sched.day_sheet(day)
            return day, calls, rows, sched.closed_days(day).get(day), self.meanings or sched.flags()
        except SchedulerError as exc:
            return day, calls, exc

    def _fill(self, read: tuple) -> None:
        if read[:2] != (self.day, self.calls):
            return  # another day was asked for meanwhile: its own read shows it
        if isinstance(read[2], SchedulerError):
            self.notify(plain(read[2].reason), title="Day sheet", severity="error")
            return
        _, _, rows, self.closure, self.meanings = read
        self.shown = read[:2]
        kept = self.current["id"] if self.current else None
        at = self.query_one("#sheet", OptionList).highlighted
        self.rows = rows
        self._fitted = None
        self._show_rows()
        sheet = self.query_one("#sheet", OptionList)
        ids = [r["id"] for r in rows]
        if rows:  # the same row, else (one just confirmed off the call list) the one that took its place
            sheet.highlighted = ids.index(kept) if kept in ids else min(at or 0, len(rows) - 1)
        title = "Call list" if self.calls else "Day sheet"
        count = f"{len(rows)} to call" if self.calls else f"{len(rows)} appointments"
        self.query_one("#topbar", Static).update(f"[b]{title}[/b] · {self.day:%a %d %b %Y} · {count}")
        banner = self.query_one("#closed", Static)
        banner.display = self.closure is not None
        if self.closure is not None:
            banner.update(f"✖ Closed: {plain(self.closure.describe())} · nothing can be booked this day")
        self._show_row()
        self._show_keys()

    def _show_rows(self) -> None:
        """The lines, fitted again when the rows or the width changed."""
        sheet = self.query_one("#sheet", OptionList)
        width = sheet.scrollable_content_region.width or self.size.width - 2
        if self._fitted == (id(self.rows), width):
            return
        self._fitted = (id(self.rows), width)
        columns = fit(self.rows, width - 2, CALLS, CALL_STEPS) if self.calls else fit(self.rows, width - 2)
        self.query_one("#sheet-head", Static).update(Text(sheet_line(None, columns), style="bold"))
        keep = sheet.highlighted
        sheet.set_options(Option(Text(sheet_line(r, columns)), id=r["id"]) for r in self.rows)
        if self.rows:
            sheet.highlighted = min(keep or 0, len(self.rows) - 1)

    @property
    def current(self) -> dict | None:
        sheet = self.query_one("#sheet", OptionList)
        at = sheet.highlighted
        return self.rows[at] if at is not None and at < len(self.rows) else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_row()
        self._show_keys()

    def _show_keys(self) -> None:
        r = self.current
        here = []
        if r is not None and r["status"] == Status.BOOKED and not r.get("confirmed"):
            here.append(Hint(("day.confirm",), "Confirm"))
        if r is not None and not self.calls:
            here += [Hint(("day.note",), "Note"), Hint(("day.hands_on",), "Hands-on")]
        always = (Hint(("day.calls",), "Day sheet" if self.calls else "Call list"),
                  Hint(("day.next", "day.prev"), "Next, previous day"), Hint(("day.today",), "Today"),
                  Hint(("day.close",), "Calendar"))
        self.query_one(KeyLine).show(tuple(here), always)

    def _show_row(self) -> None:
        r = self.current
        info = self.query_one("#row-info", Static)
        if r is None:
            info.update(f"[dim]{'nobody left to call' if self.calls else 'nothing booked'} this day[/dim]")
            return
        what = " · ".join(part for part in (r.get("modality"), r.get("region")) if part)
        check_in = "" if self.calls else f"{r['check_in']} check-in · "
        payer = "" if self.calls else f" ({r['payer']})"
        phone = f" · ☎ {r['phone']}" if r.get("phone") else " · no phone on file"
        lines = [plain(f"{check_in}{r['start'][11:16]}-{r['end'][11:16]} {r['status']} {r['kind']} · "
                       f"{r['client']}{payer}{phone} · " + (f"{what} · " if what else "")
                       + f"{_who(r)} · {r['room']}")]
        standing = []
        if asks_confirmation(r["kind"], r["status"]):
            standing.append(f"✔ confirmed {r['confirmed'][:16].replace('T', ' ')}" if r.get("confirmed")
                            else "not confirmed yet")
        if r.get("time_off"):
            standing.append(f"[$warning]⚠ {plain(r['time_off'])}: move it[/]")
        if r.get("late_cancel"):
            standing.append("! late cancel")
        lines.append(" · ".join(standing))
        if self.calls:
            info.update("\n".join(line for line in lines if line))
            return
        extra = []
        if r["flags"]:
            open_ = [f for f in r["flags"] if f in r.get("uncleared", r["flags"])]
            if r.get("cleared"):
                extra.append(f"✔ {plain(r['cleared'])}")
            if open_:
                extra.append("[$warning]⚠ " + plain("; ".join(self.meanings.get(f, f) for f in open_)) + "[/]")
        if r["referral"]:
            extra.append(plain(r["referral"]))
        versions = r.get("note_versions", 0)
        if versions:
            extra.append(f"✎ note, {versions} version{'s' if versions > 1 else ''}")
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

    def action_step(self, days: int) -> None:
        self.day += timedelta(days=days)
        self.reload()

    def action_today(self) -> None:
        today = clock.local_day(self.scheduler.now(), self.tz)
        self.day = today + timedelta(days=1) if self.calls else today
        self.reload()

    def action_calls(self) -> None:
        """To the call list of tomorrow (the day the desk calls about), and back to the day sheet it left."""
        self.calls = not self.calls
        if self.calls:
            self.sheet_day = self.day
            self.day = clock.local_day(self.scheduler.now(), self.tz) + timedelta(days=1)
        else:
            self.day = self.sheet_day
        self.query_one("#sheet", OptionList).highlighted = None
        self.reload()

    def _label(self, r: dict) -> str:
        return f"{r['client']} {datetime.fromisoformat(r['start']):%a %H:%M}"

    def action_confirm(self) -> None:
        r = self.current
        if r is None:
            self.notify("nobody to confirm: nothing is listed", severity="warning")
            return
        try:
            self.scheduler.confirm(r["id"])
        except SchedulerError as exc:
            self.notify(exc.reason, title="Refused", severity="error", markup=False)
            return
        self.notify(f"Confirmed {self._label(r)}", markup=False)
        self.reload()

    def action_note(self) -> None:
        from .notes import NoteScreen

        r = self.current
        if self._calling("Notes are written"):
            return
        if r is None:
            self.notify("nothing booked this day", severity="warning")
            return
        self.app.push_screen(NoteScreen(self.scheduler, r["id"]), lambda signed: self.reload() if signed else None)

    def action_hands_on(self) -> None:
        r = self.current
        if self._calling("Hands-on minutes are recorded"):
            return
        if r is None:
            self.notify("nothing booked this day", severity="warning")
            return
        if r["kind"] == "visit" or r["status"] != Status.FULFILLED:
            what = "a visit" if r["kind"] == "visit" else f"{r['status']}, not fulfilled yet"
            self.notify(f"hands-on minutes are for a fulfilled massage; {r['client']} {r['start'][11:16]} is {what}",
                        severity="warning", markup=False)
            return
        def saved(done) -> None:
            if done:  # said where the desk looks; the row's units follow on the reload
                self.notify(f"Saved hands-on minutes for {r['client']} {r['start'][11:16]}", markup=False)
                self.reload()

        self.app.push_screen(HandsOnScreen(self.scheduler, r), saved)

    def _calling(self, doing: str) -> bool:
        """The call list is for calling: notes and minutes are on the day sheet (said, not ignored)."""
        if self.calls:
            key = self.app.get_key_display(next(b for b in self.BINDINGS if b.id == "day.calls"))
            self.notify(f"{doing} from the day sheet: {key} goes back to it", severity="warning")
        return self.calls


class HandsOnScreen(FormDialog):
    """Direct one-on-one minutes per timed code; the units follow the 8-minute rule."""

    BINDINGS = [Binding("ctrl+s", "submit", "Save", id="hands_on.save")]

    def __init__(self, scheduler: Scheduler, row: dict):
        super().__init__()
        self.scheduler, self.row = scheduler, row

    def compose(self) -> ComposeResult:
        r, recorded = self.row, self.row.get("hands_on", {})
        with Vertical(classes="dialog form"):
            yield Label(f"[b]Hands-on minutes[/b] · {plain(r['client'])} {r['start'][11:16]}-{r['end'][11:16]} "
                        f"({r['minutes']} min)")
            for code, what in billing.CODES.items():
                yield TextField(code, str(recorded.get(code, "")), type="integer", id=f"code-{code}",
                                 placeholder=what.split(" (")[0])
            yield Static(id="units", classes="info")
            yield Static(id="problems", classes="problems")
            yield ButtonBar(("Save ^s", "save"), ("Close esc", "close"))

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

    def action_submit(self) -> None:
        try:
            done = self.scheduler.record_hands_on(self.row["id"], self._minutes())
        except SchedulerError as exc:
            self.refused(self.row["client"], exc.reason)
            return
        self.dismiss(done)

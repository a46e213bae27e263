"""One appointment in full, with the actions that can be taken on it.

What the calendar already has (when, who, where) is on screen at once; the rest is read after the first
frame: how it stands (confirmed, its therapist off then, a late cancel), the client's flags with the
clearances on file, the reminders, the visit note's signature and the appointment's history. The body
scrolls; the actions stay in sight below it. The note's text is never shown here: `e` opens the note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from ...core import clock, statuses
from ...core.errors import SchedulerError
from ...core.model import Appointment, Client, Kind, Status
from ...core.reminders import CANCELLATION, MOVED, REMINDER
from ...services import Scheduler
from ..widgets.blocks import STATUS_LETTER, marks
from ..widgets.keyline import key_displays
from .live import Live
from .prompts import Dialog
from .reading import read_then

# button id -> the calendar action it asks for
ACTIONS = {
    "confirm": "confirm",
    "arrived": "status('arrived')",
    "fulfilled": "status('fulfilled')",
    "no-show": "status('no-show')",
    "cancel": "cancel_appointment",
    "series": "cancel_series",
    "move": "move",
    "spot": "spot",
}

# (button id, binding id, label): every action of the dialog, each showing its key
BUTTONS = (
    ("confirm", "details.confirm", "Confirm"),
    ("arrived", "details.arrived", "Check in"),
    ("fulfilled", "details.fulfilled", "Done"),
    ("no-show", "details.no_show", "No-show"),
    ("cancel", "details.cancel", "Cancel"),
    ("move", "details.move", "Move"),
    ("spot", "details.spot", "Spot work"),
    ("series", "details.cancel_series", "Rest of series"),
    ("note", "details.note", "Note"),
    ("close", "dialog.close", "Close"),
)
# the outbox's kinds of message, as the Reminder line names them (a reminder needs no name there)
NOTICES = {REMINDER: "", MOVED: "new-time notice", CANCELLATION: "cancellation notice"}
COLUMNS = 4  # buttons to a row
LABEL = 10
HISTORY_WHEN = 16  # "2026-11-23 08:00" and who, above their words when longer


@dataclass
class Record:
    """What the dialog reads once it is on screen."""

    appt: Appointment
    client: Client | None = None
    flags: list[dict] = field(default_factory=list)  # {flag, label, cleared}
    referral: str = ""
    attendance: str = ""
    stranded: str = ""  # who is off then, and why
    reminders: list[dict] = field(default_factory=list)  # the outbox's rows for this appointment
    note: dict | None = None
    note_refusal: str = ""
    history: list[dict] = field(default_factory=list)
    problem: str = ""  # why the rest could not be read


class DetailsScreen(Live, Dialog):
    BINDINGS = [
        Binding("c", "choose('confirm')", "Confirm", id="details.confirm"),
        Binding("a", "choose('arrived')", "Check in", id="details.arrived"),
        Binding("d", "choose('fulfilled')", "Done", id="details.fulfilled"),
        Binding("o", "choose('no-show')", "No-show", id="details.no_show"),
        Binding("x", "choose('cancel')", "Cancel appt", id="details.cancel"),
        Binding("X", "choose('series')", "Cancel rest of series", id="details.cancel_series"),
        Binding("m", "choose('move')", "Move", id="details.move"),
        Binding("s", "choose('spot')", "Spot", id="details.spot"),
        Binding("e", "note", "Note", id="details.note", tooltip="Read the visit note, or write or amend it"),
    ]

    def __init__(self, scheduler: Scheduler, appt: Appointment, spots: list[Appointment], names: dict[str, str],
                 tz: ZoneInfo):
        super().__init__()
        self.scheduler, self.appt, self.spots, self.names, self.tz = scheduler, appt, spots, names, tz
        self.record: Record | None = None
        self.action_rows = 1

    def _offers(self, button: str) -> bool:
        a = self.appt
        if button == "series":
            return a.series_id is not None and a.status == Status.BOOKED
        if button == "spot":
            return a.kind in (Kind.VISIT, Kind.SPOT)
        if button == "confirm":  # spot work is confirmed with its visit
            return statuses.asks_confirmation(a.kind, a.status) and not a.confirmed
        if button == "move":
            return a.status in statuses.MOVABLE
        if button in ("arrived", "fulfilled", "no-show", "cancel"):
            return statuses.may_become(a.status, Status.CANCELLED if button == "cancel" else Status(button))
        return True

    def compose(self) -> ComposeResult:
        offered = [b for b in BUTTONS if self._offers(b[0])]
        with Vertical(classes="dialog wide", id="details"):
            with VerticalScroll(id="details-body"):
                yield Static(self._body(), id="details-text")
            with Grid(id="actions"):
                for button, _binding, label in offered:
                    yield Button(label, id=button, compact=True,
                                 variant="error" if button in ("cancel", "series") else "default")

    def on_mount(self) -> None:
        """Each button shows its key as the keymap has it: "a Check in"; the body scrolls above them."""
        keys = key_displays(self)
        offered = 0
        for button, binding, label in BUTTONS:
            if self._offers(button):
                offered += 1
                key = keys.get(binding, ["Esc"])[0]
                self.query_one(f"#{button}", Button).label = Content.assemble((key, "bold"), f" {label}")
        self.action_rows = -(-offered // COLUMNS)
        self._fit()
        self.query_one("#details-body").focus()
        self._read()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The body takes what the screen leaves after the frame and the actions, and scrolls beyond."""
        room = self.size.height - 2 * 1 - 2 - self.action_rows - 1  # margins, border, actions and their gap
        self.query_one("#details-body").styles.max_height = max(room, 3)

    def on_data_changed(self, changed: bool) -> None:
        if changed:  # a confirmation, a message sent, a change at another desk: shown while open
            self._read()

    def _read(self) -> None:
        read_then(self, self.read_record, self._show)

    def read_record(self) -> Record:
        """Everything beyond the calendar's own data, read fresh (in a worker)."""
        s = self.scheduler
        try:
            with s.view():  # the ten reads below from one commit, under one lock
                appt = s.get(self.appt.id)
                client = s.client(appt.client_id)
                day = clock.local_day(appt.start, self.tz)
                note = s.note_of(appt.id)
                return Record(
                    appt=appt, client=client, flags=s.flag_clearances(client.id, appt.start),
                    referral=s.referral_note(appt) if client.needs_referral else "",
                    attendance=s.client_attendance(client.id).text,
                    stranded=s.hit_by_time_off(day).get(appt.id, ""),
                    reminders=[r for r in s.outbox() if r["appointment"] == appt.id],
                    note=note, note_refusal="" if note else s.note_refusal(appt.id),
                    history=s.history(appt.id))
        except SchedulerError as exc:
            return Record(self.appt, problem=exc.reason)

    def _show(self, record: Record) -> None:
        self.record = record
        self.appt = record.appt
        self.query_one("#details-text", Static).update(self._body())
        self.refresh_bindings()

    # --- the body --------------------------------------------------------------------------------

    def _body(self) -> Group:
        a, names, tz, r = self.appt, self.names, self.tz, self.record
        head = Text()
        head.append(a.kind.capitalize(), style="bold")
        head.append(f" · {STATUS_LETTER[a.status]}{marks(a, {a.id: r.stranded} if r and r.stranded else {})} "
                    f"{a.status}")
        if statuses.asks_confirmation(a.kind, a.status):
            head.append(f" · ✔ confirmed {clock.describe(a.confirmed, tz)}" if a.confirmed else " · not confirmed")
        who = "Provider" if a.kind == Kind.VISIT else "Therapist"
        client = r.client if r else None
        rows = [("When", f"{clock.describe(a.start, tz)}-{a.end.astimezone(tz):%H:%M} ({a.minutes} min)"),
                ("Client", names.get(a.client_id, "?") + (
                    f" · {client.payer}" + (f" · {client.phone}" if client.phone else "")
                    + f" · pressure {client.pressure or '-'}" if client else ""))]
        if r and r.stranded:
            rows.append(("⚠ Off", f"{r.stranded}: move it"))
        if a.status == Status.CANCELLED:
            why = a.cancel_reason or "no reason given"
            rows.append(("Cancelled", f"! late cancel: {why}" if a.late_cancel else why))
        rows += [(who, names.get(a.staff_id, "?")), ("Room", names.get(a.room_id, "?"))]
        if a.modality:
            rows.append(("Modality", a.modality + (f" · region {a.region}" if a.region else "")))
        for flag in r.flags if r else ():
            if flag["cleared"]:
                rows.append(("Flag", f"✔ {flag['flag']}: {flag['cleared']}"))
            else:
                rows.append(("Flag", f"⚠ {flag['label']}: not cleared"))
        if client and client.notes:
            rows.append(("Remarks", client.notes))
        if r and r.attendance and not r.attendance.startswith("no "):
            rows.append(("Attendance", r.attendance))
        if r and r.referral:
            rows.append(("Referral", r.referral))
        if a.series_id:
            rows.append(("Series", "one of a series (X cancels it and the later ones)"))
        for code, reason in a.overrides.items():
            rows.append(("Override", f"{code}: {reason}"))
        for spot in sorted(self.spots, key=lambda s: s.start):
            rows.append(("Spot work", self._spot(spot)))
        if r:
            rows += [("Reminder", self._reminder(m)) for m in r.reminders] or [("Reminder", "none planned")]
            rows.append(("Note", self._note_line(r)))
        parts: list = [head, _grid(rows, LABEL)]
        if r and r.problem:
            parts.append(Text(f"✖ {r.problem}", style="bold"))
        if r and r.history:
            parts.append(Text("History", style="bold"))
            parts.append(_grid([(f"{h['time']} {h['user']}", self._without_ids(h["text"])) for h in r.history],
                               HISTORY_WHEN, style="dim"))
        return Group(*parts)

    def _spot(self, spot: Appointment) -> str:
        return (f"{spot.start.astimezone(self.tz):%H:%M} {self.names.get(spot.staff_id, '?')} "
                f"{spot.region or spot.modality or ''} ({spot.status})")

    def _without_ids(self, said: str) -> str:
        """The history names spot work by its id: here, by its time and therapist."""
        for spot in self.spots:
            said = said.replace(spot.id, f"{spot.start.astimezone(self.tz):%H:%M} {self.names.get(spot.staff_id, '?')}")
        return said

    def _reminder(self, m: dict) -> str:
        """"by email: sent Mon 23 Nov 14:02", "new-time notice by sms: failed after 2 tries: ...",
        "due since Mon 23 Nov 13:15, not sent yet"."""
        def at(text: str | None) -> str:
            return f"{datetime.fromisoformat(text):%a %d %b %H:%M}" if text else "?"

        head = " ".join(w for w in (NOTICES.get(m["what"], m["what"]), f"by {m['channel']}" if m.get("channel") else "")
                        if w)
        status, error = m["status"], m.get("error")
        tries = f" after {m['tries']} tr{'y' if m['tries'] == 1 else 'ies'}" if m.get("tries") else ""
        if status == "sent":
            said = f"sent {at(m['sent'])}"
        elif status == "due" and error:  # it cannot go: said why, not when
            said = f"not sent{tries}: {error}"
        elif status == "due" and datetime.fromisoformat(m["due"]) <= self.scheduler.now():
            said = f"due since {at(m['due'])}, not sent yet{tries}"
        elif status == "due":
            said = f"due {at(m['due'])}"
        else:
            said = f"{status}{tries}" + (f": {error}" if error else "")
        return f"{head}: {said}" if head else said

    def _note_line(self, r: Record) -> str:
        from .notes import signature

        key = self._key("details.note")
        if r.note:
            versions = r.note["versions"]
            return f"✎ {signature(versions[-1], len(versions))} · {key} reads it"
        if r.note_refusal:
            return f"none yet ({r.note_refusal})"
        return f"none yet · {key} writes it"

    def _key(self, binding: str) -> str:
        return key_displays(self).get(binding, ["?"])[0]

    # --- acting ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # c stays a key where the button is not shown: the service says why it cannot be confirmed
        if action == "choose" and parameters and parameters[0] in ("series", "spot"):
            return self._offers(str(parameters[0]))
        return True

    def action_choose(self, what: str) -> None:
        self.dismiss(ACTIONS[what])

    def action_note(self) -> None:
        from .notes import NoteScreen

        self.app.push_screen(NoteScreen(self.scheduler, self.appt.id), lambda signed: self._read() if signed else None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "close":
            self.dismiss(None)
        elif event.button.id == "note":
            self.action_note()
        else:
            self.dismiss(ACTIONS[event.button.id])


def _grid(rows: list[tuple[str, str]], width: int, style: str = "bold") -> Table:
    """Label beside text, the text wrapped under itself."""
    table = Table.grid(padding=(0, 1))
    table.add_column(width=width, style=style)
    table.add_column(ratio=1)
    for label, value in rows:
        table.add_row(label, Text(value))
    return table

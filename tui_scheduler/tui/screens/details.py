"""One appointment in full, with the actions that can be taken on it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from ...core import clock
from ...core.model import FLAGS, Appointment, Kind, Status
from ...services import Scheduler
from ..widgets.blocks import STATUS_LETTER
from ..widgets.keyline import key_displays
from .prompts import Dialog

# button id -> the calendar action it asks for
ACTIONS = {
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
    ("arrived", "details.arrived", "Check in"),
    ("fulfilled", "details.fulfilled", "Done"),
    ("no-show", "details.no_show", "No-show"),
    ("cancel", "details.cancel", "Cancel"),
    ("move", "details.move", "Move"),
    ("spot", "details.spot", "Spot work"),
    ("series", "details.cancel_series", "Rest of series"),
    ("close", "dialog.close", "Close"),
)


class DetailsScreen(Dialog):
    BINDINGS = [
        Binding("a", "choose('arrived')", "Check in", id="details.arrived"),
        Binding("d", "choose('fulfilled')", "Done", id="details.fulfilled"),
        Binding("o", "choose('no-show')", "No-show", id="details.no_show"),
        Binding("x", "choose('cancel')", "Cancel appt", id="details.cancel"),
        Binding("X", "choose('series')", "Cancel rest of series", id="details.cancel_series"),
        Binding("m", "choose('move')", "Move", id="details.move"),
        Binding("s", "choose('spot')", "Spot", id="details.spot"),
    ]

    def __init__(self, scheduler: Scheduler, appt: Appointment, spots: list[Appointment], names: dict[str, str]):
        super().__init__()
        self.scheduler, self.appt, self.spots, self.names = scheduler, appt, spots, names

    def _offers(self, button: str) -> bool:
        a = self.appt
        if button == "series":
            return a.series_id is not None and a.status == Status.BOOKED
        if button == "spot":
            return a.kind in (Kind.VISIT, Kind.SPOT)
        return True

    def compose(self) -> ComposeResult:
        a, names = self.appt, self.names
        tz = clock.zone(self.scheduler.practice().timezone)
        client = next((c for c in self.scheduler.clients() if c.id == a.client_id), None)
        who = "Provider" if a.kind == Kind.VISIT else "Therapist"
        text = Text()
        text.append(a.kind.capitalize(), style="bold")
        text.append(f" · {STATUS_LETTER[a.status]} {a.status}")
        rows = [
            ("When", f"{clock.describe(a.start, tz)}-{a.end.astimezone(tz):%H:%M} ({a.minutes} min)"),
            ("Client", names.get(a.client_id, "?")
             + (f" · {client.payer} · pressure {client.pressure or '-'}" if client else "")),
            (who, names.get(a.staff_id, "?")),
            ("Room", names.get(a.room_id, "?")),
        ]
        if a.modality:
            rows.append(("Modality", a.modality + (f" · region {a.region}" if a.region else "")))
        if client and client.flags:
            rows.append(("⚠ Flags", "; ".join(FLAGS.get(f, f) for f in client.flags)))
        if client and client.notes:
            rows.append(("Notes", client.notes))
        referral = self.scheduler.referral_note(a) if client and client.needs_referral else ""
        if referral:
            rows.append(("Referral", referral))
        if a.series_id:
            rows.append(("Series", "one of a series (X cancels it and the later ones)"))
        for code, reason in a.overrides.items():
            rows.append(("Override", f"{code}: {reason}"))
        for spot in sorted(self.spots, key=lambda s: s.start):
            rows.append(("Spot work", f"{spot.start.astimezone(tz):%H:%M} {names.get(spot.staff_id, '?')} "
                                      f"{spot.region or spot.modality or ''} ({spot.status})"))
        for label, value in rows:
            text.append(f"\n{label:<10} ", style="bold")
            text.append(value)
        with Vertical(classes="dialog wide"):
            yield Static(text)
            with Grid(id="actions"):
                for button, _binding, label in BUTTONS:
                    if self._offers(button):
                        yield Button(label, id=button, compact=True,
                                     variant="error" if button in ("cancel", "series") else "default")

    def on_mount(self) -> None:
        """Each button shows its key as the keymap has it: "a Check in"."""
        keys = key_displays(self)
        for button, binding, label in BUTTONS:
            if self._offers(button):
                key = keys.get(binding, ["Esc"])[0]
                self.query_one(f"#{button}", Button).label = Content.assemble((key, "bold"), f" {label}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters and parameters[0] in ("series", "spot"):
            return self._offers(str(parameters[0]))
        return True

    def action_choose(self, what: str) -> None:
        self.dismiss(ACTIONS[what])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "close":
            self.dismiss(None)
        else:
            self.dismiss(ACTIONS[event.button.id])

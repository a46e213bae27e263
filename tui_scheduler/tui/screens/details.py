"""One appointment in full, with the actions that can be taken on it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from ...core import clock
from ...core.model import FLAGS, Appointment, Kind
from ...services import Scheduler
from ..widgets.blocks import STATUS_LETTER
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

    def compose(self) -> ComposeResult:
        a, names = self.appt, self.names
        tz = clock.zone(self.scheduler.practice().timezone)
        client = next((c for c in self.scheduler.clients() if c.id == a.client_id), None)
        who = "Provider" if a.kind == Kind.VISIT else "Therapist"
        lines = [
            f"[b]{a.kind.capitalize()}[/b] · {STATUS_LETTER[a.status]} {a.status} · id {a.id}",
            f"When       {clock.describe(a.start, tz)}-{a.end.astimezone(tz):%H:%M} ({a.minutes} min)",
            f"Client     {names.get(a.client_id, a.client_id)}"
            + (f" · {client.payer} · pressure {client.pressure or '-'}" if client else ""),
            f"{who:<10} {names.get(a.staff_id, a.staff_id)}",
            f"Room       {names.get(a.room_id, a.room_id)}",
        ]
        if a.modality:
            lines.append(f"Modality   {a.modality}" + (f" · region {a.region}" if a.region else ""))
        if client and client.flags:
            lines.append("[$warning]⚠ Flags     " + "; ".join(FLAGS.get(f, f) for f in client.flags) + "[/]")
        if client and client.notes:
            lines.append(f"Notes      {client.notes}")
        referral = self.scheduler.referral_note(a) if client and client.needs_referral else ""
        if referral:
            lines.append(f"Referral   {referral}")
        if a.series_id:
            lines.append(f"Series     {a.series_id}")
        for code, reason in a.overrides.items():
            lines.append(f"Override   {code}: {reason}")
        for spot in sorted(self.spots, key=lambda s: s.start):
            lines.append(f"Spot work  {spot.start.astimezone(tz):%H:%M} {names.get(spot.staff_id, '?')} "
                         f"{spot.region or spot.modality or ''} ({spot.status})")
        with Vertical(classes="dialog wide"):
            yield Static("\n".join(lines))
            with Horizontal(classes="buttons"):
                yield Button("Check in [a]", id="arrived", compact=True)
                yield Button("Done [d]", id="fulfilled", compact=True)
                yield Button("No-show [o]", id="no-show", compact=True)
                yield Button("Cancel [x]", id="cancel", compact=True, variant="error")
                yield Button("Move [m]", id="move", compact=True)
                if a.series_id and a.status == "booked":
                    yield Button("Rest of series [X]", id="series", compact=True, variant="error")
                if a.kind in (Kind.VISIT, Kind.SPOT):
                    yield Button("Spot [s]", id="spot", compact=True)
            yield Label("[dim]Esc closes[/dim]")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if parameters == ("series",):
            return self.appt.series_id is not None and self.appt.status == "booked"
        return True

    def action_choose(self, what: str) -> None:
        self.dismiss(ACTIONS[what])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(ACTIONS[event.button.id])

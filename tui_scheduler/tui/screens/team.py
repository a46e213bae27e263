"""Staff and rooms: add and edit, working hours, time off, certifications."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option

from ...core import clock
from ...core.errors import SchedulerError
from ...core.model import MODALITIES, Role, Room, RoomKind, Staff
from ...services import Scheduler
from .clients import field
from .live import Live

NEW_STAFF, NEW_ROOM = "+staff", "+room"


class TeamScreen(Live, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Calendar", id="team.close"),
        Binding("ctrl+s", "save", "Save", id="team.save"),
    ]

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.scheduler = scheduler
        self.tz = clock.zone(scheduler.practice().timezone)
        self.chosen: str = NEW_STAFF  # a staff or room id, or one of the "new" markers

    def compose(self) -> ComposeResult:
        yield Static("[b]Staff & rooms[/b] · Enter opens · ^s saves · Esc back", id="topbar")
        with Horizontal(id="clients"):
            with Vertical(id="client-list"):
                yield OptionList(id="people")
            with VerticalScroll(id="client-form"):
                yield Static(id="heading")
                yield Static(id="message", classes="problems")  # at the top: a refusal is seen at once
                yield field("Name", Input(id="name", compact=True))
                with Vertical(id="staff-form"):
                    yield field("Role", Select([(r.value, r.value) for r in Role], value=Role.THERAPIST.value,
                                               allow_blank=False, id="role", compact=True))
                    yield field("Hours", Input(placeholder="mon-fri 09:00-17:00; sat 09:00-14:00", id="hours",
                                               compact=True))
                    yield Label("Certified in (therapists):")
                    yield SelectionList(*[(m, m) for m in MODALITIES], id="modalities", compact=True)
                    yield Static(id="time-off", classes="info")
                    yield Label("New time off:")
                    yield field("From", Input(placeholder="YYYY-MM-DD HH:MM", id="off-from", compact=True))
                    yield field("To", Input(placeholder="YYYY-MM-DD HH:MM", id="off-to", compact=True))
                    yield field("Reason", Input(id="off-reason", compact=True))
                with Vertical(id="room-form"):
                    yield field("Kind", Select([(k.value, k.value) for k in RoomKind], value=RoomKind.MASSAGE.value,
                                               allow_blank=False, id="kind", compact=True))
                yield Checkbox("In use / works here", value=True, id="active", compact=True)
                with Horizontal(classes="buttons"):
                    yield Button("Save  ^s", id="save", variant="primary", compact=True)
                    yield Button("Add time off", id="add-time-off", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.open(NEW_STAFF)
        self.query_one("#people", OptionList).focus()

    def on_data_changed(self, changed: bool) -> None:
        if changed:
            self.reload()

    def reload(self) -> None:
        self.staff = {s.id: s for s in self.scheduler.staff()}
        self.rooms = {r.id: r for r in self.scheduler.rooms()}
        options = [Option(f"{s.name} · {s.role}" + ("" if s.active else " (left)"), id=s.id)
                   for s in self.staff.values()]
        options += [Option(f"{r.name} · {r.kind} room" + ("" if r.active else " (not in use)"), id=r.id)
                    for r in self.rooms.values()]
        options += [Option("+ new staff member", id=NEW_STAFF), Option("+ new room", id=NEW_ROOM)]
        self.query_one("#people", OptionList).set_options(options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.open(event.option.id)
        self.query_one("#name", Input).focus()

    def open(self, ident: str) -> None:
        self.chosen = ident
        person: Staff | None = self.staff.get(ident)
        room: Room | None = self.rooms.get(ident)
        is_room = room is not None or ident == NEW_ROOM
        self.query_one("#staff-form").display = not is_room
        self.query_one("#room-form").display = is_room
        self.query_one("#add-time-off").display = person is not None
        heading = (person.name if person else room.name if room else
                   "New room" if is_room else "New staff member")
        self.query_one("#heading", Static).update(f"[b]{heading}[/b]")
        name = self.query_one("#name", Input)
        name.value = person.name if person else room.name if room else ""
        name.disabled = person is not None  # staff keep their name; the service has no rename for them
        self.query_one("#active", Checkbox).value = (person or room).active if (person or room) else True
        self.query_one("#role", Select).value = person.role.value if person else Role.THERAPIST.value
        self.query_one("#role", Select).disabled = person is not None
        self.query_one("#hours", Input).value = person.hours.describe() if person else ""
        mods = self.query_one("#modalities", SelectionList)
        mods.deselect_all()
        for m in person.modalities if person else ():
            mods.select(m)
        self.query_one("#kind", Select).value = room.kind.value if room else RoomKind.MASSAGE.value
        off = [f"Off {clock.describe(t.start, self.tz)} to {clock.describe(t.end, self.tz)}"
               + (f": {t.reason}" if t.reason else "") for t in (person.time_off if person else ())]
        self.query_one("#time-off", Static).update("\n".join(off) or ("No time off." if person else ""))
        self.query_one("#message", Static).update("")

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    def action_save(self) -> None:
        sched, ident = self.scheduler, self.chosen
        name = self.query_one("#name", Input).value
        active = self.query_one("#active", Checkbox).value
        hours_text = self.query_one("#hours", Input).value
        hours = [h.strip() for h in hours_text.split(";") if h.strip() and h.strip() != "no hours"]
        modalities = list(self.query_one("#modalities", SelectionList).selected)
        kind = str(self.query_one("#kind", Select).value)
        try:
            if ident == NEW_STAFF:
                saved = sched.add_staff(name, str(self.query_one("#role", Select).value), modalities, hours)
            elif ident == NEW_ROOM:
                saved = sched.add_room(name, kind)
            elif ident in self.rooms:
                saved = sched.update_room(ident, name=name, kind=kind, active=active)
            else:
                person = self.staff[ident]
                saved = sched.update_staff(ident, modalities=modalities if person.is_therapist else None,
                                           hours=hours, active=active)
        except SchedulerError as exc:
            self._say(f"[$error]✖ {exc.reason}[/] (nothing saved; your typing is kept)")
            return
        self.reload()
        self.open(saved.id)
        self._say(f"[$success]✔ saved {saved.name}[/]")

    def add_time_off(self) -> None:
        try:
            self.scheduler.add_time_off(self.chosen, self.query_one("#off-from", Input).value,
                                        self.query_one("#off-to", Input).value,
                                        self.query_one("#off-reason", Input).value)
        except SchedulerError as exc:
            self._say(f"[$error]✖ {exc.reason}[/]")
            return
        for name in ("off-from", "off-to", "off-reason"):
            self.query_one(f"#{name}", Input).value = ""
        self.reload()
        self.open(self.chosen)
        self._say("[$success]✔ time off added[/]")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id.startswith("off-"):
            self.add_time_off()
        else:
            self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"save": self.action_save, "add-time-off": self.add_time_off}[event.button.id]()

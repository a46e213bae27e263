"""Staff and rooms: add and edit, working hours, certifications, NPI and licence; a staff member's time
off (^o) and the practice's closures (^l) in dialogs of their own (screens/away.py)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...core import clock
from ...core.errors import SchedulerError
from ...core.model import Role, Room, RoomKind, Staff
from ...services import Scheduler
from ..widgets.keyline import Hint, KeyLine
from . import SCREENS_CSS
from .away import ClosuresScreen, TimeOffScreen, span
from .fields import ButtonBar, Checks, Choice, TextField
from .live import Live
from .prompts import plain, refusal

NEW_STAFF, NEW_ROOM = "+staff", "+room"
# roles and room kinds in the list, short enough for its 26 columns
SHORT = {Role.THERAPIST: "massage", Role.CHIROPRACTOR: "chiro", Role.PHYSICAL_THERAPIST: "PT",
         RoomKind.MASSAGE: "massage", RoomKind.CHIROPRACTIC: "chiro", RoomKind.PHYSICAL_THERAPY: "PT"}
ACTIVE = "active"


class TeamScreen(Live, Screen):
    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Calendar", id="team.close"),
        Binding("ctrl+s", "save", "Save", id="team.save"),
        Binding("ctrl+o", "time_off", "Time off", id="team.time_off",
                tooltip="The open staff member's time off: list, add (asks when it strands bookings), remove"),
        Binding("ctrl+l", "closures", "Closures", id="team.closures",
                tooltip="The practice's closed days: list, add (asks when they strand bookings), remove"),
    ]
    # this screen's keys in help: (heading, [(binding ids, what it does)]), two columns
    KEYS_HELP = (
        [("Staff & rooms", [
            (("team.close",), "back to the calendar"),
            (("team.save",), "save the one open"),
            (("team.time_off",), "time off of the one open"),
            (("team.closures",), "the practice's closures"),
        ])],
        [("Anywhere", [(("app.keys",), "this help (Esc closes it)")])],
    )

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.scheduler = scheduler
        self.tz = clock.zone(scheduler.practice().timezone)
        self.chosen: str = NEW_STAFF  # a staff or room id, or one of the "new" markers
        self.opened = False
        self.staff: dict[str, Staff] = {}
        self.rooms: dict[str, Room] = {}

    def compose(self) -> ComposeResult:
        yield Static("[b]Staff & rooms[/b] · Enter opens the one highlighted, ^s saves it", id="topbar")
        with Horizontal(id="clients"):
            with Vertical(id="client-list"):
                yield OptionList(id="people")
            with Vertical(id="client-pane"):
                with VerticalScroll(id="client-form"):
                    yield Static("[b]New staff member[/b]", id="heading")
                    yield TextField("Name", id="name")
                    # the fields for staff only, then those for rooms only: one set is shown
                    yield Choice("Role", [(r.value, r.value) for r in Role], Role.THERAPIST.value, id="role",
                                 classes="staff")
                    yield TextField("Hours", placeholder="mon-fri 09:00-17:00; sat 09:00-14:00", id="hours",
                                    classes="staff")
                    yield TextField("NPI", placeholder="10 digits (for a superbill)", id="npi", classes="staff")
                    yield TextField("Licence", placeholder="e.g. LMT 12345", id="license", classes="staff")
                    yield Checks([(m, m) for m in self.scheduler.modalities()], id="modalities",
                                 title="Certified in (therapists):", classes="staff")
                    yield Static(id="time-off", classes="info staff")
                    kind = Choice("Kind", [(k.value, k.value) for k in RoomKind], RoomKind.MASSAGE.value, id="kind")
                    kind.display = False  # the form opens on a new staff member
                    yield kind
                    yield Checks([("In use / works here", ACTIVE)], [ACTIVE], id="active")
                # below the scrolling form, so that a save or a refusal is seen wherever the form is scrolled
                yield Static(id="message", classes="problems")
                yield ButtonBar(("Save ^s", "save"))
        yield KeyLine()

    def on_mount(self) -> None:
        self.reload()
        people = self.query_one("#people", OptionList)
        people.focus()
        # the form shows whom the list highlights when the screen opens (Enter opens another), unless
        # someone was opened already
        if not self.opened:
            self.open(people.get_option_at_index(people.highlighted or 1).id or NEW_STAFF)
        self.query_one(KeyLine).show((Hint(("team.save",), "Save"), Hint(("team.time_off",), "Time off"),
                                      Hint(("team.closures",), "Closures")), (Hint(("team.close",), "Calendar"),))

    def on_data_changed(self, changed: bool) -> None:
        if changed:
            self.reload()

    def reload(self) -> None:
        self.staff = {s.id: s for s in self.scheduler.staff()}
        self.rooms = {r.id: r for r in self.scheduler.rooms()}
        options = [Option("[b]Staff[/b]", disabled=True)]
        options += [Option(Text(f"{s.name} ({SHORT[s.role]})" + ("" if s.active else " left")), id=s.id)
                    for s in self.staff.values()]
        options += [Option("+ new staff member", id=NEW_STAFF), Option("[b]Rooms[/b]", disabled=True)]
        options += [Option(Text(f"{r.name} ({SHORT[r.kind]})" + ("" if r.active else " not in use")), id=r.id)
                    for r in self.rooms.values()]
        options.append(Option("+ new room", id=NEW_ROOM))
        people = self.query_one("#people", OptionList)
        kept = people.highlighted
        people.set_options(options)
        # the same line as before a refresh, else the first person (the first line is a heading)
        people.highlighted = kept if kept is not None and kept < len(options) else 1

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.open(event.option.id)
        self.query_one("#name", Input).focus()

    def open(self, ident: str) -> None:
        self.chosen, self.opened = ident, True
        person: Staff | None = self.staff.get(ident)
        room: Room | None = self.rooms.get(ident)
        is_room = room is not None or ident == NEW_ROOM
        for widget in self.query(".staff"):
            widget.display = not is_room
        self.query_one("#kind").display = is_room
        self.query_one(ButtonBar).set_buttons(("Save ^s", "save"),
                                              *([("Time off ^o", "time-off")] if person is not None else []),
                                              ("Closures ^l", "closures"))
        heading = (person.name if person else room.name if room else
                   "New room" if is_room else "New staff member")
        self.query_one("#heading", Static).update(f"[b]{heading}[/b]")
        name = self.query_one("#name", Input)
        name.value = person.name if person else room.name if room else ""
        name.disabled = person is not None  # staff keep their name; the service has no rename for them
        active = self.query_one("#active", Checks)
        active.deselect_all()
        if (person or room).active if (person or room) else True:
            active.select(ACTIVE)
        self.query_one("#role", Choice).value = person.role.value if person else Role.THERAPIST.value
        self.query_one("#role", Choice).disabled = person is not None
        self.query_one("#hours", Input).value = person.hours.compact() if person else ""
        mods = self.query_one("#modalities", Checks)
        mods.display = not is_room and (person is None or person.is_therapist)  # a new person may be one
        mods.deselect_all()
        for m in person.modalities if person else ():
            mods.select(m)
        self.query_one("#kind", Choice).value = room.kind.value if room else RoomKind.MASSAGE.value
        self.query_one("#npi", Input).value = person.npi if person else ""
        self.query_one("#license", Input).value = person.license if person else ""
        now = self.scheduler.now()
        ahead = [t for t in (person.time_off if person else ()) if t.end > now]
        off = [f"Off {span(t.start.astimezone(self.tz), t.end.astimezone(self.tz))}"
               + (f": {plain(t.reason)}" if t.reason else "") + (" (their own calendar)" if t.source else "")
               for t in sorted(ahead, key=lambda t: t.start)]
        self.query_one("#time-off", Static).update(
            "\n".join(off + ["[dim]^o lists, adds and removes time off[/dim]"]) if person else "")
        self.query_one("#message", Static).update("")

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    def action_save(self) -> None:
        sched, ident = self.scheduler, self.chosen
        name = self.query_one("#name", Input).value
        active = ACTIVE in self.query_one("#active", Checks).selected
        hours_text = self.query_one("#hours", Input).value
        hours = [h.strip() for h in hours_text.split(";") if h.strip() and h.strip() != "no hours"]
        modalities = list(self.query_one("#modalities", Checks).selected)
        kind = str(self.query_one("#kind", Choice).value)
        try:
            npi, license = self.query_one("#npi", Input).value, self.query_one("#license", Input).value
            if ident == NEW_STAFF:
                saved = sched.add_staff(name, str(self.query_one("#role", Choice).value), modalities, hours,
                                        npi=npi, license=license)
            elif ident == NEW_ROOM:
                saved = sched.add_room(name, kind)
            elif ident in self.rooms:
                saved = sched.update_room(ident, name=name, kind=kind, active=active)
            else:
                person = self.staff[ident]
                saved = sched.update_staff(ident, modalities=modalities if person.is_therapist else None,
                                           hours=hours, active=active, npi=npi, license=license)
        except SchedulerError as exc:
            what = self.staff.get(ident) or self.rooms.get(ident)
            self._say(refusal(what.name if what else "", exc.reason))
            return
        self.reload()
        self.open(saved.id)
        self._say(f"[$success]✔ saved {saved.name}[/]")

    def action_time_off(self) -> None:
        person = self.staff.get(self.chosen)
        if person is None:
            self._say("[$error]✖ time off is a staff member's: open one from the list first[/]")
            return
        self.app.push_screen(TimeOffScreen(self.scheduler, person), lambda _: self._refresh())

    def action_closures(self) -> None:
        self.app.push_screen(ClosuresScreen(self.scheduler), lambda _: self._refresh())

    def _refresh(self) -> None:
        """Back from a dialog: what changed there, on the form that was open."""
        self.reload()
        if self.chosen in self.staff or self.chosen in self.rooms:
            self.open(self.chosen)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        {"save": self.action_save, "time-off": self.action_time_off, "closures": self.action_closures}[event.name]()

"""Booking forms: a session or a visit from the cursor's slot, and spot work inside a visit.

The forms only ask: every verdict (conflicts, soft warnings, who is free) comes from the service, and a
refused booking leaves everything typed in place.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...core import clock
from ...core.errors import NeedsOverride, Refused, SchedulerError
from ...core.model import FLAGS, MODALITIES, Appointment, Client, RoomKind
from ...services import Scheduler
from .prompts import Dialog, problem_lines
from .slots import FreeSlotsScreen

SESSION_MINUTES = (30, 45, 60, 75, 90, 120)
VISIT_MINUTES = (15, 30, 45, 60, 90)
SHOWN_CLIENTS = 30
SHOWN_SLOTS = 8


def client_info(scheduler: Scheduler, client: Client, start: str | None = None) -> str:
    """What the desk must see before confirming: contraindication flags, payer, referral standing, and
    (given a session's start) which authorized visit this booking would be."""
    parts = [f"[b]{client.name}[/b] · {client.payer}" + (f" · {client.pressure} pressure" if client.pressure else "")]
    if client.flags:
        parts.append("[$warning]⚠ " + "; ".join(FLAGS.get(f, f) for f in client.flags) + "[/]")
    if client.needs_referral:
        try:
            note = scheduler.referral_note_for(client.id, start) if start else ""
        except SchedulerError:  # a start still being typed
            note = ""
        if note:
            parts.append(f"this booking: {note}")
        standings = [r for r in scheduler.referral_standings(client=client.id) if r["state"] != "expired"]
        if standings:
            parts += [f"referral: {r['left']} of {r['visits']} visits left, expires {r['expires']}"
                      + (f" ({r['prescriber']})" if r["prescriber"] else "") for r in standings]
        else:
            parts.append("[$warning]⚠ no valid referral[/]")
    return "\n".join(parts)


class BookingScreen(Dialog):
    """A new session (massage) or visit (chiropractic / PT) at a slot."""

    BINDINGS = [
        Binding("ctrl+s", "book", "Book", id="booking.confirm"),
        Binding("ctrl+f", "find_free", "Next free", id="booking.find_free",
                tooltip="The next free times for this client, modality and length"),
        Binding("ctrl+r", "series", "Series", id="booking.series", tooltip="Plan a series from this form"),
    ]

    def __init__(self, scheduler: Scheduler, kind: str, start: datetime, room: str | None = None,
                 person: str | None = None):
        super().__init__()
        self.scheduler, self.kind = scheduler, kind
        self.tz = clock.zone(scheduler.practice().timezone)
        self.start_text = f"{start.astimezone(self.tz):%Y-%m-%d %H:%M}"
        self.clients = scheduler.clients()
        self.client: Client | None = None
        wanted = {RoomKind.MASSAGE} if kind == "session" else {RoomKind.CHIROPRACTIC, RoomKind.PHYSICAL_THERAPY}
        self.rooms = [r for r in scheduler.rooms() if r.active and r.kind in wanted]
        self.room = room if any(r.id == room for r in self.rooms) else (self.rooms[0].id if self.rooms else None)
        self.person = person
        # a search for free times keeps the therapist or room only where someone chose it, not a default
        self.pinned = {"staff"} if person else set()
        staff = {s.id: s for s in scheduler.staff()}
        first = staff[person].modalities[0] if person in staff and staff[person].modalities else "swedish"
        self.modality = first
        self.minutes = 60 if kind == "session" else 30
        self._staff_key: tuple = ()

    def compose(self) -> ComposeResult:
        session = self.kind == "session"
        with VerticalScroll(classes="dialog wide"):
            yield Label(f"[b]New {'session' if session else 'visit (chiropractic / PT)'}[/b]", id="title")
            with Horizontal(classes="field"):
                yield Label("Client")
                yield Input(placeholder="type to search", id="client", compact=True)
            yield OptionList(id="matches")
            with Horizontal(classes="field"):
                yield Label("Start")
                yield Input(self.start_text, id="start", compact=True)
            if session:
                with Horizontal(classes="field"):
                    yield Label("Modality")
                    yield Select([(m, m) for m in MODALITIES], value=self.modality, id="modality",
                                 allow_blank=False, compact=True)
            with Horizontal(classes="field"):
                yield Label("Minutes")
                yield Select([(str(m), m) for m in (SESSION_MINUTES if session else VISIT_MINUTES)],
                             value=self.minutes, id="minutes", allow_blank=False, compact=True)
            with Horizontal(classes="field"):
                yield Label("Therapist" if session else "Provider")
                yield Select([], id="staff", prompt="nobody fits", compact=True)
            with Horizontal(classes="field"):
                yield Label("Room")
                yield Select([(r.name, r.id) for r in self.rooms], value=self.room or Select.NULL, id="room",
                             prompt="no room", compact=True)
            yield Static(id="client-info", classes="info")
            yield Static(id="problems", classes="problems")
            with Horizontal(classes="field"):
                yield Label("Override")
                yield Input(placeholder="reason, only for ⚠ warnings", id="override", compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Book  ^s", id="book", variant="primary", compact=True)
                if session:
                    yield Button("Next free  ^f", id="find-free", compact=True)
                    yield Button("Series  ^r", id="series", compact=True)
                yield Button("Close  esc", id="close", compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("find_free", "series"):
            return self.kind == "session"
        return True

    def on_mount(self) -> None:
        self._show_matches("")
        self.query_one("#client", Input).focus()
        self.recheck()

    # --- the client --------------------------------------------------------------------------------

    def _show_matches(self, text: str) -> None:
        folded = text.casefold().strip()
        found = [c for c in self.clients if folded in c.name.casefold() or (folded and folded in c.phone)]
        matches = self.query_one("#matches", OptionList)
        matches.set_options(Option(f"{c.name}" + (" ⚠" if c.flags else "") + f"  [dim]{c.payer}[/dim]", id=c.id)
                            for c in found[:SHOWN_CLIENTS])
        if found:
            matches.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "client":
            if self.client is None or event.value != self.client.name:
                self.client = None
                self._show_matches(event.value)
                self.recheck()
        elif event.input.id == "start":
            self.recheck()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "client":
            matches = self.query_one("#matches", OptionList)
            if matches.option_count:
                self._choose(matches.get_option_at_index(matches.highlighted or 0).id)
                self.query_one("#start", Input).focus()
        elif event.input.id == "override":
            self.action_book()

    def on_key(self, event) -> None:
        # down from the search box goes through the matches without leaving the keyboard's home row
        if event.key == "down" and self.focused is self.query_one("#client", Input):
            self.query_one("#matches", OptionList).focus()
            event.stop()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)
        self.query_one("#start", Input).focus()

    def _choose(self, client_id: str | None) -> None:
        self.client = next((c for c in self.clients if c.id == client_id), None)
        if self.client is not None:
            with self.prevent(Input.Changed):
                self.query_one("#client", Input).value = self.client.name
            self.query_one("#matches", OptionList).set_options(
                [Option(f"✔ {self.client.name}", id=self.client.id)])
        self.recheck()

    # --- live checks -------------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else event.value
        if event.select.id == "modality":
            self.modality = value
        elif event.select.id == "minutes":
            self.minutes = value
        elif event.select.id == "room":
            if value != self.room:  # not the echo of the value the form opened with
                self.pinned.add("room")
            self.room = value
        elif event.select.id == "staff":
            if value != self.person:
                self.pinned.add("staff")
            self.person = value
        self.recheck(staff_too=event.select.id != "staff")

    def _request(self) -> dict:
        request = dict(client=self.client.id if self.client else None, room=self.room,
                       start=self.query_one("#start", Input).value, minutes=self.minutes)
        if self.kind == "session":
            request.update(therapist=self.person, modality=self.modality)
        else:
            request.update(provider=self.person)
        return request

    def recheck(self, staff_too: bool = True) -> None:
        """Re-ask the service who fits and what stands in the way, after any change in the form."""
        info = self.query_one("#client-info", Static)
        start = self.query_one("#start", Input).value if self.kind == "session" else None
        info.update(client_info(self.scheduler, self.client, start) if self.client
                    else "[dim]no client chosen yet[/dim]")
        problems = self.query_one("#problems", Static)
        try:
            if staff_too:
                self._offer_staff()
            request = self._request()
            if not all(request.values()):
                problems.update("")
                return
            check = self.scheduler.problems_for_session if self.kind == "session" else self.scheduler.problems_for_visit
            found = check(**request)
        except SchedulerError as exc:
            problems.update(f"[$error]✖ {exc.reason}[/]")
            return
        problems.update(problem_lines(found) if found else "[$success]✔ free: nothing stands in the way[/]")

    def _offer_staff(self) -> None:
        start = self.query_one("#start", Input).value
        if not self.room:
            return
        verdicts = self.scheduler.staff_for_slot(start, self.minutes, self.room, kind=self.kind,
                                                 modality=self.modality,
                                                 client=self.client.id if self.client else None)
        options = []
        for person, found in verdicts:
            hard = [p for p in found if not p.soft]
            state = "busy" if hard else ("⚠ " + found[0].code if found else "free")
            options.append((f"{person.name} · {state}", person.id))
        key = tuple(options)
        if key == self._staff_key:
            return
        self._staff_key = key
        ids = [ident for _, ident in options]
        if self.person not in ids:
            self.person = ids[0] if ids else None
        select = self.query_one("#staff", Select)
        with self.prevent(Select.Changed):
            select.set_options(options)
            select.value = self.person if self.person else Select.NULL

    # --- booking -----------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"book": self.action_book, "find-free": self.action_find_free, "series": self.action_series}
        actions.get(event.button.id, self.action_close)()

    # --- next free time and series -----------------------------------------------------------------

    def action_find_free(self) -> None:
        """Ask the service for the next free times from the form's day; the chosen one fills the form."""
        problems = self.query_one("#problems", Static)
        typed = self.query_one("#start", Input).value.split()
        try:
            day = clock.parse_date(typed[0]) if typed else None
        except SchedulerError:
            day = None  # an unreadable start: search from today
        staff_id = self.person if "staff" in self.pinned else None
        room_id = self.room if "room" in self.pinned else None
        try:
            slots = self.scheduler.find_slots(self.minutes, modality=self.modality, therapist=staff_id,
                                              room=room_id, client=self.client.id if self.client else None,
                                              start_day=day, count=SHOWN_SLOTS)
        except SchedulerError as exc:
            problems.update(f"[$error]✖ {exc.reason}[/]")
            return
        rows = self.scheduler.describe_slots(slots)
        if not slots:
            problems.update("[$error]✖ nothing free in the next three months for this request[/]")
            return
        names = {r["therapist_id"]: r["therapist"] for r in rows} | {r["room_id"]: r["room"] for r in rows}
        title = " · ".join(part for part in (
            f"{self.minutes} min {self.modality}", self.client.name if self.client else "",
            names.get(staff_id, ""), names.get(room_id, "")) if part)
        self.app.push_screen(FreeSlotsScreen(title, slots, rows, self.tz), self._fill)

    def _fill(self, slot) -> None:
        if slot is None:
            return
        self.room, self.person = slot.room_id, slot.staff_id
        with self.prevent(Input.Changed, Select.Changed):
            self.query_one("#start", Input).value = f"{slot.start.astimezone(self.tz):%Y-%m-%d %H:%M}"
            self.query_one("#room", Select).value = slot.room_id
        self.recheck()
        with self.prevent(Select.Changed):  # the offer may be unchanged, and then leaves the old choice shown
            self.query_one("#staff", Select).value = slot.staff_id
        self.query_one("#book", Button).focus()

    def action_series(self) -> None:
        """Take this form's answers to the series planner (the calendar opens it once this form is closed)."""
        prefill = dict(client=self.client.id if self.client else None, therapist=self.person, room=self.room,
                       modality=self.modality, minutes=self.minutes, start=self.query_one("#start", Input).value)
        self.dismiss(None)
        self.app.calendar.open_series(**prefill)

    # --- booking -----------------------------------------------------------------------------------

    def action_book(self) -> None:
        problems = self.query_one("#problems", Static)
        request = self._request()
        if not request["client"]:
            problems.update("[$error]✖ choose a client first[/]")
            self.query_one("#client", Input).focus()
            return
        reason = self.query_one("#override", Input).value.strip() or None
        book = self.scheduler.book_session if self.kind == "session" else self.scheduler.book_visit
        try:
            appt = book(**request, override=reason)
        except NeedsOverride as exc:
            problems.update(problem_lines(exc.problems) + "\n[b]Give a reason in Override to book anyway.[/b]")
            self.query_one("#override", Input).focus()
            return
        except Refused as exc:
            problems.update(problem_lines(exc.problems) + "\n[b]Refused: nothing was booked.[/b]")
            return
        except SchedulerError as exc:
            problems.update(f"[$error]✖ {exc.reason}[/]")
            return
        self.dismiss(appt)


class SpotScreen(Dialog):
    """Spot work inside a visit: pick one of the free 15-minute positions and its therapist."""

    BINDINGS = [Binding("ctrl+s", "book", "Book", id="spot.confirm")]

    def __init__(self, scheduler: Scheduler, visit: Appointment, openings: list, names: dict[str, str]):
        super().__init__()
        self.scheduler, self.visit, self.openings, self.names = scheduler, visit, openings, names
        self.tz = clock.zone(scheduler.practice().timezone)

    def compose(self) -> ComposeResult:
        v, tz = self.visit, self.tz
        with VerticalScroll(classes="dialog wide"):
            yield Label(f"[b]Spot work[/b] in {self.names.get(v.client_id, '?')}'s visit, "
                        f"{v.start.astimezone(tz):%a %H:%M}-{v.end.astimezone(tz):%H:%M}, "
                        f"{self.names.get(v.room_id, '?')}")
            options = []
            for i, (start, person, problems) in enumerate(self.openings):
                warn = "  ⚠ " + ", ".join(p.code for p in problems) if problems else ""
                options.append(Option(f"{start.astimezone(tz):%H:%M}  {person.name}{warn}", id=str(i)))
            yield OptionList(*options, id="openings")
            with Horizontal(classes="field"):
                yield Label("Region")
                yield Input(placeholder="neck, low back... (billing)", id="region", compact=True)
            with Horizontal(classes="field"):
                yield Label("Override")
                yield Input(placeholder="reason, only for ⚠ warnings", id="override", compact=True)
            yield Static(id="problems", classes="problems")
            with Horizontal(classes="buttons"):
                yield Button("Book  ^s", id="book", variant="primary", compact=True)
                yield Button("Close  esc", id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#openings", OptionList).focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        _, _, problems = self.openings[int(event.option.id)]
        self.query_one("#problems", Static).update(problem_lines(problems))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_book()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_book()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "book":
            self.action_book()
        else:
            self.dismiss(None)

    def action_book(self) -> None:
        chosen = self.query_one("#openings", OptionList).highlighted
        if chosen is None:
            return
        start, person, _ = self.openings[chosen]
        problems = self.query_one("#problems", Static)
        try:
            appt = self.scheduler.book_spot(self.visit.id, person.id, start,
                                            region=self.query_one("#region", Input).value,
                                            override=self.query_one("#override", Input).value.strip() or None)
        except NeedsOverride as exc:
            problems.update(problem_lines(exc.problems) + "\n[b]Give a reason in Override to book anyway.[/b]")
            self.query_one("#override", Input).focus()
            return
        except SchedulerError as exc:
            problems.update(f"[$error]✖ {exc.reason}[/]")
            return
        self.dismiss(appt)

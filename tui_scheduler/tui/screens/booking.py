"""Booking forms: a session or a visit from the cursor's slot, and spot work inside a visit.

The forms only ask: every verdict (conflicts, soft warnings, who is free) comes from the service, read in
a worker so that the form is on screen at once and typing never waits for it; a refused booking leaves
everything typed in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...core import clock
from ...core.errors import NeedsOverride, Refused, SchedulerError
from ...core.model import Appointment, Client, RoomKind, Staff
from ...core.rules import Problem
from ...services import Scheduler
from .fields import ButtonBar, Choice, TextField
from .prompts import Dialog, plain, problem_lines
from .reading import read_then
from .slots import FreeSlotsScreen

SESSION_MINUTES = (30, 45, 60, 75, 90, 120)
VISIT_MINUTES = (15, 30, 45, 60, 90)
SHOWN_CLIENTS = 30
SHOWN_SLOTS = 8

# What keeps a person from a slot, in the desk's words, from the rules' problem codes: first what is
# about the person, then about the room and the client.
STANDS_IN_THE_WAY = (
    ("practice closed", {"closed"}),
    ("off", {"hours", "time-off"}),
    ("busy", {"staff-busy"}),
    ("not certified", {"certification", "role", "modality"}),
    ("room taken", {"room-busy"}),
    ("client booked", {"client-busy"}),
)


# and what a client brings to any booking, whoever takes it
CLIENT_WORDS = (("flagged", {"flags"}), ("referral", {"referral"}))


def in_the_way(problems: list[Problem], clinical: bool = False) -> list[str]:
    """The problems in the desk's words: 'off', 'busy', 'room taken'... ('flagged', 'referral' too when
    `clinical`); 'see below' when the time or the room itself is refused, for anyone."""
    codes = {p.code for p in problems}
    words = [word for word, wanted in STANDS_IN_THE_WAY + (CLIENT_WORDS if clinical else ()) if codes & wanted]
    if not words and any(not p.soft for p in problems):
        words = ["see below"]
    return words


def availability(problems: list[Problem]) -> str:
    """'✔ free', '⚠ off' (a reason books it anyway), '✖ busy, room taken' (it cannot be booked).
    A client's flags or referral are the same whoever takes the session: they do not make anyone less free."""
    words = in_the_way(problems)
    if not words:
        return "✔ free"
    return ("✖ " if any(not p.soft for p in problems) else "⚠ ") + ", ".join(words)


def client_info(scheduler: Scheduler, client: Client, start: str | None = None, attendance: str = "",
                visit: bool = False) -> str:
    """What the desk must see before confirming: contraindication flags (with the clearance on file that
    covers each on the day), missed appointments, payer, referral standing, and (given a session's start)
    which authorized visit this booking would be. `attendance`: the client's missed appointments, as
    `attendance_line` says them. A chiropractic or PT `visit` uses no massage referral: its standing is
    shown as such, never as a warning."""
    parts = [f"[b]{plain(client.name)}[/b] · {client.payer}" + (f" · {client.pressure} pressure" if client.pressure else "")]
    if client.flags:
        try:
            flags = scheduler.flag_clearances(client.id, start or scheduler.now())
        except SchedulerError:  # a start still being typed: as today
            flags = scheduler.flag_clearances(client.id, scheduler.now())
        parts += [f"✔ {plain(f['label'])}: {plain(f['cleared'])}" if f["cleared"] else f"[$warning]⚠ {plain(f['label'])}[/]"
                  for f in flags]
    if attendance:
        parts.append(attendance)
    if client.needs_referral:
        try:
            note = scheduler.referral_note_for(client.id, start) if start else ""
        except SchedulerError:  # a start still being typed
            note = ""
        if note:
            parts.append(f"this booking: {plain(note)}")
        standings = [r for r in scheduler.referral_standings(client=client.id) if r["state"] != "expired"]
        label = "massage referral (a visit uses none)" if visit else "referral"
        if standings:
            parts += [f"{label}: {r['left']} of {r['visits']} visits left, expires {r['expires']}"
                      + (f" ({r['prescriber']})" if r["prescriber"] else "") for r in standings]
        elif not visit:
            parts.append("[$warning]⚠ no valid referral[/]")
    return "\n".join(parts)


def attendance_line(scheduler: Scheduler, client: Client) -> str:
    """'⚠ 2 no-shows, 1 late cancel in 12 months' (a year of appointments read: once per chosen client)."""
    attendance = scheduler.client_attendance(client.id)
    return f"[$warning]⚠ {attendance.text}[/]" if attendance.missed else attendance.text


def verdict_lines(problems: list[Problem]) -> str:
    if not problems:
        return "[$success]✔ free: nothing stands in the way[/]"
    hint = "" if any(not p.soft for p in problems) else "\n[i]A reason in Override books it anyway.[/i]"
    return problem_lines(problems) + hint


@dataclass
class Verdict:
    """The service's answer to one state of the form."""

    asked: int  # which state of the form it answers
    info: str = "[dim]no client chosen yet[/dim]"
    offer: list[tuple[str, str]] | None = None  # (person · availability, id), when the people were asked
    person: str | None = None
    problems: list[Problem] | None = None  # None: the form is not complete yet
    error: str = ""


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
        self.clients: list[Client] = []  # read in a worker once the form is on screen
        self.therapists: list[Staff] = []
        self.client: Client | None = None
        self.room = room
        self.person = person
        # a search for free times keeps the therapist or room only where someone chose it, not a default
        self.pinned = {"staff"} if person else set()
        self.modality = "swedish"
        self.minutes = 60 if kind == "session" else 30
        self._asked = 0  # the form's state the last verdict was asked for
        self._attendance: dict[str, str] = {}  # client id -> attendance_line, read once per client

    def compose(self) -> ComposeResult:
        session = self.kind == "session"
        # rooms and staff are small files, read at once so that the first frame is the whole form
        wanted = {RoomKind.MASSAGE} if session else {RoomKind.CHIROPRACTIC, RoomKind.PHYSICAL_THERAPY}
        rooms = [r for r in self.scheduler.rooms() if r.active and r.kind in wanted]
        if not any(r.id == self.room for r in rooms):
            self.room = rooms[0].id if rooms else None
        self.therapists = [s for s in self.scheduler.staff() if s.active and s.is_therapist]
        modalities = self.scheduler.modalities() if session else ()  # the practice's own list
        if session and self.person:
            chosen = next((s for s in self.therapists if s.id == self.person), None)
            if chosen is not None and chosen.modalities:
                self.modality = chosen.modalities[0]
        with Vertical(classes="dialog wide form"):
            yield Label(f"[b]New {'session' if session else 'visit (chiropractic / PT)'}[/b]", id="title")
            with VerticalScroll(classes="form-body"):
                yield TextField("Client", placeholder="type to search", id="client")
                yield OptionList(id="matches")
                yield TextField("Start", self.start_text, id="start")
                if session:
                    yield Choice("Modality", [(m, m) for m in modalities], self.modality, id="modality")
                yield Choice("Minutes", [(str(m), m) for m in (SESSION_MINUTES if session else VISIT_MINUTES)],
                             self.minutes, id="minutes")
                yield Choice("Therapist" if session else "Provider", [], prompt="…", id="staff")
                yield Choice("Room", [(r.name, r.id) for r in rooms], self.room, prompt="no room", id="room")
                yield Static("[dim]no client chosen yet[/dim]", id="client-info", classes="info")
                yield Static(id="problems", classes="problems")
                yield TextField("Override", placeholder="reason, only for ⚠ warnings", id="override")
            yield ButtonBar(("Book ^s", "book"), *((("Next free ^f", "find-free"), ("Series ^r", "series"))
                                                   if session else ()), ("Close esc", "close"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("find_free", "series"):
            return self.kind == "session"
        return True

    def on_mount(self) -> None:
        self.query_one("#client", Input).focus()
        read_then(self, self.scheduler.clients, self._clients_read)
        self.recheck()

    @property
    def shown(self) -> bool:
        """False once the form is closed (a worker may answer just then)."""
        return self in self.app.screen_stack

    # --- the client --------------------------------------------------------------------------------

    def _clients_read(self, clients: list[Client]) -> None:
        self.clients = clients
        if self.client is None:
            self._show_matches(self.query_one("#client", Input).value)

    def _show_matches(self, text: str) -> None:
        folded = text.casefold().strip()
        found = [c for c in self.clients if folded in c.name.casefold() or (folded and folded in c.phone)]
        matches = self.query_one("#matches", OptionList)
        matches.set_options(Option(Text.assemble(c.name, " ⚠" if c.flags else "", (f"  {c.payer}", "dim")),
                                   id=c.id) for c in found[:SHOWN_CLIENTS])
        matches.display = bool(found)
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
        if event.option_list.id == "matches":
            self._choose(event.option.id)
            self.query_one("#start", Input).focus()

    def _choose(self, client_id: str | None) -> None:
        self.client = next((c for c in self.clients if c.id == client_id), None)
        if self.client is not None:
            with self.prevent(Input.Changed):
                self.query_one("#client", Input).value = self.client.name
            self.query_one("#matches", OptionList).display = False  # the name is in the field and below
        self.recheck()

    # --- live checks -------------------------------------------------------------------------------

    def on_choice_changed(self, event: Choice.Changed) -> None:
        name = event.choice.id
        if name == "modality":
            self.modality = event.value
        elif name == "minutes":
            self.minutes = event.value
        elif name == "room":
            self.pinned.add("room")
            self.room = event.value
        elif name == "staff":
            self.pinned.add("staff")
            self.person = event.value
        self.recheck(staff_too=name != "staff")

    def _request(self) -> dict:
        request = dict(client=self.client.id if self.client else None, room=self.room,
                       start=self.query_one("#start", Input).value, minutes=self.minutes)
        if self.kind == "session":
            request.update(therapist=self.person, modality=self.modality)
        else:
            request.update(provider=self.person)
        return request

    def recheck(self, staff_too: bool = True) -> None:
        """Ask the service again who fits and what stands in the way, after any change in the form."""
        self._asked += 1
        self._judge(self._asked, self._request(), staff_too, self.client)

    @work(thread=True, group="verdict")  # not exclusive: waiting on a cancelled worker fails
    def _judge(self, asked: int, request: dict, staff_too: bool, client: Client | None) -> None:
        if asked != self._asked:
            return  # typed on since: only the latest state of the form is judged
        sched, session = self.scheduler, self.kind == "session"
        verdict = Verdict(asked, person=self.person)
        who = "therapist" if session else "provider"
        try:
            if client is not None:
                if client.id not in self._attendance:
                    self._attendance[client.id] = attendance_line(sched, client)
                verdict.info = client_info(sched, client, request["start"] if session else None,
                                           self._attendance[client.id], visit=not session)
            if staff_too and request["room"]:
                found = sched.staff_for_slot(request["start"], request["minutes"], request["room"], kind=self.kind,
                                             modality=request.get("modality"), client=request["client"])
                verdict.offer = [(f"{person.name} · {availability(problems)}", person.id)
                                 for person, problems in found]
                offered = [ident for _, ident in verdict.offer]
                if session:  # the service offers those certified for the modality; the others say why not
                    verdict.offer += [(f"{person.name} · ✖ not certified", person.id) for person in self.therapists
                                      if person.id not in offered]
                if request[who] not in offered:
                    request[who] = offered[0] if offered else None
                verdict.person = request[who]
            if all(request.values()):
                check = sched.problems_for_session if session else sched.problems_for_visit
                verdict.problems = check(**request)
        except SchedulerError as exc:
            verdict.error = exc.reason
        self.app.call_from_thread(self._show_verdict, verdict)

    def _show_verdict(self, verdict: Verdict) -> None:
        if verdict.asked != self._asked or not self.shown:
            return  # the form changed since: a newer verdict is on its way
        self.query_one("#client-info", Static).update(verdict.info)
        if verdict.offer is not None:
            self.person = verdict.person
            staff = self.query_one("#staff", Choice)
            staff.set_options(verdict.offer)
            staff.prompt = "nobody fits"
            staff.value = self.person
        problems = self.query_one("#problems", Static)
        if verdict.error:
            problems.update(f"[$error]✖ {plain(verdict.error)}[/]")
        elif verdict.problems is None:
            problems.update("")
        else:
            problems.update(verdict_lines(verdict.problems))

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        actions = {"book": self.action_book, "find-free": self.action_find_free, "series": self.action_series}
        actions.get(event.name, self.action_close)()

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
            problems.update(f"[$error]✖ {plain(exc.reason)}[/]")
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
        with self.prevent(Input.Changed):
            self.query_one("#start", Input).value = f"{slot.start.astimezone(self.tz):%Y-%m-%d %H:%M}"
        self.query_one("#room", Choice).value = slot.room_id
        self.recheck()
        self.query_one("#buttons", ButtonBar).focus()

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
            problems.update(f"[$error]✖ {plain(exc.reason)}[/]")
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
        with Vertical(classes="dialog wide form"):
            yield Label(f"[b]Spot work[/b] in {plain(self.names.get(v.client_id, '?'))}'s visit, "
                        f"{v.start.astimezone(tz):%a %H:%M}-{v.end.astimezone(tz):%H:%M}, "
                        f"{plain(self.names.get(v.room_id, '?'))}")
            with VerticalScroll(classes="form-body"):
                options = []
                for i, (start, person, problems) in enumerate(self.openings):
                    warn = "  ⚠ " + ", ".join(in_the_way(problems, clinical=True)) if problems else ""
                    options.append(Option(f"{start.astimezone(tz):%H:%M}  {person.name}{warn}", id=str(i)))
                yield OptionList(*options, id="openings")
                yield TextField("Region", placeholder="neck, low back... (billing)", id="region")
                yield TextField("Override", placeholder="reason, only for ⚠ warnings", id="override")
                yield Static(id="problems", classes="problems")
            yield ButtonBar(("Book ^s", "book"), ("Close esc", "close"))

    def on_mount(self) -> None:
        self.query_one("#openings", OptionList).focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        _, _, problems = self.openings[int(event.option.id)]
        self.query_one("#problems", Static).update(verdict_lines(problems))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_book()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_book()

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        if event.name == "book":
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
            problems.update(f"[$error]✖ {plain(exc.reason)}[/]")
            return
        self.dismiss(appt)

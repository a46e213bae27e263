"""The waitlist: clients waiting for a session that is not free yet; those who fit a slot freed since
(a cancellation by anyone) are marked FREE NOW, and one key books it."""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...core import clock
from ...core.errors import NeedsOverride, SchedulerError
from ...core.model import Client, WaitEntry
from ...services import Scheduler
from ..widgets.keyline import Hint, KeyLine
from . import SCREENS_CSS
from .booking import SESSION_MINUTES
from .fields import ButtonBar, Choice, TextField
from .live import Live
from .prompts import FormDialog, OverrideScreen, plain
from .reading import read_then


class WaitlistScreen(Live, Screen):
    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Calendar", id="waitlist.close"),
        Binding("b", "book", "Book free slot", id="waitlist.book", tooltip="Book the FREE NOW slot of this entry"),
        Binding("a", "add", "Add", id="waitlist.add", tooltip="Put a client on the waitlist"),
        Binding("x,delete", "remove", "Remove", id="waitlist.remove", tooltip="Take this entry off the waitlist"),
    ]

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.scheduler = scheduler
        self.tz = clock.zone(scheduler.practice().timezone)
        self.entries: list[WaitEntry] = []
        self.names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static("[b]Waitlist[/b] · b or Enter books a FREE NOW slot · a adds · x removes · Esc back",
                     id="topbar")
        yield OptionList(id="entries")
        yield Static(id="message", classes="problems")
        yield KeyLine()

    def on_mount(self) -> None:
        self.reload()
        self.watch(self.app, "waitlist_fits", self._show, init=False)
        self.query_one("#entries", OptionList).focus()
        self.query_one(KeyLine).show((Hint(("waitlist.book",), "Book free slot"), Hint(("waitlist.add",), "Add"),
                                      Hint(("waitlist.remove",), "Remove")), (Hint(("waitlist.close",), "Calendar"),))

    def on_data_changed(self, changed: bool) -> None:
        if changed:
            self.reload()

    def reload(self) -> None:
        sched = self.scheduler
        self.entries = sched.waitlist()
        self.names = sched.names()
        self._show()

    @property
    def fits(self) -> dict:
        return {entry.id: slot for entry, slot in self.app.waitlist_fits}

    def _show(self) -> None:
        entries = self.query_one("#entries", OptionList)
        keep = entries.highlighted
        fits = self.fits
        options = []
        for e in self.entries:
            who = plain(self.names.get(e.client_id, "a client no longer on file"))
            wish = f"{e.minutes} min {e.modality or 'any modality'} · {self.names.get(e.therapist_id, 'any therapist')}"
            text = (f"[b]{who}[/b] · {plain(wish)}\n  {e.first_day:%a %d %b} – {e.last_day:%a %d %b}"
                    + (f" · {plain(e.note)}" if e.note else ""))
            slot = fits.get(e.id)
            if slot is not None:
                text += (f"\n  [b reverse $warning] FREE NOW [/] {clock.describe(slot.start, self.tz)}-"
                         f"{slot.end.astimezone(self.tz):%H:%M} {plain(self.names.get(slot.staff_id, '?'))} · "
                         f"{plain(self.names.get(slot.room_id, '?'))}")
            options.append(Option(text, id=e.id))
        entries.set_options(options)
        if options:
            entries.highlighted = min(keep or 0, len(options) - 1)
        waiting = len(self.entries)
        self.query_one("#message", Static).update(
            f"{len(fits)} of {waiting} waiting fit a free slot now." if waiting else "Nobody is waiting.")

    def _chosen(self) -> WaitEntry | None:
        entries = self.query_one("#entries", OptionList)
        if entries.highlighted is None or not self.entries:
            return None
        return self.entries[entries.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_book()

    def action_book(self) -> None:
        entry = self._chosen()
        if entry is None:
            return
        who = self.names.get(entry.client_id, "a client no longer on file")
        slot = self.fits.get(entry.id)
        if slot is None:
            self.notify(f"nothing fitting is free for {who} yet", severity="warning", markup=False)
            return
        when = clock.describe(slot.start, self.tz)

        def attempt(reason: str | None) -> None:
            try:
                appt = self.scheduler.book_from_waitlist(entry.id, override=reason)
            except NeedsOverride as exc:
                self.app.push_screen(OverrideScreen(f"Book {who} {when}", exc.problems), retry)
                return
            except SchedulerError as exc:
                self.notify(plain(exc.reason), title=f"Not booked: {who} {when}", severity="error", timeout=8)
                return
            note = self.scheduler.referral_note(appt)
            self.notify(f"Booked {who} {clock.describe(appt.start, self.tz)} with "
                        f"{self.names.get(appt.staff_id, '?')} in {self.names.get(appt.room_id, '?')}"
                        + (f"\n{note}" if note else ""), title="Booked", markup=False)
            self._changed()

        def retry(reason: str | None) -> None:
            if reason:
                attempt(reason)

        attempt(None)

    def action_add(self) -> None:
        def added(entry: WaitEntry | None) -> None:
            if entry is not None:
                self._changed()
                self.notify(f"{self.names.get(entry.client_id, 'The client')} is on the waitlist, "
                            f"{entry.first_day:%a %d %b} – {entry.last_day:%a %d %b}", markup=False)

        self.app.push_screen(WaitEntryScreen(self.scheduler), added)

    def action_remove(self) -> None:
        entry = self._chosen()
        if entry is None:
            return
        who = self.names.get(entry.client_id, "a client no longer on file")
        try:
            self.scheduler.remove_from_waitlist(entry.id)
        except SchedulerError as exc:
            self.notify(plain(exc.reason), title=f"Still waiting: {who}", severity="error")
            return
        self.notify(f"{who} is off the waitlist", markup=False)
        self._changed()

    def _changed(self) -> None:
        self.reload()
        self.app.check_waitlist()  # at once, not at the next poll


class WaitEntryScreen(FormDialog):
    """A client waiting for a therapist, modality and length within a range of days."""

    BINDINGS = [Binding("ctrl+s", "submit", "Add", id="waitlist.confirm")]

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.scheduler = scheduler
        self.today = clock.local_day(scheduler.now(), clock.zone(scheduler.practice().timezone))

    def compose(self) -> ComposeResult:
        # the staff file is small, read at once; the clients (thousands) in a worker after
        therapists = [s for s in self.scheduler.staff() if s.active and s.is_therapist]
        with Vertical(classes="dialog form"):
            yield Label("[b]Add to the waitlist[/b]")
            with VerticalScroll(classes="form-body"):
                yield Choice("Client", prompt="…", id="client")
                yield Choice("Minutes", [(str(m), m) for m in SESSION_MINUTES], 60, id="minutes")
                yield Choice("Modality", [("any", None), *((m, m) for m in self.scheduler.modalities())], id="modality")
                yield Choice("Therapist", [("anyone", None), *((s.name, s.id) for s in therapists)], id="therapist")
                yield TextField("From", self.today.isoformat(), placeholder="YYYY-MM-DD", id="first")
                yield TextField("To", (self.today + timedelta(days=14)).isoformat(), placeholder="YYYY-MM-DD",
                                 id="last")
                yield TextField("Note", id="note")
                yield Static(id="problems", classes="problems")
            yield ButtonBar(("Add ^s", "add"), ("Close esc", "close"))

    def on_mount(self) -> None:
        self.query_one("#client", Choice).focus()
        read_then(self, self.scheduler.clients, self._clients_read)

    def _clients_read(self, clients: list[Client]) -> None:
        choice = self.query_one("#client", Choice)
        choice.set_options((c.name, c.id) for c in clients)
        choice.prompt = "choose (type to search)"

    def _value(self, name: str):
        return self.query_one(f"#{name}", Choice).value

    def action_submit(self) -> None:
        client = self._value("client")
        if client is None:
            self.query_one("#problems", Static).update("[$error]✖ choose a client first[/]")
            return
        try:
            entry = self.scheduler.add_to_waitlist(
                client, self._value("minutes"), self.query_one("#first", Input).value,
                self.query_one("#last", Input).value, modality=self._value("modality"),
                therapist=self._value("therapist"), note=self.query_one("#note", Input).value)
        except SchedulerError as exc:
            self.refused(self.query_one("#client", Choice).text, exc.reason, "nothing added")
            return
        self.dismiss(entry)

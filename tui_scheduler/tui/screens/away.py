"""Time away from the schedule: a staff member's time off and the practice's closures, listed with the
booked appointments each strands, added and removed. Neither may silently strand booked clients: when
new time away falls over bookings, the dialog shows them and asks before taking it anyway (they stay
flagged on the calendar and the day sheet until they are moved).
"""

from __future__ import annotations

from datetime import date, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...core import clock
from ...core.errors import SchedulerError, StrandsBookings
from ...core.model import Appointment, Kind, Staff
from ...core.record import record
from ...services import Scheduler
from ..widgets.blocks import short_name
from .fields import ButtonBar, TextField
from .prompts import ConfirmScreen, Dialog, plain, refusal
from .reading import read_then

SHOWN_HITS = 6  # a question lists this many stranded appointments, then says how many more


@record
class Away:
    """One stretch of time away as the list shows it."""

    ident: str
    text: str  # its line in the list
    hits: tuple[str, ...]  # the booked appointments it strands, in words
    fixed: str = ""  # why it cannot be removed here ('' when it can)


def span(start: datetime, end: datetime) -> str:
    """'Wed 25 Nov 08:00-12:00', or 'Wed 25 Nov 08:00 to Fri 27 Nov 17:00' over several days."""
    if start.date() == end.date():
        return f"{start:%a %d %b %H:%M}-{end:%H:%M}"
    return f"{start:%a %d %b %H:%M} to {end:%a %d %b %H:%M}"


def days(first: date, last: date) -> str:
    return f"{first:%a %d %b %Y}" if first == last else f"{first:%a %d %b} to {last:%a %d %b %Y}"


def stranded(appts: list[Appointment], names: dict[str, str], tz, who: bool = True) -> tuple[str, ...]:
    """'Wed 25 Nov 10:00 Amelia Hart (swedish, Maya)' for each appointment, in time order (without whom
    it is with, for one person's time off); spot work reads as such, so it is not taken for a session."""
    return tuple(f"{a.start.astimezone(tz):%a %d %b %H:%M} {names.get(a.client_id, '?')} ({_what(a)}"
                 + (f", {short_name(names.get(a.staff_id, '?'))})" if who else ")")
                 for a in sorted(appts, key=lambda a: a.start))


def _what(a: Appointment) -> str:
    if a.kind == Kind.SPOT:
        return f"spot work{' ' + a.region if a.region else ''} in a visit"
    return a.modality or a.kind.value


def _strands(hits: tuple[str, ...]) -> str:
    return f" · strands {len(hits)}" if hits else ""


class AwayScreen(Dialog):
    """The list, then the fields of a new one; ^s adds it, ^r (or Del in the list) removes the one
    highlighted."""

    BINDINGS = [
        Binding("ctrl+s", "add", "Add", id="away.add"),
        # ^r from anywhere in the dialog, Del in the list: the highlighted one, named again before it goes
        Binding("ctrl+r,delete", "remove", "Remove", id="away.remove"),
    ]
    TITLE = ""
    FIELDS: tuple[tuple[str, str, str], ...] = ()  # (label, id, placeholder)
    NONE = ""  # the list's line when there is nothing
    WHEN = "then"  # when the stranded appointments are, in the question
    WHO = True  # the stranded appointments say whom they are with

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.scheduler = scheduler
        self.tz = clock.zone(scheduler.practice().timezone)
        self.entries: list[Away] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide form", id="away"):
            yield Label(self.heading())
            with VerticalScroll(classes="form-body"):
                yield OptionList(Option("reading…", disabled=True), id="entries-away")
                yield Static(id="away-info", classes="info")
                yield Label("[b]New:[/b]")
                for label, ident, placeholder in self.FIELDS:
                    yield TextField(label, placeholder=placeholder, id=ident)
                yield Static(id="problems", classes="problems")
            yield ButtonBar(("Add ^s", "add"), ("Remove ^r", "remove"), ("Close esc", "close"))

    def on_mount(self) -> None:
        self.query_one(f"#{self.FIELDS[0][1]}", Input).focus()
        self.reload()

    def heading(self) -> str:
        raise NotImplementedError

    def read(self) -> list[Away]:
        """The list (a worker thread calls this)."""
        raise NotImplementedError

    def reload(self) -> None:
        read_then(self, self.read, self._show)

    def _show(self, entries: list[Away]) -> None:
        self.entries = entries
        listing = self.query_one("#entries-away", OptionList)
        listing.set_options([Option(e.text, id=e.ident) for e in entries] or [Option(self.NONE, disabled=True)])
        if entries:
            listing.highlighted = 0
        self._info()

    def _chosen(self) -> Away | None:
        listing = self.query_one("#entries-away", OptionList)
        option = listing.highlighted_option
        return next((e for e in self.entries if option is not None and e.ident == option.id), None)

    def _info(self) -> None:
        """The highlighted one in full: what it strands, and whether Del removes it."""
        entry = self._chosen()
        lines = []
        if entry is not None:
            lines = [f"strands: {plain(h)}" for h in entry.hits[:SHOWN_HITS]]
            if len(entry.hits) > SHOWN_HITS:
                lines.append(f"and {len(entry.hits) - SHOWN_HITS} more")
            said = plain(entry.fixed) if entry.fixed else "^r removes the highlighted one"
            lines.append(f"[dim]{said}[/dim]")
        self.query_one("#away-info", Static).update("\n".join(lines))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._info()

    def _say(self, text: str) -> None:
        self.query_one("#problems", Static).update(text)

    def _values(self) -> list[str]:
        return [self.query_one(f"#{ident}", Input).value.strip() for _, ident, _ in self.FIELDS]

    # --- adding: ask first when it would strand booked appointments ------------------------------

    def hits(self, values: list[str]) -> list[Appointment]:
        raise NotImplementedError

    def take(self, values: list[str], override: bool) -> str:
        """Save it; the confirmation to show."""
        raise NotImplementedError

    def what(self) -> str:
        """'Maya Lindqvist's time off', 'the closure': the refusal's first words."""
        raise NotImplementedError

    def question(self, appts: list[Appointment], names: dict[str, str]) -> str:
        lines = stranded(appts, names, self.tz, self.WHO)
        shown = "\n".join(f"  {plain(line)}" for line in lines[:SHOWN_HITS])
        more = f"\n  and {len(lines) - SHOWN_HITS} more" if len(lines) > SHOWN_HITS else ""
        return (f"[b]{len(lines)} booked appointment{'s' if len(lines) != 1 else ''}[/b] {self.WHEN}:\n{shown}{more}\n"
                f"Take {self.what()} anyway? They stay flagged on the calendar and the day sheet until they "
                f"are moved.")

    def action_add(self) -> None:
        values = self._values()
        try:
            hits = self.hits(values)
        except SchedulerError as exc:
            self._refused(exc)
            return
        if not hits:
            self._take(values, override=False)
            return
        self._ask(values, hits)

    def _ask(self, values: list[str], hits: list[Appointment]) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._take(values, override=True)
            else:
                self._say("[$warning]nothing was saved; your typing is kept[/]")

        self.app.push_screen(ConfirmScreen(self.question(hits, self.scheduler.names())), answered)

    def _take(self, values: list[str], override: bool) -> None:
        try:
            said = self.take(values, override)
        except StrandsBookings as exc:  # booked by someone else meanwhile: ask again, with them
            self._ask(values, exc.appointments)
            return
        except SchedulerError as exc:
            self._refused(exc)
            return
        for _, ident, _ in self.FIELDS:
            self.query_one(f"#{ident}", Input).value = ""
        self._say(f"[$success]✔ {plain(said)}[/]")
        self.reload()

    def _refused(self, exc: SchedulerError) -> None:
        self._say(refusal(self.what(), exc.reason))

    # --- removing --------------------------------------------------------------------------------

    def drop(self, entry: Away) -> str:
        """Remove it; the confirmation to show."""
        raise NotImplementedError

    def action_remove(self) -> None:
        entry = self._chosen()
        if entry is None:
            self._say("[$error]✖ nothing highlighted in the list to remove[/]")
            return
        if entry.fixed:
            self._say(f"[$error]✖ {plain(entry.fixed)}[/]")
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                said = self.drop(entry)
            except SchedulerError as exc:
                self._say(f"[$error]✖ {plain(exc.reason)}[/]")
                return
            self._say(f"[$success]✔ {plain(said)}[/]")
            self.reload()

        self.app.push_screen(ConfirmScreen(f"Remove {plain(entry.text)}?"), answered)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_add()

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        {"add": self.action_add, "remove": self.action_remove, "close": self.action_close}[event.name]()


class TimeOffScreen(AwayScreen):
    """A staff member's time off from today on."""

    FIELDS = (("From", "off-from", "YYYY-MM-DD HH:MM"), ("To", "off-to", "YYYY-MM-DD HH:MM"),
              ("Reason", "off-reason", "dentist, course..."))
    NONE = "No time off ahead."
    WHO = False

    def __init__(self, scheduler: Scheduler, person: Staff):
        super().__init__(scheduler)
        self.person = person

    def heading(self) -> str:
        return f"[b]Time off[/b] · {plain(self.person.name)}"

    def what(self) -> str:
        return f"{self.person.name}'s time off"

    def read(self) -> list[Away]:
        sched, tz = self.scheduler, self.tz
        names = sched.names()
        out = []
        for row in sched.time_off_list(self.person.id):
            start, end = datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"])
            hits = stranded(sched.time_off_hits(self.person.id, start, end), names, tz, who=False)
            fixed = (f"this time off comes from {self.person.name}'s own calendar: remove the event there, and "
                     f"the next sync takes it away here") if row["source"] else ""
            text = (f"{span(start, end)}" + (f" · {row['reason']}" if row["reason"] else "")
                    + (" · from their own calendar" if row["source"] else "") + _strands(hits))
            out.append(Away(row["id"], text, hits, fixed))
        return out

    def hits(self, values: list[str]) -> list[Appointment]:
        return self.scheduler.time_off_hits(self.person.id, values[0], values[1])

    def take(self, values: list[str], override: bool) -> str:
        saved = self.scheduler.add_time_off(self.person.id, values[0], values[1], values[2], override=override)
        off = saved.time_off[-1]
        kept = " (the appointments it strands stay flagged until moved)" if override else ""
        when = span(off.start.astimezone(self.tz), off.end.astimezone(self.tz))
        return f"time off added for {saved.name}: {when}{kept}"

    def drop(self, entry: Away) -> str:
        person, off = self.scheduler.remove_time_off(entry.ident)
        return f"{person.name}'s time off {span(off.start.astimezone(self.tz), off.end.astimezone(self.tz))} removed"


class ClosuresScreen(AwayScreen):
    """The practice's closures from today on: holidays, training days, a broken boiler."""

    FIELDS = (("From", "closed-from", "YYYY-MM-DD"), ("To", "closed-to", "YYYY-MM-DD, empty: that day only"),
              ("Reason", "closed-reason", "holiday, training day..."))
    NONE = "No closures ahead."
    WHEN = "on those days"

    def heading(self) -> str:
        return "[b]Practice closures[/b] · no one is booked on a closed day"

    def what(self) -> str:
        return "the closure"

    def read(self) -> list[Away]:
        sched, tz = self.scheduler, self.tz
        names = sched.names()
        today = clock.local_day(sched.now(), tz)
        out = []
        for closure in sched.closures(today):
            hits = stranded(sched.closure_hits(closure.first_day, closure.last_day), names, tz)
            text = days(closure.first_day, closure.last_day) + (f" · {closure.reason}" if closure.reason else "")
            out.append(Away(closure.id, text + _strands(hits), hits))
        return out

    def _days(self, values: list[str]) -> tuple[str, str]:
        return values[0], values[1] or values[0]

    def hits(self, values: list[str]) -> list[Appointment]:
        return self.scheduler.closure_hits(*self._days(values))

    def take(self, values: list[str], override: bool) -> str:
        closure = self.scheduler.add_closure(*self._days(values), values[2], override=override)
        kept = " (the appointments it strands stay flagged until moved)" if override else ""
        return f"closed {days(closure.first_day, closure.last_day)}{kept}"

    def drop(self, entry: Away) -> str:
        closure = self.scheduler.remove_closure(entry.ident)
        return f"the closure of {days(closure.first_day, closure.last_day)} removed: open again"

"""Clients: search, the client's record (next appointment, history with notes, attendance, flags and their
clearances, referrals), and the form for contact, payer, reminders, flags and the client's own notes.

The record is one line-rendered list, read in a worker once the screen is up; the form is the same pane
a key away (^e), so that neither crowds the other at 80x24.
"""

from __future__ import annotations

from datetime import date, datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...core import clock
from ...core.errors import SchedulerError
from ...core.model import PRESSURES, REMIND_BY, Client, Payer, Referral
from ...services import Scheduler
from ..widgets.blocks import note_mark, short_name
from ..widgets.keyline import Hint, KeyLine
from . import SCREENS_CSS
from .fields import ButtonBar, Checks, Choice, TextField
from .live import Live
from .notes import NoteScreen
from .prompts import ConfirmScreen, FormDialog, plain, refusal
from .reading import read_then

SHOWN_CLIENTS = 200  # the list shows this many matches; typing narrows it
SHOWN_NEXT = 3  # the soonest appointments to come; the rest are counted
DATE_WIDTH = 17  # "Mon 23 Nov 14:00 " beside each appointment of the record
REMINDERS = {"": "email if there is one, else text", "email": "email only", "sms": "text message (sms)",
             "none": "no reminders"}
STATUS_WORDS = {"booked": "booked", "arrived": "checked in", "fulfilled": "fulfilled", "no-show": "no-show",
                "cancelled": "cancelled"}
BUTTON_KEYS = {"save": "^s", "edit": "^e", "referral": "^r", "new": "^n", "clearance": "^l"}  # as BINDINGS
CLEARANCE = "clearance:"  # the option id of a clearance in the record starts so, then its id


def _when(row: dict, today: date) -> str:
    start = datetime.fromisoformat(row["start"])
    return f"{start:%a %d %b %H:%M}" if start.year == today.year else f"{start:%d %b %Y %H:%M}"


def _what(row: dict) -> str:
    """'lymph-drainage · Daniel', 'spot hip · Maya', 'visit · Dr. Patel'."""
    what = row.get("modality") if row["kind"] == "session" else row["kind"]
    if row["kind"] == "spot" and row.get("region"):
        what += f" {row['region']}"
    who = row.get("therapist") or row.get("provider")
    return f"{what} · {short_name(who)}" if who else what


def _visit_words(row: dict) -> str:
    """What happened, with the bill's units and the note: 'fulfilled · swedish · Maya · 4 units · ✎2'."""
    status = row["status"]
    words = [("late cancel" if row.get("late_cancel") else "cancelled") if status == "cancelled"
             else STATUS_WORDS.get(status, status), _what(row)]
    if status == "cancelled" and row.get("cancel_reason"):
        words.append(row["cancel_reason"])
    if status == "fulfilled" and "total_units" in row:
        units = row["total_units"]
        words.append("no hands-on minutes" if units is None else f"{units} unit{'' if units == 1 else 's'}")
    words.append(note_mark(row.get("note_versions", 0)))
    return " · ".join(w for w in words if w)


def _beside(left: str, right: Text | str, left_style: str = "") -> Table:
    """`right` wrapped under itself beside `left` (a hanging indent)."""
    table = Table.grid()
    table.add_column(width=DATE_WIDTH, no_wrap=True, style=left_style)
    table.add_column(ratio=1)
    table.add_row(left, right)
    return table


def _heading(text: str) -> Option:
    return Option(Text(text, style="bold underline"), disabled=True)


def _line(text: str | Text) -> Option:
    return Option(text if isinstance(text, Text) else Text(text), disabled=True)


def _flag_lines(record: dict) -> list[Option]:
    """Each flag with the clearance covering it today (that line can be chosen: its note is shown below the
    list, and Del takes it off file), then any other clearance on file (expired, or not yet in force)."""
    options, shown = [], set()
    for flag in record["flags"]:
        if not flag["cleared"]:
            options.append(_line(f"⚠ {flag['label']}: talk to the doctor first"))
            continue
        covering = next((k for k in record["clearances"] if k["flag"] == flag["flag"] and k["valid"]
                         and k["by"] in flag["cleared"]), None)
        text = f"✔ {flag['flag']}: {flag['cleared']}"
        if covering is None:
            options.append(_line(text))
            continue
        shown.add(covering["id"])
        options.append(Option(Text(text), id=CLEARANCE + covering["id"]))
    for k in record["clearances"]:
        if k["id"] not in shown:
            until = f" until {k['until']}" if k["until"] else ""
            said = f"also cleared by {k['by']}{until}" if k["valid"] else f"cleared by {k['by']}, ended {k['until']}"
            options.append(Option(Text(f"  {k['flag']}: {said}"), id=CLEARANCE + k["id"]))
    return options


def _about(record: dict) -> list[Option]:
    """Contact, date of birth and address, the client's own notes, referrals with their diagnosis codes."""
    c = record["client"]
    contact = [p for p in (c["phone"], c["email"]) if p]
    contact.append("reminders: " + REMINDERS[c.get("remind_by") or ""])
    options = [_heading("Contact and referrals"), _line(" · ".join(contact))]
    born = [f"born {c['dob']}"] if c.get("dob") else []
    if born or c.get("address"):
        options.append(_line(" · ".join(born + ([c["address"]] if c.get("address") else []))))
    if c.get("notes"):
        options.append(_line(Text.assemble(("Notes ", "bold"), c["notes"])))
    marks = {"active": "✔ active", "used up": "⚠ used up", "expired": "expired"}
    for r in record["referrals"]:
        parts = [f"Referral {marks.get(r['state'], r['state'])}", f"{r['used']} of {r['visits']} visits used, "
                 f"{r['left']} left", f"{r['issued']} to {r['expires']}"]
        parts += [p for p in (r["prescriber"], r["area"]) if p]
        parts.append("ICD-10 " + ", ".join(r["icd10"]) if r.get("icd10") else "no ICD-10 code")
        options.append(_line(" · ".join(parts)))
    if not record["referrals"]:
        options.append(_line("no referrals"))
    return options


def record_options(record: dict, today: date) -> list[Option]:
    """The client's record as list lines: who, attendance, flags and their clearances, the next
    appointments, the history, then contact and referrals. Appointments and clearances can be chosen."""
    c = record["client"]
    head = Text(c["name"], style="bold")
    head.append(" · " + " · ".join([c["payer"]] + ([f"{c['pressure']} pressure"] if c["pressure"] else [])
                                    + ([c["phone"]] if c["phone"] else [])))
    attendance = record["attendance"]
    options = [_line(head),
               _line(("⚠ " if attendance["no_shows"] + attendance["late_cancels"] else "") + attendance["text"])]
    options += _flag_lines(record)

    coming = record["next"]
    options.append(_heading("Next"))
    if not coming:
        options.append(_line("nothing booked"))
    for row in coming[:SHOWN_NEXT]:
        what = _what(row) + (" · confirmed" if row.get("confirmed") else "")
        options.append(Option(_beside(_when(row, today), what), id=row["id"]))
    if len(coming) > SHOWN_NEXT:
        options.append(_line(f"and {len(coming) - SHOWN_NEXT} more booked, the last {_when(coming[-1], today)}"))

    since = date.fromisoformat(record["since"])
    options.append(_heading(f"History since {since:%d %b %Y}"))
    if not record["history"]:
        options.append(_line("no appointments"))
    for row in record["history"]:
        options.append(Option(_beside(_when(row, today), _visit_words(row)), id=row["id"]))
    return options + _about(record)


class ClientsScreen(Live, Screen):
    CSS_PATH = SCREENS_CSS
    BINDINGS = [
        Binding("escape", "back", "Calendar", id="clients.close"),
        Binding("ctrl+s", "save", "Save", id="clients.save"),
        # over the inputs' own ^e (end of line, which End does too): the one key between record and form
        Binding("ctrl+e", "edit", "Edit client", id="clients.edit", priority=True),
        Binding("ctrl+n", "new", "New client", id="clients.new"),
        Binding("ctrl+r", "referral", "Add referral", id="clients.referral",
                tooltip="A prescription for the client on screen: visits, until when, by whom"),
        Binding("ctrl+l", "clearance", "Add clearance", id="clients.clearance",
                tooltip="A doctor's clearance of one of the client's flags, on file until a date"),
        Binding("delete", "remove_clearance", "Remove clearance", id="clients.remove_clearance"),
    ]
    # this screen's keys in help: (heading, [(binding ids, what it does)]), two columns
    KEYS_HELP = (
        [("Clients", [
            (("clients.close",), "back: record, calendar"),
            (("clients.edit",), "the form, or the record"),
            (("clients.save",), "save the form"),
            (("clients.new",), "a new client"),
        ])],
        [("The client's record", [
            (("clients.referral",), "add a referral"),
            (("clients.clearance",), "add a doctor's clearance"),
            (("clients.remove_clearance",), "take a clearance off file"),
        ]), ("Anywhere", [(("app.keys",), "this help (Esc closes it)")])],
    )

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.scheduler = scheduler
        self.tz = clock.zone(scheduler.practice().timezone)
        self.clients: list[Client] = []  # read in a worker once the screen is up
        self.client: Client | None = None  # None: the form is for a new client
        self.record: dict | None = None  # the open client's history, read in a worker
        self.read_at: datetime | None = None  # when it was read
        self.editing = False  # the form is shown (else the record)
        self.filled: dict = {}  # the form as filled from the client, to tell unsaved typing
        self.warned = False

    def compose(self) -> ComposeResult:
        flags = self.scheduler.flags()  # the practice's own flags and what each means
        yield Static("[b]Clients[/b] · type a name or phone to search, Enter opens the client", id="topbar")
        with Horizontal(id="clients"):
            with Vertical(id="client-list"):
                yield Input(placeholder="search name or phone", id="search", compact=True)
                yield OptionList(id="found")
            with Vertical(id="client-pane"):
                yield OptionList(_line("Choose a client on the left, or ^n for a new one"), id="record")
                yield Static(id="row-info", classes="info")
                with VerticalScroll(id="client-form"):
                    yield Static("[b]New client[/b]", id="heading", classes="info")
                    yield TextField("Name", id="name")
                    yield TextField("Phone", id="phone")
                    yield TextField("Email", id="email")
                    yield Choice("Payer", [(p.value, p.value) for p in Payer], Payer.SELF_PAY.value, id="payer")
                    yield Choice("Pressure", [("not said", None), *((p, p) for p in PRESSURES)], id="pressure")
                    yield Choice("Reminders", [(REMINDERS[k], k) for k in ("", *REMIND_BY)], "", id="remind-by")
                    yield TextField("Born", placeholder="YYYY-MM-DD (for a superbill)", id="dob")
                    yield TextField("Address", id="address")
                    yield TextField("Notes", id="notes")
                    # in the order a person reads them (the stored practice keeps no order of its own)
                    yield Checks(sorted((text, code) for code, text in flags.items()), id="flags",
                                 title="Flags (talk to the doctor first):")
                # below the list or form, so that a save or a refusal is seen wherever it is scrolled
                yield Static(id="message", classes="problems")
                yield ButtonBar(("Edit ^e", "edit"))
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()
        self._show_mode()
        self.reload()

    def on_data_changed(self, changed: bool) -> None:
        if changed:
            self.reload()

    def reload(self) -> None:
        read_then(self, self.scheduler.clients, self._read)
        self._read_record()

    def _read(self, clients: list[Client]) -> None:
        self.clients = clients
        self._list(self.query_one("#search", Input).value)
        if self.client is not None:  # someone else may have changed the one on screen: keep the typing
            self.client = next((c for c in clients if c.id == self.client.id), self.client)

    def _list(self, text: str) -> None:
        folded = text.casefold().strip()
        found = [c for c in self.clients if folded in c.name.casefold() or (folded and folded in c.phone)]
        options = [Option(Text(c.name + (" ⚠" if c.flags else "")), id=c.id) for c in found[:SHOWN_CLIENTS]]
        if len(found) > SHOWN_CLIENTS:
            options.append(Option(f"… {len(found) - SHOWN_CLIENTS} more: type to narrow", disabled=True))
        self.query_one("#found", OptionList).set_options(options)

    # --- the record ------------------------------------------------------------------------------

    def _read_record(self) -> None:
        client = self.client
        if client is None:
            return
        sched, tz = self.scheduler, self.tz

        def read() -> tuple[dict, datetime]:
            return sched.client_history(client.id), sched.now().astimezone(tz)

        read_then(self, read, self._show_record)

    def _show_record(self, read: tuple[dict, datetime]) -> None:
        record, self.read_at = read
        if self.client is None or record["client"]["id"] != self.client.id:
            return  # another client was opened meanwhile
        self.record = record
        listing = self.query_one("#record", OptionList)
        kept = listing.highlighted_option.id if listing.highlighted_option else None
        listing.set_options(record_options(record, self.read_at.date()))
        ids = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
        # the same line as before a refresh, else the first that can be chosen (a clearance, the next visit)
        listing.highlighted = ids.index(kept) if kept is not None and kept in ids else next(
            (i for i, ident in enumerate(ids) if ident is not None), None)
        self._row_info()

    def _row(self, ident: str | None) -> dict | None:
        if self.record is None or ident is None:
            return None
        return next((r for r in self.record["next"] + self.record["history"] if r["id"] == ident), None)

    def _clearance(self, ident: str | None) -> dict | None:
        if self.record is None or not ident or not ident.startswith(CLEARANCE):
            return None
        return next((k for k in self.record["clearances"] if k["id"] == ident[len(CLEARANCE):]), None)

    def _row_info(self) -> None:
        """What the keys do on the highlighted line of the record, in words."""
        listing = self.query_one("#record", OptionList)
        option = listing.highlighted_option if listing.has_focus else None
        ident = option.id if option else None
        row, clearance = self._row(ident), self._clearance(ident)
        text = ""
        if clearance is not None:
            note = f"{plain(clearance['note'])} · " if clearance["note"] else ""
            text = f"{plain(clearance['flag'])} clearance: {note}[b]Del[/b] takes it off file"
        elif row is not None:
            when = f"{datetime.fromisoformat(row['start']):%a %d %b %H:%M} · "
            versions = row.get("note_versions", 0)
            if datetime.fromisoformat(row["start"]) > self.read_at:
                text = when + "to come: no note before the visit"
            elif versions:
                text = when + "[b]⏎[/b] opens its note" + (f" ({versions} versions)" if versions > 1 else "")
            elif row["status"] in ("cancelled", "no-show"):
                text = when + f"{'cancelled' if row['status'] == 'cancelled' else 'no-show'}: no note"
            else:
                text = when + "[b]⏎[/b] writes its note"
        self.query_one("#row-info", Static).update(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id != "record":
            return
        self._row_info()
        # the lines above the first that can be chosen, and below the last, are read, not chosen: the
        # highlight reaching either end brings them into sight
        listing = event.option_list
        chosen = [i for i in range(listing.option_count) if not listing.get_option_at_index(i).disabled]
        if event.option_index == chosen[0]:
            listing.scroll_home(animate=False)
        elif event.option_index == chosen[-1]:
            listing.scroll_end(animate=False)

    def on_descendant_focus(self) -> None:
        self._row_info()

    def _open_note(self, ident: str) -> None:
        row = self._row(ident)
        if row is None:
            return
        client = self.client

        def closed(signed: bool | None) -> None:
            if signed:
                when = datetime.fromisoformat(row["start"])
                self._say(f"[$success]✔ note signed for {plain(row['client'])} {when:%a %d %b %H:%M}[/]")
                if client is self.client:
                    self._read_record()

        self.app.push_screen(NoteScreen(self.scheduler, ident), closed)

    # --- choosing ---------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self._list(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            found = self.query_one("#found", OptionList)
            if found.option_count:
                option = found.get_option_at_index(found.highlighted or 0)
                if not option.disabled:
                    self._open(option.id)
        else:
            self.action_save()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "found":
            self._open(event.option.id)
        elif event.option.id and not event.option.id.startswith(CLEARANCE):
            self._open_note(event.option.id)

    def _open(self, client_id: str) -> None:
        self.show_client(next((c for c in self.clients if c.id == client_id), None))
        self._say("")
        self.query_one("#record", OptionList).focus()

    def show_client(self, client: Client | None) -> None:
        """The client's record (read after this frame), the form filled from them; or, for None, an
        empty form for a new client."""
        self.client = client
        self.record = None
        for name in ("name", "phone", "email", "notes", "address"):
            self.query_one(f"#{name}", Input).value = getattr(client, name) if client else ""
        self.query_one("#dob", Input).value = client.dob.isoformat() if client and client.dob else ""
        self.query_one("#payer", Choice).value = client.payer.value if client else Payer.SELF_PAY.value
        self.query_one("#pressure", Choice).value = client.pressure if client and client.pressure else None
        self.query_one("#remind-by", Choice).value = client.remind_by if client else ""
        flags = self.query_one("#flags", Checks)
        flags.deselect_all()
        for code in client.flags if client else ():
            flags.select(code)
        self.filled = self._form()
        self.query_one("#heading", Static).update(f"[b]{plain(client.name)}[/b]" if client else "[b]New client[/b]")
        listing = self.query_one("#record", OptionList)
        listing.set_options([_line(f"reading {client.name}'s record…" if client else "")])
        self.editing = client is None
        self._show_mode()
        self._read_record()

    def _show_mode(self) -> None:
        """The record or the form, with the buttons and keys that act on it."""
        editing = self.editing
        self.query_one("#record").display = not editing
        self.query_one("#row-info").display = not editing
        self.query_one("#client-form").display = editing
        # (word, action): a button and a key-line hint each; the action is also the binding's id after "clients."
        if editing:
            shown = [("Save", "save"), *([("Record", "edit")] if self.client else []), ("Referral", "referral"),
                     ("New", "new")]
        else:
            shown = [("Edit", "edit"), ("Clearance", "clearance"), ("Referral", "referral"), ("New", "new")]
        self.query_one(ButtonBar).set_buttons(*((f"{word} {BUTTON_KEYS[action]}", action) for word, action in shown))
        back = "Record" if editing and self.client else "Calendar"
        self.query_one(KeyLine).show(tuple(Hint((f"clients.{action}",), word) for word, action in shown),
                                     (Hint(("clients.close",), back),))
        self.warned = False

    # --- the form ---------------------------------------------------------------------------------

    def _form(self) -> dict:
        return dict(
            name=self.query_one("#name", Input).value,
            phone=self.query_one("#phone", Input).value,
            email=self.query_one("#email", Input).value,
            notes=self.query_one("#notes", Input).value,
            payer=str(self.query_one("#payer", Choice).value),
            pressure=self.query_one("#pressure", Choice).value or "",
            remind_by=self.query_one("#remind-by", Choice).value or "",
            dob=self.query_one("#dob", Input).value.strip(),
            address=self.query_one("#address", Input).value,
            flags=list(self.query_one("#flags", Checks).selected),
        )

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    def action_save(self) -> None:
        if not self.editing:
            return
        form = self._form()
        who = self.client.name if self.client else (form["name"].strip() or "the new client")
        try:
            if self.client is None:
                saved = self.scheduler.add_client(**form)
            else:
                saved = self.scheduler.update_client(self.client.id, **form)
        except SchedulerError as exc:
            self._say(refusal(who, exc.reason))
            return
        self.show_client(saved)
        self.query_one("#record", OptionList).focus()
        read_then(self, self.scheduler.clients, self._read)
        self._say(f"[$success]✔ saved {plain(saved.name)}[/]")

    def action_edit(self) -> None:
        if self.editing and self.client is not None:
            self.action_back()
            return
        if self.client is None and not self.editing:
            self._say("[$error]✖ choose a client on the left first (^n for a new one)[/]")
            return
        self.editing = True
        self._show_mode()
        self._say("")
        self.query_one("#name", Input).focus()

    def action_back(self) -> None:
        """From the form back to the record (once more over unsaved typing); from the record, the calendar."""
        leaving = not self.editing or self.client is None
        if self.editing and self._form() != self.filled and not self.warned:
            self.warned = True
            self._say("[$warning]⚠ not saved: ^s saves, Esc again leaves it[/]" if leaving
                      else "[$warning]⚠ changes not saved: ^s saves, Esc again drops them[/]")
            return
        if leaving:
            self.app.pop_screen()
            return
        self.show_client(self.client)
        self._say("")
        self.query_one("#record", OptionList).focus()

    def action_new(self) -> None:
        self.show_client(None)
        self._say("")
        self.query_one("#name", Input).focus()

    def action_referral(self) -> None:
        if self.client is None:
            self._say("[$error]✖ save the new client first, then add the referral[/]")
            return
        client = self.client

        def added(ref: Referral | None) -> None:
            if ref is not None:
                self._read_record()
                self._say(f"[$success]✔ referral added for {plain(client.name)}: {ref.visits} visits until "
                          f"{ref.expires}[/]")

        self.app.push_screen(ReferralScreen(self.scheduler, client), added)

    # --- clearances -------------------------------------------------------------------------------

    def action_clearance(self) -> None:
        client = self.client
        if client is None:
            self._say("[$error]✖ choose a client first: a clearance is of one of their flags[/]")
            return
        if not client.flags:
            self._say(f"[$error]✖ {plain(client.name)} has no flags to clear: tick one in the form (^e) first[/]")
            return

        def added(clearance) -> None:
            if clearance is not None:
                self._read_record()
                until = f" until {clearance.until}" if clearance.until else ""
                self._say(f"[$success]✔ {plain(client.name)}'s {plain(clearance.flag)} cleared by "
                          f"{plain(clearance.by)}{until}[/]")

        self.app.push_screen(ClearanceScreen(self.scheduler, client), added)

    def action_remove_clearance(self) -> None:
        listing = self.query_one("#record", OptionList)
        option = listing.highlighted_option if not self.editing else None
        clearance = self._clearance(option.id if option else None)
        if clearance is None:
            self._say("[$error]✖ highlight a clearance in the record (under Flags) to take it off file[/]")
            return
        name = self.client.name

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.scheduler.remove_clearance(clearance["id"])
            except SchedulerError as exc:
                self._say(f"[$error]✖ {plain(exc.reason)}[/]")
                return
            self._read_record()
            self._say(f"[$success]✔ {plain(name)}'s clearance of {plain(clearance['flag'])} by "
                      f"{plain(clearance['by'])} taken off file[/]")

        self.app.push_screen(ConfirmScreen(
            f"Take {plain(name)}'s clearance of [b]{plain(clearance['flag'])}[/b] by {plain(clearance['by'])} off "
            f"file? Bookings for {plain(name)} then need a reason again, as for any flag."), answered)

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        {"save": self.action_save, "new": self.action_new, "referral": self.action_referral,
         "edit": self.action_edit, "clearance": self.action_clearance}[event.name]()


class ReferralScreen(FormDialog):
    """A new referral (prescription) for a client: how many visits, until when, by whom, for what."""

    BINDINGS = [Binding("ctrl+s", "submit", "Add", id="referral.add")]

    def __init__(self, scheduler: Scheduler, client: Client):
        super().__init__()
        self.scheduler, self.client = scheduler, client

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Label(f"[b]New referral[/b] for {plain(self.client.name)}")
            with VerticalScroll(classes="form-body"):
                yield TextField("Visits", id="ref-visits", type="integer")
                yield TextField("Expires", placeholder="YYYY-MM-DD", id="ref-expires")
                yield TextField("Prescriber", id="ref-prescriber")
                yield TextField("Area", placeholder="low back, neck...", id="ref-area")
                yield TextField("ICD-10", placeholder="M54.50, M81.0 (for a superbill)", id="ref-icd10")
                yield Static(id="problems", classes="problems")
            yield ButtonBar(("Add ^s", "add"), ("Close esc", "close"))

    def on_mount(self) -> None:
        self.query_one("#ref-visits", Input).focus()

    def action_submit(self) -> None:
        visits = self.query_one("#ref-visits", Input).value
        codes = [c for c in self.query_one("#ref-icd10", Input).value.replace(",", " ").split() if c]
        try:
            ref = self.scheduler.add_referral(self.client.id, int(visits) if visits.isdigit() else 0,
                                              self.query_one("#ref-expires", Input).value,
                                              prescriber=self.query_one("#ref-prescriber", Input).value,
                                              area=self.query_one("#ref-area", Input).value, icd10=codes)
        except SchedulerError as exc:
            self.refused(f"referral for {self.client.name}", exc.reason)
            return
        self.dismiss(ref)


class ClearanceScreen(FormDialog):
    """A doctor's clearance of one of the client's flags, on file (until a date, or with no end)."""

    BINDINGS = [Binding("ctrl+s", "submit", "Add", id="clearance.add")]

    def __init__(self, scheduler: Scheduler, client: Client):
        super().__init__()
        self.scheduler, self.client = scheduler, client

    def compose(self) -> ComposeResult:
        meaning = self.scheduler.flags()
        with Vertical(classes="dialog form"):
            yield Label(f"[b]Clearance on file[/b] for {plain(self.client.name)}")
            with VerticalScroll(classes="form-body"):
                yield Choice("Flag", [(meaning.get(f, f), f) for f in self.client.flags], self.client.flags[0],
                             id="clear-flag")
                yield TextField("Cleared by", placeholder="Dr. Chen", id="clear-by")
                yield TextField("Until", placeholder="YYYY-MM-DD, empty: no end date", id="clear-until")
                yield TextField("Note", placeholder="what the doctor said, e.g. light pressure only",
                                id="clear-note")
                yield Static(id="problems", classes="problems")
            yield ButtonBar(("Add ^s", "add"), ("Close esc", "close"))

    def on_mount(self) -> None:
        self.query_one("#clear-by", Input).focus()

    def action_submit(self) -> None:
        try:
            found = self.scheduler.add_clearance(self.client.id, str(self.query_one("#clear-flag", Choice).value),
                                                 self.query_one("#clear-by", Input).value,
                                                 self.query_one("#clear-until", Input).value.strip() or None,
                                                 self.query_one("#clear-note", Input).value)
        except SchedulerError as exc:
            self.refused(f"clearance for {self.client.name}", exc.reason)
            return
        self.dismiss(found)

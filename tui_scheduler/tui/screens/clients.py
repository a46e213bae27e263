"""Clients: search, add, edit contact, payer, flags, pressure and notes, and their referrals."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...core.errors import SchedulerError
from ...core.model import FLAGS, PRESSURES, Client, Payer, Referral
from ...services import Scheduler
from ..widgets.keyline import KeyLine
from .fields import ButtonBar, Checks, Choice, TextField
from .live import Live
from .prompts import Dialog, plain
from .reading import read_then

SHOWN_CLIENTS = 200  # the list shows this many matches; typing narrows it


class ClientsScreen(Live, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Calendar", id="clients.close"),
        Binding("ctrl+s", "save", "Save", id="clients.save"),
        Binding("ctrl+n", "new", "New client", id="clients.new"),
        Binding("ctrl+r", "referral", "Add referral", id="clients.referral",
                tooltip="A prescription for the client on screen: visits, until when, by whom"),
    ]

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.scheduler = scheduler
        self.clients: list[Client] = []  # read in a worker once the screen is up
        self.client: Client | None = None  # None: the form is for a new client

    def compose(self) -> ComposeResult:
        yield Static("[b]Clients[/b] · type a name or phone to search, Enter opens the client", id="topbar")
        with Horizontal(id="clients"):
            with Vertical(id="client-list"):
                yield Input(placeholder="search name or phone", id="search", compact=True)
                yield OptionList(id="found")
            with Vertical(id="client-pane"):
                with VerticalScroll(id="client-form"):
                    # the name, then the referrals' visits left: what the desk asks about most
                    yield Static("[b]New client[/b]", id="heading", classes="info")
                    yield TextField("Name", id="name")
                    yield TextField("Phone", id="phone")
                    yield TextField("Email", id="email")
                    yield Choice("Payer", [(p.value, p.value) for p in Payer], Payer.SELF_PAY.value, id="payer")
                    yield Choice("Pressure", [("not said", None), *((p, p) for p in PRESSURES)], id="pressure")
                    yield TextField("Notes", id="notes")
                    yield Checks([(text, code) for code, text in FLAGS.items()], id="flags",
                                 title="Flags (talk to the doctor first):")
                # below the scrolling form, so that a save or a refusal is seen wherever the form is scrolled
                yield Static(id="message", classes="problems")
                yield ButtonBar(("Save ^s", "save"), ("Referral ^r", "referral"), ("New ^n", "new"))
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()
        self.reload()

    def on_data_changed(self, changed: bool) -> None:
        if changed:
            self.reload()

    def reload(self) -> None:
        read_then(self, self.scheduler.clients, self._read)

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
        self._open(event.option.id)

    def _open(self, client_id: str) -> None:
        self.show_client(next((c for c in self.clients if c.id == client_id), None))
        self._say("")
        self.query_one("#name", Input).focus()

    def show_client(self, client: Client | None) -> None:
        """Fill the form from a client, or empty it for a new one."""
        self.client = client
        for name in ("name", "phone", "email", "notes"):
            self.query_one(f"#{name}", Input).value = getattr(client, name) if client else ""
        self.query_one("#payer", Choice).value = client.payer.value if client else Payer.SELF_PAY.value
        self.query_one("#pressure", Choice).value = client.pressure if client and client.pressure else None
        flags = self.query_one("#flags", Checks)
        flags.deselect_all()
        for code in client.flags if client else ():
            flags.select(code)
        self._show_referrals()

    def _show_referrals(self) -> None:
        heading = self.query_one("#heading", Static)
        if self.client is None:
            heading.update("[b]New client[/b]")
            return
        rows = self.scheduler.referral_standings(client=self.client.id)
        marks = {"active": "[$success]✔ active[/]", "used up": "[$warning]⚠ used up[/]", "expired": "[dim]expired[/dim]"}
        lines = [f"{marks.get(r['state'], r['state'])} · {r['used']} used, {r['left']} of {r['visits']} visits left · "
                 f"{r['issued']} to {r['expires']}" + (f" · {r['prescriber']}" if r["prescriber"] else "")
                 + (f" · {r['area']}" if r["area"] else "") for r in rows]
        heading.update(f"[b]{plain(self.client.name)}[/b]\n"
                       + ("[b]Referrals[/b]\n" + "\n".join(lines) if lines else "Referrals: none"))

    def _form(self) -> dict:
        return dict(
            name=self.query_one("#name", Input).value,
            phone=self.query_one("#phone", Input).value,
            email=self.query_one("#email", Input).value,
            notes=self.query_one("#notes", Input).value,
            payer=str(self.query_one("#payer", Choice).value),
            pressure=self.query_one("#pressure", Choice).value or "",
            flags=list(self.query_one("#flags", Checks).selected),
        )

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    def action_save(self) -> None:
        form = self._form()
        who = self.client.name if self.client else (form["name"].strip() or "the new client")
        try:
            if self.client is None:
                saved = self.scheduler.add_client(**form)
            else:
                saved = self.scheduler.update_client(self.client.id, **form)
        except SchedulerError as exc:
            self._say(f"[$error]✖ {plain(who)}: {plain(exc.reason)}[/] (nothing saved; your typing is kept)")
            return
        self.show_client(saved)
        self.reload()
        self._say(f"[$success]✔ saved {plain(saved.name)}[/]")

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
                self._show_referrals()
                self._say(f"[$success]✔ referral added for {plain(client.name)}: {ref.visits} visits until {ref.expires}[/]")

        self.app.push_screen(ReferralScreen(self.scheduler, client), added)

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        {"save": self.action_save, "new": self.action_new, "referral": self.action_referral}[event.name]()


class ReferralScreen(Dialog):
    """A new referral (prescription) for a client: how many visits, until when, by whom, for what."""

    BINDINGS = [Binding("ctrl+s", "add", "Add", id="referral.add")]

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
                yield Static(id="problems", classes="problems")
            yield ButtonBar(("Add ^s", "add"), ("Close esc", "close"))

    def on_mount(self) -> None:
        self.query_one("#ref-visits", Input).focus()

    def action_add(self) -> None:
        visits = self.query_one("#ref-visits", Input).value
        try:
            ref = self.scheduler.add_referral(self.client.id, int(visits) if visits.isdigit() else 0,
                                              self.query_one("#ref-expires", Input).value,
                                              prescriber=self.query_one("#ref-prescriber", Input).value,
                                              area=self.query_one("#ref-area", Input).value)
        except SchedulerError as exc:
            self.query_one("#problems", Static).update(
                f"[$error]✖ referral for {plain(self.client.name)}: {plain(exc.reason)}[/] (nothing saved)")
            return
        self.dismiss(ref)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_add()

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        self.action_add() if event.name == "add" else self.dismiss(None)

"""Clients: search, add, edit contact, payer, flags, pressure and notes, and their referrals."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option

from ...core.errors import SchedulerError
from ...core.model import FLAGS, PRESSURES, Client, Payer
from ...services import Scheduler
from .live import Live


def field(label: str, widget: Widget) -> Horizontal:
    return Horizontal(Label(label), widget, classes="field")


class ClientsScreen(Live, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Calendar", id="clients.close"),
        Binding("ctrl+s", "save", "Save", id="clients.save"),
        Binding("ctrl+n", "new", "New client", id="clients.new"),
    ]

    def __init__(self, scheduler: Scheduler):
        super().__init__()
        self.scheduler = scheduler
        self.clients: list[Client] = []
        self.client: Client | None = None  # None: the form is for a new client

    def compose(self) -> ComposeResult:
        yield Static("[b]Clients[/b] · type to search · Enter opens · ^s saves · ^n new · Esc back", id="topbar")
        with Horizontal(id="clients"):
            with Vertical(id="client-list"):
                yield Input(placeholder="search name or phone", id="search", compact=True)
                yield OptionList(id="found")
            with VerticalScroll(id="client-form"):
                yield Static(id="heading")
                yield Static(id="message", classes="problems")  # at the top: a refusal is seen at once
                yield Static(id="referrals", classes="info")  # visits left: what the desk asks about most
                yield field("Name", Input(id="name", compact=True))
                yield field("Phone", Input(id="phone", compact=True))
                yield field("Email", Input(id="email", compact=True))
                yield field("Payer", Select([(p.value, p.value) for p in Payer], value=Payer.SELF_PAY.value,
                                            allow_blank=False, id="payer", compact=True))
                yield field("Pressure", Select([(p, p) for p in PRESSURES], prompt="not said", id="pressure",
                                               compact=True))
                yield field("Notes", Input(id="notes", compact=True))
                yield Label("Flags (talk to the doctor first):")
                yield SelectionList(*[(text, code) for code, text in FLAGS.items()], id="flags", compact=True)
                yield Label("New referral:")
                yield field("Visits", Input(id="ref-visits", type="integer", compact=True))
                yield field("Expires", Input(placeholder="YYYY-MM-DD", id="ref-expires", compact=True))
                yield field("Prescriber", Input(id="ref-prescriber", compact=True))
                yield field("Area", Input(placeholder="low back, neck...", id="ref-area", compact=True))
                with Horizontal(classes="buttons"):
                    yield Button("Save  ^s", id="save", variant="primary", compact=True)
                    yield Button("Add referral", id="add-referral", compact=True)
                    yield Button("New  ^n", id="new", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.show_client(None)
        self.query_one("#search", Input).focus()

    def on_data_changed(self, changed: bool) -> None:
        if changed:
            self.reload()

    def reload(self) -> None:
        self.clients = self.scheduler.clients()
        self._list(self.query_one("#search", Input).value)

    def _list(self, text: str) -> None:
        folded = text.casefold().strip()
        found = [c for c in self.clients if folded in c.name.casefold() or (folded and folded in c.phone)]
        self.query_one("#found", OptionList).set_options(
            Option(c.name + (" ⚠" if c.flags else ""), id=c.id) for c in found)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self._list(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            found = self.query_one("#found", OptionList)
            if found.option_count:
                self._open(found.get_option_at_index(found.highlighted or 0).id)
        elif event.input.id.startswith("ref-"):
            self.add_referral()
        else:
            self.action_save()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option.id)

    def _open(self, client_id: str) -> None:
        self.show_client(next((c for c in self.clients if c.id == client_id), None))
        self.query_one("#name", Input).focus()

    def show_client(self, client: Client | None) -> None:
        """Fill the form from a client, or empty it for a new one."""
        self.client = client
        self.query_one("#heading", Static).update(f"[b]{client.name}[/b] · {client.id}" if client else "[b]New client[/b]")
        for name in ("name", "phone", "email", "notes"):
            self.query_one(f"#{name}", Input).value = getattr(client, name) if client else ""
        self.query_one("#payer", Select).value = client.payer.value if client else Payer.SELF_PAY.value
        self.query_one("#pressure", Select).value = client.pressure if client and client.pressure else Select.NULL
        flags = self.query_one("#flags", SelectionList)
        flags.deselect_all()
        for code in client.flags if client else ():
            flags.select(code)
        self._show_referrals()

    def _show_referrals(self) -> None:
        if self.client is None:
            self.query_one("#referrals", Static).update("")
            return
        rows = self.scheduler.referral_standings(client=self.client.id)
        marks = {"active": "[$success]✔ active[/]", "used up": "[$warning]⚠ used up[/]", "expired": "[dim]expired[/dim]"}
        lines = [f"{marks.get(r['state'], r['state'])} · {r['used']} used, {r['left']} of {r['visits']} visits left · "
                 f"{r['issued']} to {r['expires']}" + (f" · {r['prescriber']}" if r["prescriber"] else "")
                 + (f" · {r['area']}" if r["area"] else "") for r in rows]
        self.query_one("#referrals", Static).update("[b]Referrals[/b]\n" + "\n".join(lines) if lines
                                                    else "Referrals: none")

    def _form(self) -> dict:
        pressure = self.query_one("#pressure", Select).value
        return dict(
            name=self.query_one("#name", Input).value,
            phone=self.query_one("#phone", Input).value,
            email=self.query_one("#email", Input).value,
            notes=self.query_one("#notes", Input).value,
            payer=str(self.query_one("#payer", Select).value),
            pressure="" if pressure is Select.NULL else str(pressure),
            flags=list(self.query_one("#flags", SelectionList).selected),
        )

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    def action_save(self) -> None:
        form = self._form()
        try:
            if self.client is None:
                saved = self.scheduler.add_client(**form)
            else:
                saved = self.scheduler.update_client(self.client.id, **form)
        except SchedulerError as exc:
            self._say(f"[$error]✖ {exc.reason}[/] (nothing saved; your typing is kept)")
            return
        self.reload()
        self.show_client(saved)
        self._say(f"[$success]✔ saved {saved.name}[/]")

    def action_new(self) -> None:
        self.show_client(None)
        self._say("")
        self.query_one("#name", Input).focus()

    def add_referral(self) -> None:
        if self.client is None:
            self._say("[$error]✖ save the client first[/]")
            return
        visits = self.query_one("#ref-visits", Input).value
        try:
            self.scheduler.add_referral(self.client.id, int(visits) if visits.isdigit() else 0,
                                        self.query_one("#ref-expires", Input).value,
                                        prescriber=self.query_one("#ref-prescriber", Input).value,
                                        area=self.query_one("#ref-area", Input).value)
        except SchedulerError as exc:
            self._say(f"[$error]✖ {exc.reason}[/]")
            return
        for name in ("ref-visits", "ref-expires", "ref-prescriber", "ref-area"):
            self.query_one(f"#{name}", Input).value = ""
        self._show_referrals()
        self._say("[$success]✔ referral added[/]")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"save": self.action_save, "new": self.action_new, "add-referral": self.add_referral}[event.button.id]()

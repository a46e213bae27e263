"""One appointment's visit note: the signed SOAP note as it stands, its earlier versions, and an editor that
signs a new version (an addendum beside the earlier ones, never an overwrite).

A note's text is health information: it is shown here and nowhere else (never in a notification, the key
line or a log line). The dialog answers True when a version was signed, False otherwise.
"""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from ...core.errors import SchedulerError
from ...core.model import PRESSURES
from ...services import Scheduler
from .fields import LABEL_WIDTH, ButtonBar, Choice, TextField
from .prompts import Dialog, plain

# the sections in the order a therapist writes them, with the words the form shows
SECTIONS = (("subjective", "Subjective"), ("objective", "Objective"), ("assessment", "Assessment"),
            ("plan", "Plan"), ("areas", "Areas"), ("pressure", "Pressure"))
TYPED = SECTIONS[:5]  # typed in a line each; pressure is picked
NOT_SAID = ""


def signature(version: dict, count: int) -> str:
    """'signed by maya 2026-11-24 10:05 · version 2 (amends 1)'; an earlier one says it was amended since."""
    at = datetime.fromisoformat(version["signed_at"])
    n = version["version"]
    line = f"signed by {version['signed_by']} {at:%Y-%m-%d %H:%M} · version {n}"
    if n < count:
        return line + f" of {count}, amended since"
    return line + (f" (amends {n - 1})" if n > 1 else "")


def reading(version: dict) -> Table:
    """The sections of one version, each label beside its text, the text wrapped under itself."""
    table = Table.grid(padding=(0, 1))
    table.add_column(width=LABEL_WIDTH - 1, style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for name, label in SECTIONS:
        said = version.get(name, "")
        table.add_row(label, Text(said) if said else Text("—", style="dim"))
    return table


class NoteScreen(Dialog):
    """`NoteScreen(scheduler, appt_id)` shows the note (or the editor, when there is none yet and one may be
    written); `edit=True` opens on the editor, pre-filled from the note as it stands."""

    BINDINGS = [
        Binding("ctrl+s", "sign", "Sign", id="note.sign"),
        Binding("e", "edit", "Edit", id="note.edit"),
        Binding("left", "page(-1)", "Earlier version", id="note.earlier"),
        Binding("right", "page(1)", "Later version", id="note.later"),
    ]

    def __init__(self, scheduler: Scheduler, appt_id: str, edit: bool | None = None):
        super().__init__()
        self.scheduler, self.appt_id = scheduler, appt_id
        self.row = scheduler.describe([scheduler.get(appt_id)])[0]
        note = scheduler.note_of(appt_id)
        self.versions: list[dict] = note["versions"] if note else []
        self.refusal = scheduler.note_refusal(appt_id)  # why nothing can be signed now, or ''
        self.at = len(self.versions) - 1  # the version on screen
        self.editing = (not self.versions if edit is None else edit) and not self.refusal
        self.warned = False  # Esc once over unsigned typing says so; a second Esc closes

    # --- building --------------------------------------------------------------------------------

    def _title(self) -> str:
        r = self.row
        start, end = datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])
        who = r.get("therapist") or r.get("provider") or "?"
        return (f"[b]Note[/b] · {plain(r['client'])} · {start:%a %d %b %H:%M}-{end:%H:%M} · "
                f"{plain(r.get('modality') or r['kind'])} with {plain(who)}")

    def compose(self) -> ComposeResult:
        current = self.versions[-1] if self.versions else {}
        with Vertical(classes="dialog wide form", id="note"):
            yield Static(self._title(), id="note-title")
            yield Static(id="signature", classes="info")
            with VerticalScroll(classes="form-body", id="note-body"):
                yield Static(id="reading")
                for name, label in TYPED:
                    # select_on_focus off: a key pressed on arriving must not replace a signed section
                    yield TextField(label, current.get(name, ""), id=f"note-{name}", classes="editing",
                                    select_on_focus=False)
                yield Choice("Pressure", [("not said", NOT_SAID), *((p, p) for p in PRESSURES)],
                             current.get("pressure", NOT_SAID), id="note-pressure", classes="editing")
                yield Static(id="problems", classes="problems")
            yield ButtonBar(("Close esc", "close"))

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        """The editor or the version on screen, with the buttons that act on it."""
        for field in self.query(".editing"):
            field.display = self.editing
        self.query_one("#reading", Static).display = not self.editing
        bar = self.query_one(ButtonBar)
        signature_line = self.query_one("#signature", Static)
        count = len(self.versions)
        if self.editing:
            signature_line.update(f"signing makes version {count + 1} (amends {count})" if count
                                  else "a new note: signing makes version 1")
            bar.set_buttons(("Sign ^s", "sign"), ("Close esc", "close"))
            self.query_one(f"#note-{TYPED[0][0]}", Input).focus()
            return
        if self.versions:
            shown = self.versions[self.at]
            signature_line.update(signature(shown, count))
            self.query_one("#reading", Static).update(reading(shown))
        else:
            signature_line.update("no note yet")
            self.query_one("#reading", Static).update(Text(self.refusal))
        buttons = [("Edit e", "edit")] if not self.refusal else []
        if count > 1:
            buttons += [("Earlier ←", "earlier"), ("Later →", "later")]
        bar.set_buttons(*buttons, ("Close esc", "close"))
        self.query_one("#note-body").focus()
        self.refresh_bindings()

    # --- acting ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign":
            return self.editing
        if action == "edit":
            return not self.editing and not self.refusal
        if action == "page":
            return not self.editing and len(self.versions) > 1
        return True

    def action_edit(self) -> None:
        self.editing = True
        self._show()

    def action_page(self, step: int) -> None:
        self.at = max(0, min(self.at + step, len(self.versions) - 1))
        self._show()

    def _typed(self) -> dict[str, str]:
        typed = {name: self.query_one(f"#note-{name}", Input).value for name, _ in TYPED}
        typed["pressure"] = str(self.query_one("#note-pressure", Choice).value or NOT_SAID)
        return typed

    def _changed(self) -> bool:
        current = self.versions[-1] if self.versions else {}
        return any(value.strip() != current.get(name, "") for name, value in self._typed().items())

    def _say(self, text: str) -> None:
        self.query_one("#problems", Static).update(text)

    def action_sign(self) -> None:
        try:
            self.scheduler.write_note(self.appt_id, **self._typed())
        except SchedulerError as exc:
            self._say(f"[$error]✖ {plain(exc.reason)}[/] (nothing signed; your typing is kept)")
            return
        self.dismiss(True)

    def action_close(self) -> None:
        if self.editing and self._changed() and not self.warned:
            self.warned = True
            self._say("[$warning]⚠ not signed yet: ^s signs it, Esc again closes without signing[/]")
            return
        self.dismiss(False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()  # Enter goes on to the next section; only ^s signs

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        {"sign": self.action_sign, "edit": self.action_edit, "earlier": lambda: self.action_page(-1),
         "later": lambda: self.action_page(1), "close": self.action_close}[event.name]()

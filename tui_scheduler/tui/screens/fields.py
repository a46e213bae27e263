"""Form fields that are one widget each: a labelled input, a labelled pick-one field, a set of tick boxes
and a row of buttons.

Textual's Select is six widgets, a labelled Input three, and every Button one more; forms built from them
took four to six times as long to open as a bare form with as many inputs (`make bench`). These draw their
own lines. Every state is in the text, not only in colour: `[x]` / `[ ]`, `▼`, `▸`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

LABEL_WIDTH = 11
SHOWN_MATCHES = 40  # a pick list shows this many of the options that match what was typed


class TextField(Input):
    """A one-line input with its label drawn in its own left margin: one widget where a Horizontal, a
    Label and an Input were three (a form of a dozen fields opened twice as fast)."""

    DEFAULT_CSS = f"""
    TextField.-textual-compact {{ padding: 0 0 0 {LABEL_WIDTH}; width: 1fr; }}
    """

    def __init__(self, label: str, value: str = "", **options):
        super().__init__(value, compact=True, **options)
        self.label = label

    def render_lines(self, crop: Region) -> list[Strip]:
        strips = super().render_lines(crop)
        if crop.y == 0 and crop.x < LABEL_WIDTH and strips:
            label = Text(self.label.ljust(LABEL_WIDTH)[crop.x:], no_wrap=True, overflow="ellipsis")
            style = self.parent.rich_style if self.parent is not None else self.rich_style
            head = Strip(list(label.render(self.app.console)), LABEL_WIDTH - crop.x).apply_style(style)
            strips[0] = Strip.join([head, strips[0].crop(LABEL_WIDTH - crop.x)])
        return strips


class Choice(Widget, can_focus=True):
    """One of a list, on one line with its label: ←/→ step through the options; Enter, space or typing
    opens the list (typing narrows it). Posts `Choice.Changed` when a person changes the value; setting
    `value` in code does not."""

    DEFAULT_CSS = """
    Choice { height: 1; width: 1fr; }
    Choice:focus { background: $block-cursor-blurred-background; }
    Choice:disabled { color: $text-disabled; }
    """
    BINDINGS = [
        Binding("left", "step(-1)", show=False),
        Binding("right", "step(1)", show=False),
        Binding("enter,space", "open", "Choose", show=False),
    ]

    class Changed(Message):
        def __init__(self, choice: Choice, value: Hashable | None) -> None:
            super().__init__()
            self.choice, self.value = choice, value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, label: str, options: Iterable[tuple[str, Hashable]] = (), value: Hashable | None = None,
                 prompt: str = "choose", *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.label, self.prompt = label, prompt
        self._options: list[tuple[str, Hashable]] = list(options)
        self._value = value if any(v == value for _, v in self._options) else None
        self.typed: str | None = None  # what was typed to narrow the open list
        self.picker: PickList | None = None

    @property
    def options(self) -> list[tuple[str, Hashable]]:
        return self._options

    @property
    def value(self) -> Hashable | None:
        return self._value

    @value.setter
    def value(self, value: Hashable | None) -> None:
        self._value = value if any(v == value for _, v in self._options) else None
        self.refresh()

    @property
    def text(self) -> str:
        """The shown text of the value, or '' when nothing is chosen."""
        return next((t for t, v in self._options if v == self._value), "")

    def set_options(self, options: Iterable[tuple[str, Hashable]]) -> None:
        """New options; the value stays when it is still one of them."""
        self._options = list(options)
        self.value = self._value

    def render(self) -> Text:
        line = Text(self.label.ljust(LABEL_WIDTH), no_wrap=True, overflow="ellipsis")
        if self.typed is not None:
            line.append(self.typed + "▏", style="bold")
            line.append("  type to narrow, Enter chooses, Esc keeps", style="dim")
            return line
        if any(v == self._value for _, v in self._options):
            line.append(self.text)
        else:
            line.append(self.prompt, style="dim")
        room = self.size.width - line.cell_len - 2
        if room > 0:
            line.append(" " * room)
        line.append(" ▼")
        return line

    def _choose(self, value: Hashable | None) -> None:
        if value != self._value:
            self.value = value
            self.post_message(self.Changed(self, value))

    def action_step(self, step: int) -> None:
        values = [v for _, v in self._options]
        if not values:
            return
        at = values.index(self._value) + step if self._value in values else 0
        self._choose(values[max(0, min(at, len(values) - 1))])

    def action_open(self, typed: str = "") -> None:
        if self.typed is not None and self.picker is not None:  # Enter before the list took the focus
            self.picker.action_select()
            return
        if self.typed is not None or not self._options:
            return
        self.typed = typed
        self.refresh()
        self.picker = PickList(self)
        self.parent.mount(self.picker, after=self)

    def narrow(self, typed: str) -> None:
        self.typed = typed
        self.refresh()
        if self.picker is not None and self.picker.is_mounted:
            self.picker.fill()

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character not in (None, " "):
            event.stop()
            event.prevent_default()
            if self.typed is None:
                self.action_open(event.character)
            else:  # typed on before the list took the focus
                self.narrow(self.typed + event.character)

    def closed(self, value: Hashable | None, chosen: bool) -> None:
        """The list is gone: take what was chosen in it."""
        self.typed = None
        self.picker = None
        self.refresh()
        if chosen:
            self._choose(value)
        self.focus()


class PickList(OptionList):
    """A Choice's options below it while choosing; typing narrows them."""

    DEFAULT_CSS = f"""
    PickList {{ height: auto; max-height: 8; border: none; margin-left: {LABEL_WIDTH}; }}
    """
    BINDINGS = [
        Binding("escape", "keep", show=False),
        Binding("backspace", "erase", show=False),
    ]

    def __init__(self, choice: Choice):
        super().__init__(compact=True)
        self.choice = choice
        self.done = False

    def on_mount(self) -> None:
        self.fill()
        self.focus()

    def fill(self) -> None:
        # what was typed is looked for in the name, before any " · " that says more about it
        typed = (self.choice.typed or "").casefold()
        found = [(text, value) for text, value in self.choice.options
                 if typed in text.partition(" · ")[0].casefold()]
        self.values = [value for _, value in found[:SHOWN_MATCHES]]
        options: list = [Option(Text(text)) for text, _ in found[:SHOWN_MATCHES]]
        if len(found) > SHOWN_MATCHES:
            options.append(Option(f"… {len(found) - SHOWN_MATCHES} more: type to narrow", disabled=True))
        if not found:
            options.append(Option(f"nothing matches {self.choice.typed!r}", disabled=True))
        self.set_options(options)
        if self.choice.value in self.values:
            self.highlighted = self.values.index(self.choice.value)
        elif self.values:
            self.highlighted = 0

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character is not None:
            event.stop()
            event.prevent_default()
            self.choice.narrow((self.choice.typed or "") + event.character)

    def action_erase(self) -> None:
        self.choice.narrow((self.choice.typed or "")[:-1])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # the form hears of it as Choice.Changed
        self._close(self.values[event.option_index], chosen=True)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()

    def action_keep(self) -> None:
        self._close(None, chosen=False)

    def on_blur(self) -> None:
        self._close(None, chosen=False)

    def _close(self, value: Hashable | None, chosen: bool) -> None:
        if self.done:
            return
        self.done = True
        self.remove()
        self.choice.closed(value, chosen)


class Checks(Widget, can_focus=True):
    """Tick boxes, as many to a line as fit: `[x]` ticked, `[ ]` not, readable without colour. The
    arrows move, space or Enter ticks; `▸` marks the box the keys act on."""

    DEFAULT_CSS = """
    Checks { height: auto; width: 1fr; }
    """
    BINDINGS = [
        Binding("up", "move(0, -1)", show=False),
        Binding("down", "move(0, 1)", show=False),
        Binding("left", "move(-1, 0)", show=False),
        Binding("right", "move(1, 0)", show=False),
        Binding("space,enter", "toggle", "Tick", show=False),
    ]

    def __init__(self, items: Sequence[tuple[str, Hashable]], selected: Iterable[Hashable] = (), *,
                 title: str = "", id: str | None = None, classes: str | None = None):
        """`items` are (text, value) pairs; `title` is a line above the boxes."""
        super().__init__(id=id, classes=classes)
        self.items = list(items)
        self._on = set(selected)
        self.title = title
        self.cursor = 0

    @property
    def selected(self) -> list[Hashable]:
        return [value for _, value in self.items if value in self._on]

    def select(self, value: Hashable) -> None:
        self._on.add(value)
        self.refresh()

    def deselect_all(self) -> None:
        self._on.clear()
        self.refresh()

    def _cell(self) -> int:
        return max((cell_len(text) for text, _ in self.items), default=0) + 6  # "▸[x] " and a gap

    def _columns(self, width: int) -> int:
        return max(1, min(len(self.items), (width + 2) // self._cell()))

    def _rows(self, width: int) -> int:
        columns = self._columns(width)
        return -(-len(self.items) // columns)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._rows(width) + bool(self.title)

    def render(self) -> Text:
        width = self.size.width
        rows, cell = self._rows(width), self._cell()
        lines = [Text(self.title, no_wrap=True, overflow="ellipsis")] if self.title else []
        for row in range(rows):
            line = Text(no_wrap=True, overflow="ellipsis")
            for i in range(row, len(self.items), rows):
                text, value = self.items[i]
                here = self.has_focus and i == self.cursor
                box = f"{'▸' if here else ' '}[{'x' if value in self._on else ' '}] {text}"
                line.append(box + " " * (cell - cell_len(box)), style="reverse" if here else "")
            lines.append(line)
        return Text("\n", no_wrap=True).join(lines)

    def action_move(self, across: int, down: int) -> None:
        rows = self._rows(self.size.width)  # the boxes run down the first column, then the next
        row, column = self.cursor % rows + down, self.cursor // rows + across
        at = column * rows + row
        if 0 <= row < rows and column >= 0 and at < len(self.items):
            self.cursor = at
            self.refresh()

    def action_toggle(self) -> None:
        if not self.items:
            return
        value = self.items[self.cursor][1]
        self._on.symmetric_difference_update({value})
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class ButtonBar(Widget, can_focus=True):
    """A row of buttons drawn as one line (a Button is a widget of its own, and four of them took a
    quarter of a form's opening time). Each shows its key, which works anywhere in the form; Tab reaches
    the bar, ←/→ pick a button and Enter presses it; a click presses the one under the mouse."""

    DEFAULT_CSS = """
    ButtonBar { height: 1; width: 1fr; }
    """
    BINDINGS = [
        Binding("left", "step(-1)", show=False),
        Binding("right", "step(1)", show=False),
        Binding("enter,space", "press", show=False),
    ]
    GAP = 2

    class Pressed(Message):
        def __init__(self, bar: ButtonBar, name: str) -> None:
            super().__init__()
            self.bar, self.name = bar, name

        @property
        def control(self) -> ButtonBar:
            return self.bar

    def __init__(self, *buttons: tuple[str, str], id: str | None = "buttons"):
        """`buttons` are (text, name) pairs; the first is the form's main action."""
        super().__init__(id=id, classes="buttons")
        self.buttons = list(buttons)
        self.cursor = 0

    def set_buttons(self, *buttons: tuple[str, str]) -> None:
        self.buttons = list(buttons)
        self.cursor = min(self.cursor, len(self.buttons) - 1)
        self.refresh()

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        for i, (text, _) in enumerate(self.buttons):
            if i:
                line.append(" " * self.GAP)
            here = self.has_focus and i == self.cursor
            style = "reverse" + (" bold" if i == 0 else "") + (" underline" if here else "")
            line.append(f"{'▸' if here else ' '}{text} ", style=style)
        return line

    def _at(self, x: int) -> str | None:
        left = 0
        for text, name in self.buttons:
            right = left + cell_len(text) + 2
            if left <= x < right:
                return name
            left = right + self.GAP
        return None

    def on_click(self, event: events.Click) -> None:
        name = self._at(event.x)
        if name is not None:
            self.post_message(self.Pressed(self, name))

    def action_step(self, step: int) -> None:
        self.cursor = max(0, min(self.cursor + step, len(self.buttons) - 1))
        self.refresh()

    def action_press(self) -> None:
        self.post_message(self.Pressed(self, self.buttons[self.cursor][1]))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

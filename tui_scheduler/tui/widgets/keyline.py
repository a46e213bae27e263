"""The key bar: the keys that matter where the cursor is, then the way to everything else.

What does not fit ends in "? more" (help lists every key), never in a word cut short. On a tall terminal
the bar takes a second line rather than hide anything. One widget drawing lines, not Textual's Footer, which
mounts a widget per key and rebuilt them all whenever the cursor's keys changed (a large share of start-up).
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual.widget import Widget

HELP = "app.keys"  # the binding that opens help: its key ends the bar
TALL = 40  # rows from which the bar may take two lines
GAP = "  "


class Hint(NamedTuple):
    """One entry of the bar: the keys of these bindings (as the keymap has them) and what they do."""

    ids: tuple[str, ...]
    label: str


class KeyLine(Widget):
    DEFAULT_CSS = """
    KeyLine {
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.here: tuple[Hint, ...] = ()
        self.always: tuple[Hint, ...] = ()
        self._keys: dict[str, str] = {}  # binding id -> its (first) key as shown

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        keys = {i: shown[0] for i, shown in key_displays(screen).items()}
        if keys != self._keys:
            self._keys = keys
            self._fit_height()
            self.refresh()

    def show(self, here: tuple[Hint, ...], always: tuple[Hint, ...]) -> None:
        if (here, always) != (self.here, self.always):
            self.here, self.always = here, always
            self._fit_height()
            self.refresh()

    def on_resize(self) -> None:
        self._fit_height()

    def _entries(self, hints: tuple[Hint, ...]) -> list[tuple[str, str]]:
        entries = []
        for hint in hints:
            keys = [self._keys[i] for i in hint.ids if i in self._keys]
            if keys:
                entries.append((" ".join(keys), hint.label))
        return entries

    def _two_lines(self) -> bool:
        width = self.app.size.width
        every = self._entries(self.here + self.always) + [(self._keys.get(HELP, "?"), "Help")]
        return self.app.size.height >= TALL and _length(every) > width

    def _fit_height(self) -> None:
        height = 2 if self._two_lines() else 1
        if self.styles.height is None or self.styles.height.value != height:
            self.styles.height = height

    def render(self) -> Text:
        width = self.size.width
        help_key = self._keys.get(HELP, "?")
        if self._two_lines():
            first = _fitted(self._entries(self.here), width, help_key, ends_with_help=False)
            second = _fitted(self._entries(self.always), width, help_key, ends_with_help=True)
            return Text("\n", no_wrap=True).join([first, second])
        return _fitted(self._entries(self.here + self.always), width, help_key, ends_with_help=True)


def key_displays(screen) -> dict[str, list[str]]:
    """Binding id -> its keys as shown ("b", "^b", "⏎"), as the user's keymap has them, for the bindings in
    force on `screen` (its focused widget's, its own, the app's)."""
    keys: dict[str, list[str]] = {}
    for _node, bindings in screen._binding_chain:
        for chain in bindings.key_to_bindings.values():
            for binding in chain:
                if binding.id:
                    shown = keys.setdefault(binding.id, [])
                    display = _displays.get((binding.key, binding.key_display))
                    if display is None:  # Textual's formatting looks up Unicode names: worth keeping
                        display = _displays[binding.key, binding.key_display] = screen.app.get_key_display(binding)
                    if display not in shown:
                        shown.append(display)
    return keys


_displays: dict[tuple[str, str | None], str] = {}


def _length(entries: list[tuple[str, str]]) -> int:
    return sum(len(k) + 1 + len(label) for k, label in entries) + len(GAP) * max(len(entries) - 1, 0)


def _fitted(entries: list[tuple[str, str]], width: int, help_key: str, ends_with_help: bool) -> Text:
    """As many entries as fit, in order, then the help key: "? Help" when all are there, "? more" when not."""
    closing = (help_key, "Help") if ends_with_help else None
    if _length(entries + ([closing] if closing else [])) > width:
        more = (help_key, "more")
        shown: list[tuple[str, str]] = []
        for entry in entries:
            if _length(shown + [entry, more]) > width:
                break
            shown.append(entry)
        entries, closing = shown, more
    line = Text(no_wrap=True, overflow="crop")
    for i, (key, label) in enumerate(entries + ([closing] if closing else [])):
        if i:
            line.append(GAP)
        line.append(key, style="bold reverse")
        line.append(f" {label}")
    return line

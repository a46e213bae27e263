"""The keys in force, on one line: what Textual's Footer shows, without a widget per key.

Textual's Footer mounts a widget for every binding and rebuilds them all whenever the bindings change; on
the calendar, which changes them as the cursor moves, that was a large share of start-up and paging.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


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
        self._keys = Text()
        self._palette = Text()

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        keys = Text(no_wrap=True)
        seen = set()
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append(self.app.get_key_display(binding), style="bold")
            keys.append(f" {binding.description}  ")
        palette = Text(no_wrap=True)
        found = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if found and self.app.ENABLE_COMMAND_PALETTE:
            palette.append("▏")
            palette.append(self.app.get_key_display(found[1]), style="bold")
            palette.append(" palette")
        self._keys, self._palette = keys, palette
        self.refresh()

    def render(self) -> Text:
        """The keys, cut to leave the palette's key at the right edge."""
        room = max(self.size.width - self._palette.cell_len, 0)
        keys = self._keys.copy()
        keys.rstrip()
        keys.truncate(room, overflow="ellipsis", pad=True)
        return Text.assemble(keys, self._palette, no_wrap=True)

"""Screens that the app refreshes when the data folder changes.

The app's once-a-second poll runs on its own schedule, not the screen's: it can arrive while a screen is
still composing its widgets, or just after it was dismissed. A refresh is passed on only between the end
of the screen's mount and its unmount, so an early or late one is harmless on every screen.
"""

from __future__ import annotations


class Live:
    """Mixed in before the Textual screen class; the screen implements `on_data_changed(changed)`."""

    live = False

    def on_mount(self) -> None:
        # Textual calls every class's handler along the MRO, the screen's own first: this runs last
        self.live = True

    def on_unmount(self) -> None:
        self.live = False

    def data_changed(self, changed: bool) -> None:
        """The app's poll: `changed` when anyone committed since the last one."""
        if self.live:
            self.on_data_changed(changed)

    def on_data_changed(self, changed: bool) -> None:
        raise NotImplementedError

"""Reading in the background, so that a screen is on screen at once and its data follow."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.screen import Screen

T = TypeVar("T")


def read_then(screen: Screen, read: Callable[[], T], show: Callable[[T], None]) -> None:
    """`read()` in a thread (a service call), then `show(result)` on the app's loop, unless the screen
    was closed meanwhile."""

    def shown(result: T) -> None:
        if screen in screen.app.screen_stack:
            show(result)

    def work() -> None:
        result = read()
        screen.app.call_from_thread(shown, result)

    screen.run_worker(work, thread=True, group="read")

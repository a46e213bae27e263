"""The Textual app: the calendar, kept live for several front-desk users on one data folder."""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path
from time import perf_counter
from typing import Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import get_current_worker

from .. import paths
from ..core.errors import SchedulerError
from ..services import Scheduler
from .screens.calendar import CalendarScreen
from .screens.live import Live

log = logging.getLogger("tui_scheduler.tui")

KEYMAP_FILE = "keymap.toml"
POLL_SECONDS = 1.0  # another user's change shows within this, plus one load


def load_keymap(folder: Path) -> dict[str, str]:
    """Binding id -> keys from keymap.toml (`"book.session" = "b,ctrl+b"`, at the top or under [keymap])."""
    path = folder / KEYMAP_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("keymap %s ignored: %s", path, exc)
        return {}
    import tomllib  # only for those who have a keymap: start-up is measured in milliseconds

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        log.warning("keymap %s ignored: %s", path, exc)
        return {}
    table = data.get("keymap", data)
    return {str(k): str(v) for k, v in table.items() if isinstance(v, str)}


class SchedulerApp(App):
    TITLE = "tui-scheduler"
    CSS_PATH = "scheduler.tcss"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark,f1", "show_help", "Keys", show=False, id="app.keys"),
    ]

    # (waitlist entry, the slot free for it) for every waiting client who fits a free slot now
    waitlist_fits: reactive[tuple] = reactive(())

    def __init__(self, scheduler: Scheduler, keymap: dict[str, str] | None = None):
        # Start-up allocates much and frees little: collecting through it was about a tenth of the CPU
        # time to the first frame. The collector is off until the calendar is drawn.
        gc.disable()
        super().__init__()
        self.started = perf_counter()
        self.scheduler = scheduler
        self._stamp = scheduler.folder.revision_stamp()
        self._keys = keymap or {}
        if os.environ.get("SSH_CONNECTION"):
            self.animation_level = "none"  # nothing to animate over a slow link

    def get_default_screen(self) -> Screen:
        return CalendarScreen(self.scheduler)

    @property
    def calendar(self) -> CalendarScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    def on_mount(self) -> None:
        if self._keys:
            self.set_keymap(self._keys)
        self.set_interval(POLL_SECONDS, self.poll)
        # the collector, off for start-up, comes back with the first frame; this is for a first read that
        # failed (a damaged file), when that frame never shows a period
        self.set_timer(10, gc.enable)
        if not self.is_headless:
            _log_to_file()

    def on_calendar_screen_ready(self, message: CalendarScreen.Ready) -> None:
        if self.started is not None:
            log.info("started in %.0f ms", (perf_counter() - self.started) * 1000)
            self.started = None
            self.call_after_refresh(gc.enable)  # start-up is over (see __init__)
            # only once the calendar is drawn: the search holds the folder's lock the first read needs
            self.call_after_refresh(self.check_waitlist)

    def poll(self) -> None:
        """A commit by anyone (this app, another user, the CLI) replaces the revision file."""
        stamp = self.scheduler.folder.revision_stamp()
        changed = stamp != self._stamp
        self._stamp = stamp
        for screen in self.screen_stack:
            if isinstance(screen, Live):  # it passes the refresh on only while fully mounted
                screen.data_changed(changed)
        if changed:
            self.check_waitlist()

    @work(exclusive=True, thread=True, group="waitlist")
    def check_waitlist(self) -> None:
        """Who on the waitlist fits a free slot now: a search per entry, so off the event loop, and only
        after a change (a cancellation by anyone frees a slot)."""
        try:
            fits = tuple(self.scheduler.waitlist_matches())
        except SchedulerError as exc:
            log.warning("waitlist not checked: %s", exc.reason)
            return
        if not get_current_worker().is_cancelled:
            self.call_from_thread(setattr, self, "waitlist_fits", fits)

    def _handle_exception(self, error: Exception) -> None:
        """A front desk never gets a traceback: a refusal or a data-folder problem is said in one line,
        anything unexpected goes to the error log. Headless (tests) keeps Textual's fail-fast."""
        if self.is_headless:
            super()._handle_exception(error)
        elif isinstance(error, SchedulerError):
            self.notify(error.reason, severity="error", timeout=10)
        else:
            where = paths.log_exception(error)
            self.notify(f"unexpected error ({type(error).__name__}); details in {where}", severity="error",
                        timeout=10)

    def action_show_help(self) -> None:
        """Every key of the calendar, or of the screen in front when it lists its own; the same key (as the
        keymap has it) or Esc closes it again."""
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen if hasattr(self.screen, "KEYS_HELP") else self.calendar))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every binding of the calendar is in the command palette too, under its own name, and so are
        those of the screen in front."""
        yield from super().get_system_commands(screen)
        target = self.calendar
        for binding in target.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                yield SystemCommand(binding.description, binding.tooltip or f"key: {binding.key}",
                                    lambda action=binding.action: target.run_action(action))
        if screen is not target:
            for active in screen.active_bindings.values():
                if active.node is screen and active.enabled and active.binding.description:
                    yield SystemCommand(active.binding.description,
                                        active.binding.tooltip or f"key: {active.binding.key}",
                                        lambda action=active.binding.action: screen.run_action(action))


def _log_to_file() -> None:
    try:
        stream = paths.open_private_log(paths.log_file().with_name("app.log"))
    except OSError:
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def make_app(data_dir: str | Path, clock=None, keymap: dict[str, str] | None = None) -> SchedulerApp:
    """The one app factory, used by the CLI and the tests; the keymap defaults to the user's file."""
    keys = load_keymap(paths.config_dir()) if keymap is None else keymap
    return SchedulerApp(Scheduler(data_dir, clock=clock), keys)

"""How long each screen and form takes to open, beside a bare modal with as many fields, in one process:
`python -m bench.screen_probe DATA [ROUNDS] [NAMES]`.

The app runs headless at 80x24 on DATA (the demo practice). For each screen: the key that opens it goes to
the driver the way bench/tui_probe.py sends the next-week key, and the clock stops at the first rendered
frame that shows the new screen laid out (its last widget placed). Right before, a bare Textual
ModalScreen with the same number of Input fields is opened by a key in the same way, so a noisy neighbour
hurts both alike. Forms opened from another screen (a waitlist entry, hands-on minutes) are timed from
that screen. Prints one JSON line: {name: {"fields": n, "ms": [...], "bare_ms": [...], "cpu_ms": [...],
"bare_cpu_ms": [...]}}, the CPU times being the process's over the same spans.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.tui_probe import SIZE, _binding_key, _wait


def _a_client(clients) -> bool:
    """Open the first client: a referral is for the client on screen."""
    if not clients.clients:
        return False
    clients.show_client(clients.clients[0])
    return True


def _fulfilled_session(sheet) -> bool:
    """Highlight a fulfilled session on the day sheet, going back a day at a time: hands-on minutes are
    recorded for those only."""
    for _ in range(14):
        for i, row in enumerate(sheet.rows):
            if row["kind"] != "visit" and row["status"] == "fulfilled":
                sheet.query_one("#sheet").highlighted = i
                return True
        sheet.action_step(-1)
    return False


async def _a_noted_visit(clients) -> bool:
    """Open a client whose history has a note and highlight that visit: Enter opens its note."""
    sched = clients.scheduler
    for client in clients.clients:
        noted = [r for r in sched.client_history(client.id)["history"] if r["note_versions"]]
        if noted:
            clients.show_client(client)
            await clients.app.workers.wait_for_complete()
            listing = clients.query_one("#record")
            listing.focus()
            listing.highlighted = next(i for i in range(listing.option_count)
                                       if listing.get_option_at_index(i).id == noted[0]["id"])
            return True
    return False


def _a_staff_member(team) -> bool:
    """Open the first staff member: time off is theirs."""
    if not team.staff:
        return False
    team.open(next(iter(team.staff)))
    return True


def _a_flagged_client(clients) -> bool:
    """Open a client with a flag: a clearance is of one of them."""
    flagged = next((c for c in clients.clients if c.flags), None)
    if flagged is not None:
        clients.show_client(flagged)
    return flagged is not None


@dataclass(frozen=True)
class Opener:
    name: str
    fields: int  # what a person fills in or picks from: the bare modal gets as many Inputs
    action: str  # the binding's action on the screen it is opened from
    shown: str  # a selector of the widget that is laid out last on the new screen
    parent: str | None = None  # the opener whose screen this one is opened from
    prepare: Callable | None = None  # puts the parent screen where the key acts (not timed); may be async
    key: str | None = None  # the key, where a widget answers it rather than the screen's binding


OPENERS = (
    Opener("booking form (b)", 7, "book('session')", "#buttons"),
    Opener("visit form (v)", 6, "book('visit')", "#buttons"),
    Opener("series planner (S)", 9, "series", "#buttons"),
    Opener("clients (c)", 11, "clients", "#buttons"),
    Opener("clients: referral (^r)", 5, "referral", "#buttons", parent="clients (c)", prepare=_a_client),
    Opener("clients: clearance (^l)", 4, "clearance", "#buttons", parent="clients (c)", prepare=_a_flagged_client),
    Opener("clients: note (⏎)", 6, "", "#buttons", parent="clients (c)", prepare=_a_noted_visit, key="enter"),
    Opener("staff & rooms (T)", 8, "team", "#buttons"),
    Opener("staff & rooms: time off (^o)", 4, "time_off", "#buttons", parent="staff & rooms (T)",
           prepare=_a_staff_member),
    Opener("staff & rooms: closures (^l)", 4, "closures", "#buttons", parent="staff & rooms (T)"),
    Opener("waitlist (W)", 1, "waitlist", "#entries"),
    Opener("waitlist: add (a)", 7, "add", "#buttons", parent="waitlist (W)"),
    Opener("day sheet (D)", 1, "day_sheet", "#row-info"),
    Opener("day sheet: hands-on (h)", 2, "hands_on", "#buttons", parent="day sheet (D)",
           prepare=_fulfilled_session),
    Opener("filter (f)", 3, "filter", "#clear"),
    Opener("go to date (g)", 1, "go_to_date", "#date"),
)


def main(argv: list[str]) -> int:
    data = argv[0]
    rounds = int(argv[1]) if len(argv) > 1 else 5
    wanted = set(argv[2].split(",")) if len(argv) > 2 and argv[2] else None
    openers = [o for o in OPENERS if wanted is None or o.name.split(" (")[0] in wanted]

    from textual import events
    from textual.app import ComposeResult
    from textual.containers import Vertical
    from textual.screen import ModalScreen
    from textual.widgets import Input

    from tui_scheduler.tui.app import make_app

    class BareForm(ModalScreen):
        BINDINGS = [("escape", "app.pop_screen")]
        DEFAULT_CSS = "BareForm { align: center middle; } BareForm > Vertical { width: 64; height: auto; }"

        def __init__(self, fields: int):
            super().__init__()
            self.fields = fields

        def compose(self) -> ComposeResult:
            with Vertical():
                for i in range(self.fields):
                    yield Input(placeholder=f"field {i}", id=f"f{i}", compact=True)

    app = make_app(data, keymap={})
    bare_fields = {"n": 1}
    app.bind("f12", "probe_bare", show=False)
    app.action_probe_bare = lambda: app.push_screen(BareForm(bare_fields["n"]))

    frames: dict = {"after": None, "at": None}
    display = app._display

    def timed_display(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is not None and frames["at"] is None and frames["after"] is not None and frames["after"]():
            frames["at"], frames["cpu"] = time.perf_counter(), time.process_time()

    app._display = timed_display

    def laid_out(screen, selector: str) -> bool:
        if app.screen is not screen:
            return False
        found = screen.query(selector)
        return bool(found) and found.first().region.height > 0

    async def send(key: str) -> None:
        key_event = events.Key(key, key if len(key) == 1 else None)
        key_event.set_sender(app)
        app._driver.send_message(key_event)

    async def quiet(pilot) -> None:
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()

    async def time_open(pilot, key: str, selector: str) -> tuple[float, float, object]:
        """Milliseconds from the key to the first frame of the new screen with `selector` laid out, and the
        CPU time the process spent meanwhile (steadier than the wall clock on a busy machine)."""
        before = app.screen
        frames["at"] = None
        frames["after"] = lambda: app.screen is not before and laid_out(app.screen, selector)
        began, cpu = time.perf_counter(), time.process_time()
        await send(key)
        try:
            await _wait(lambda: frames["at"] is not None, timeout=30)
        except SystemExit:
            raise SystemExit(f"{type(before).__name__}: {key!r} did not open a screen with {selector} laid out")
        return (frames["at"] - began) * 1000, (frames["cpu"] - cpu) * 1000, app.screen

    async def close(pilot, screen) -> None:
        await quiet(pilot)
        await send("escape")
        await _wait(lambda: app.screen is not screen)
        await quiet(pilot)

    results = {o.name: {"fields": o.fields, "ms": [], "bare_ms": [], "cpu_ms": [], "bare_cpu_ms": []}
               for o in openers}
    by_name = {o.name: o for o in OPENERS}

    async def run() -> None:
        async with app.run_test(headless=True, size=SIZE) as pilot:
            calendar = app.screen
            await _wait(lambda: getattr(calendar, "period", None) is not None)
            await quiet(pilot)
            for _ in range(rounds):
                for o in openers:
                    parents = []
                    if o.parent:  # open the screen it lives on first (not timed)
                        parent = by_name[o.parent]
                        *_, opened = await time_open(pilot, _binding_key(app.screen, parent.action), parent.shown)
                        parents.append(opened)
                        await quiet(pilot)
                        ready = o.prepare(opened) if o.prepare is not None else True
                        if asyncio.iscoroutine(ready):
                            ready = await ready
                        if not ready:
                            raise SystemExit(f"{o.name}: nothing on {parent.name} to open it on")
                        await quiet(pilot)
                    bare_fields["n"] = o.fields
                    ms, cpu, bare = await time_open(pilot, "f12", f"#f{o.fields - 1}")
                    results[o.name]["bare_ms"].append(ms)
                    results[o.name]["bare_cpu_ms"].append(cpu)
                    await close(pilot, bare)
                    ms, cpu, screen = await time_open(pilot, o.key or _binding_key(app.screen, o.action), o.shown)
                    results[o.name]["ms"].append(ms)
                    results[o.name]["cpu_ms"].append(cpu)
                    await close(pilot, screen)
                    for opened in reversed(parents):
                        await close(pilot, opened)

    asyncio.run(run())
    sys.stdout.write(json.dumps(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""One cold start of an app, headless, in its own process: `python -m bench.tui_probe MODE DATA [WEEKS]`.

MODE "ours" runs tui-scheduler's app on DATA; "bare" runs a Textual app that shows one Label. The probe
prints one JSON line: `ready` (time.monotonic() when the app's ready event was posted: for ours the
calendar screen's Ready, its first period on screen; for the bare app Textual's own Ready), `painted`
(ours: when the first frame showing the calendar was rendered), and with WEEKS > 0 the milliseconds from
the next-week key to the first frame showing the new week, in the week view. `maxrss_kb` is the process's
peak resident memory (VmHWM). The parent starts its clock just before spawning this process, so
`ready - start` is the whole cold start: interpreter, imports, reading the data folder, first paint.
`ready_cpu` and `painted_cpu` are the process's CPU seconds (all threads) at those moments: the work done,
which a busy machine does not stretch the way it stretches the wall clock.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

SIZE = (80, 24)  # the front desk's terminal over SSH


def _binding_key(screen, action: str) -> str:
    """The key bound to `action` right now (a keymap may have changed it)."""
    for key, bindings in screen._bindings.key_to_bindings.items():
        for b in bindings:
            if b.action == action:
                return key
    raise SystemExit(f"no key is bound to {action!r} on {type(screen).__name__}")


def _peak_rss_kb() -> int:
    """This process's peak RSS. Not ru_maxrss: that keeps the parent's peak from before exec (a bench
    process that has just generated 100,000 appointments would be counted); VmHWM starts afresh at exec."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def _wait(predicate, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise SystemExit("timed out waiting for the app")
        await asyncio.sleep(0.0005)


def main(argv: list[str]) -> int:
    mode, data = argv[0], argv[1]
    weeks = int(argv[2]) if len(argv) > 2 else 0
    result: dict = {}
    from textual import events

    if mode == "bare":
        from textual.app import App, ComposeResult
        from textual.widgets import Label

        class Bare(App):
            def compose(self) -> ComposeResult:
                yield Label("tui-scheduler")

        app = Bare()
        ready_type = events.Ready
        is_ready = lambda: "ready" in result  # noqa: E731
    else:
        from tui_scheduler.tui.app import make_app
        from tui_scheduler.tui.screens.calendar import CalendarScreen

        app = make_app(data, keymap={})
        ready_type = CalendarScreen.Ready

        def is_ready() -> bool:
            """The calendar on screen: its first period shown, in columns measured for the grid's real width."""
            screen = app.screen
            return getattr(screen, "period", None) is not None and screen.grid.measured_width == screen.grid.size.width

    def hook(message) -> None:
        if isinstance(message, ready_type) and "ready" not in result:
            result["ready"] = time.monotonic()
            result["ready_cpu"] = time.process_time()

    # A frame is "painted" when the compositor hands the app a rendered update (headless, it is built the
    # same way and then not written out); the first one after a change is the change on screen.
    # Counted from the start: the first frame that shows the calendar may be rendered before run_test hands
    # over the pilot (the first period is read and shown on mount, before the first layout).
    frames: dict = {"after": None if mode == "bare" else is_ready, "at": None}
    display = app._display

    def timed_display(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is not None and frames["at"] is None and frames["after"] is not None and frames["after"]():
            frames["at"] = time.perf_counter()
            frames["cpu"] = time.process_time()

    app._display = timed_display

    async def painted(changed, since_now: bool = True) -> float:
        """Wait until `changed()` holds and a frame has been rendered since (or, with `since_now` False, since
        the app began); return that frame's time."""
        if since_now:
            frames["after"], frames["at"] = changed, None
        await _wait(lambda: frames["at"] is not None)
        return frames["at"]

    async def run() -> None:
        async with app.run_test(headless=True, size=SIZE, message_hook=hook) as pilot:
            if mode == "bare":
                await _wait(lambda: "ready" in result)
            else:
                first = await painted(is_ready, since_now=False)
                result["painted"] = time.monotonic() - (time.perf_counter() - first)
                result["painted_cpu"] = frames["cpu"]
                result.setdefault("ready", result["painted"])  # the hook missed a post from a worker's callback
            if weeks and mode != "bare":
                screen = app.screen
                if not screen.week:
                    before = screen.period
                    await pilot.press(_binding_key(screen, "toggle_week"))
                    await _wait(lambda: screen.period is not before)
                    await pilot.pause()
                key = _binding_key(screen, "step_week(1)")
                result["next_week_key"] = key
                # as a person pages (the app has finished reading ahead), then keys back to back
                for name, settle in (("next_week_ms", True), ("next_week_rushed_ms", False)):
                    switches = []
                    for _ in range(weeks):
                        if settle:
                            await app.workers.wait_for_complete()
                        before = screen.period
                        began = time.perf_counter()
                        # the key goes in the way Pilot.press sends it, without Pilot's idle detection,
                        # which waits on CPU time and would time the test harness rather than the app
                        key_event = events.Key(key, key if len(key) == 1 else None)
                        key_event.set_sender(app)
                        app._driver.send_message(key_event)
                        done = await painted(lambda: screen.period is not before)
                        switches.append((done - began) * 1000)
                        assert len(screen.period.layout.days) == 7
                        await pilot.pause()
                    result[name] = switches
    asyncio.run(run())
    result["maxrss_kb"] = _peak_rss_kb()
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Pilot helpers: a small practice with a few bookings, the app on it with "now" fixed, rendered text."""

from __future__ import annotations

import asyncio
import functools
import time

import pytest

from tests.conftest import NOW, fixed, small_practice
from tui_scheduler.services import Scheduler
from tui_scheduler.tui.app import SchedulerApp, make_app

MONDAY = "2026-11-23"  # NOW is Monday 2026-11-23 08:00 in Chicago


def pilot_test(body):
    """Run an async test body in its own event loop (no pytest plugin needed)."""

    @functools.wraps(body)
    def run(*args, **kwargs):
        return asyncio.run(body(*args, **kwargs))

    return run


@pytest.fixture
def practice(tmp_path) -> Scheduler:
    """Monday: Ben in Willow 08:00-09:30, Ann in Cedar 09:00-10:00, Cara's chiropractic visit 10:00-10:45
    with Daniel's spot work at 10:15."""
    s = small_practice(tmp_path / "data")
    s.book_session("Ben", "Daniel", "Willow", "lymph-drainage", f"{MONDAY} 08:00", 90, override="cleared by Dr. Chen")
    s.book_session("Ann", "Maya", "Cedar", "swedish", f"{MONDAY} 09:00", 60)
    visit = s.book_visit("Cara", "Dr Patel", "Adjusting", f"{MONDAY} 10:00", 45)
    s.book_spot(visit.id, "Daniel", f"{MONDAY} 10:15", region="neck", override="referral on its way")
    return s


def app_for(sched: Scheduler, **keys) -> SchedulerApp:
    app = make_app(sched.folder.path, clock=fixed(NOW), keymap=keys or {})
    app.cursor_blink = False
    return app


async def settle(pilot) -> None:
    """Let loads (thread workers) finish and the screen catch up."""
    app = pilot.app
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def until(pilot, check, what: str, timeout: float = 60.0) -> None:
    """Wait for `check()` to hold, letting loads and the once-a-second poll run. The timeout is only a
    backstop for a hung app: a busy machine may be slow, and how slow is for `make bench` to measure."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await pilot.pause(0.05)
        await pilot.app.workers.wait_for_complete()


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def screen_text(app) -> str:
    update = app.screen._compositor.render_full_update(simplify=True)
    return "\n".join("".join(seg.text for strip in row for seg in strip) for row in update.strips)


def grid(app):
    from tui_scheduler.tui.widgets.calendar import CalendarGrid

    return app.screen_stack[0].query_one(CalendarGrid)


async def cursor_to(pilot, column_name: str, hhmm: str) -> None:
    """Put the calendar cursor on a column (room or staff name) of the shown day at a time."""
    g = grid(pilot.app)
    layout = g.placed
    x = next(i for i in range(layout.width) if layout.where(i)[1].name == column_name
             and layout.where(i)[0] == pilot.app.screen_stack[0].anchor)
    hour, minute = map(int, hhmm.split(":"))
    g.cursor = (x, (hour * 60 + minute - layout.first_minute) // layout.grid)
    await settle(pilot)


def notices(app) -> str:
    """Every notification shown so far, one per line (toasts may cover each other on screen)."""
    return "\n".join(n.message for n in app._notifications)


def region_text(app, selector: str) -> str:
    """The rendered text inside a widget's box (a dialog, a pane) as one line: what wraps reads on."""
    region = app.screen.query_one(selector).region
    rows = screen_text(app).splitlines()[region.y:region.bottom]
    return " ".join(" ".join(row[region.x + 1:region.right - 1] for row in rows).split())


def told(app) -> list[str]:
    """Every notification the app gives from now on, kept: a toast expires after a few seconds, which a
    loaded machine can spend between the key and the assertion."""
    said: list[str] = []
    notify = app.notify

    def keep(message, *args, **kwargs):
        said.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = keep
    return said

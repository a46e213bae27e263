"""One front-desk person in their own process: the real app (Pilot), booking a slot when told to.

`python -m tests.torture.desk FOLDER CLIENT GO_FILE OUT_FILE`: opens the app on FOLDER with "now" fixed,
fills the booking form for CLIENT at Tuesday 10:00 in Cedar, writes OUT_FILE.ready, waits for GO_FILE,
presses Book, then waits for the once-a-second refresh and writes what happened and what it shows.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from tests.conftest import NOW, fixed
from tests.tui.conftest import cursor_to, notices, press, screen_text, settle, until
from tui_scheduler.tui.app import make_app


async def main(folder: str, client: str, go: Path, out: Path) -> None:
    app = make_app(folder, clock=fixed(NOW), keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await cursor_to(pilot, "Cedar", "10:00")
        await press(pilot, "b")
        form = app.screen
        await pilot.press(*client.lower(), "enter")
        await settle(pilot)
        form.query_one("#override").value = "two desks at once"
        out.with_suffix(".ready").write_text("ready")
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        await press(pilot, "ctrl+s")
        booked = app.screen is not form
        said = notices(app) + "\n" + screen_text(app)
        if not booked:
            await press(pilot, "escape")
        # another desk's booking shows after the next poll: wait until the calendar shows what is saved
        saved = sorted(a.id for a in app.scheduler.appointments(*app.scheduler.day_span(NOW.date().replace(day=24))))
        await until(pilot, lambda: sorted(app.screen_stack[0].period.appointments) == saved,
                    "the calendar shows what is saved", timeout=120)
        shown = sorted(app.screen_stack[0].period.appointments)
        out.write_text(json.dumps({"booked": booked, "said": said, "shown": shown}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])))

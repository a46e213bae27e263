"""The calendar: day and week views at 80x24 and 160x50, navigation, columns, filters, live refresh."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import NOW
from tui_scheduler.tui.app import load_keymap

from .conftest import app_for, cursor_to, grid, notices, pilot_test, press, screen_text, settle, until


def rows_of(text: str) -> list[str]:
    return text.splitlines()


@pilot_test
async def test_the_first_frame_already_shows_the_days_columns(practice):
    """The first period is read on mount, before the first layout: the first frame drawn must show it in
    columns as wide as the screen gives, not in one column measured before the grid had a size."""
    app = app_for(practice)
    first: list[str] = []
    display = app._display

    def recording(screen, update) -> None:
        if update is not None and not first and getattr(screen, "period", None) is not None:
            first.append(screen.grid.render_line(1).text)  # the rooms' header, as this frame draws it
        display(screen, update)

    app._display = recording
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert first and first[0].split() == ["Adjusting", "Cedar", "Gym", "Willow"], first
        assert first[0] == grid(app).render_line(1).text


@pilot_test
async def test_day_view_80x24_shows_rooms_blocks_turnover_and_now(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        lines = rows_of(text)
        assert "Test Clinic │ Monday 23 November 2026 │ day · by room" in lines[0]
        assert lines[2].split() == ["Adjusting", "Cedar", "Gym", "Willow"]
        now_row = next(line for line in lines if line.startswith("08:00"))
        assert now_row.startswith("08:00▶")  # now is 08:00 on the shown day
        assert "B Ben Flag" in now_row
        nine = next(line for line in lines if line.startswith("09:00"))
        assert "B Ann Self" in nine
        # Ben's 90 minutes end at 09:30; Willow then turns over until 09:45
        half_past_nine = lines[lines.index(nine) + 2]
        assert "░░░░" in half_past_nine
        ten_fifteen = next(line for line in lines if line.startswith("  :15") and "▸" in line and "neck" in line)
        assert "B▸Daniel neck" in ten_fifteen  # spot work drawn inside Cara's visit
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)


@pilot_test
async def test_day_view_160x50_has_full_details(practice):
    app = app_for(practice)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "│swedish · Maya" in text
        assert "│09:00-10:00" in text
        assert "│lymph-drainage · Daniel" in text
        layout = grid(app).placed
        assert (layout.first_minute, layout.rows) == (8 * 60, 44)  # 08:00 to 19:00, the opening hours
        assert "18:00" in text and "19:00" not in text


@pilot_test
async def test_week_view_at_both_sizes_pages_rooms_instead_of_squeezing_them(practice):
    for size, per_day in (((80, 24), 1), ((160, 50), 2)):
        app = app_for(practice)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await cursor_to(pilot, "Willow", "08:00")
            await press(pilot, "w")
            lines = rows_of(screen_text(app))
            assert "Week 48" in lines[0] and "week · by room" in lines[0]
            assert "Mon 23" in lines[1] and "•" in lines[1].split("Tue")[0]  # today marked
            assert "Sun 29" in lines[1]  # the last day whole, not "Sun 2"
            layout = grid(app).placed
            assert len(layout.days) == 7 and layout.width == 28  # every room is placed; a page is shown
            assert grid(app).per_page == per_day
            names = lines[2].split()
            assert len(names) == 7 * per_day and "Willow" in names  # the cursor's room, on every day
            eight = next(line for line in lines if line.startswith("08:00"))
            assert "B Ben F" in eight and "·" in eight  # Ben, by a name; Saturday morning is closed
            assert "[ ] More rooms" in "\n".join(lines[-2:])  # one key line at 80x24, two at 160x50
            await press(pilot, "right_square_bracket")  # Willow is the last room: round to the first
            assert rows_of(screen_text(app))[2].split()[0] == "Adjusting"
            assert grid(app).slot.column_id in [c.id for c in layout.columns[:per_day]]  # the cursor went along
            await press(pilot, "left_square_bracket")
            assert "Willow" in rows_of(screen_text(app))[2].split()
            await press(pilot, "end")  # the last row of the day: on screen, not under a scrollbar
            shown = rows_of(screen_text(app))
            last = shown[-3] if size[1] < 40 else shown[-4]  # above the info line and the key line(s)
            assert last.startswith("  :45") and "▸" in last, shown[-5:]


@pilot_test
async def test_navigation_days_weeks_today_and_date(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        days = lambda: [str(d) for d in grid(app).placed.days]  # noqa: E731
        await press(pilot, "n")
        assert days() == ["2026-11-24"]
        await press(pilot, "p", "p")
        assert days() == ["2026-11-22"]
        await press(pilot, "t")
        assert days() == ["2026-11-23"]
        await press(pilot, "N")
        assert days() == ["2026-11-30"]
        await press(pilot, "w", "n")
        assert days()[0] == "2026-12-07" and len(days()) == 7
        await press(pilot, "g")
        await pilot.press(*"2027-01-05", "enter")
        await settle(pilot)
        assert days()[0] == "2027-01-04"  # the Monday of that week
        await press(pilot, "w")
        assert days() == ["2027-01-05"]


@pilot_test
async def test_cursor_moves_and_shows_the_appointment(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:30")
        info = rows_of(screen_text(app))[-2]
        assert "09:00-10:00 B booked · Ann Self · not confirmed · swedish · Maya · Cedar" in info
        await press(pilot, "down", "down")
        assert "turnover" in rows_of(screen_text(app))[-2]
        await press(pilot, "right")
        assert "Gym" in rows_of(screen_text(app))[-2]


@pilot_test
async def test_staff_columns_and_filters(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "r")
        lines = rows_of(screen_text(app))
        assert "by staff" in lines[0]
        assert lines[2].split() == ["Daniel", "Maya", "Dr", "Patel", "Lena"]
        assert "B Cara Ins (spot)" in screen_text(app)  # a spot stands alone in its therapist's column
        await press(pilot, "w")  # a week's narrow columns: the spot keeps the client's name, marked ▸
        assert "B▸Cara" in screen_text(app) and "BCI" not in screen_text(app)
        await press(pilot, "w")
        await press(pilot, "f")
        therapist = app.screen.query_one("#therapist")
        maya = next(s.id for s in practice.staff() if s.name == "Maya")
        therapist.value = maya
        await press(pilot, "ctrl+s")
        lines = rows_of(screen_text(app))
        assert "only Maya" in lines[0]
        assert lines[2].split() == ["Maya"]
        assert "Ann Self" in screen_text(app) and "Ben Flag" not in screen_text(app)
        await press(pilot, "r")  # by room, still only Maya's appointments
        assert "Ann Self" in screen_text(app) and "Cara Ins" not in screen_text(app)
        await press(pilot, "f")
        await pilot.click("#clear")
        await settle(pilot)
        assert "Cara Ins" in screen_text(app) and "only" not in rows_of(screen_text(app))[0]


@pilot_test
async def test_modality_filter(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        app.screen.query_one("#modality").value = "lymph-drainage"
        await press(pilot, "ctrl+s")
        text = screen_text(app)
        assert "Ben Flag" in text and "Ann Self" not in text and "Cara" not in text


@pilot_test
async def test_a_booking_by_another_process_appears_within_two_seconds(practice):
    app = app_for(practice)
    exe = Path(sys.executable).with_name("tui-scheduler")
    env = {**os.environ, "TUI_SCHEDULER_DATA": str(practice.folder.path), "TUI_SCHEDULER_NOW": NOW.isoformat()}
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Dan Hsa" not in screen_text(app)
        done = subprocess.run([str(exe), "book", "session", "--client", "Dan", "--therapist", "Maya", "--room",
                               "Cedar", "--modality", "swedish", "--start", "2026-11-23 11:00",
                               "--minutes", "60", "--override", "referral faxed"],
                              capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        await until(pilot, lambda: "Dan Hsa" in screen_text(app), "the CLI's booking shows in the app")
        assert done.stdout.strip() in app.screen.period.appointments


@pilot_test
async def test_a_damaged_file_written_behind_its_back_is_reported_and_the_app_keeps_going(practice):
    app = app_for(practice)
    month = practice.folder.path / "appointments" / "2026-11.json"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Ann Self" in screen_text(app)
        damaged = month.read_bytes()[:80]
        month.write_bytes(damaged)
        practice.add_room("Annex", "massage")  # any commit: the app sees the revision change and reloads
        await until(pilot, lambda: "2026-11.json is damaged" in notices(app), "the damage is reported")
        assert "Ann Self" in screen_text(app)  # what was on screen stays
        assert app.is_running and month.read_bytes() == damaged


@pilot_test
async def test_keymap_from_the_config_file(practice, tmp_path):
    (tmp_path / "keymap.toml").write_text('[keymap]\n"nav.next" = "j"\n"nav.prev" = "k"\n')
    keys = load_keymap(tmp_path)
    assert keys == {"nav.next": "j", "nav.prev": "k"}
    app = app_for(practice, **keys)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "j", "j", "k")
        assert [str(d) for d in grid(app).placed.days] == ["2026-11-24"]
        await press(pilot, "n")  # the default key is replaced, not added
        assert [str(d) for d in grid(app).placed.days] == ["2026-11-24"]


def test_a_broken_keymap_file_is_ignored(tmp_path):
    (tmp_path / "keymap.toml").write_text("this is = = not toml")
    assert load_keymap(tmp_path) == {}
    assert load_keymap(tmp_path / "missing") == {}

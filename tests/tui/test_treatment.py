"""Treatment plans in the app: next free time, referrals, series, waitlist, day sheet and billing units."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from tests.conftest import NOW
from tui_scheduler.core.model import Kind, Status

from .conftest import (MONDAY, app_for, cursor_to, grid, notices, pilot_test, press, region_text, screen_text, settle,
                       until)

TUESDAY = "2026-11-24"


def day_of(sched, day: str):
    return sched.appointments(*sched.day_span(date.fromisoformat(day)))


async def shown(pilot, text: str) -> bool:
    """Whether `text` comes on screen (a new screen's first layout can lag a press)."""
    await until(pilot, lambda: text in screen_text(pilot.app), f"{text!r} on screen")
    return True


def ident(sched, name: str) -> str:
    """The id of a client, staff member or room, by name."""
    for record in (*sched.clients(), *sched.staff(), *sched.rooms()):
        if record.name == name:
            return record.id
    raise KeyError(name)


@pilot_test
async def test_next_free_fills_the_form_and_books_with_the_referral_visit(practice):
    practice.add_referral("Cara", 6, "2027-01-15", issued="2026-11-01", prescriber="Dr. Chen")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Series", "Waitlist", "Day sheet", "Cancel rest of series"} <= titles
        await cursor_to(pilot, "Cedar", "09:00")  # Ann is there: not free
        await press(pilot, "b")
        form = app.screen
        await pilot.press(*"cara", "enter")
        await settle(pilot)
        assert "this booking: visit 1 of 6, expires 2027-01-15" in screen_text(app)  # before her 10:15 spot
        await press(pilot, "ctrl+f")
        picker = app.screen
        assert "Next free · 60 min swedish · Cara Ins" in screen_text(app)
        assert "Cedar" not in screen_text(app).split("Next free")[1].splitlines()[0]  # the room was a default
        chosen = picker.slots[1]
        await press(pilot, "down", "enter")
        assert app.screen is form
        assert form.query_one("#start").value == f"{chosen.start.astimezone(form.tz):%Y-%m-%d %H:%M}"
        assert (form.room, form.person) == (chosen.room_id, chosen.staff_id)
        assert form.query_one("#staff").value == chosen.staff_id and form.query_one("#room").value == chosen.room_id
        assert "✔ free" in screen_text(app)
        await press(pilot, "ctrl+s")
        booked = [a for a in day_of(practice, MONDAY) if a.kind == Kind.SESSION and a.client_id == form.client.id]
        assert [(a.start, a.staff_id, a.room_id) for a in booked] == [(chosen.start, chosen.staff_id, chosen.room_id)]
        note = practice.referral_note(booked[0])
        assert note.startswith("visit ") and note.endswith(" of 6, expires 2027-01-15")
        assert note in notices(app)  # the toast says which authorized visit this is


@pilot_test
async def test_the_client_screen_lists_referrals_with_visits_used_and_left(practice):
    practice.add_referral("Cara", 6, "2027-01-15", issued="2026-11-01", prescriber="Dr. Chen", area="neck")
    practice.add_referral("Cara", 4, "2026-11-20", issued="2026-10-01")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        await pilot.press(*"cara", "enter")
        await press(pilot, "end")  # the record's last lines: contact and referrals
        text = region_text(app, "#record")
        assert "Referral expired · 0 of 4 visits used, 4 left · 2026-10-01 to 2026-11-20" in text
        # her spot work on Monday uses one visit of the referral still valid
        assert "Referral ✔ active · 1 of 6 visits used, 5 left · 2026-11-01 to 2027-01-15 · Dr. Chen · neck" in text


@pilot_test
async def test_a_series_is_planned_first_and_booked_all_at_once_then_the_rest_cancelled(practice):
    practice.book_session("Ben", "Maya", "Cedar", "swedish", "2026-12-01 11:00", 60, override="cleared")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await cursor_to(pilot, "Cedar", "11:00")
        await press(pilot, "S")
        series = app.screen
        assert series.query_one("#start").value == f"{TUESDAY} 11:00"
        assert series.query_one("#room").value == ident(practice, "Cedar")
        series.query_one("#client").value = ident(practice, "Ann Self")
        series.query_one("#therapist").value = ident(practice, "Maya")
        series.query_one("#count").value = "3"
        await press(pilot, "ctrl+s")  # not planned yet: this plans, and books nothing
        assert app.screen is series
        plan = practice.plan_series("Ann", "Maya", "Cedar", "swedish", 60, f"{TUESDAY} 11:00", 7, 3)
        alternative = plan[1].alternative
        assert [item.free for item in plan] == [True, False, True] and alternative is not None
        text = screen_text(app)
        assert "✔ Tue 2026-11-24 11:00  free" in text and "✔ Tue 2026-12-08 11:00  free" in text
        assert "✖ Tue 2026-12-01 11:00  busy" in text  # in a word; the date's problems in full below the list
        assert "✖ Maya is busy Tue 2026-12-01 11:00-12:00" in text
        assert f"→ Tue 2026-12-01 {alternative.start.astimezone(series.tz):%H:%M}" in text
        assert "Nothing is booked yet: ^s books this plan." in text
        assert not [a for a in practice.appointments(NOW, NOW.replace(year=2027)) if a.series_id]

        await press(pilot, "ctrl+s")
        booked = [a for a in practice.appointments(NOW, NOW.replace(year=2027)) if a.series_id]
        assert len(booked) == 3 and len({a.series_id for a in booked}) == 1
        assert booked[1].start == alternative.start
        assert app.screen is app.screen_stack[0]
        assert "Booked 3 sessions of a series" in notices(app)

        assert grid(app).appointment_at_cursor().id == booked[0].id
        await press(pilot, "X")
        assert await shown(pilot, "and every later booked session")
        await press(pilot, "enter")
        assert {practice.get(a.id).status for a in booked} == {Status.CANCELLED}


@pilot_test
async def test_a_cancellation_by_another_process_offers_the_slot_to_the_waitlist(practice):
    practice.add_client("Eve Wait", "self-pay")
    practice.add_time_off("Maya", f"{TUESDAY} 10:00", f"{TUESDAY} 17:00", "course")
    taken = practice.book_session("Ann", "Maya", "Cedar", "swedish", f"{TUESDAY} 09:00", 60)
    practice.add_to_waitlist("Eve", 60, TUESDAY, TUESDAY, modality="swedish", therapist="Maya")
    assert practice.waitlist_matches() == []
    app = app_for(practice)
    exe = Path(sys.executable).with_name("tui-scheduler")
    env = {**os.environ, "TUI_SCHEDULER_DATA": str(practice.folder.path), "TUI_SCHEDULER_NOW": NOW.isoformat()}
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Waitlist:" not in screen_text(app)
        done = subprocess.run([str(exe), "cancel", taken.id], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        # the app polls the revision once a second
        await until(pilot, lambda: "Waitlist: 1 fit" in screen_text(app), "the waitlist badge")

        await press(pilot, "W")
        text = screen_text(app)
        assert "Eve Wait · 60 min swedish · Maya" in text
        assert "FREE NOW  Tue 2026-11-24 09:00-10:00 Maya ·" in text
        assert text.splitlines()[-1].startswith("b Book free slot  a Add  x Remove  esc Calendar"), text
        await press(pilot, "b")
        eve = ident(practice, "Eve Wait")
        booked = [a for a in day_of(practice, TUESDAY) if a.client_id == eve]
        assert [(a.start.astimezone(app.screen.tz).strftime("%H:%M"), a.staff_id) for a in booked] == [
            ("09:00", ident(practice, "Maya"))]
        assert practice.waitlist() == []
        assert "Booked Eve Wait Tue 2026-11-24 09:00 with Maya" in notices(app)
        assert "Nobody is waiting." in screen_text(app)


@pilot_test
async def test_the_day_sheet_shows_check_in_flags_referral_and_records_hands_on_units(practice):
    practice.add_referral("Cara", 6, "2027-01-15", issued="2026-11-01")
    ben = next(a for a in day_of(practice, MONDAY) if a.client_id == ident(practice, "Ben Flag"))
    practice.set_status(ben.id, "fulfilled")  # now is 08:00, when Ben's session starts
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "D")
        text = screen_text(app)
        assert "Day sheet · Mon 23 Nov 2026 · 4 appointments" in text
        line = next(line for line in text.splitlines() if "Ben Flag" in line)
        assert line.startswith(" 07:45 08:00 F Ben Flag Daniel") and "⚠1" in line  # one flag, named below
        # columns with nothing in them (phone, units, note) take no room: what the session is fits
        assert "10:00 10:15 B Cara Ins ▸Daniel  spot neck      Adjusting       visit 1 of 6" in text
        assert "07:45 check-in · 08:00-09:30 fulfilled session · Ben Flag" in text
        assert "⚠ osteoporosis (fracture risk)" in text

        await press(pilot, "down")  # Ann's session is booked, not fulfilled: nothing to bill yet
        await press(pilot, "h")
        assert app.screen.__class__.__name__ == "DaySheetScreen"
        assert "Ann Self 09:00 is booked, not fulfilled yet" in notices(app)  # says why, in one line
        await press(pilot, "up", "h")
        await pilot.press(*"38", "tab", *"15")
        await settle(pilot)
        assert "= 4 units (97124 3, 97140 1) by the 8-minute rule" in screen_text(app)
        await press(pilot, "ctrl+s")
        assert practice.get(ben.id).hands_on == {"97124": 38, "97140": 15}
        assert "Saved hands-on minutes for Ben Flag 08:00" in notices(app)  # said, not only shown
        text = screen_text(app)
        assert "hands-on 97124 38 min, 97140 15 min → 4 units (97124 3, 97140 1)" in text
        assert next(line for line in text.splitlines() if "Ben Flag" in line).rstrip().endswith("4")

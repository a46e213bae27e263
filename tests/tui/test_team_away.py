"""Staff & rooms at 80x24: time off and closures listed with the appointments they strand, added over
booked appointments only after the desk is shown them and says yes, removed with a key (time off from a
person's own calendar says where to remove it); NPI and licence; the screen's keys in its key line and help."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from tui_scheduler.core.model import TimeOff
from tui_scheduler.tui.screens.away import ClosuresScreen, TimeOffScreen

from .conftest import app_for, pilot_test, press, region_text, screen_text, settle


async def open_person(pilot, practice, name: str):
    await settle(pilot)
    await press(pilot, "T")
    screen = pilot.app.screen
    screen.open(next(s.id for s in practice.staff() if s.name == name))
    await settle(pilot)
    return screen


async def type_into(pilot, dialog, values: dict[str, str]) -> None:
    for ident, value in values.items():
        dialog.query_one(f"#{ident}").focus()
        await pilot.press(*value)
    await settle(pilot)


def listed(app) -> str:
    return region_text(app, "#entries-away")


@pilot_test
async def test_time_off_over_a_booked_client_shows_it_and_asks_first(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        team = await open_person(pilot, practice, "Maya")
        await press(pilot, "ctrl+o")
        dialog = app.screen
        assert isinstance(dialog, TimeOffScreen) and "Time off · Maya" in screen_text(app)
        assert "No time off ahead." in listed(app)
        await type_into(pilot, dialog, {"off-from": "2026-11-23 08:30", "off-to": "2026-11-23 12:00",
                                        "off-reason": "dentist"})
        await press(pilot, "ctrl+s")  # Ann is booked with Maya at 09:00
        question = region_text(app, ".dialog")
        assert "1 booked appointment then: Mon 23 Nov 09:00 Ann Self (swedish)" in question
        assert "Take Maya's time off anyway? They stay flagged on the calendar and the day sheet" in question
        await press(pilot, "n")
        assert app.screen is dialog and "nothing was saved; your typing is kept" in screen_text(app)
        assert dialog.query_one("#off-reason").value == "dentist"
        assert next(s for s in practice.staff() if s.name == "Maya").time_off == ()
        await press(pilot, "ctrl+s", "y")
        maya = next(s for s in practice.staff() if s.name == "Maya")
        assert [t.reason for t in maya.time_off] == ["dentist"]
        assert "✔ time off added for Maya: Mon 23 Nov 08:30-12:00 (the appointments it strands stay flagged" \
            in region_text(app, "#away")
        assert "Mon 23 Nov 08:30-12:00 · dentist · strands 1" in listed(app)
        assert "strands: Mon 23 Nov 09:00 Ann Self (swedish)" in screen_text(app)
        # time off over nobody's booking is taken without a question
        await type_into(pilot, dialog, {"off-from": "2026-11-27 00:00", "off-to": "2026-11-28 00:00",
                                        "off-reason": "course"})
        await press(pilot, "ctrl+s")
        assert app.screen is dialog
        assert "Fri 27 Nov 00:00 to Sat 28 Nov 00:00 · course" in listed(app)
        await press(pilot, "escape")
        assert app.screen is team
        assert "Off Mon 23 Nov 08:30-12:00: dentist" in screen_text(app)


@pilot_test
async def test_time_off_is_removed_with_a_key_but_calendar_time_off_says_where_it_comes_from(practice):
    with practice.ctx.write() as desk:  # what a sync of Maya's own calendar leaves
        maya = desk.find(desk.staff, "Maya", "staff member")
        busy = TimeOff(datetime.fromisoformat("2026-11-24T09:00-06:00"), datetime.fromisoformat("2026-11-24T10:00-06:00"),
                       "busy", source="caldav:gym@phone", id="t-cal01")
        desk.staff.put(replace(maya, time_off=(busy,)))
    practice.add_time_off("Maya", "2026-11-25 12:00", "2026-11-25 14:00", "lunch meeting")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_person(pilot, practice, "Maya")
        await press(pilot, "ctrl+o")
        dialog = app.screen
        assert "Tue 24 Nov 09:00-10:00 · busy · from their own calendar" in listed(app)
        text = region_text(app, "#away")
        assert "this time off comes from Maya's own calendar: remove the event there" in text
        await press(pilot, "ctrl+r")
        assert "✖ this time off comes from Maya's own calendar" in region_text(app, "#away")
        assert app.screen is dialog and len(next(s for s in practice.staff() if s.name == "Maya").time_off) == 2
        listing = dialog.query_one("#entries-away")
        listing.focus()
        await press(pilot, "down")
        assert "^r removes the highlighted one" in region_text(app, "#away")
        await press(pilot, "delete")  # Del in the list, as ^r anywhere
        assert "Remove Wed 25 Nov 12:00-14:00 · lunch meeting?" in region_text(app, ".dialog")
        await press(pilot, "y")
        assert [t.reason for t in next(s for s in practice.staff() if s.name == "Maya").time_off] == ["busy"]
        assert "✔ Maya's time off Wed 25 Nov 12:00-14:00 removed" in region_text(app, "#away")
        assert "lunch meeting" not in listed(app)
    # the service's own refusal names the time, never an id
    refusal = ""
    try:
        practice.remove_time_off("t-cal01")
    except Exception as exc:  # noqa: BLE001 - the refusal's words are the point
        refusal = str(exc)
    assert refusal.startswith("Maya's time off Tue 2026-11-24 09:00 to") and "t-cal01" not in refusal


@pilot_test
async def test_closures_are_listed_added_with_their_hits_asked_and_removed(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_person(pilot, practice, "Maya")
        assert "^l Closures" in screen_text(app).splitlines()[-1]
        await press(pilot, "ctrl+l")
        dialog = app.screen
        assert isinstance(dialog, ClosuresScreen) and "No closures ahead." in listed(app)
        await type_into(pilot, dialog, {"closed-from": "2026-11-23", "closed-reason": "boiler"})
        await press(pilot, "ctrl+s")  # today: Ben, Ann, Cara's visit and its spot work are booked
        question = region_text(app, ".dialog")
        assert "4 booked appointments on those days:" in question
        assert "Mon 23 Nov 08:00 Ben Flag (lymph-drainage, Daniel)" in question
        assert "Mon 23 Nov 10:15 Cara Ins (spot work neck in a visit, Daniel)" in question  # not a session
        assert "Take the closure anyway?" in question
        await press(pilot, "y")
        assert [(c.first_day.isoformat(), c.reason) for c in practice.closures()] == [("2026-11-23", "boiler")]
        assert "Mon 23 Nov 2026 · boiler · strands 4" in listed(app)
        await type_into(pilot, dialog, {"closed-from": "2026-12-24", "closed-to": "2026-12-25",
                                        "closed-reason": "holidays"})
        await press(pilot, "ctrl+s")  # nobody booked: no question
        assert app.screen is dialog
        assert "Thu 24 Dec to Fri 25 Dec 2026 · holidays" in listed(app)
        await press(pilot, "ctrl+r")  # the first is highlighted
        assert "Remove Mon 23 Nov 2026 · boiler · strands 4?" in region_text(app, ".dialog")
        await press(pilot, "y")
        assert [c.reason for c in practice.closures()] == ["holidays"]
        assert "✔ the closure of Mon 23 Nov 2026 removed: open again" in region_text(app, "#away")
        await type_into(pilot, dialog, {"closed-from": "2026-12-31", "closed-to": "2026-12-30"})
        await press(pilot, "ctrl+s")
        assert ("✖ the closure: the closure ends (2026-12-30) before it starts (2026-12-31) (nothing saved; your "
                "typing is kept)") in region_text(app, "#away")


@pilot_test
async def test_a_refusal_shows_a_name_with_brackets_as_typed(practice):
    practice.add_staff("Rosa [PT aide]", "therapist", ["swedish"])
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_person(pilot, practice, "Rosa [PT aide]")
        screen.query_one("#npi").value = "12345"
        await press(pilot, "ctrl+s")
        assert "✖ Rosa [PT aide]: an NPI is ten digits" in " ".join(screen_text(app).replace("▕", " ").split())


@pilot_test
async def test_npi_and_licence_and_the_screens_keys(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_person(pilot, practice, "Maya")
        assert screen_text(app).splitlines()[-1].split() == [
            "^s", "Save", "^o", "Time", "off", "^l", "Closures", "esc", "Calendar", "?", "Help"]
        screen.query_one("#npi").value = "12345"
        await press(pilot, "ctrl+s")
        assert "✖ Maya: an NPI is ten digits, not '12345' (nothing saved; your typing is kept)" in \
            " ".join(screen_text(app).replace("▕", " ").split())
        screen.query_one("#npi").value = "1677301420"
        screen.query_one("#license").value = "LMT 12345"
        await press(pilot, "ctrl+s")
        maya = next(s for s in practice.staff() if s.name == "Maya")
        assert (maya.npi, maya.license) == ("1677301420", "LMT 12345")
        assert "NPI        1677301420" in screen_text(app) and "Licence    LMT 12345" in screen_text(app)
        await press(pilot, "f1")
        text = screen_text(app)
        assert "time off of the one open" in text and "the practice's closures" in text

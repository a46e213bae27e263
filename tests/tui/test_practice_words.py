"""The booking form at 80x24 speaks with the practice's own words and the client's record: modalities from
the practice's list, a flag cleared on file said where the warning was, the client's missed appointments,
a closed day refused with its reason; the filter, waitlist and series offer the practice's modalities."""

from __future__ import annotations

from .conftest import app_for, cursor_to, pilot_test, press, region_text, screen_text, settle
from .test_forms import open_booking


async def choices(pilot, field) -> str:
    """A pick-one field's list as a person opens it, then closed again."""
    field.focus()
    await press(pilot, "enter")
    text = screen_text(pilot.app)
    await press(pilot, "escape")
    return text


@pilot_test
async def test_a_cleared_flag_is_said_where_the_warning_was_with_the_clients_attendance(practice):
    practice.add_clearance("Ben", "osteoporosis", "Dr. Chen", until="2027-01-31")
    missed = practice.book_session("Ben", "Maya", "Cedar", "swedish", "2026-11-16 10:00", 60)
    practice.set_status(missed.id, "no-show")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_booking(pilot, "Cedar", "11:00", "ben")
        text = region_text(app, ".dialog")
        assert "✔ osteoporosis (fracture risk): cleared by Dr. Chen until 2027-01-31" in text
        assert "⚠ 1 no-show in 12 months" in text
        assert "is flagged" not in text and "✔ free: nothing stands in the way" in text
        await press(pilot, "ctrl+s")
        assert any(a.start.strftime("%d %H") == "23 17" for a in practice.appointments(
            *practice.day_span(practice.now().date())) if a.client_id == missed.client_id)  # 11:00 in Chicago
        # past the clearance's end the flag is a warning again, and needs a reason
        await press(pilot, "n")
        await cursor_to(pilot, "Cedar", "11:00")
        await press(pilot, "b")
        form = app.screen
        await pilot.press(*"ben", "enter")
        await settle(pilot)
        form.query_one("#start").value = "2027-02-02 11:00"
        await settle(pilot)
        text = region_text(app, ".dialog")
        assert "⚠ osteoporosis (fracture risk)" in text and "cleared by" not in text
        assert "⚠ Ben Flag is flagged (osteoporosis): talk to the doctor first" in text


@pilot_test
async def test_a_closed_day_is_refused_with_its_reason(practice):
    practice.add_closure("2026-11-24", "2026-11-24", "boiler repair")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "n")  # Tuesday
        form = await open_booking(pilot, "Cedar", "11:00", "ann")
        text = region_text(app, ".dialog")
        assert "Therapist Daniel · ✖ practice closed" in text
        assert "✖ the practice is closed on Tue 2026-11-24: boiler repair" in text
        await press(pilot, "ctrl+s")
        assert "Refused: nothing was booked." in region_text(app, ".dialog") and app.screen is form


@pilot_test
async def test_the_practices_own_modalities_are_offered_everywhere(practice):
    practice.add_modality("bamboo")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_booking(pilot, "Cedar", "11:00", "ann")
        form.query_one("#modality").focus()
        await pilot.press(*"bam")  # typing narrows the list to the practice's own word
        assert "bamboo" in screen_text(app)
        await press(pilot, "enter")
        assert form.modality == "bamboo" and "Maya · ✖ not certified" in await choices(pilot, form.query_one("#staff"))
        await press(pilot, "escape", "f")
        app.screen.query_one("#modality").focus()
        await pilot.press(*"bam")
        assert "bamboo" in screen_text(app)
        await press(pilot, "escape", "escape", "W", "a")
        app.screen.query_one("#modality").focus()
        await pilot.press(*"bam")
        assert "bamboo" in screen_text(app)
        await press(pilot, "escape", "escape", "escape")
        await settle(pilot)
        await press(pilot, "S")
        app.screen.query_one("#modality").focus()
        await pilot.press(*"bam")
        assert "bamboo" in screen_text(app)

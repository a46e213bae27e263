"""Clients, staff & rooms, and the command palette."""

from __future__ import annotations

from tui_scheduler.core.model import Payer

from .conftest import app_for, grid, pilot_test, press, screen_text, settle, until


@pilot_test
async def test_clients_search_edit_and_add_with_a_referral(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        await pilot.press(*"ben", "enter")
        await settle(pilot)
        screen = app.screen
        assert screen.client.name == "Ben Flag"
        assert "Ben Flag · self-pay" in screen_text(app)  # the record first; ^e opens the form
        await press(pilot, "ctrl+e")
        assert screen.query_one("#name").value == "Ben Flag"
        assert list(screen.query_one("#flags").selected) == ["osteoporosis"]
        screen.query_one("#phone").value = "555-0199"
        screen.query_one("#pressure").value = "firm"
        await press(pilot, "ctrl+s")
        ben = next(c for c in practice.clients() if c.name == "Ben Flag")
        assert (ben.phone, ben.pressure, ben.flags) == ("555-0199", "firm", ("osteoporosis",))

        await press(pilot, "ctrl+n")
        await pilot.press(*"Eve Insured")
        screen.query_one("#payer").value = "insurance"
        await press(pilot, "ctrl+s")
        eve = next(c for c in practice.clients() if c.name == "Eve Insured")
        assert eve.payer == Payer.INSURANCE
        await press(pilot, "ctrl+r")
        form = app.screen
        assert "New referral for Eve Insured" in screen_text(app)
        await pilot.press(*"6", "tab", *"2027-01-15", "tab", *"Dr. Chen", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert [r.visits for r in practice.referrals("Eve")] == [6]
        assert "Referral ✔ active · 0 of 6 visits used, 6 left" in screen_text(app)
        assert "✔ referral added for Eve Insured: 6 visits until 2027-01-15" in str(screen.query_one("#message").render())
        assert form is not screen


@pilot_test
async def test_a_refused_client_save_keeps_the_typing(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "c", "ctrl+n")
        screen = app.screen
        screen.query_one("#phone").value = "555-0100"
        await press(pilot, "ctrl+s")  # no name
        assert "a client needs a name" in screen_text(app)
        assert screen.query_one("#phone").value == "555-0100"
        await press(pilot, "escape")  # once over unsaved typing: said, and the typing stays
        assert "⚠ not saved: ^s saves, Esc again leaves it" in screen_text(app)
        assert app.screen is screen and screen.query_one("#phone").value == "555-0100"
        await press(pilot, "escape")
        assert app.screen is app.screen_stack[0]


@pilot_test
async def test_staff_hours_certifications_time_off_and_rooms(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "T")
        screen = app.screen
        shown = screen_text(app).splitlines()  # the form opens on whom the list highlights
        assert shown[1].rstrip().endswith("▕ Daniel") and shown[2].startswith(" Daniel (massage)"), shown[:3]
        maya = next(s for s in practice.staff() if s.name == "Maya")
        screen.open(maya.id)
        await settle(pilot)
        screen.query_one("#hours").value = "mon-thu 10:00-18:00"
        screen.query_one("#modalities").select("myofascial")
        await press(pilot, "ctrl+s")
        maya = next(s for s in practice.staff() if s.name == "Maya")
        assert "myofascial" in maya.modalities and maya.hours.describe().startswith("mon 10:00-18:00")
        await press(pilot, "ctrl+o")  # time off in a dialog of its own
        dialog = app.screen
        dialog.query_one("#off-from").value = "2026-11-27 00:00"
        dialog.query_one("#off-to").value = "2026-11-28 00:00"
        dialog.query_one("#off-reason").value = "course"
        dialog.query_one("#off-reason").focus()
        await press(pilot, "enter", "escape")
        assert [t.reason for t in next(s for s in practice.staff() if s.name == "Maya").time_off] == ["course"]
        assert "Off Fri 27 Nov 00:00 to Sat 28 Nov 00:00: course" in str(screen.query_one("#time-off").render())

        screen.open("+room")
        screen.query_one("#name").focus()
        await pilot.press(*"Birch")
        await press(pilot, "ctrl+s")
        assert "Birch" in [r.name for r in practice.rooms()]
        birch = next(r for r in practice.rooms() if r.name == "Birch")
        assert "[x] In use / works here" in screen_text(app)
        screen.query_one("#active").focus()
        await press(pilot, "space")
        assert "[ ] In use / works here" in screen_text(app)
        await press(pilot, "ctrl+s")
        assert not next(r for r in practice.rooms() if r.name == "Birch").active
        await press(pilot, "escape")
        assert birch.id not in [c.id for c in grid(app).placed.columns]  # a room out of use has no column


@pilot_test
async def test_every_calendar_action_is_in_the_command_palette(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Book", "Visit", "Spot", "Move", "Undo", "Day/Week", "Rooms/Staff", "Filter", "Clients",
                "Staff & rooms", "Next week", "Go to date", "Check in", "No-show", "Cancel appt"} <= titles
        await pilot.press("ctrl+p")
        await pilot.press(*"Day/Week")
        # the palette searches in the background: wait until it offers the command (the input holds it once)
        await until(pilot, lambda: screen_text(app).count("Day/Week") >= 2, "the palette offers Day/Week")
        await press(pilot, "enter")
        assert len(grid(app).placed.days) == 7


@pilot_test
async def test_a_refresh_before_a_screen_is_composed_or_after_it_is_dismissed_is_harmless(practice):
    """The app's poll runs on its own clock: it may reach a screen while its widgets are still being
    composed, or just after it was closed. Neither may raise."""
    from datetime import date

    from tui_scheduler.tui.screens.clients import ClientsScreen
    from tui_scheduler.tui.screens.daysheet import DaySheetScreen
    from tui_scheduler.tui.screens.series import SeriesScreen
    from tui_scheduler.tui.screens.team import TeamScreen
    from tui_scheduler.tui.screens.waitlist import WaitlistScreen

    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        makers = (ClientsScreen, TeamScreen, WaitlistScreen, SeriesScreen,
                  lambda s: DaySheetScreen(s, date(2026, 11, 23)))
        for make in makers:
            screen = make(app.scheduler)
            screen.data_changed(True)  # not mounted yet
            app.push_screen(screen)
            app._stamp = None
            app.poll()  # lands while the screen composes
            await settle(pilot)
            assert app.screen is screen and screen.live
            practice.add_room(f"Room for {type(screen).__name__}", "massage")
            app.poll()  # a real change while it is shown
            await settle(pilot)
            app.pop_screen()
            await settle(pilot)
            screen.data_changed(True)  # dismissed
            app._stamp = None
            app.poll()
            await settle(pilot)
        assert app.screen is app.calendar

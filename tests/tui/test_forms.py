"""The forms at 80x24 (the day sheet at 160x50 too): buttons in sight, who is free in words, whole names,
tick boxes readable without colour, saves confirmed where they can be seen."""

from __future__ import annotations

from datetime import date

from .conftest import MONDAY, app_for, cursor_to, pilot_test, press, screen_text, settle


def lines(app) -> list[str]:
    return screen_text(app).splitlines()


async def open_booking(pilot, column: str, hhmm: str, client: str, half_hour: bool = False):
    await settle(pilot)
    await cursor_to(pilot, column, hhmm)
    await press(pilot, "b")
    await pilot.press(*client, "enter")
    await settle(pilot)
    form = pilot.app.screen
    if half_hour:
        form.query_one("#minutes").focus()
        await press(pilot, "left", "left")  # 60 -> 45 -> 30
        assert form.minutes == 30
    return form


async def therapist_list(pilot) -> str:
    """The therapist field's list, opened as a person opens it: the field, then Enter."""
    form = pilot.app.screen
    form.query_one("#staff").focus()
    await press(pilot, "enter")
    text = screen_text(pilot.app)
    await press(pilot, "escape")  # closes the list, not the form
    assert pilot.app.screen is form
    return text


@pilot_test
async def test_the_booking_buttons_stay_in_sight_with_three_warnings(practice):
    cara = next(c for c in practice.clients() if c.name == "Cara Ins")
    practice.update_client(cara.id, flags=["osteoporosis", "blood-thinners"])
    practice.add_referral("Cara", 6, "2027-01-15", issued="2026-11-01", prescriber="Dr. Chen")
    practice.add_referral("Cara", 4, "2026-12-15", issued="2026-11-10", prescriber="Dr. Said")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        # Cedar at 09:00 is Ann's with Maya, Daniel has Ben until 09:30; Cara is flagged, with two referrals
        form = await open_booking(pilot, "Cedar", "09:00", "cara")
        text = screen_text(app)
        warnings = [line for line in lines(app) if line.lstrip(" │0123456789").startswith(("✖", "⚠"))]
        assert len(warnings) >= 3, text
        assert "Book ^s" in text and "Close esc" in text
        dialog = form.query_one(".dialog").region
        assert dialog.y >= 1 and dialog.bottom <= 23  # the calendar's top line and key line stay in sight
        await press(pilot, "ctrl+s")
        assert "Refused: nothing was booked." in screen_text(app)
        assert "Book ^s" in screen_text(app) and "Close esc" in screen_text(app)
    app = app_for(practice)
    async with app.run_test(size=(80, 18)) as pilot:  # shorter still: the body scrolls, not the buttons
        form = await open_booking(pilot, "Cedar", "09:00", "cara")
        assert form.query_one(".form-body").max_scroll_y > 0
        assert "Book ^s" in screen_text(app) and "Close esc" in screen_text(app)


@pilot_test
async def test_the_therapist_list_says_off_busy_room_taken_and_client_booked(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        # half an hour at 08:00 in Cedar (free until Ann at 09:00): Maya starts at 09:00, Daniel has Ben
        await open_booking(pilot, "Cedar", "08:00", "dan", half_hour=True)
        text = await therapist_list(pilot)
        assert "Maya · ⚠ off" in text and "Daniel · ✖ busy" in text
        await press(pilot, "escape")

        # 09:30: Daniel is free again but Ann has Cedar (and Maya) until 10:00
        await open_booking(pilot, "Cedar", "09:30", "dan", half_hour=True)
        text = await therapist_list(pilot)
        assert "Daniel · ✖ room taken" in text and "Maya · ✖ busy, room taken" in text
        await press(pilot, "escape")

        # the same half hour at 08:00 for Ben, who is on the table in Willow until 09:30
        await open_booking(pilot, "Cedar", "08:00", "ben", half_hour=True)
        text = await therapist_list(pilot)
        assert "Maya · ✖ off, client booked" in text and "Daniel · ✖ busy, client booked" in text


@pilot_test
async def test_a_therapist_not_certified_for_the_modality_says_so(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_booking(pilot, "Cedar", "11:00", "ann")
        form.query_one("#modality").focus()
        await pilot.press(*"lymph")  # typing narrows the modality's list
        await press(pilot, "enter")
        assert form.modality == "lymph-drainage"
        assert "Modality   lymph-drainage" in screen_text(app)
        text = await therapist_list(pilot)
        assert "Daniel · ✔ free" in text and "Maya · ✖ not certified" in text
        # chosen anyway, the service's refusal says why
        form.query_one("#staff").focus()
        await pilot.press(*"maya", "enter")
        await settle(pilot)
        assert "Therapist  Maya · ✖ not certified" in screen_text(app)
        assert "✖ Maya is not certified for lymph-drainage" in screen_text(app)


@pilot_test
async def test_the_day_sheet_uses_its_width_and_never_cuts_a_word(practice):
    practice.add_client("Alexandra Montgomery-Whitfield", "insurance", ["blood-thinners", "osteoporosis"])
    practice.add_referral("Alexandra", 6, "2027-01-15", issued="2026-11-01", prescriber="Dr. Chen")
    practice.book_session("Alexandra", "Maya", "Cedar", "swedish", f"{MONDAY} 11:00", 60, override="cleared")
    app = app_for(practice)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await press(pilot, "D")
        row = next(line for line in lines(app) if "11:00" in line and "Alexandra" in line)
        for whole in ("Alexandra Montgomery-Whitfield", "Maya", "swedish", "Cedar",
                      "⚠ blood-thinners, osteoporosis", "visit 1 of 6, expires 2027-01-15"):
            assert whole in row, row
        spot = next(line for line in lines(app) if "10:15" in line)
        assert "▸Daniel" in spot and "Adjusting" in spot and "spot neck" in spot
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "D")
        sheet = [line for line in lines(app)[1:8] if line.strip()]
        assert not any("…" in line for line in sheet)
        row = next(line for line in sheet if "11:00" in line)
        # a short form a person recognises, never a chopped word; the row below says it in full
        assert "Alexandra M." in row and "⚠2" in row and "1/6" in row
        assert "Alexandra Montgomery-Whitfield" not in row
        head = sheet[0].split()
        assert head[:3] == ["In", "At", "Client"] and "Referral" in head


@pilot_test
async def test_tick_boxes_read_ticked_or_not_without_colour_and_a_save_is_confirmed_in_sight(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        await pilot.press(*"ben", "enter")
        await press(pilot, "ctrl+e")
        screen = app.screen
        text = screen_text(app)
        assert "[x] osteoporosis (fracture risk)" in text and "[ ] fragile skin" in text
        screen.query_one("#flags").focus()
        await press(pilot, "down", "space")  # from the first box to "fragile skin", ticked
        assert "[x] fragile skin" in screen_text(app)
        await press(pilot, "ctrl+s")
        assert "✔ saved Ben Flag" in screen_text(app)
        ben = next(c for c in practice.clients() if c.name == "Ben Flag")
        assert set(ben.flags) == {"osteoporosis", "fragile-skin"}

        await press(pilot, "escape", "T", "enter")  # the first person on the list: Daniel
        assert "Name       Daniel" in screen_text(app)
        await press(pilot, "down", "down", "down", "enter")  # past Dr Patel and Lena to Maya
        text = screen_text(app)
        assert "Name       Maya" in text and "[x] swedish" in text and "[ ] myofascial" in text


@pilot_test
async def test_a_save_is_confirmed_in_sight_when_the_form_is_scrolled(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 16)) as pilot:  # too short for the whole form
        await settle(pilot)
        await press(pilot, "c")
        await pilot.press(*"ben", "enter")
        await press(pilot, "ctrl+e")
        screen = app.screen
        screen.query_one("#flags").focus()  # the bottom of the form
        await settle(pilot)
        assert screen.query_one("#client-form").scroll_y > 0
        await press(pilot, "ctrl+s")
        assert "✔ saved Ben Flag" in screen_text(app)


@pilot_test
async def test_a_referral_refusal_names_the_client_and_keeps_the_typing(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        await pilot.press(*"ann", "enter")
        await settle(pilot)
        ann = next(c for c in practice.clients() if c.name == "Ann Self")
        assert "Ann Self · self-pay" in screen_text(app) and ann.id not in screen_text(app)  # no internal id
        await press(pilot, "ctrl+r")
        form = app.screen
        form.query_one("#ref-visits").value = "6"
        form.query_one("#ref-expires").value = "not a date"
        await press(pilot, "ctrl+s")
        text = screen_text(app)
        assert "✖ referral for Ann Self:" in text and "(nothing saved)" in text
        assert app.screen is form and form.query_one("#ref-expires").value == "not a date"
        assert practice.referrals("Ann") == []


@pilot_test
async def test_a_waitlist_entry_is_added_with_the_keyboard_and_confirmed_by_name(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "W", "a")
        await pilot.press(*"dan", "enter")  # typing on the client field narrows its list
        await settle(pilot)
        assert "Client     Dan Hsa" in screen_text(app)
        await press(pilot, "ctrl+s")
        assert [e.client_id for e in practice.waitlist()] == [next(c.id for c in practice.clients()
                                                                  if c.name == "Dan Hsa")]
        assert "Dan Hsa · 60 min any modality · any therapist" in screen_text(app)
        assert any("Dan Hsa is on the waitlist" in n.message for n in app._notifications)


@pilot_test
async def test_spot_work_form_keeps_its_buttons_in_sight(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Adjusting", "10:00")
        await press(pilot, "s")
        text = screen_text(app)
        assert "Spot work in Cara Ins's visit" in text and "Book ^s" in text and "Close esc" in text


@pilot_test
async def test_the_button_row_answers_the_mouse_and_the_keyboard(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_booking(pilot, "Cedar", "11:00", "ann")
        bar = form.query_one("#buttons")
        close_at = screen_text(app).splitlines()[bar.region.y].index("Close esc") - bar.region.x
        await pilot.click("#buttons", offset=(close_at + 2, 0))
        await settle(pilot)
        assert app.screen is app.calendar
        assert len(practice.appointments(*practice.day_span(date(2026, 11, 23)))) == 4  # nothing booked

        form = await open_booking(pilot, "Cedar", "11:00", "ann")
        form.query_one("#buttons").focus()
        await press(pilot, "right")  # from Book to Next free: the one Enter presses is marked
        assert "▸Next free ^f" in screen_text(app)
        await press(pilot, "left", "enter")  # Book
        assert app.screen is app.calendar
        assert "Booked Ann Self Mon 11:00" in "\n".join(n.message for n in app._notifications)


@pilot_test
async def test_names_with_brackets_show_as_typed(practice):
    """Names and service messages go into styled text: square brackets must show, not style."""
    practice.add_client("Lee [VIP] Park", "self-pay", ["tumor"])
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_booking(pilot, "Cedar", "11:00", "lee")
        text = screen_text(app)
        assert "Lee [VIP] Park · self-pay" in text and "⚠ Lee [VIP] Park is flagged (tumor)" in text
        await press(pilot, "escape", "c")
        await pilot.press(*"lee", "enter")
        await settle(pilot)
        assert "Lee [VIP] Park · self-pay" in screen_text(app)
        await press(pilot, "ctrl+e", "ctrl+s")
        assert "✔ saved Lee [VIP] Park" in screen_text(app)

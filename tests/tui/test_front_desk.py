"""What the front desk sees on the calendar, at 80x24 and 160x50 with "now" fixed: the keys that matter
where the cursor is, help, the details dialog, a reason on cancelling, a why for keys that cannot act,
the top bar, names that fit, the move hint and the confirmations. Asserted on the rendered text."""

from __future__ import annotations

import json

from tui_scheduler.core.model import Status

from .conftest import (MONDAY, app_for, cursor_to, grid, pilot_test, press, screen_text, settle, told,
                       until)

SIZES = ((80, 24), (160, 50))


def lines(app) -> list[str]:
    return screen_text(app).splitlines()


def key_line(app, size) -> str:
    """The key line: one line at 80x24, two on a tall terminal."""
    shown = lines(app)
    return "\n".join(shown[-2:]) if size[1] >= 40 else shown[-1]


def audit(sched) -> list[dict]:
    return [json.loads(line) for line in (sched.folder.path / "audit.jsonl").read_text().splitlines()]


@pilot_test
async def test_the_key_line_shows_what_can_be_done_where_the_cursor_is(practice):
    for size in SIZES:
        app = app_for(practice)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await cursor_to(pilot, "Cedar", "09:00")  # Ann's session
            keys = key_line(app, size)
            for hint in ("a Check in", "d Done", "o No-show", "x Cancel", "m Move", "⏎ Open"):
                assert hint in keys, (size, keys)
            assert "s Spot" not in keys and "b Book" not in keys
            await cursor_to(pilot, "Adjusting", "10:00")  # Cara's visit: spot work goes in it
            assert "s Spot" in key_line(app, size)
            await cursor_to(pilot, "Cedar", "11:00")  # a free time: the booking keys
            keys = key_line(app, size)
            assert "b Book" in keys and "v Visit" in keys and "S Series" in keys and "a Check in" not in keys
            if size[0] == 80:
                assert keys.rstrip().endswith("? more")  # not everything fits: said, not cut
            else:
                for hint in ("D Day sheet", "W Waitlist", "c Clients", "T Staff & rooms", "f Filter",
                             "g Go to date", "t Today", "w Week view", "r By staff", "u Undo", "? Help"):
                    assert hint in keys, (hint, keys)
            await cursor_to(pilot, "Cedar", "09:00")
            await press(pilot, "m", "down")
            keys = key_line(app, size)
            assert "⏎ Move here" in keys and "esc Stop moving" in keys


@pilot_test
async def test_keys_and_buttons_offer_only_the_status_changes_an_appointment_can_take(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:00")  # Ann's session, checked in at another desk
        practice.set_status(grid(app).appointment_at_cursor().id, "arrived")
        await until(pilot, lambda: grid(app).appointment_at_cursor().status == Status.ARRIVED,
                    "the check-in seen on the calendar")
        keys = key_line(app, (80, 24))
        assert "d Done" in keys and "a Check in" not in keys and "o No-show" not in keys, keys
        await press(pilot, "enter")
        text = screen_text(app)
        assert "d Done" in text and "x Cancel" in text and "m Move" in text
        assert "a Check in" not in text and "o No-show" not in text
        said = told(app)
        await press(pilot, "o")  # the key still answers, with the reason
        await until(pilot, lambda: said, "a reason for the key")
        assert "cannot become no-show" in said[-1], said
        practice.cancel(grid(app).appointment_at_cursor().id, "client sick", by="client")
        await until(pilot, lambda: grid(app).appointment_at_cursor().status == Status.CANCELLED,
                    "the cancellation seen on the calendar")
        keys = key_line(app, (80, 24))
        assert "⏎ Open" in keys and "m Move" not in keys and "x Cancel" not in keys, keys


@pilot_test
async def test_a_step_back_is_not_offered_and_says_what_it_did(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Willow", "08:00")  # the day's first session, under way
        done = grid(app).appointment_at_cursor()
        practice.set_status(done.id, "fulfilled")
        await until(pilot, lambda: grid(app).appointment_at_cursor().status == Status.FULFILLED, "done, seen")
        keys = key_line(app, (80, 24))
        assert "a Check in" not in keys and "d Done" not in keys and "x Cancel" not in keys, keys
        said = told(app)
        await press(pilot, "a")  # a slip of the key on a finished session: taken, said as a step back
        await until(pilot, lambda: said, "what the key did")
        assert "is back to checked in, no longer done (u undoes it)" in said[-1], said
        await press(pilot, "u")
        await until(pilot, lambda: len(said) > 1, "the undo said")
        assert said[-1].startswith("Undone: check-in of "), said
        assert practice.get(done.id).status == Status.FULFILLED


@pilot_test
async def test_rest_of_series_is_offered_on_a_booked_session_of_a_series(practice):
    booked = practice.book_series("Ann", "Maya", "Cedar", "swedish", 60, f"{MONDAY} 13:00", 7, 3)
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "13:00")
        assert grid(app).appointment_at_cursor().id == booked[0].id
        assert "X Rest of series" in lines(app)[-1]
        await press(pilot, "enter")
        text = screen_text(app)
        assert "X Rest of series" in text and "one of a series" in text
        assert booked[0].series_id not in text and booked[0].id not in text  # no internal ids for people


@pilot_test
async def test_the_details_dialog_shows_every_action_with_its_key_at_80x24(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Adjusting", "10:00")  # a visit: spot work is offered too
        visit = grid(app).appointment_at_cursor()
        await press(pilot, "enter")
        text = screen_text(app)
        for action in ("a Check in", "d Done", "o No-show", "x Cancel", "m Move", "s Spot work", "esc Close"):
            assert action in text, action
        assert visit.id not in text and "Spot work  10:15 Daniel neck (booked)" in text
        await press(pilot, "escape")
        await cursor_to(pilot, "Cedar", "09:00")  # a session: no spot work
        await press(pilot, "enter")
        assert "s Spot work" not in screen_text(app) and "m Move" in screen_text(app)
        await press(pilot, "m")  # the dialog's key starts the move on the calendar
        assert app.screen_stack[0].moving is not None


@pilot_test
async def test_help_opens_over_the_calendar_and_closes_with_the_same_key_or_esc(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        width = grid(app).size.width
        for opener, closer in (("question_mark", "question_mark"), ("question_mark", "escape"), ("f1", "f1")):
            await press(pilot, opener)
            text = screen_text(app)
            assert "On an appointment" in text and "Other screens" in text and "Moving around" in text
            for key in ("D         day sheet", "W         waitlist", "T         staff & rooms", "x         cancel",
                        "[ ]       other rooms or staff", "?/f1      this help"):
                assert key in text, key
            assert grid(app).size.width == width  # over the calendar, not beside it
            await press(pilot, closer)
            assert "On an appointment" not in screen_text(app) and app.screen is app.screen_stack[0]


@pilot_test
async def test_a_key_where_it_cannot_act_says_why(practice):
    app = app_for(practice)
    said = told(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "11:00")
        for key, doing in (("x", "to cancel"), ("s", "to add spot work to"), ("a", "to check in"),
                           ("d", "to mark done"), ("o", "to mark as a no-show"), ("m", "to move"),
                           ("X", "to cancel the rest of its series")):
            await press(pilot, key)
            assert f"Nothing booked at Mon 23 Nov 11:00 in Cedar {doing}" in "\n".join(said), key
        assert app.screen is app.screen_stack[0] and app.screen.moving is None
        await cursor_to(pilot, "Cedar", "09:00")
        await press(pilot, "s")
        assert "Spot work goes inside a chiropractic or PT visit; Ann Self Mon 09:00 is a massage session" \
            in "\n".join(said)
        await press(pilot, "X")
        assert "Ann Self Mon 09:00 is not part of a series" in "\n".join(said)


@pilot_test
async def test_cancelling_asks_why_and_records_the_reason(practice):
    app = app_for(practice)
    said = told(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:00")
        ann = grid(app).appointment_at_cursor()
        await press(pilot, "x")
        text = screen_text(app)
        assert "Cancel Ann Self · Mon 23 Nov 09:00-10:00 · swedish with Maya" in text
        assert "1  client called" in text and "⏎ cancels it: client called" in text
        await press(pilot, "escape")  # keeps it
        assert practice.get(ann.id).status == Status.BOOKED
        await press(pilot, "x", "2")  # one key: the second reason
        assert practice.get(ann.id).status == Status.CANCELLED
        assert practice.get(ann.id).cancel_reason == "client sick" and audit(practice)[-1]["reason_given"]
        assert "Cancelled Ann Self Mon 09:00: client sick (by the client, a late cancel; u to undo)" in "\n".join(said)
        await press(pilot, "u")
        assert practice.get(ann.id).status == Status.BOOKED
        await press(pilot, "x", "tab")
        await pilot.press(*"flooded basement")
        await press(pilot, "enter")
        assert practice.get(ann.id).status == Status.CANCELLED
        assert practice.get(ann.id).cancel_reason == "flooded basement"
        assert "flooded" not in str(audit(practice))  # the log says a reason was given, never its words


@pilot_test
async def test_the_top_bar_keeps_view_filter_and_waitlist_and_shortens_the_name_first(practice):
    practice.update_practice(name="Riverside Integrative Clinic and Wellness Centre")
    practice.add_client("Eve Wait", "self-pay")
    practice.add_to_waitlist("Eve", 60, MONDAY, MONDAY, modality="swedish", therapist="Maya")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        top = lines(app)[0]
        assert "Waitlist: 1 fit" in top and "day · by room" in top and "Monday 23 November 2026" in top
        assert "Riverside" in top and "Wellness" not in top  # the name gave way first
        await press(pilot, "r", "f")
        maya = next(s.id for s in practice.staff() if s.name == "Maya")
        app.screen.query_one("#therapist").value = maya
        await press(pilot, "ctrl+s", "w")
        top = lines(app)[0]
        assert "Waitlist: 1 fit" in top and "week · by staff" in top and "only Maya" in top, top
        assert "Week 48" in top and len(top) <= 80
    async with app_for(practice).run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert "Riverside Integrative Clinic and Wellness Centre │ Monday 23 November 2026" in lines(pilot.app)[0]


@pilot_test
async def test_names_are_shortened_to_forms_a_person_knows_never_cut_mid_word(practice):
    practice.add_room("Treatment Room 1", "massage")
    practice.add_room("Treatment Room 2", "massage")
    practice.add_staff("Maya Lindqvist", "therapist", ["trigger-point"], ["mon-fri 09:00-17:00"])
    practice.book_session("Dan", "Maya Lindqvist", "Treatment Room 1", "trigger-point", f"{MONDAY} 12:00", 60,
                          override="referral faxed")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Treatment Room 1", "12:00")
        text = screen_text(app)
        assert "TR1" in lines(app)[2].split() and "Treatment Roo" not in text
        assert "day · by room 1-5 of 6" in lines(app)[0]  # six rooms, five fit: a page of them, and which
        assert "B Dan Hsa" in text and "│trigger · ML" in text and "trigger-poin " not in text
        await press(pilot, "r")
        await cursor_to(pilot, "Maya Lindqvist", "12:00")
        heads = lines(app)[2]
        assert "Maya L." in heads and "Maya Lindqvis " not in heads
        assert "day · by staff" in lines(app)[0]


@pilot_test
async def test_the_move_hint_is_whole_at_80_columns_and_the_confirmation_names_client_and_times(practice):
    practice.add_client("Maximiliana Oyelaran-Fitzgerald", "self-pay")
    practice.book_session("Maximiliana", "Maya", "Cedar", "swedish", f"{MONDAY} 13:00", 60)
    app = app_for(practice)
    said = told(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "13:00")
        await press(pilot, "m", "down")
        info = lines(app)[-2]
        assert "Enter to move here, Esc to stop" in info and "→ Mon 23 Nov 13:15" in info, info
        await press(pilot, "enter")
        assert "Moved Maximiliana Oyelaran-Fitzgerald from Mon 13:00 to 13:15" in "\n".join(said)
        await press(pilot, "m", "n")  # the next day, same time
        await press(pilot, "enter")
        assert "Moved Maximiliana Oyelaran-Fitzgerald from Mon 13:15 to Tue 24 Nov 13:15" in "\n".join(said)


@pilot_test
async def test_the_key_line_help_and_details_show_the_keys_of_the_users_keymap(practice):
    app = app_for(practice, **{"appt.cancel": "k", "details.cancel": "k", "app.keys": "f2"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:00")
        keys = lines(app)[-1]
        assert "k Cancel" in keys and "x Cancel" not in keys and keys.rstrip().endswith("f2 more")
        await press(pilot, "enter")
        assert "k Cancel" in screen_text(app)
        await press(pilot, "escape", "f2")
        assert "k         cancel (asks why)" in screen_text(app)
        await press(pilot, "f2")  # the user's help key closes it too
        assert app.screen is app.screen_stack[0]

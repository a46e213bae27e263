"""Booking and changing appointments through the app: every verdict is the service's."""

from __future__ import annotations

from tui_scheduler.core.model import Kind, Status

from .conftest import app_for, cursor_to, grid, notices, pilot_test, press, screen_text, settle, until


def monday(sched):
    start, end = sched.day_span(__import__("datetime").date(2026, 11, 23))
    return sched.appointments(start, end)


def tuesday(sched):
    from datetime import date

    start, end = sched.day_span(date(2026, 11, 24))
    return sched.appointments(start, end)


@pilot_test
async def test_book_a_session_from_the_cursor(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await cursor_to(pilot, "Cedar", "10:00")
        await press(pilot, "b")
        form = app.screen
        await pilot.press(*"dan", "enter")
        await settle(pilot)
        assert form.client is not None and form.client.name == "Dan Hsa"
        text = screen_text(app)
        assert "no valid referral" in text  # the client's referral standing, before confirming
        assert "⚠ Dan Hsa pays by hsa-fsa and has no referral" in text
        assert "A reason in Override books it anyway." in text  # soft: a reason lets it through
        # both swedish therapists are free: the client's referral is no reason to prefer either
        assert "Therapist  Daniel · ✔ free" in text
        form.query_one("#override").value = "prescription on file at the front desk"
        await press(pilot, "ctrl+s")
        booked = [a for a in tuesday(practice) if a.kind == Kind.SESSION]
        assert len(booked) == 1
        assert booked[0].overrides == {"referral": "prescription on file at the front desk"}
        assert "B Dan Hsa" in screen_text(app)
        assert grid(app).appointment_at_cursor().id == booked[0].id


@pilot_test
async def test_a_conflict_is_shown_live_and_refused_keeping_what_was_typed(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:30")  # Ann is in Cedar 09:00-10:00
        await press(pilot, "b")
        form = app.screen
        await pilot.press(*"ann", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "✖ room Cedar is in use" in text
        assert "✖ Ann Self is already booked" in text
        await press(pilot, "ctrl+s")
        assert app.screen is form  # still open
        assert "Refused: nothing was booked" in screen_text(app)
        assert form.query_one("#client").value == "Ann Self"
        assert len(monday(practice)) == 4
        await press(pilot, "escape")
        assert app.screen is app.screen_stack[0]


@pilot_test
async def test_a_soft_warning_needs_an_override_reason(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "11:00")
        await press(pilot, "b")
        form = app.screen
        await pilot.press(*"ben", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "osteoporosis (fracture risk)" in text  # the flag, shown before confirming
        assert "⚠ Ben Flag is flagged (osteoporosis): talk to the doctor first" in text
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert "Give a reason in Override" in screen_text(app)
        assert form.focused is form.query_one("#override")
        await pilot.press(*"cleared by Dr. Chen", "enter")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]
        booked = [a for a in monday(practice) if a.client_id == form.client.id and a.kind == Kind.SESSION]
        assert {a.overrides.get("flags") for a in booked} >= {"cleared by Dr. Chen"}


@pilot_test
async def test_book_a_visit(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Gym", "13:00")
        await press(pilot, "v")
        await pilot.press(*"ann", "enter")
        await settle(pilot)
        assert "✔ free" in screen_text(app)
        await press(pilot, "ctrl+s")
        visits = [a for a in monday(practice) if a.kind == Kind.VISIT and a.client_id.startswith("c-")]
        assert any(a.room_id == next(r.id for r in practice.rooms() if r.name == "Gym") for a in visits)


@pilot_test
async def test_a_visit_form_never_warns_of_a_massage_referral(practice):
    """Chiropractic and PT visits use no massage referral: the form says so and finds the visit free."""
    practice.add_referral("Dan", 1, "2027-01-31")
    practice.book_session("Dan", "Maya", "Cedar", "swedish", "2026-11-23 15:00", 60)  # the one visit used
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for client, says in (("cara", None), ("dan", "massage referral (a visit uses none): 0 of 1 visits left")):
            await cursor_to(pilot, "Gym", "13:00")
            await press(pilot, "v")
            await pilot.press(*client, "enter")
            await settle(pilot)
            text = screen_text(app)
            assert "✔ free" in text and "no valid referral" not in text and "used up" not in text, text
            assert says is None or says in text, text
            await press(pilot, "escape")


@pilot_test
async def test_spot_work_inside_a_visit(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Adjusting", "10:00")
        assert grid(app).appointment_at_cursor().kind == Kind.VISIT
        await press(pilot, "s")
        text = screen_text(app)
        # Daniel already works 10:15: only the other positions are offered to him; Maya is free all along
        assert "10:00  Maya" in text and "10:30  Daniel" in text and "10:15  Daniel" not in text
        await press(pilot, "down")  # 10:00 Maya -> 10:30 Daniel
        await press(pilot, "down")
        form = app.screen
        # Cara pays by insurance with no referral: a soft warning
        assert "A reason in Override books it anyway." in screen_text(app)
        await press(pilot, "enter")
        assert app.screen is form
        form.query_one("#region").value = "low back"
        form.query_one("#override").value = "referral on its way"
        await press(pilot, "ctrl+s")
        spots = [a for a in monday(practice) if a.kind == Kind.SPOT and a.status == Status.BOOKED]
        assert len(spots) == 2 and {s.region for s in spots} == {"neck", "low back"}
        assert "low back" in screen_text(app) or "B▸" in screen_text(app)


@pilot_test
async def test_move_then_undo(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:00")
        ann = grid(app).appointment_at_cursor()
        await press(pilot, "m")
        assert "Moving Ann Self" in screen_text(app)
        await press(pilot, *["down"] * 12, "enter")  # to 12:00
        moved = practice.get(ann.id)
        assert moved.start.astimezone(app.screen.tz).strftime("%H:%M") == "12:00"
        assert grid(app).appointment_at_cursor().id == ann.id
        await press(pilot, "u")
        assert practice.get(ann.id).start == ann.start
        await press(pilot, "u")
        assert "nothing of yours to undo" in notices(app)


@pilot_test
async def test_a_refused_move_changes_nothing(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Willow", "08:00")  # Ben with Daniel, who also does Cara's spot at 10:15
        ben = grid(app).appointment_at_cursor()
        await press(pilot, "m", *["down"] * 8, "enter")  # to 10:00: Daniel is busy at 10:15
        assert practice.get(ben.id).start == ben.start
        assert "Daniel is busy" in notices(app)
        await press(pilot, "escape")
        assert app.screen_stack[0].moving is None


@pilot_test
async def test_while_moving_the_info_line_says_whether_the_time_is_free(practice):
    """Moving is not trial and error: each time the cursor lands on says free, busy or off before Enter."""
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Willow", "08:00")  # Ben with Daniel, who also does Cara's spot at 10:15
        info = lambda: screen_text(app).splitlines()[-2]  # noqa: E731
        await press(pilot, "m", "down")
        await until(pilot, lambda: "✔ Enter to move here, Esc to stop" in info(), "a free time said free")
        await press(pilot, *["down"] * 7)  # 10:00: Daniel is busy at 10:15
        await until(pilot, lambda: "✖ busy · Esc to stop" in info(), "a busy time said busy")
        await press(pilot, *["down"] * 35)  # 18:45: a 60-minute session ends after Daniel's hours
        await until(pilot, lambda: "⚠ off · Enter asks a reason, Esc to stop" in info(), "after hours said off")
        assert "→ Mon 23 Nov 18:45" in info()


@pilot_test
async def test_cancel_a_visit_with_its_spot_then_undo(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Adjusting", "10:00")
        visit = grid(app).appointment_at_cursor()
        await press(pilot, "x", "enter")  # the reason offered first: client called, two hours ahead
        statuses = {a.kind: a.status for a in monday(practice) if a.kind in (Kind.VISIT, Kind.SPOT)}
        assert statuses == {Kind.VISIT: Status.CANCELLED, Kind.SPOT: Status.CANCELLED}
        assert "X! Cara Ins" in screen_text(app)  # a late cancel
        await press(pilot, "u")
        statuses = {a.kind: a.status for a in monday(practice) if a.kind in (Kind.VISIT, Kind.SPOT)}
        assert statuses == {Kind.VISIT: Status.BOOKED, Kind.SPOT: Status.BOOKED}
        assert practice.get(visit.id).status == Status.BOOKED and not practice.get(visit.id).late_cancel


@pilot_test
async def test_check_in_from_details_then_undo(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Willow", "08:15")
        ben = grid(app).appointment_at_cursor()
        await press(pilot, "enter")
        text = screen_text(app)
        assert "osteoporosis (fracture risk)" in text and "Override   flags: cleared by Dr. Chen" in text
        await press(pilot, "a")
        assert practice.get(ben.id).status == Status.ARRIVED
        assert "A Ben Flag" in screen_text(app)
        await press(pilot, "u")
        assert practice.get(ben.id).status == Status.BOOKED


@pilot_test
async def test_no_show_is_refused_before_the_start(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:00")
        await press(pilot, "o")
        assert "has not started yet" in notices(app)
        assert app.screen_stack[0].last_change is None

"""The clients screen at 80x24: the client's record (next appointment first, then the history with units and
notes, attendance, flags with their clearances, referrals with ICD-10 codes), notes opened from it,
clearances added and taken off file, and the form's reminders, date of birth and address."""

from __future__ import annotations

import pytest

from tui_scheduler.tui.screens.notes import NoteScreen

from .conftest import app_for, pilot_test, press, region_text, screen_text, settle


def pane(app) -> str:
    """The right-hand pane's text as one line: what wraps on screen reads on."""
    right = [line.split("▕", 1)[1] for line in screen_text(app).splitlines() if "▕" in line]
    return " ".join(" ".join(right).split())


@pytest.fixture
def cara(practice):
    """Cara (insurance, a surgery flag cleared by Dr. Chen, a referral with a diagnosis code): a fulfilled
    session with its note and units, a chiropractic visit, a no-show, a late cancel, two sessions ahead."""
    s = practice
    s.update_client("Cara", phone="555-0199", flags=["surgery"])
    s.add_clearance("Cara", "surgery", "Dr. Chen", until="2027-01-31", note="scar tissue: avoid deep work")
    s.add_referral("Cara", 6, "2027-01-15", issued="2026-11-01", prescriber="Dr. Chen", icd10=["M54.50"])
    book = lambda start: s.book_session("Cara", "Maya", "Cedar", "swedish", start, 60)  # noqa: E731
    done, missed, called_off = book("2026-11-16 10:00"), book("2026-11-18 10:00"), book("2026-11-19 10:00")
    s.set_status(done.id, "fulfilled")
    s.record_hands_on(done.id, {"97124": 38, "97140": 15})
    s.write_note(done.id, subjective="low back 6/10", plan="weekly")
    s.write_note(done.id, plan="weekly for four weeks")
    s.set_status(missed.id, "no-show")
    s.cancel(called_off.id, "sick")
    s.book_session("Cara", "Maya", "Cedar", "swedish", "2026-11-25 10:00", 60)
    visit = s.book_visit("Cara", "Dr Patel", "Adjusting", "2026-11-17 09:00", 30)
    s.set_status(visit.id, "fulfilled")
    return s, dict(done=done.id, visit=visit.id)


async def open_client(pilot, name: str):
    await settle(pilot)
    await press(pilot, "c")
    await pilot.press(*name, "enter")
    await settle(pilot)
    return pilot.app.screen


async def highlight(pilot, screen, ident: str) -> None:
    listing = screen.query_one("#record")
    listing.focus()
    listing.highlighted = next(i for i in range(listing.option_count) if listing.get_option_at_index(i).id == ident)
    await settle(pilot)


@pilot_test
async def test_the_record_shows_the_next_visit_first_then_the_history_attendance_flags_and_referrals(cara):
    practice, _ = cara
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client(pilot, "cara")
        text = pane(app)
        assert "Cara Ins · insurance · 555-0199" in text
        assert "⚠ 1 no-show, 1 late cancel in 12 months" in text
        assert "✔ surgery: cleared by Dr. Chen until 2027-01-31" in text
        # the next ones first (today's visit with its spot work, Wednesday's session), then the history
        assert ("Next Mon 23 Nov 10:00 visit · Dr Patel Mon 23 Nov 10:15 spot neck · Daniel "
                "Wed 25 Nov 10:00 swedish · Maya History since 23 Nov 2025") in text
        history = text[text.index("History since"):]
        assert history.index("Thu 19 Nov 10:00 late cancel · swedish · Maya · sick") \
            < history.index("Wed 18 Nov 10:00 no-show · swedish · Maya") \
            < history.index("Tue 17 Nov 09:00 fulfilled · visit · Dr Patel") \
            < history.index("Mon 16 Nov 10:00 fulfilled · swedish · Maya · 4 units · ✎2")
        await press(pilot, "end")  # the last appointment brings the lines below it into sight
        text = pane(app)
        assert ("Contact and referrals 555-0199 · reminders: email if there is one, else text "
                "Referral ✔ active · 4 of 6 visits used, 2 left · 2026-11-01 to 2027-01-15 · Dr. Chen · "
                "ICD-10 M54.50") in text
        for line in screen_text(app).splitlines():
            assert not line.rstrip().endswith("…")  # nothing cut at 80 columns


@pilot_test
async def test_enter_on_a_past_visit_opens_its_note_with_its_versions_or_writes_one(cara):
    practice, ids = cara
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_client(pilot, "cara")
        await highlight(pilot, screen, ids["done"])
        assert "Mon 16 Nov 10:00 · ⏎ opens its note (2 versions)" in pane(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, NoteScreen)
        text = screen_text(app)
        assert "version 2 (amends 1)" in text and "weekly for four weeks" in text
        await press(pilot, "left")
        assert "version 1 of 2, amended since" in screen_text(app)
        await press(pilot, "escape")
        assert app.screen is screen
        # the chiropractic visit has no note yet: Enter opens the editor, and signing marks the row
        await highlight(pilot, screen, ids["visit"])
        assert "Tue 17 Nov 09:00 · ⏎ writes its note" in pane(app)
        await press(pilot, "enter")
        assert "a new note: signing makes version 1" in screen_text(app)
        await pilot.press(*"adjusted L4-L5")
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        text = pane(app)
        assert "✔ note signed for Cara Ins Tue 17 Nov 09:00" in text
        assert "Tue 17 Nov 09:00 fulfilled · visit · Dr Patel · ✎" in text
        assert "adjusted" not in text  # a note's text stays in the note views
    assert practice.note_of(ids["visit"])["subjective"] == "adjusted L4-L5"


@pilot_test
async def test_a_clearance_is_added_and_taken_off_file(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_client(pilot, "ben")
        assert "⚠ osteoporosis (fracture risk): talk to the doctor first" in pane(app)
        assert "^l Clearance" in screen_text(app).splitlines()[-1]
        await press(pilot, "ctrl+l")
        form = app.screen
        assert "Clearance on file for Ben Flag" in screen_text(app)
        await pilot.press(*"Dr. Chen", "tab", *"2026-11-01")
        await press(pilot, "ctrl+s")  # ended already: refused in one line, the typing kept
        assert ("✖ clearance for Ben Flag: the clearance would already have ended (2026-11-01 is before "
                "today, 2026-11-23) (nothing saved)") in region_text(app, ".dialog")
        assert app.screen is form and form.query_one("#clear-by").value == "Dr. Chen"
        form.query_one("#clear-until").value = "2027-01-31"
        form.query_one("#clear-note").value = "light pressure over the hips"
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        text = pane(app)
        assert "✔ Ben Flag's osteoporosis cleared by Dr. Chen until 2027-01-31" in text
        assert "✔ osteoporosis: cleared by Dr. Chen until 2027-01-31" in text
        clearance = practice.clearances("Ben")[0]
        await highlight(pilot, screen, "clearance:" + clearance.id)
        assert "osteoporosis clearance: light pressure over the hips · Del takes it off file" in pane(app)
        await press(pilot, "delete")
        assert "Take Ben Flag's clearance of osteoporosis by Dr. Chen off file?" in region_text(app, ".dialog")
        await press(pilot, "y")
        assert practice.clearances("Ben") == []
        text = pane(app)
        assert "✔ Ben Flag's clearance of osteoporosis by Dr. Chen taken off file" in text
        assert "⚠ osteoporosis (fracture risk): talk to the doctor first" in text


@pilot_test
async def test_the_form_takes_reminders_date_of_birth_and_address(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_client(pilot, "ann")
        await press(pilot, "ctrl+e")
        assert "Reminders  email if there is one, else text" in screen_text(app)
        screen.query_one("#remind-by").focus()
        await press(pilot, "right", "right")  # email only -> text message
        screen.query_one("#dob").value = "2030-01-01"
        await press(pilot, "ctrl+s")
        assert "✖ Ann Self: a date of birth cannot be in the future (2030-01-01)" in pane(app)
        screen.query_one("#dob").value = "1980-02-29"
        screen.query_one("#address").value = "7 Oak Ln, Springfield"
        await press(pilot, "ctrl+s")
        ann = next(c for c in practice.clients() if c.name == "Ann Self")
        assert (ann.remind_by, str(ann.dob), ann.address) == ("sms", "1980-02-29", "7 Oak Ln, Springfield")
        await press(pilot, "end")
        text = pane(app)
        assert "✔ saved Ann Self" in text
        assert "reminders: text message (sms)" in text and "born 1980-02-29 · 7 Oak Ln, Springfield" in text


@pilot_test
async def test_help_and_the_key_line_show_the_clients_screen_keys(practice):
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client(pilot, "ben")
        assert screen_text(app).splitlines()[-1].split() == [
            "^e", "Edit", "^l", "Clearance", "^r", "Referral", "^n", "New", "esc", "Calendar", "?", "Help"]
        await press(pilot, "f1")
        text = screen_text(app)
        assert "add a doctor's clearance" in text and "take a clearance off file" in text
        assert "book a session" not in text  # the calendar's keys are the calendar's help
        await press(pilot, "escape", "ctrl+e")
        assert "esc Record" in screen_text(app).splitlines()[-1]

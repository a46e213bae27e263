"""The note dialog at 80x24: the note as it stands with its signature, earlier versions a key away, an editor
pre-filled from the note that signs a new version, and refusals in one line that name the client."""

from __future__ import annotations

from tui_scheduler.tui.screens.notes import NoteScreen

from .conftest import app_for, pilot_test, press, region_text, screen_text, settle


def ben_session(practice):
    """Ben's 90-minute session with Daniel, Monday 08:00: it has started at the tests' "now"."""
    return next(a for a in practice.appointments(*practice.day_span(practice.now().date()))
                if a.start.strftime("%H:%M") == "14:00" and a.kind == "session")  # 08:00 in Chicago


async def open_note(pilot, practice, appt_id: str, **options) -> list:
    """Open the dialog over the calendar; the list receives what it answers when it closes."""
    answers: list = []
    await settle(pilot)
    pilot.app.push_screen(NoteScreen(practice, appt_id, **options), answers.append)
    await settle(pilot)
    return answers


@pilot_test
async def test_the_note_as_it_stands_and_its_earlier_version(practice):
    ben = ben_session(practice)
    practice.write_note(ben.id, subjective="Neck pain 6/10 after long drives", objective="Hypertonic trapezius",
                        areas="neck, shoulders", pressure="light")
    practice.write_note(ben.id, plan="Weekly for four weeks, then reassess")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_note(pilot, practice, ben.id)
        text = screen_text(app)
        assert "Note · Ben Flag · Mon 23 Nov 08:00-09:30 · lymph-drainage with Daniel" in text
        assert "signed by tester 2026-11-23 08:00 · version 2 (amends 1)" in text
        for line in ("Subjective Neck pain 6/10 after long drives", "Objective  Hypertonic trapezius",
                     "Plan       Weekly for four weeks, then reassess", "Areas      neck, shoulders",
                     "Pressure   light", "Assessment —"):
            assert line in text, line
        assert "Edit e" in text and "Earlier ←" in text and "Close esc" in text
        await press(pilot, "left")
        text = screen_text(app)
        assert "version 1 of 2, amended since" in text
        assert "Plan       —" in text and "Subjective Neck pain 6/10" in text
        await press(pilot, "right")
        assert "version 2 (amends 1)" in screen_text(app)
        dialog = app.screen.query_one("#note").region
        assert dialog.y >= 0 and dialog.bottom <= 24


@pilot_test
async def test_editing_is_prefilled_and_signs_a_new_version(practice):
    ben = ben_session(practice)
    practice.write_note(ben.id, subjective="Neck pain 6/10", pressure="light")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        answers = await open_note(pilot, practice, ben.id)
        await press(pilot, "e")
        text = screen_text(app)
        assert "signing makes version 2 (amends 1)" in text and "Sign ^s" in text
        assert app.screen.query_one("#note-subjective").value == "Neck pain 6/10"
        assert app.screen.query_one("#note-pressure").text == "light"
        await pilot.press(*", better since last visit")  # typed on after the signed text, which stays
        app.screen.query_one("#note-plan").focus()
        await pilot.press(*"Stretch daily")
        await press(pilot, "ctrl+s")
        assert answers == [True] and not isinstance(app.screen, NoteScreen)
    note = practice.note_of(ben.id)
    assert note["version"] == 2 and len(note["versions"]) == 2
    assert note["subjective"] == "Neck pain 6/10, better since last visit" and note["plan"] == "Stretch daily"
    assert note["versions"][0]["subjective"] == "Neck pain 6/10" and note["pressure"] == "light"


@pilot_test
async def test_refusals_are_one_line_that_names_the_client_and_keep_the_typing(practice):
    ben = ben_session(practice)
    practice.write_note(ben.id, subjective="Neck pain 6/10")
    ann = next(a for a in practice.appointments(*practice.day_span(practice.now().date())) if a.modality == "swedish")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        answers = await open_note(pilot, practice, ben.id, edit=True)
        await press(pilot, "ctrl+s")  # nothing changed
        text = region_text(app, "#note")
        assert "✖ the note of Ben Flag's session Mon 23 Nov 08:00 already says that: nothing to sign" in text
        assert "(nothing signed; your typing is kept)" in text and ben.id not in text
        assert isinstance(app.screen, NoteScreen) and answers == []
        await press(pilot, "escape")
        assert answers == [False]
        # Ann's session at 09:00 has not started: said at once, and there is nothing to edit
        await open_note(pilot, practice, ann.id)
        text = screen_text(app)
        assert "no note yet" in text
        assert "Ann Self's session Mon 23 Nov 09:00 has not started yet" in text and ann.id not in text
        assert "Edit e" not in text and "Sign ^s" not in text
        await press(pilot, "e", "ctrl+s")
        assert practice.note_of(ann.id) is None
    assert len(practice.note_of(ben.id)["versions"]) == 1


@pilot_test
async def test_a_first_note_opens_on_the_editor_and_esc_over_typing_asks_once(practice):
    ben = ben_session(practice)
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        answers = await open_note(pilot, practice, ben.id)
        assert "a new note: signing makes version 1" in screen_text(app)
        await pilot.press(*"Low back 5/10")
        await press(pilot, "enter")  # Enter goes on to the next section, it does not sign
        assert app.screen.focused.id == "note-objective" and practice.note_of(ben.id) is None
        await press(pilot, "escape")
        assert "⚠ not signed yet: ^s signs it, Esc again closes without signing" in screen_text(app)
        assert isinstance(app.screen, NoteScreen)
        await press(pilot, "escape")
        assert answers == [False] and practice.note_of(ben.id) is None

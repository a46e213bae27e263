"""The clinic's day in the app, at 80x24 (and 160x50 where widths matter) with "now" fixed: confirmed, stranded
and late-cancelled appointments marked without colour, closed days and time off drawn, the details dialog
with history, clearances, reminders and the note, cancelling by client or practice, the day sheet with its
call list, and changes made by the CLI in another process showing after the app's poll. Asserted on the
rendered text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from tests.conftest import NOW
from tests.smtp_server import smtp_server
from tui_scheduler.core.model import Status, TimeOff

from .conftest import (MONDAY, app_for, cursor_to, grid, pilot_test, press, region_text, screen_text, settle,
                       told, until)

TUESDAY = "2026-11-24"
THURSDAY = "2026-11-26"


def lines(app) -> list[str]:
    return screen_text(app).splitlines()


def dialog(app) -> str:
    """A dialog's text as one line: what is wrapped on screen reads on."""
    inside = [line.split("│")[1] for line in lines(app) if line.count("│") >= 2 and "╭" not in line]
    return " ".join(" ".join(inside).split())


def cli(practice, *args: str) -> str:
    """The real console script in a process of its own, on the app's data folder."""
    exe = Path(sys.executable).with_name("tui-scheduler")
    env = {**os.environ, "TUI_SCHEDULER_DATA": str(practice.folder.path), "TUI_SCHEDULER_NOW": NOW.isoformat()}
    done = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def monday(practice, client: str):
    who = next(c.id for c in practice.clients() if c.name.startswith(client))
    return next(a for a in practice.appointments(*practice.day_span(practice.now().date()))
                if a.client_id == who and a.kind != "spot")


def from_own_calendar(practice, who: str, start: str, end: str) -> None:
    """Time off as a CalDAV sync leaves it: sourced from the person's own calendar."""
    with practice.ctx.write() as desk:
        person = desk.find(desk.staff, who, "staff member")
        off = TimeOff(desk.time(start), desk.time(end), "busy in their own calendar", "caldav:uid-1", id="t-cal01")
        desk.staff.put(replace(person, time_off=(*person.time_off, off)))


@pilot_test
async def test_blocks_say_confirmed_stranded_and_late_cancel_without_colour(practice):
    ann = monday(practice, "Ann")
    practice.confirm(ann.id)
    dan = practice.book_session("Dan", "Maya", "Cedar", "swedish", f"{MONDAY} 12:00", 60, override="referral faxed")
    practice.add_time_off("Maya", f"{MONDAY} 11:30", f"{MONDAY} 15:00", "dentist", override=True)
    late = practice.book_session("Ann", "Maya", "Willow", "swedish", f"{MONDAY} 16:00", 60)
    practice.cancel(late.id, "client sick")  # by the client, eight hours ahead: late
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "B✔ Ann Self" in text and "B⚠ Dan Hsa" in text and "B Ben Flag" in text
        await cursor_to(pilot, "Cedar", "12:00")
        info = lines(app)[-2]
        assert "12:00-13:00 B⚠ booked · Dan Hsa · ⚠ Maya is off then: move it · not confirmed" in info, info
        await cursor_to(pilot, "Cedar", "09:00")
        assert "B✔ booked · Ann Self · ✔ confirmed Mon 08:00" in lines(app)[-2]
        assert "C Confirm" not in lines(app)[-1]  # nothing left to confirm
        await cursor_to(pilot, "Willow", "16:00")
        assert "X! Ann Self" in screen_text(app)
        assert "X! cancelled · Ann Self · late cancel: client sick" in lines(app)[-2]
        await press(pilot, "question_mark")
        legend = screen_text(app)
        assert "✔ confirmed" in legend
        assert "⚠ off/closed: move  ! late cancel  ▸ spot work  ░ turnover  · not bookable" in legend
    async with app_for(practice).run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "12:00")
        info = lines(pilot.app)[-3]  # two key lines at 160x50
        assert "⚠ Maya is off Mon 2026-11-23 11:30 to Mon 2026-11-23 15:00: dentist: move it" in info, info
        assert dan.id not in screen_text(pilot.app)


@pilot_test
async def test_time_off_is_drawn_in_the_staff_view_and_own_calendar_time_off_says_so(practice):
    practice.add_time_off("Maya", f"{MONDAY} 13:00", f"{MONDAY} 15:00", "dentist")
    from_own_calendar(practice, "Daniel", f"{MONDAY} 14:00", f"{MONDAY} 16:00")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "r")  # by staff
        await cursor_to(pilot, "Maya", "13:00")
        maya = grid(app)._col_x[grid(app).cursor[0]]
        row = next(line for line in lines(app) if line.startswith("13:00"))
        assert row[6 + maya:].startswith("▸")  # the cursor is on it; the row below carries on
        assert "Mon 23 Nov 13:00 · Maya · off 13:00-15:00: dentist" in lines(app)[-2]
        await cursor_to(pilot, "Maya", "12:00")
        row = next(line for line in lines(app) if line.startswith("13:00"))
        assert row[6 + maya:].startswith("off: dentist")
        await cursor_to(pilot, "Daniel", "14:00")
        assert "Mon 23 Nov 14:00 · Daniel · off 14:00-16:00 (from their own calendar)" in lines(app)[-2]
        await cursor_to(pilot, "Daniel", "12:00")
        daniel = grid(app)._col_x[grid(app).cursor[0]]
        row = next(line for line in lines(app) if line.startswith("14:00"))
        assert row[6 + daniel:].startswith("off (own calendar)") or row[6 + daniel:].startswith("off (cal)"), row
        await press(pilot, "r")  # by room: rooms take no time off
        assert "off:" not in screen_text(app)


@pilot_test
async def test_an_appointment_on_a_day_closed_later_is_flagged_to_be_moved(practice):
    practice.add_closure(MONDAY, MONDAY, "burst pipe", override=True)
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:00")  # Ann's session, booked before the pipe burst
        assert "B⚠ Ann Self" in screen_text(app)
        assert "⚠ the practice is closed on Mon 2026-11-23: burst pipe: move it" in lines(app)[-2] \
            or "⚠ closed that day: move it" in lines(app)[-2], lines(app)[-2]


@pilot_test
async def test_a_closed_day_is_drawn_closed_with_its_reason_and_booking_there_says_why(practice):
    practice.add_closure(THURSDAY, THURSDAY, "Thanksgiving")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "n", "n", "n")
        assert "Thursday 26 November 2026 · closed: Thanksgiving" in lines(app)[1]
        ten = next(line for line in lines(app) if line.startswith("10:00"))
        assert ten.count("closed") == 4  # every room, on the hour
        await cursor_to(pilot, "Cedar", "10:00")
        assert "Thu 26 Nov 10:00 · Cedar · the practice is closed: Thanksgiving" in lines(app)[-2]
        await press(pilot, "b")  # the booking form says why, in the service's words
        await pilot.press(*"ann", "enter")
        await settle(pilot)
        assert "✖ the practice is closed on Thu 2026-11-26: Thanksgiving" in region_text(app, ".dialog")
        await press(pilot, "escape", "w")  # the week says which day, in the room it has
        assert "26 closed" in lines(app)[1] or "Thu 26 closed" in lines(app)[1], lines(app)[1]


@pilot_test
async def test_confirm_from_the_calendar_and_a_cli_confirm_and_cancel_show_after_the_poll(practice):
    ben, ann = monday(practice, "Ben"), monday(practice, "Ann")
    app = app_for(practice)
    said = told(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:00")
        assert "C Confirm" in lines(app)[-1]
        await press(pilot, "C")
        assert practice.get(ann.id).confirmed == NOW
        assert "Confirmed Ann Self Mon 09:00" in said and "B✔ Ann Self" in screen_text(app)
        await press(pilot, "C")
        assert "Ann Self's session Mon 23 Nov 09:00 was already confirmed Mon 2026-11-23 08:00" in "\n".join(said)

        cli(practice, "confirm", ben.id)  # another desk, at the same time
        await until(pilot, lambda: "B✔ Ben Flag" in screen_text(app), "the CLI's confirmation shows")
        cli(practice, "cancel", ann.id, "--reason", "flooded basement", "--by", "practice")
        await until(pilot, lambda: "X Ann Self" in screen_text(app), "the CLI's cancellation shows")
        assert "X! Ann Self" not in screen_text(app)  # the practice cancelled: never late


@pilot_test
async def test_cancelling_asks_who_cancelled_and_says_when_it_is_a_late_cancel(practice):
    ann, dan = monday(practice, "Ann"), practice.book_session("Dan", "Maya", "Cedar", "swedish", f"{TUESDAY} 12:00",
                                                               60, override="referral faxed")
    app = app_for(practice)
    said = told(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:00")
        await press(pilot, "x")
        text = dialog(app)
        assert "Cancelled by [x] client [ ] practice" in text
        assert "⏎ cancels it: client called, by the client · a late cancel (counted against the client)" in text
        await press(pilot, "right")  # the practice cancels: never a late cancel
        text = dialog(app)
        assert "Cancelled by [ ] client [x] practice" in text and "late cancel" not in text.split("⏎")[1]
        await press(pilot, "down", "down", "down")  # a practice's reason: the practice cancels
        assert "⏎ cancels it: therapist unavailable, by the practice" in dialog(app)
        await press(pilot, "enter")
        done = practice.get(ann.id)
        assert (done.status, done.cancel_reason, done.late_cancel) == (Status.CANCELLED, "therapist unavailable", False)
        assert "X Ann Self" in screen_text(app) and "(by the practice; u to undo)" in said[-1]
        history = practice.history(ann.id)
        assert history[-1]["text"] == "cancelled by the practice: therapist unavailable"

        await press(pilot, "n")  # Tuesday noon: 28 hours ahead, outside the 24-hour window
        await cursor_to(pilot, "Cedar", "12:00")
        await press(pilot, "x")
        assert "⏎ cancels it: client called, by the client" in dialog(app) and "late cancel" not in dialog(app)
        await press(pilot, "2")
        done = practice.get(dan.id)
        assert (done.cancel_reason, done.late_cancel) == ("client sick", False)


@pilot_test
async def test_the_details_dialog_shows_history_clearance_reminders_and_the_note_at_80x24(practice):
    ben = monday(practice, "Ben")
    practice.add_clearance("Ben", "osteoporosis", "Dr. Chen", until="2027-01-31")
    practice.add_client("Eve Mail", "self-pay", ["tumor", "osteoporosis"], email="eve@example.org")
    practice.add_clearance("Eve", "osteoporosis", "Dr. Chen", until="2027-01-31")
    eve = practice.book_session("Eve", "Daniel", "Willow", "swedish", f"{MONDAY} 13:00", 60, override="oncologist ok")
    with smtp_server() as (inbox, port):
        practice.set_sending(smtp_host="127.0.0.1", smtp_port=port, smtp_from="desk@clinic.example", smtp_tls="none")
        practice.send_reminders()
    assert len(inbox.messages) == 1
    practice.confirm(eve.id)
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Willow", "13:00")
        await press(pilot, "enter")
        text = dialog(app)
        assert "Session · B✔ booked · ✔ confirmed Mon 2026-11-23 08:00" in text
        assert "Flag ✔ osteoporosis: cleared by Dr. Chen until 2027-01-31" in text
        assert "Flag ⚠ tumor: not cleared" in text and "⚠ osteoporosis" not in text  # ⚠ only where not cleared
        assert "Reminder by email: sent Mon 23 Nov 08:00" in text
        assert "Note none yet (Eve Mail's session Mon 23 Nov 13:00 has not started yet" in text
        for action in ("a Check in", "d Done", "o No-show", "x Cancel", "m Move", "e Note", "esc Close"):
            assert action in screen_text(app), action
        assert "c Confirm" not in screen_text(app)  # confirmed already
        await press(pilot, "end")  # the body scrolls; the actions stay in sight
        text = dialog(app)
        assert "History" in text and "confirmed by the client" in text and "reminder sent by email" in text
        assert "m-" not in text  # the outbox's own id is not for people
        assert "esc Close" in screen_text(app) and "a Check in" in screen_text(app)
        assert eve.id not in screen_text(app)
        await press(pilot, "escape")

        await cursor_to(pilot, "Willow", "08:00")  # Ben's session has started: its note can be written
        await press(pilot, "enter")
        assert "Note none yet · e writes it" in dialog(app) and "c Confirm" in screen_text(app)
        await press(pilot, "e")
        assert "a new note: signing makes version 1" in screen_text(app)
        await pilot.press(*"neck 5/10")
        await press(pilot, "ctrl+s")
        assert practice.note_of(ben.id)["subjective"] == "neck 5/10"
        text = dialog(app)  # back on the details: the signature, never the note's words
        assert "✎ signed by" in text and "version 1 · e reads it" in text and "neck 5/10" not in text
        assert "visit note signed (subjective)" in text  # in the history: that it was signed, not what it says
        await press(pilot, "e")
        assert "neck 5/10" in screen_text(app)  # the note's own view shows it


@pilot_test
async def test_the_details_dialog_follows_a_cli_change_while_it_is_open(practice):
    ann = monday(practice, "Ann")
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "Cedar", "09:00")
        await press(pilot, "enter")
        assert "not confirmed" in dialog(app)
        cli(practice, "confirm", ann.id)
        await until(pilot, lambda: "✔ confirmed Mon 2026-11-23 08:00" in dialog(app), "the confirmation shows")
        cli(practice, "cancel", ann.id, "--reason", "client sick")
        await until(pilot, lambda: "Cancelled ! late cancel: client sick" in dialog(app), "the cancellation shows")
        assert "Session · X! cancelled" in dialog(app)


@pilot_test
async def test_the_day_sheet_has_phones_marks_cleared_flags_notes_and_a_closed_banner(practice):
    ben, ann = monday(practice, "Ben"), monday(practice, "Ann")
    practice.update_client("Ann", phone="555-0142")
    practice.confirm(ann.id)
    practice.add_clearance("Ben", "osteoporosis", "Dr. Chen", until="2027-01-31")
    practice.write_note(ben.id, subjective="neck 5/10")
    practice.write_note(ben.id, plan="weekly")
    dan = practice.book_session("Dan", "Maya", "Cedar", "swedish", f"{MONDAY} 12:00", 60, override="referral faxed")
    practice.add_time_off("Maya", f"{MONDAY} 11:30", f"{MONDAY} 15:00", "dentist", override=True)
    practice.add_closure(THURSDAY, THURSDAY, "Thanksgiving")
    app = app_for(practice)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await press(pilot, "D")
        row = next(line for line in lines(app) if "Ben Flag" in line)
        assert "✔ osteoporosis" in row and "⚠" not in row and row.rstrip().endswith("✎2")
        row = next(line for line in lines(app) if "Ann Self" in line)
        assert " B✔ Ann Self" in row and "555-0142" in row
        row = next(line for line in lines(app) if "Dan Hsa" in line)
        assert " B⚠ Dan Hsa" in row
    async with app_for(practice).run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        await press(pilot, "D")
        assert "Phone" in lines(app)[1] and "Note" in lines(app)[1]
        text = screen_text(app)  # Ben's row is highlighted: said in full below the sheet
        assert "✔ cleared by Dr. Chen until 2027-01-31" in text and "✎ note, 2 versions" in text
        await press(pilot, "e")  # the note of the highlighted row
        assert "version 2 (amends 1)" in screen_text(app) and "weekly" in screen_text(app)
        await press(pilot, "escape")
        row = next(i for i, r in enumerate(app.screen.rows) if r["id"] == dan.id)
        app.screen.query_one("#sheet").highlighted = row
        await settle(pilot)
        assert "⚠ Maya is off Mon 2026-11-23 11:30 to Mon 2026-11-23 15:00: dentist: move it" in \
            " ".join(screen_text(app).split())
        await press(pilot, "n", "n", "n")
        assert "✖ Closed: Thu 2026-11-26 (Thanksgiving) · nothing can be booked this day" in lines(app)[1]
        await press(pilot, "p")
        assert "Closed" not in screen_text(app)
        await press(pilot, "question_mark")  # help here is the day sheet's keys and marks
        text = screen_text(app)
        assert "l         the call list, and back" in text and "e         its visit note: read, sign" in text
        assert "✎ a note (✎2: amended once)" in text and "b         book a session" not in text


@pilot_test
async def test_the_call_list_confirms_as_the_desk_calls_and_follows_another_desk(practice):
    practice.update_client("Ann", phone="555-0142")
    practice.update_client("Cara", phone="555-0177")
    ann = practice.book_session("Ann", "Maya", "Cedar", "swedish", f"{TUESDAY} 09:00", 60)
    cara = practice.book_visit("Cara", "Dr Patel", "Adjusting", f"{TUESDAY} 10:00", 45)
    ben = practice.book_session("Ben", "Daniel", "Willow", "swedish", f"{TUESDAY} 11:00", 60, override="cleared")
    practice.confirm(ben.id)  # confirmed already: not on the list
    app = app_for(practice)
    said = told(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "D", "l")
        text = screen_text(app)
        assert "Call list · Tue 24 Nov 2026 · 2 to call" in text
        assert "09:00 B Ann Self 555-0142" in text and "10:00 B Cara Ins 555-0177" in text and "Ben" not in text
        assert "c Confirm" in lines(app)[-1] and "l Day sheet" in lines(app)[-1]
        await press(pilot, "c")  # Ann said yes
        assert practice.get(ann.id).confirmed == NOW and said[-1] == "Confirmed Ann Self Tue 09:00"
        assert "1 to call" in lines(app)[0] and "Ann Self" not in screen_text(app)
        assert "10:00-10:45 booked visit · Cara Ins · ☎ 555-0177" in screen_text(app)  # the next one, highlighted
        await press(pilot, "e")
        assert "Notes are written from the day sheet: l goes back to it" in said[-1]
        cli(practice, "confirm", cara.id)  # another desk reached Cara
        await until(pilot, lambda: "0 to call" in lines(app)[0], "the other desk's confirmation shows")
        assert "nobody left to call this day" in screen_text(app)
        await press(pilot, "l")
        assert "Day sheet · Mon 23 Nov 2026" in lines(app)[0]  # back to the day it left


def test_history_says_a_note_was_signed_never_what_it_says(practice):
    ben = monday(practice, "Ben")
    practice.write_note(ben.id, subjective="private words", areas="neck")
    practice.write_note(ben.id, plan="more private words")
    texts = [h["text"] for h in practice.history(ben.id)]
    assert texts[-2:] == ["visit note signed (subjective, areas)", "visit note amended, version 2 (plan changed)"]
    assert "private" not in json.dumps(practice.history(ben.id))

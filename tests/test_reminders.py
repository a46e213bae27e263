"""Reminders sent for real: to an SMTP server on 127.0.0.1 (aiosmtpd) and through an SMS command, by the
real console script, with what arrived read back the way a client's mail program would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import icalendar
import pytest

from tests.conftest import EXE, cli_env, small_practice
from tests.smtp_server import free_port, smtp_server
from tui_scheduler.services import Scheduler

# the tests' server takes a login without TLS on purpose: it is on 127.0.0.1 and lives for one test
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

# Monday 18:00 in Chicago: a 24-hour reminder is due for tomorrow's appointments until 18:00
EVENING = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
FROM = "frontdesk@riverside.example"


def practice(tmp_path: Path, port: int, **sending) -> Scheduler:
    s = small_practice(tmp_path / "data")
    s.update_practice(phone="555-0100")
    s.set_sending(smtp_host="127.0.0.1", smtp_port=port, smtp_from=FROM, smtp_tls="none", **sending)
    s.add_client("Amelia Hart", "self-pay", email="amelia@example.com", phone="555-0101")
    s.add_client("Bruno Ross", "self-pay", email="bruno@example.com", phone="555-0102")
    s.add_client("Carl Mills", "self-pay", email="carl@example.com")
    s.add_client("Dora Lane", "self-pay", email="dora@example.com")
    return s


def env(s: Scheduler, now: datetime = EVENING, **extra) -> dict:
    return cli_env(s.folder.path, now, **extra)


def run(s: Scheduler, *args: str, now: datetime = EVENING, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env(s, now, **extra), timeout=120)


def start(s: Scheduler, *args: str, **extra) -> subprocess.Popen:
    return subprocess.Popen([str(EXE), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env(s, **extra))


def wait_for_line(proc: subprocess.Popen, prefix: str) -> str:
    """The first line of the process's output that starts with `prefix` (it flushes each line)."""
    for line in proc.stdout:
        if line.startswith(prefix):
            return line
    raise AssertionError(f"the process ended without saying {prefix!r}: {proc.stderr.read()}")


def outbox(s: Scheduler) -> list[dict]:
    done = run(s, "reminders", "list", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def calendar_event(message):
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1 and parts[0].get_filename() == "appointment.ics"
    return icalendar.Calendar.from_ical(parts[0].get_content()).walk("VEVENT")[0]


def listed(s: Scheduler, appt_id: str) -> dict:
    rows = json.loads(run(s, "list", "--from", "2026-11-20", "--days", "14", "--json").stdout)
    return next(r for r in rows if r["id"] == appt_id)


def four_due(s: Scheduler) -> list:
    return [s.book_session(client, "Daniel", "Cedar", "swedish", f"2026-11-24 {hour}:00", 60)
            for client, hour in (("Amelia", 9), ("Bruno", 11), ("Carl", 13), ("Dora", 15))]


# --- what arrives -------------------------------------------------------------------------------------

def test_a_reminder_tells_the_client_what_they_need_and_nothing_clinical(tmp_path):
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port)
        a = s.book_session("Amelia", "Maya", "Cedar", "deep-tissue", "2026-11-24 10:00", 60)
        s.book_session("Bruno", "Maya", "Cedar", "swedish", "2026-11-26 10:00", 60)  # not due for two days
        done = run(s, "reminders", "send")
        assert done.returncode == 0, done.stderr
        assert len(inbox.messages) == 1
        m = inbox.messages[0]
        assert m["To"] == "amelia@example.com" and FROM in m["From"] and "Test Clinic" in m["From"]
        assert m["Subject"] == "Reminder: your appointment on Tue 24 Nov at 10:00"
        text = body(m)
        for expected in ("Dear Amelia Hart", "Tuesday 24 November 2026, 10:00 to 11:00 (CST)",
                         "with Maya, massage therapist", "in room Cedar",
                         "Please arrive 15 minutes early (at 09:45) to check in",
                         "To confirm or cancel, please call us on 555-0100"):
            assert expected in text
        assert "deep" not in (m["Subject"] + text).lower()  # the modality says what the massage is for
        # the attachment is the feeds' event: same UID, and the same instant as `list --json`
        event, row = calendar_event(m), listed(s, a.id)
        assert str(event["UID"]) == row["uid"] == a.uid
        assert event.decoded("DTSTART") == datetime.fromisoformat(row["start"])
        assert event.decoded("DTEND") == datetime.fromisoformat(row["end"])
        # the run's lines name the message and the appointment, never the client or an address
        assert "sending " in done.stdout and a.id in done.stdout and "1 sent" in done.stdout
        assert "amelia" not in (done.stdout + done.stderr).lower()
        # sent once: a second run has nothing to do
        assert run(s, "reminders", "send").returncode == 0
        assert len(inbox.messages) == 1
        rows = outbox(s)
        assert [(r["appointment"], r["status"], r["channel"], r["tries"]) for r in rows] == [(a.id, "sent", "email", 1)]
        history = run(s, "history", a.id).stdout
        assert "reminder sent by email" in history


def test_no_reminder_for_an_appointment_that_starts_within_the_hour(tmp_path):
    """A walk-in booked at 18:00 for 18:15 is with the client already; a reminder then is no help."""
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port)
        s.book_session("Amelia", "Daniel", "Cedar", "swedish", "2026-11-23 18:15", 30)
        s.book_session("Bruno", "Daniel", "Cedar", "swedish", "2026-11-24 10:00", 60)
        done = run(s, "reminders", "send")
        assert done.returncode == 0, done.stderr
        assert [m["To"] for m in inbox.messages] == ["bruno@example.com"]
        assert [row["client"] for row in outbox(s)] == ["Bruno Ross"]


def test_spot_work_goes_in_its_visits_message(tmp_path):
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port)
        visit = s.book_visit("Amelia", "Dr Patel", "Adjusting", "2026-11-24 10:00", 45)
        spot = s.book_spot(visit.id, "Maya", "2026-11-24 10:15", region="neck")
        assert run(s, "reminders", "send").returncode == 0
        assert len(inbox.messages) == 1
        text = body(inbox.messages[0])
        assert "with Dr Patel, chiropractor" in text and "in room Adjusting" in text
        assert "and 15 minutes of massage with Maya at 10:15" in text
        assert "neck" not in text
        assert str(calendar_event(inbox.messages[0])["UID"]) == visit.uid
        assert spot.id not in {r["appointment"] for r in outbox(s)}


def test_a_moved_appointment_gets_a_fresh_reminder_and_a_cancelled_one_a_notice(tmp_path):
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port)
        moved = s.book_session("Amelia", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
        dropped = s.book_session("Bruno", "Maya", "Cedar", "swedish", "2026-11-24 12:00", 60)
        never = s.book_session("Carl", "Maya", "Cedar", "swedish", "2026-11-24 14:00", 60)
        s.cancel(never.id, "called to cancel")  # before any reminder: none, and no notice either
        assert run(s, "reminders", "send").returncode == 0
        assert sorted(m["To"] for m in inbox.messages) == ["amelia@example.com", "bruno@example.com"]

        s.move(moved.id, "2026-11-25 11:00")  # two days out: the client hears of it now, not then
        s.cancel(dropped.id, "called to cancel")
        assert run(s, "reminders", "send").returncode == 0
        changed = next(m for m in inbox.messages[2:] if m["To"] == "amelia@example.com")
        assert changed["Subject"] == "Changed: your appointment is now on Wed 25 Nov at 11:00"
        assert "has moved from Tue 24 Nov at 10:00" in body(changed)
        event = calendar_event(changed)
        assert str(event["UID"]) == moved.uid and event.decoded("DTSTART") == datetime.fromisoformat(
            listed(s, moved.id)["start"])
        assert int(event["SEQUENCE"]) > 0
        notice = next(m for m in inbox.messages[2:] if m["To"] == "bruno@example.com")
        assert notice["Subject"] == "Cancelled: your appointment on Tue 24 Nov at 12:00"
        assert str(calendar_event(notice)["STATUS"]) == "CANCELLED"
        assert len(inbox.messages) == 4 and "carl@example.com" not in {m["To"] for m in inbox.messages}

        # the day before the new time, the usual reminder still goes (the notice went out days ahead)
        day_before = datetime(2026, 11, 24, 17, 30, tzinfo=timezone.utc)  # 11:30 Chicago
        assert run(s, "reminders", "send", now=day_before).returncode == 0
        assert inbox.messages[-1]["Subject"] == "Reminder: your appointment on Wed 25 Nov at 11:00"
        assert len(inbox.messages) == 5
        assert run(s, "reminders", "send", now=day_before).returncode == 0
        assert len(inbox.messages) == 5


# --- text messages ------------------------------------------------------------------------------------

SMS_SCRIPT = """
import json, os, sys
with open(os.environ["SMS_LOG"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
# a gateway that reads back the number in its own format and the start of the message
sys.stderr.write("gateway says: no route to +1 " + sys.argv[2].replace("-", " ") + "; message starts '"
                 + sys.argv[4][:40] + "'\\n")
sys.exit(int(open(os.environ["SMS_EXIT"]).read()))
"""


def test_text_messages_go_through_the_command_without_a_shell(tmp_path):
    script, log, status = tmp_path / "sms.py", tmp_path / "sms.log", tmp_path / "exit-status"
    script.write_text(SMS_SCRIPT)
    status.write_text("3")
    trap = tmp_path / "pwned"
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port, sms_command=f"{sys.executable} {script} --to {{phone}} --message {{text}}")
        name = f"Zoe $(touch {trap}); `touch {trap}` 'O\"Brien"
        s.add_client(name, "self-pay", phone="555-0199")
        s.add_client("Eva Text", "self-pay", email="eva@example.com", phone="555-0198", remind_by="sms")
        zoe = s.book_session("Zoe", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
        s.book_session("Eva", "Maya", "Willow", "swedish", "2026-11-24 12:00", 60)
        extra = {"SMS_LOG": str(log), "SMS_EXIT": str(status)}

        failed = run(s, "reminders", "send", **extra)  # the gateway refuses: both fail, both wait
        assert failed.returncode == 1
        assert "exited with status 3" in failed.stdout and "555-01" not in failed.stdout + failed.stderr
        assert {(r["status"], r["tries"]) for r in outbox(s)} == {("failed", 1)}
        assert all("exited with status 3: gateway says: no route to <the client's>; message starts '<the client's>'"
                   in r["error"] for r in outbox(s)), outbox(s)
        told = failed.stdout + failed.stderr + (s.folder.path / "audit.jsonl").read_text()
        assert not [w for w in ("Zoe", "Eva", "555 0", "reminder for Zoe") if w in told], told

        status.write_text("0")
        assert run(s, "reminders", "send", **extra).returncode == 0
        sent = [json.loads(line) for line in log.read_text().splitlines()][-2:]
        assert inbox.messages == []  # Eva has an email address but asked for text messages
        zoe_text = next(argv for argv in sent if argv[1] == "555-0199")
        assert zoe_text[0] == "--to" and zoe_text[2] == "--message" and len(zoe_text) == 4
        assert zoe_text[3].startswith(f"Test Clinic: reminder for {name}, Tue 24 Nov 10:00 with Maya, room Cedar.")
        assert "call 555-0100" in zoe_text[3]
        assert not trap.exists()  # the name was an argument, never a command
        assert {(r["status"], r["channel"], r["tries"]) for r in outbox(s)} == {("sent", "sms", 2)}
        assert "reminder sent by sms" in run(s, "history", zoe.id).stdout


def test_a_gateway_that_hangs_holds_up_one_message_not_every_one(tmp_path, monkeypatch):
    """The first text waits out the command's time limit; the rest of the run does not try that way again."""
    from tui_scheduler.outbox import sms

    monkeypatch.setattr(sms, "TIMEOUT", 5)
    script, log = tmp_path / "hang.sh", tmp_path / "sms.log"
    # a shell says it was called at once, however busy the machine; exec leaves one process to be stopped
    script.write_text('echo called >> "$1"\nexec sleep 120\n')
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port, sms_command=f"/bin/sh {script} {log} {{phone}} {{text}}")
        s.add_client("Eva Text", "self-pay", phone="555-0198", remind_by="sms")
        s.add_client("Finn Text", "self-pay", phone="555-0197", remind_by="sms")
        s.book_session("Eva", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
        s.book_session("Finn", "Maya", "Cedar", "swedish", "2026-11-24 12:00", 60)
        done = Scheduler(s.folder.path, clock=lambda: EVENING).send_reminders()
        assert (done.sent, done.failed) == (0, 2) and "did not finish within 5 s" in done.closed["sms"]
        assert log.read_text() == "called\n"
        assert [(r["status"], r["tries"]) for r in outbox(s)] == [("failed", 1), ("failed", 1)]


# --- exactly once ------------------------------------------------------------------------------------

def test_two_senders_at_once_send_each_message_once(tmp_path):
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port)
        four_due(s)
        runs = [start(s, "reminders", "send") for _ in range(2)]
        outs = [r.communicate(timeout=120) for r in runs]
        assert [r.returncode for r in runs] == [0, 0], outs
        assert sorted(inbox.by_id().values()) == [1, 1, 1, 1]
        assert {r["status"] for r in outbox(s)} == {"sent"}


def test_a_second_sender_leaves_what_a_live_one_has_claimed(tmp_path):
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port)
        four_due(s)
        inbox.hold_at = "rcpt"  # the first sender's first message waits in the server
        first = start(s, "reminders", "send")
        wait_for_line(first, "sending ")
        assert inbox.holding.wait(60)
        second = run(s, "reminders", "send")
        assert second.returncode == 0 and "0 sent, 4 being sent by another run" in second.stdout
        inbox.release()
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
        assert sorted(inbox.by_id().values()) == [1, 1, 1, 1]


def test_a_sender_killed_mid_send_loses_nothing_and_sends_nothing_twice(tmp_path):
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port)
        four_due(s)
        inbox.hold_at = "rcpt"  # killed while the server has not yet taken the first message
        victim = start(s, "reminders", "send")
        first = wait_for_line(victim, "sending ").split()[1]
        assert inbox.holding.wait(60)
        victim.send_signal(signal.SIGKILL)
        victim.wait(60)
        inbox.release()
        assert inbox.messages == []
        assert {r["status"] for r in outbox(s)} == {"sending"}  # claimed by a run that is gone
        done = run(s, "reminders", "send")
        assert done.returncode == 0 and "4 sent" in done.stdout, done.stdout + done.stderr
        assert sorted(inbox.by_id().values()) == [1, 1, 1, 1]
        rows = {r["id"]: r for r in outbox(s)}
        assert rows[first]["status"] == "sent" and rows[first]["tries"] == 2


def test_killed_after_the_server_took_a_message_it_goes_again_as_the_same_message(tmp_path):
    """The one window no SMTP client can close: the server said yes, the sender died before noting it.
    The message is sent again on the next run, with the same Message-ID, so mail programs (and people)
    can tell it is the same message; every other message still goes exactly once."""
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port)
        four_due(s)
        inbox.hold_at = "data"
        victim = start(s, "reminders", "send")
        wait_for_line(victim, "sending ")
        assert inbox.holding.wait(60)
        victim.send_signal(signal.SIGKILL)
        victim.wait(60)
        inbox.release()
        assert len(inbox.messages) == 1
        taken = inbox.messages[0]
        assert run(s, "reminders", "send").returncode == 0
        counts = inbox.by_id()
        assert counts.pop(taken["Message-ID"]) == 2
        assert sorted(counts.values()) == [1, 1, 1]
        again = [m for m in inbox.messages if m["Message-ID"] == taken["Message-ID"]]
        assert body(again[0]) == body(again[1]) and again[0]["Subject"] == again[1]["Subject"]


# --- a server that is down or refuses us -----------------------------------------------------------------

def test_a_server_that_is_down_is_one_line_and_the_messages_wait_for_the_next_run(tmp_path):
    port = free_port()  # nobody listens there yet
    s = practice(tmp_path, port)
    four_due(s)
    down = run(s, "reminders", "send")
    assert down.returncode == 1
    assert down.stderr.count("\n") == 1 and f"the mail server 127.0.0.1:{port} cannot be reached" in down.stderr
    assert "Traceback" not in down.stderr
    rows = outbox(s)
    assert {(r["status"], r["tries"]) for r in rows} == {("failed", 1)} and len(rows) == 4
    assert all("cannot be reached" in r["error"] for r in rows)
    with smtp_server(port) as (inbox, _):
        back = run(s, "reminders", "send")
        assert back.returncode == 0, back.stderr
        assert sorted(inbox.by_id().values()) == [1, 1, 1, 1]
    assert {(r["status"], r["tries"]) for r in outbox(s)} == {("sent", 2)}


def test_a_refused_login_is_one_line_and_the_password_stays_in_its_file(tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text("wrong-horse\n")
    with smtp_server(password="correct-horse-battery") as (inbox, port):
        s = practice(tmp_path, port)
        code = run(s, "practice", "set", "--smtp-user", "frontdesk", "--smtp-password-file", str(secret))
        assert code.returncode == 0, code.stderr
        four_due(s)
        refused = run(s, "reminders", "send")
        assert refused.returncode == 1 and refused.stderr.count("\n") == 1
        assert "refused the login for frontdesk" in refused.stderr
        assert {r["status"] for r in outbox(s)} == {"failed"} and inbox.messages == []
        secret.write_text("correct-horse-battery\n")  # read again at send time, never copied
        assert run(s, "reminders", "send").returncode == 0
        assert len(inbox.messages) == 4 and inbox.logins[-1] == ("frontdesk", "correct-horse-battery")
        # replaced since by something that is not a password file: one line each, nothing hangs or is sent
        s.book_session("Dora", "Daniel", "Willow", "swedish", "2026-11-24 17:00", 60)  # one more due
        secret.write_bytes(b"\xff\xfe not text")
        for make, says in ((lambda: None, "is not UTF-8 text"),
                           (lambda: (secret.unlink(), os.mkfifo(secret)), "is not a plain file")):
            make()
            refused = run(s, "reminders", "send")
            assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
            assert says in refused.stderr and "unexpected" not in refused.stderr
        assert len(inbox.messages) == 4
    shown = run(s, "practice", "show").stdout
    assert f"password in {secret}" in shown and "horse" not in shown.replace(str(secret), "")
    for f in s.folder.path.rglob("*"):
        if f.is_file():
            assert b"horse" not in f.read_bytes().replace(str(secret).encode(), b""), f


# --- settings, and sending as time goes by ------------------------------------------------------------------

def test_settings_are_checked_and_explained_in_one_line(tmp_path):
    s = practice(tmp_path, free_port())
    for args, said in ((("--sms-command", "send-sms {phone}"), "must name {text}"),
                       (("--smtp-from", "not an address"), "plain address"),
                       (("--smtp-password-file", str(tmp_path / "missing")), "no password file"),
                       (("--smtp-password-file", str(s.folder.path / "practice.json")), "outside the data folder"),
                       (("--remind-hours", "0"), "1 to 336 hours"),
                       (("--smtp-tls", "maybe"), "invalid choice")):
        done = run(s, "practice", "set", *args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and said in done.stderr, (args, done.stderr)
    done = run(s, "practice", "set", "--remind-hours", "48", "--late-cancel-hours", "12")
    assert done.returncode == 0
    assert "reminders go out 48 hours ahead" in done.stdout and "within 12 hours" in done.stdout


def test_every_minutes_keeps_sending_and_a_new_booking_goes_out_at_once(tmp_path):
    with smtp_server() as (inbox, port):
        s = practice(tmp_path, port)
        s.book_session("Amelia", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
        loop = start(s, "reminders", "send", "--every", "15")
        wait_for_line(loop, "sent ")
        s.book_session("Bruno", "Maya", "Cedar", "swedish", "2026-11-24 12:00", 60)  # the loop sees the change
        wait_for_line(loop, "sent ")
        loop.send_signal(signal.SIGTERM)
        out, err = loop.communicate(timeout=60)
        assert loop.returncode == 0, err
        assert sorted(m["To"] for m in inbox.messages) == ["amelia@example.com", "bruno@example.com"]


# --- confirmations and the call list -------------------------------------------------------------------

def test_confirm_and_the_call_list(tmp_path):
    s = practice(tmp_path, free_port())
    first = s.book_session("Amelia", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    visit = s.book_visit("Bruno", "Dr Patel", "Adjusting", "2026-11-24 11:00", 45)
    spot = s.book_spot(visit.id, "Maya", "2026-11-24 11:15")
    s.book_session("Carl", "Maya", "Cedar", "swedish", "2026-11-25 10:00", 60)  # the day after tomorrow
    calls = run(s, "day", "--calls")
    assert calls.returncode == 0
    lines = calls.stdout.splitlines()
    assert len(lines) == 2 and spot.id not in calls.stdout
    assert lines[0].startswith(f"10:00  {first.id}  Amelia Hart") and "555-0101" in lines[0]
    assert visit.id in lines[1] and "555-0102" in lines[1]
    assert run(s, "confirm", spot.id).returncode == 0  # spot work is confirmed with its visit
    assert s.get(visit.id).confirmed and s.get(spot.id).confirmed
    again = run(s, "confirm", visit.id)
    assert again.returncode == 1 and "already confirmed" in again.stderr
    assert run(s, "day", "--calls").stdout.splitlines() == lines[:1]
    sheet = json.loads(run(s, "day", "2026-11-24", "--json").stdout)
    assert {r["id"]: (r["phone"], bool(r["confirmed"])) for r in sheet}[visit.id] == ("555-0102", True)
    assert "Amelia Hart (555-0101)" in run(s, "day", "2026-11-24").stdout
    s.move(visit.id, "2026-11-24 13:00")  # the client confirmed the old time
    assert len(run(s, "day", "--calls").stdout.splitlines()) == 2
    assert "confirmed by the client" in run(s, "history", visit.id).stdout


def test_on_a_closed_day_the_call_list_says_so_and_nothing_is_confirmed(tmp_path):
    s = practice(tmp_path, free_port())
    booked = s.book_session("Amelia", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    s.add_closure("2026-11-24", "2026-11-24", "burst pipe", override="calling everyone")
    calls = run(s, "day", "--calls")
    assert calls.returncode == 0
    lines = calls.stdout.splitlines()
    assert lines[0] == ("CLOSED: the practice is closed on Tue 2026-11-24: burst pipe; "
                        "call these clients to move or cancel")
    assert booked.id in lines[1]
    refused = run(s, "confirm", booked.id)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "closed on Tue 2026-11-24" in refused.stderr and "move or cancel" in refused.stderr
    assert not s.get(booked.id).confirmed

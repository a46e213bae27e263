"""Two-way sync with a real CalDAV server (Radicale on 127.0.0.1 with htpasswd logins), driven through the
real command line; the server's calendars are read back with the `caldav` library."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest

from tui_scheduler.core.sync import resource_name
from tui_scheduler.ical.caldav import CalDavServer
from tui_scheduler.services import Scheduler

from .conftest import EXE, NOW, cli_env, small_practice
from .radicale import Radicale



@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    server = Radicale(tmp_path_factory.mktemp("radicale"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_radicale(tmp_path):
    """A server of the test's own, for tests that stop it."""
    server = Radicale(tmp_path / "radicale")
    server.start()
    yield server
    server.stop()


def run(folder: Path, *args: str, timeout: float = 300) -> tuple[int, str, str]:
    done = subprocess.run([str(EXE), *args], capture_output=True, text=True, env=cli_env(folder), timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def start(folder: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(EXE), *args], env=cli_env(folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Practice:
    """A small practice in its own folder, with an account of its own on the server."""

    def __init__(self, folder: Path, server: Radicale):
        self.folder, self.server = folder, server
        self.sched = small_practice(folder)
        self.user, self.password = server.new_user()
        self.password_file = folder.parent / f"{self.user}.password"
        self.password_file.write_text(self.password + "\n")
        self.password_file.chmod(0o600)

    def connect(self) -> None:
        code, out, err = run(self.folder, "caldav", "set", "--url", self.server.url, "--user", self.user,
                             "--password-file", str(self.password_file))
        assert code == 0, err
        assert err == ""

    def sync(self) -> str:
        code, out, err = run(self.folder, "sync")
        assert code == 0, err
        return out

    def client(self):
        return self.server.client(self.user, self.password)

    def calendars(self) -> dict:
        """Display name -> the caldav library's calendar."""
        return {c.get_display_name(): c for c in self.client().principal().calendars()}

    def on_server(self) -> dict[str, list[tuple[str, icalendar.Event]]]:
        """Display name -> (resource URL, event) for every event of every calendar of the account."""
        out = {}
        for name, cal in self.calendars().items():
            out[name] = [(str(obj.url), e) for obj in cal.events()
                         for e in icalendar.Calendar.from_ical(obj.data).walk("VEVENT")]
        return out

    def listed(self, *how: str) -> list[dict]:
        code, out, err = run(self.folder, "list", "--from", "2026-10-01", "--days", "400", *how, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def practice(tmp_path, radicale) -> Practice:
    p = Practice(tmp_path / "data", radicale)
    s = p.sched
    s.add_client("Eve Private", "self-pay", phone="555-0199", email="eve@example.com", notes="allergic to almond oil")
    p.booked = {
        "session": s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60),
        "later": s.book_session("Ann", "Maya", "Willow", "deep-tissue", "2026-11-26 14:00", 60),
        "visit": s.book_visit("Ann", "Dr Patel", "Adjusting", "2026-11-24 12:00", 45),
        "private": s.book_session("Eve", "Daniel", "Willow", "lymph-drainage", "2026-11-25 10:00", 60),
        "pt": s.book_visit("Ben", "Lena", "Gym", "2026-11-25 09:00", 60),
    }
    p.booked["spot"] = s.book_spot(p.booked["visit"].id, "Daniel", "2026-11-24 12:15", region="neck")
    return p


def utc(e: icalendar.Event, prop: str) -> datetime:
    return e.decoded(prop).astimezone(timezone.utc)


def instants(rows: list[dict]) -> dict[str, tuple]:
    return {r["uid"]: (datetime.fromisoformat(r["start"]).astimezone(timezone.utc),
                       datetime.fromisoformat(r["end"]).astimezone(timezone.utc), r["sequence"]) for r in rows}


def served(events) -> dict[str, tuple]:
    """UID -> (start, end, sequence) of the appointments among a calendar's events (not turnover, not
    events someone else put there)."""
    return {str(e["UID"]): (utc(e, "DTSTART"), utc(e, "DTEND"), int(e["SEQUENCE"])) for _, e in events
            if str(e["UID"]).endswith("@tui-scheduler") and not str(e["UID"]).startswith("turnover-")}


def one_each(calendars: dict) -> None:
    """No event twice: one resource per UID in every calendar, each under the name its UID gives."""
    for name, events in calendars.items():
        uids = Counter(str(e["UID"]) for _, e in events)
        assert all(n == 1 for n in uids.values()), (name, uids.most_common(3))
        for url, e in events:
            if str(e["UID"]).endswith("@tui-scheduler"):
                assert url.endswith("/" + resource_name(str(e["UID"]))), url


def test_sync_puts_each_therapist_provider_and_room_on_the_server_as_the_feeds_show_them(practice, tmp_path):
    practice.connect()
    out = practice.sync()
    assert "8 calendars made" in out
    server = practice.on_server()
    assert set(server) == {f"Test Clinic: {n}" for n in ("Maya", "Daniel", "Dr Patel", "Lena", "Cedar", "Willow",
                                                          "Adjusting", "Gym")}
    for who in ("Maya", "Daniel", "Dr Patel", "Lena"):
        assert served(server[f"Test Clinic: {who}"]) == instants(practice.listed("--therapist", who)), who
    for room in ("Cedar", "Willow", "Adjusting", "Gym"):
        assert served(server[f"Test Clinic: {room}"]) == instants(practice.listed("--room", room)), room
    one_each(server)
    # a session's room calendar carries its turnover, as the room's feed does
    cedar = {str(e["UID"]) for _, e in server["Test Clinic: Cedar"]}
    assert f"turnover-{practice.booked['session'].uid}" in cedar

    # the very events the feeds serve: same UID, SEQUENCE, words (initials, nothing about health)
    feed = tmp_path / "daniel.ics"
    assert run(practice.folder, "export", "--therapist", "Daniel", "--out", str(feed))[0] == 0
    fed = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(feed.read_bytes()).walk("VEVENT")}
    daniel = {str(e["UID"]): e for _, e in server["Test Clinic: Daniel"]}
    assert daniel.keys() == fed.keys()
    for uid, e in daniel.items():
        for prop in ("SUMMARY", "DESCRIPTION", "LOCATION", "SEQUENCE", "STATUS", "TRANSP"):
            assert str(e[prop]) == str(fed[uid][prop]), prop
        assert (utc(e, "DTSTART"), utc(e, "DTEND")) == (utc(fed[uid], "DTSTART"), utc(fed[uid], "DTEND"))
    private = daniel[practice.booked["private"].uid]
    assert "E.P." in str(private["SUMMARY"])
    text = "\n".join(obj.data for cal in practice.calendars().values() for obj in cal.events())
    for secret in ("Eve Private", "555-0199", "eve@example.com", "almond", "osteoporosis"):
        assert secret not in text

    # the password stays in its file: not in the data folder, the audit log, or anything printed
    for path in practice.folder.rglob("*"):
        if path.is_file():
            assert practice.password.encode() not in path.read_bytes(), path
    assert practice.password not in out

    # a sync with nothing new writes nothing, and says so; each sync is in the audit log
    assert "0 created, 0 updated, 0 deleted" in practice.sync()
    audit = [json.loads(line) for line in (practice.folder / "audit.jsonl").read_text().splitlines()]
    syncs = [a for a in audit if a["action"] == "caldav-sync"]
    assert [a["created"] for a in syncs] == [sum(len(events) for events in server.values()), 0]


def test_moved_cancelled_and_departed_appointments_follow_under_the_same_uids(practice):
    practice.connect()
    practice.sync()
    found = practice.calendars()
    assert "Test Clinic: Maya" in found, (list(found), [str(c.url) for c in found.values()])
    maya = found["Test Clinic: Maya"]
    # events a person put in our calendar are theirs: never touched, even one named like ours
    maya.save_event("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\nBEGIN:VEVENT\r\nUID:lunch-1\r\n"
                    "DTSTAMP:20261120T100000Z\r\nDTSTART:20261124T180000Z\r\nDTEND:20261124T183000Z\r\n"
                    "SUMMARY:Lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    practice.client().put(str(maya.url.join("x_tui-scheduler.ics")),
                          "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\nBEGIN:VEVENT\r\n"
                          "UID:x@elsewhere\r\nDTSTAMP:20261120T100000Z\r\nDTSTART:20261125T180000Z\r\n"
                          "DTEND:20261125T183000Z\r\nSUMMARY:Not ours\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                          {"Content-Type": "text/calendar"})
    b = practice.booked
    s = practice.sched
    assert run(practice.folder, "move", b["session"].id, "--start", "2026-11-24 11:00")[0] == 0
    assert run(practice.folder, "cancel", b["private"].id)[0] == 0
    far = (NOW + timedelta(days=200)).date()
    s.move(b["later"].id, f"{far} 10:00", override="far ahead")  # beyond the window: off the server
    s.update_staff("Lena", active=False)  # no longer works here: her calendar loses our events

    out = practice.sync()
    # updated: the session in Maya's and Cedar's calendars (and its turnover), Eve's cancelled one in
    # Daniel's and Willow's; deleted: the later session and its turnover, Eve's turnover, Lena's visit
    assert "5 updated, 5 deleted" in out, out
    server = practice.on_server()
    one_each(server)
    maya_now = {str(e["UID"]): e for _, e in server["Test Clinic: Maya"]}
    moved = maya_now[b["session"].uid]
    assert utc(moved, "DTSTART") == datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)
    assert int(moved["SEQUENCE"]) == b["session"].sequence + 1
    assert b["later"].uid not in maya_now
    assert {"lunch-1", "x@elsewhere"} <= maya_now.keys()
    assert str(maya_now["lunch-1"]["SUMMARY"]) == "Lunch"
    cancelled = {str(e["UID"]): e for _, e in server["Test Clinic: Daniel"]}[b["private"].uid]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert server["Test Clinic: Lena"] == []
    assert served(server["Test Clinic: Maya"]) == {
        uid: v for uid, v in instants(practice.listed("--therapist", "Maya")).items() if uid != b["later"].uid}
    assert "0 created, 0 updated, 0 deleted" in practice.sync()


def test_an_event_changed_on_the_server_is_written_back_and_said(practice):
    practice.connect()
    practice.sync()
    cal = practice.calendars()["Test Clinic: Maya"]
    url = str(cal.url.join(resource_name(practice.booked["session"].uid)))
    event = cal.event_by_url(url)
    event.load()
    event.icalendar_component["SUMMARY"] = "Lunch with a friend"
    event.save(increase_seqno=False)

    out = practice.sync()
    assert f"Test Clinic: Maya: appointment {practice.booked['session'].id} was changed on the server" in out
    assert "1 updated" in out and "1 changed on the server and written again" in out
    back = cal.event_by_url(url)
    back.load()
    assert str(back.icalendar_component["SUMMARY"]).startswith("Swedish massage · A.S.")


def test_a_412_while_writing_makes_the_scheduler_read_again_and_write_its_version(practice):
    """Someone changes the event between this sync's look at the server and its write: the server says
    412, and the scheduler (the source of truth) reads the new version and writes over it."""
    practice.connect()
    practice.sync()
    practice.sched.move(practice.booked["session"].id, "2026-11-24 15:00")
    other = practice.client()

    class SomeoneElseFirst(CalDavServer):
        raced = 0

        def put(self, calendar, name, body, etag):
            if etag is not None and not self.raced:
                self.raced += 1
                r = other.put(str(other.url.join(calendar).join(name)), body.replace(b"Swedish", b"Changed"),
                              {"Content-Type": "text/calendar"})
                assert r.status in (200, 201, 204)
            return super().put(calendar, name, body, etag)

    sched = Scheduler(practice.folder, clock=lambda: NOW, user="tester")
    lines = []
    report = sched.sync_caldav(SomeoneElseFirst.connect(sched.caldav_account()), lines.append)
    assert report.conflicts == 1
    assert any("changed on the server while this sync wrote it" in line for line in lines)
    server = practice.on_server()
    one_each(server)
    moved = {str(e["UID"]): e for _, e in server["Test Clinic: Maya"]}[practice.booked["session"].uid]
    assert utc(moved, "DTSTART") == datetime(2026, 11, 24, 21, 0, tzinfo=timezone.utc)
    assert "Changed" not in str(moved["SUMMARY"])
    audit = [json.loads(line) for line in (practice.folder / "audit.jsonl").read_text().splitlines()]
    assert audit[-1]["action"] == "caldav-sync" and audit[-1]["conflicts"] == 1
    assert "0 created, 0 updated, 0 deleted" in practice.sync()


DENTIST = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//phone//EN\r
BEGIN:VEVENT\r
UID:dentist-1@phone.example\r
DTSTAMP:20261120T100000Z\r
DTSTART:{start}\r
DTEND:{end}\r
SUMMARY:Dentist\r
END:VEVENT\r
END:VCALENDAR\r
"""

GYM = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//phone//EN\r
BEGIN:VEVENT\r
UID:gym@phone.example\r
DTSTAMP:20261120T100000Z\r
DTSTART:20261124T200000Z\r
DTEND:20261124T210000Z\r
RRULE:FREQ=DAILY;COUNT=3\r
SUMMARY:Gym\r
END:VEVENT\r
END:VCALENDAR\r
"""

BIRTHDAY = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//phone//EN\r
BEGIN:VEVENT\r
UID:birthday@phone.example\r
DTSTAMP:20261120T100000Z\r
DTSTART;VALUE=DATE:20261127\r
DTEND;VALUE=DATE:20261128\r
TRANSP:TRANSPARENT\r
SUMMARY:Mum's birthday\r
END:VEVENT\r
END:VCALENDAR\r
"""


def book_maya(practice, start: str, *extra: str) -> tuple[int, str, str]:
    return run(practice.folder, "book", "session", "--client", "Eve", "--therapist", "Maya", "--room", "Willow",
               "--modality", "swedish", "--start", start, "--minutes", "60", *extra)


def test_busy_events_on_a_therapists_own_calendar_become_time_off_that_blocks_booking(practice):
    practice.connect()
    personal = practice.client().principal().make_calendar(name="Maya personal", cal_id="personal")
    dentist = personal.save_event(DENTIST.format(start="20261124T160000Z", end="20261124T173000Z"))
    gym = personal.save_event(GYM)
    personal.save_event(BIRTHDAY)
    code, out, err = run(practice.folder, "staff", "set", "Maya", "--busy-calendar", "Maya personal")
    assert code == 0, err

    out = practice.sync()
    assert "time off from calendars: 4 added, 0 changed, 0 removed" in out  # dentist and three gym days
    session = practice.booked["session"]  # Maya, Tuesday 10:00-11:00, booked before the dentist was
    assert f"over session {session.id} at 10:00" in out
    staff = {s["name"]: s for s in json.loads(run(practice.folder, "staff", "list", "--json")[1])}
    pulled = [t for t in staff["Maya"]["time_off"] if t["source"].startswith("caldav:")]
    assert {t["source"] for t in pulled} >= {"caldav:dentist-1@phone.example"}
    assert staff["Daniel"]["time_off"] == []
    # the event's title stays on the server: the data folder and the audit log only know she is busy
    for name in ("staff.json", "audit.jsonl"):
        assert "Dentist" not in (practice.folder / name).read_text()

    # booking over it needs an override (a soft rule, like time off typed at the desk) ...
    code, out, err = book_maya(practice, "2026-11-24 11:00")  # the dentist runs to 11:30
    assert code == 1 and "needs --override" in err and "busy in their own calendar" in err
    code, out, err = book_maya(practice, "2026-11-25 14:30")  # the gym, second day
    assert code == 1 and "Maya is off" in err
    # ... and the slot search does not offer it
    code, out, err = run(practice.folder, "slots", "--minutes", "30", "--therapist", "Maya", "--from", "2026-11-24",
                         "--count", "40", "--json")
    offered = [(datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])) for s in json.loads(out)]
    assert offered
    dentist_at = (datetime(2026, 11, 24, 16, tzinfo=timezone.utc), datetime(2026, 11, 24, 17, 30, tzinfo=timezone.utc))
    assert not [s for s in offered if s[0] < dentist_at[1] and dentist_at[0] < s[1]]
    assert book_maya(practice, "2026-11-24 11:00", "--override", "Maya will be back by 11")[0] == 0

    # changed there, changed here: the dentist moves to Thursday, the gym is cancelled
    moved = dentist.icalendar_component
    for prop, hour in (("DTSTART", 16), ("DTEND", 17)):
        moved.pop(prop)
        moved.add(prop, datetime(2026, 11, 26, hour, tzinfo=timezone.utc))
    dentist.save()
    gym.delete()
    out = practice.sync()
    assert "time off from calendars: 0 added, 1 changed, 3 removed" in out
    assert book_maya(practice, "2026-11-25 14:30")[0] == 0
    assert book_maya(practice, "2026-11-26 10:00")[0] == 1

    # no calendar any more: its time off goes; time off typed at the desk stays
    assert run(practice.folder, "staff", "time-off", "Maya", "--from", "2026-12-01", "--to", "2026-12-01")[0] == 0
    assert run(practice.folder, "staff", "set", "Maya", "--busy-calendar", "")[0] == 0
    assert "1 removed" in practice.sync()
    staff = {s["name"]: s for s in json.loads(run(practice.folder, "staff", "list", "--json")[1])}
    assert [t["source"] for t in staff["Maya"]["time_off"]] == [""]


def test_a_busy_calendar_that_is_not_there_is_said_and_keeps_what_it_gave(practice):
    practice.connect()
    assert run(practice.folder, "staff", "set", "Daniel", "--busy-calendar", "No such calendar")[0] == 0
    out = practice.sync()
    assert "Daniel's busy calendar 'No such calendar': there is no calendar of that name" in out
    elsewhere = "http://calendar.example.org/dav/daniel/"
    assert run(practice.folder, "staff", "set", "Daniel", "--busy-calendar", elsewhere)[0] == 0
    assert "is not on the practice's CalDAV server" in practice.sync()


def many_bookings(practice, days: int) -> int:
    """Two of Maya's sessions on each of `days` weekdays: enough writes that a sync takes a while."""
    s = practice.sched
    day = NOW.date() + timedelta(days=7)  # after the fixture's bookings
    booked = 0
    with s.batch():
        while booked < 2 * days:
            if day.weekday() < 5:
                s.book_session("Ann", "Maya", "Cedar", "swedish", f"{day} 09:00", 60)
                s.book_session("Ann", "Maya", "Willow", "swedish", f"{day} 13:00", 60)
                booked += 2
            day += timedelta(days=1)
    return booked


def expect_whole(practice) -> None:
    """The server holds exactly the practice: every appointment once, in the right calendars."""
    server = practice.on_server()
    one_each(server)
    assert served(server["Test Clinic: Maya"]) == instants(practice.listed("--therapist", "Maya"))
    assert served(server["Test Clinic: Cedar"]) == instants(practice.listed("--room", "Cedar"))


def test_a_sync_killed_while_writing_is_finished_by_the_next(practice):
    many_bookings(practice, days=15)
    practice.connect()
    proc = start(practice.folder, "sync")
    for line in proc.stdout:
        if line.startswith("Test Clinic: Maya: writing "):
            break
    else:
        pytest.fail(f"the sync never said it was writing Maya's calendar: {proc.stderr.read()}")
    # and once the server holds some of what it writes (not after a sleep: whenever that is)
    maya = practice.calendars()["Test Clinic: Maya"]
    while not maya.objects() and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    out = practice.sync()
    assert "syncing with" in out
    expect_whole(practice)
    assert "0 created, 0 updated, 0 deleted" in practice.sync()
    assert run(practice.folder, "check")[0] == 0


def test_two_syncs_at_once_write_each_event_once(practice, tmp_path):
    many_bookings(practice, days=10)
    practice.connect()
    # a copy of the folder (a second machine restored from a backup) syncs to the same account at the
    # same moment: different folders, no shared lock; the names from the UIDs keep one copy of each event
    copy = tmp_path / "copy"
    shutil.copytree(practice.folder, copy)
    both = [start(practice.folder, "sync"), start(copy, "sync")]
    for proc in both:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    expect_whole(practice)
    # and two syncs of one folder take turns
    practice.sched.move(practice.listed("--therapist", "Maya")[0]["id"], "2026-11-24 15:00")
    both = [start(practice.folder, "sync"), start(practice.folder, "sync")]
    for proc in both:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    expect_whole(practice)
    assert "0 created, 0 updated, 0 deleted" in practice.sync()


def test_a_server_that_is_down_loses_nothing_and_the_next_sync_catches_up(tmp_path, own_radicale):
    practice = Practice(tmp_path / "data", own_radicale)
    session = practice.sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    practice.connect()
    practice.sync()
    own_radicale.stop()
    assert run(practice.folder, "move", session.id, "--start", "2026-11-24 13:00")[0] == 0
    code, out, err = run(practice.folder, "sync")
    assert code == 4
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"cannot reach the CalDAV server at {own_radicale.url}" in err
    assert "stopped early" in out
    assert practice.listed("--therapist", "Maya")[0]["start"] == "2026-11-24T13:00:00-06:00"
    audit = json.loads((practice.folder / "audit.jsonl").read_text().splitlines()[-1])
    assert audit["action"] == "caldav-sync" and "cannot reach" in audit["failed"]

    own_radicale.start()
    out = practice.sync()
    assert "3 updated" in out  # Maya's calendar, and Cedar's session and turnover
    expect_whole(practice)


def test_a_refused_login_is_one_line_and_never_shows_the_password(practice):
    practice.connect()
    wrong = "not-the-password-42"
    practice.password_file.write_text(wrong + "\n")
    code, out, err = run(practice.folder, "sync")
    assert code == 4
    assert err == (f"tui-scheduler: the CalDAV server at {practice.server.url} refused the login of "
                   f"'{practice.user}': check the user name and the password file\n")
    for secret in (wrong, practice.password):
        assert secret not in out + err
        for path in practice.folder.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    assert practice.calendars() == {}


def test_sync_every_keeps_running_and_takes_new_bookings_to_the_server(practice):
    practice.connect()
    proc = start(practice.folder, "sync", "--every", "1")
    try:
        for line in proc.stdout:
            if "deleted on the server" in line:
                break
        new = practice.sched.book_session("Cara", "Daniel", "Cedar", "swedish", "2026-11-27 10:00", 60,
                                          override="referral on its way")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            daniel = practice.calendars().get("Test Clinic: Daniel")
            if daniel and new.uid in {str(e.icalendar_component["UID"]) for e in daniel.events()}:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the running sync never took the new booking to the server")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0


def test_caldav_settings_are_checked_and_shown(practice, tmp_path):
    f = str(practice.password_file)
    code, out, err = run(practice.folder, "sync")
    assert code == 1 and err == ("tui-scheduler: no CalDAV server is set up: run 'tui-scheduler caldav set "
                                 "--url URL --user U --password-file F'\n")
    assert run(practice.folder, "caldav", "set", "--url", practice.server.url)[2] == (
        "tui-scheduler: the first 'caldav set' needs --user, --password-file\n")
    code, out, err = run(practice.folder, "caldav", "set", "--url", "https://maya:pw@cloud.example.com/dav",
                         "--user", "maya", "--password-file", f)
    assert code == 2 and "must not carry a user or password" in err
    code, out, err = run(practice.folder, "caldav", "set", "--url", practice.server.url, "--user", "maya",
                         "--password-file", str(tmp_path / "missing"))
    assert code == 2 and "cannot use the password file" in err
    practice.password_file.chmod(0o644)
    code, out, err = run(practice.folder, "caldav", "set", "--url", practice.server.url, "--user", practice.user,
                         "--password-file", f)
    assert code == 0 and "can be read by every account on this machine" in err
    assert run(practice.folder, "caldav", "set", "--full-names", "yes")[0] == 0
    shown = json.loads(run(practice.folder, "caldav", "show", "--json")[1])
    assert shown["full_names"] is True and shown["password_file"] == f
    assert practice.password not in json.dumps(shown)
    practice.sync()
    summaries = {str(e.icalendar_component["SUMMARY"])
                 for e in practice.calendars()["Test Clinic: Maya"].events()}
    assert any("Ann Self" in s for s in summaries)


def test_a_server_that_does_not_speak_caldav_and_addresses_that_cannot_work_are_one_line(practice, tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Garbage(BaseHTTPRequestHandler):
        def _junk(self):
            self.send_response(207)
            self.send_header("Content-Type", "application/xml; charset=utf-8")
            body = b"<?xml version='1.0'?><d:multistatus xmlns:d='DAV:'>\xff\xfe<broken"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_PROPFIND = do_REPORT = do_GET = do_OPTIONS = _junk

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/dav/"
        f = str(practice.password_file)
        assert run(practice.folder, "caldav", "set", "--url", url, "--user", "maya", "--password-file", f)[0] == 0
        code, out, err = run(practice.folder, "sync")
        assert code == 4 and err.count("\n") == 1 and "not CalDAV" in err and "unexpected" not in err, err
    finally:
        server.shutdown()
    for bad in ("http://[::1", "http://a..b/", "http://127.0.0.1:99999/", "http://a b/", "http://x/\nfoo"):
        code, _, err = run(practice.folder, "caldav", "set", "--url", bad)
        assert code == 2 and err.count("\n") == 1 and "must be an http:// or https:// address" in err, (bad, err)
    code, _, err = run(practice.folder, "sync", "--every", "99999999999999999999")
    assert code == 2 and "1 to 86400 seconds" in err

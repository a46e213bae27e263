"""iCal feeds: what each feed holds and shows, that real parsers read it right, and the build caches."""

from __future__ import annotations

import json
import os
import select
import stat
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream

from tui_scheduler.core import feeds
from tui_scheduler.core.errors import BadInput, Refused
from tui_scheduler.ical.build import FeedBuilder, render

from .conftest import EXE, TZ, cli_env, small_practice
from .parsers.readers import READERS, read

CHICAGO = ZoneInfo(TZ)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO).astimezone(timezone.utc)


@pytest.fixture
def booked(sched):
    """A week of ordinary bookings plus the awkward ones: DST weeks, a repeated hour, a cancellation."""
    s = sched
    s.add_client("Eve Private", "self-pay", ["blood-thinners"], phone="555-0199", email="eve@example.com",
                 notes="allergic to almond oil")
    a = {}
    a["session"] = s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    a["visit"] = s.book_visit("Ann", "Dr Patel", "Adjusting", "2026-11-24 12:00", 45)
    a["spot"] = s.book_spot(a["visit"].id, "Daniel", "2026-11-24 12:15", region="neck")
    a["private"] = s.book_session("Eve", "Daniel", "Willow", "lymph-drainage", "2026-11-25 10:00", 60,
                                  override="cleared by Dr Chen")
    a["cancelled"] = s.book_session("Ann", "Maya", "Willow", "deep-tissue", "2026-11-26 10:00", 60)
    s.cancel(a["cancelled"].id)
    # the week in which summer time ended (Sun 2026-11-01), and the one in which it starts (Sun 2027-03-14)
    a["before_fall"] = s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-10-30 10:00", 60)
    a["after_fall"] = s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-02 10:00", 60)
    a["before_spring"] = s.book_session("Ann", "Maya", "Cedar", "swedish", "2027-03-12 10:00", 60)
    a["after_spring"] = s.book_session("Ann", "Maya", "Cedar", "swedish", "2027-03-15 10:00", 60)
    # 01:30 happens twice on 2026-11-01; this is the second one, in standard time
    a["repeated_hour"] = s.book_session("Ben", "Daniel", "Willow", "swedish", "2026-11-01 01:30-06:00", 60,
                                        override="night shift worker")
    return a


def text_of(sched, scope="practice", name=None, **options) -> str:
    feed = sched.describe_feed(scope, name, **options)
    body, _, _ = render(feed, sched.feed_content(feed))
    return body.decode()


def starts_by_parser(text: str) -> dict[str, dict[str, datetime]]:
    """UID -> start instant (UTC) as each of three independent parsers reads the feed."""
    out = {"icalendar": {}, "vobject": {}, "ical": {}}
    for e in icalendar.Calendar.from_ical(text).walk("VEVENT"):
        out["icalendar"][str(e["UID"])] = e.decoded("DTSTART").astimezone(timezone.utc)
    for e in vobject.readOne(text).contents.get("vevent", []):
        out["vobject"][e.uid.value] = e.dtstart.value.astimezone(timezone.utc)
    for e in IcsCalendarStream.calendar_from_ics(text).events:
        out["ical"][e.uid] = e.dtstart.astimezone(timezone.utc)
    return out


def events(text: str) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}


def test_every_feed_parses_with_three_independent_parsers(booked, sched):
    every = sched.every_feed() + sched.every_feed(full_names=True)
    assert {f.scope for f in every} == {"practice", "therapist", "room"}
    for feed in every:
        body, _, _ = render(feed, sched.feed_content(feed))
        text = body.decode()
        parsed = starts_by_parser(text)
        assert parsed["icalendar"] == parsed["vobject"] == parsed["ical"], feed
        cal = icalendar.Calendar.from_ical(text)
        assert cal.get_missing_tzids() == set()
    assert len(starts_by_parser(text_of(sched))["ical"]) == len(booked)


def test_calendar_says_publish_and_names_itself_and_its_zone(booked, sched):
    cal = icalendar.Calendar.from_ical(text_of(sched, "therapist", "Maya"))
    assert cal["METHOD"] == "PUBLISH"
    assert cal["PRODID"].startswith("-//tui-scheduler//")
    assert cal["X-WR-CALNAME"] == "Test Clinic: Maya"
    assert "X-WR-TIMEZONE" not in cal  # parsers that honour it re-read UTC times as local ones
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [TZ]
    event = events(cal.to_ical().decode())[booked["session"].uid]
    assert event["DTSTART"].params["TZID"] == TZ
    assert {"DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "STATUS", "CATEGORIES"} <= set(event)
    assert event.categories == ["session", "swedish"]
    assert event["STATUS"] == "CONFIRMED"


@pytest.mark.parametrize("which, wall", [
    ("before_fall", "2026-10-30 10:00"), ("after_fall", "2026-11-02 10:00"),
    ("before_spring", "2027-03-12 10:00"), ("after_spring", "2027-03-15 10:00"),
])
def test_dst_weeks_land_at_the_same_wall_time_in_every_parser(booked, sched, which, wall):
    appt = booked[which]
    assert appt.start == local(wall)
    for parser, starts in starts_by_parser(text_of(sched)).items():
        assert starts[appt.uid] == appt.start, parser
        assert f"{starts[appt.uid].astimezone(CHICAGO):%Y-%m-%d %H:%M}" == wall, parser


def test_second_occurrence_of_the_repeated_hour_is_read_right(booked, sched):
    appt = booked["repeated_hour"]
    assert appt.start == datetime(2026, 11, 1, 7, 30, tzinfo=timezone.utc)
    text = text_of(sched)
    # a TZID wall time in the repeated hour means its first occurrence, so this one is written in UTC
    assert "DTSTART:20261101T073000Z" in text
    for parser, starts in starts_by_parser(text).items():
        assert starts[appt.uid] == appt.start, parser


def test_uid_stays_and_sequence_rises_after_a_move(booked, sched):
    appt = booked["session"]
    before = events(text_of(sched))[appt.uid]
    sched.move(appt.id, "2026-11-24 14:00")
    after = events(text_of(sched))[appt.uid]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == local("2026-11-24 14:00")
    assert set(events(text_of(sched))) == set(events(text_of(sched)))  # nothing random between builds


def test_cancelled_appointment_shows_cancelled(booked, sched):
    event = events(text_of(sched))[booked["cancelled"].uid]
    assert event["STATUS"] == "CANCELLED"
    assert event["TRANSP"] == "TRANSPARENT"
    assert str(event["SUMMARY"]).startswith("Cancelled: ")


def test_clients_are_initials_unless_the_feed_asks_for_names(booked, sched):
    private = text_of(sched)
    assert "A.S." in private and "E.P." in private
    assert "Ann Self" not in private and "Eve Private" not in private
    named = text_of(sched, full_names=True)
    assert "Ann Self" in named and "Eve Private" in named
    for text in (private, named):
        for secret in ("555-0199", "eve@example.com", "almond", "blood", "osteoporosis"):
            assert secret not in text


@pytest.mark.parametrize("parser", READERS)
def test_every_text_value_reads_back_whole(tmp_path, parser):
    s = small_practice(tmp_path / "data")
    s.update_practice(name='Hudson Bodywork, LLC; "Main" St.')
    s.update_room("Cedar", name='Cedar, "East"; 2\\b')
    s.update_client("Ann", name='Ann "Annie" Self, Jr.; PhD')
    appt = s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    read_back = read(parser, text_of(s, "therapist", "Maya", full_names=True))
    assert read_back["name"] == 'Hudson Bodywork, LLC; "Main" St.: Maya'
    event = read_back["events"][appt.uid]
    assert event.summary == 'Swedish massage · Ann "Annie" Self, Jr.; PhD'
    assert event.location == 'Cedar, "East"; 2\\b'
    assert event.description.splitlines()[:3] == [
        'Client: Ann "Annie" Self, Jr.; PhD', "Therapist: Maya", 'Room: Cedar, "East"; 2\\b']


def test_spot_region_in_a_feed_is_one_of_a_fixed_list_or_nothing(booked, sched):
    """The region is free text at the desk; anything else typed there is health information."""
    visit = sched.book_visit("Ann", "Dr Patel", "Adjusting", "2026-11-25 12:00", 45)
    odd = sched.book_spot(visit.id, "Maya", "2026-11-25 12:15", region="neck HIV+ patient")
    side = sched.book_spot(visit.id, "Daniel", "2026-11-25 12:30", region="  Left   Shoulder ")
    for full_names in (False, True):
        for feed in sched.every_feed(full_names=full_names):
            body, _, _ = render(feed, sched.feed_content(feed))
            assert b"HIV" not in body and b"patient" not in body
    found = events(text_of(sched))
    assert str(found[odd.uid]["SUMMARY"]).startswith("Spot work · ")
    assert "Region" not in str(found[odd.uid]["DESCRIPTION"])
    assert str(found[side.uid]["SUMMARY"]).startswith("Spot work (left shoulder) · ")
    assert str(found[booked["spot"].uid]["SUMMARY"]).startswith("Spot work (neck) · ")
    assert feeds.body_region("low back") == "low back" and feeds.body_region("neck; HIV") == ""


def test_spot_work_says_which_visit_it_is_inside(booked, sched):
    spot, visit = booked["spot"], booked["visit"]
    event = events(text_of(sched, "therapist", "Daniel"))[spot.uid]
    assert str(event["RELATED-TO"]) == visit.uid
    assert event["RELATED-TO"].params["RELTYPE"] == "PARENT"
    assert f"Inside visit {visit.id}: chiropractic visit with Dr Patel, 12:00-12:45" in str(event["DESCRIPTION"])
    assert event.categories == ["spot", "swedish"]


def test_room_feed_shows_turnover_as_busy_time(booked, sched):
    session = booked["session"]
    cedar = events(text_of(sched, "room", "Cedar"))
    turnover = cedar[f"turnover-{session.uid}"]
    assert turnover.decoded("DTSTART") == session.end
    assert turnover.decoded("DTEND") == session.end + timedelta(minutes=sched.practice().turnover_minutes)
    assert turnover["TRANSP"] == "OPAQUE"
    assert turnover.categories == ["turnover"]
    willow = events(text_of(sched, "room", "Willow"))
    assert f"turnover-{booked['cancelled'].uid}" not in willow  # a cancelled session frees its room
    assert booked["cancelled"].uid in willow
    assert not any(uid.startswith("turnover-") for uid in events(text_of(sched, "therapist", "Maya")))
    assert not any(uid.startswith("turnover-") for uid in events(text_of(sched, "room", "Adjusting")))


def test_each_feed_holds_its_own_appointments(booked, sched):
    maya = events(text_of(sched, "therapist", "Maya"))
    assert booked["session"].uid in maya and booked["spot"].uid not in maya
    patel = events(text_of(sched, "therapist", "Dr Patel"))
    assert set(patel) == {booked["visit"].uid}
    adjusting = events(text_of(sched, "room", "Adjusting"))
    assert set(adjusting) == {booked["visit"].uid, booked["spot"].uid}
    assert set(events(text_of(sched))) == {a.uid for a in booked.values()}


def test_window_of_days_is_configurable(booked, sched):
    # 2026-10-30 is 24 days before "now" and 2027-03-15 is 112 days after it
    narrow = events(text_of(sched, past_days=7, future_days=30))
    assert booked["before_fall"].uid not in narrow and booked["after_spring"].uid not in narrow
    assert booked["session"].uid in narrow
    with pytest.raises(BadInput):
        sched.describe_feed("practice", past_days=-1)


def test_cached_feed_is_reused_and_one_change_reserializes_one_event(booked, sched):
    builder = FeedBuilder()
    maya = sched.describe_feed("therapist", "Maya")
    first = builder.build(sched, maya)
    assert first.serialized == first.events == 6
    assert builder.build(sched, maya) is first  # same revision: not even read again
    sched.move(booked["session"].id, "2026-11-24 14:00")
    second = builder.build(sched, maya)
    assert second.revision == first.revision + 1
    assert second.serialized == 1 and second.events == 6
    assert second.body != first.body
    unchanged = events(first.body.decode())[booked["after_fall"].uid].to_ical()
    assert unchanged in second.body


def test_a_renamed_client_misses_the_event_cache(booked, sched):
    builder = FeedBuilder()
    feed = sched.describe_feed("practice", full_names=True)
    builder.build(sched, feed)
    sched.update_client("Eve", name="Eve Renamed")
    rebuilt = builder.build(sched, feed)
    assert rebuilt.serialized == 1 and b"Eve Renamed" in rebuilt.body


def test_initials():
    assert feeds.initials("Amelia Hart") == "A.H."
    assert feeds.initials("Liam O'Connor") == "L.O."
    assert feeds.initials("maya") == "M."


# --- subscribed feeds ---------------------------------------------------------------------------------

def test_new_list_revoke_and_the_audit_keeps_tokens_out(sched):
    feed = sched.new_feed("room", "ced", full_names=True)
    assert feed.target == "Cedar" and feed.full_names and len(feed.token) >= 43
    assert feed.path == f"/feeds/{feed.token}.ics"
    assert sched.list_feeds() == [feed]
    other = sched.new_feed("practice")
    assert other.token != feed.token
    assert sched.revoke_feed(feed.path) == feed
    assert sched.list_feeds() == [other]
    with pytest.raises(Refused):
        sched.revoke_feed(feed.token)
    audit = (sched.folder.path / "audit.jsonl").read_text()
    assert "feed-new" in audit and "feed-revoke" in audit and feed.id in audit
    assert feed.token not in audit and other.token not in audit


def test_unknown_target_is_refused(sched):
    with pytest.raises(Refused):
        sched.new_feed("therapist", "Nobody")
    assert sched.list_feeds() == []


def test_token_is_compared_against_every_stored_token(sched, monkeypatch):
    stored = [sched.new_feed("practice") for _ in range(3)]
    calls = []
    real = feeds.hmac.compare_digest
    monkeypatch.setattr(feeds.hmac, "compare_digest", lambda a, b: calls.append(a) or real(a, b))
    assert feeds.match(stored, stored[0].token) == stored[0]
    assert len(calls) == 3  # no early exit on the first match
    calls.clear()
    assert feeds.match(stored, "x" * 43) is None
    assert len(calls) == 3


# --- the command line -----------------------------------------------------------------------------------

@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    s = small_practice(folder)
    s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    return folder


def test_export_one_feed_and_all_feeds(cli, data, tmp_path):
    code, out, err = cli("export", "--therapist", "Maya", "--out", str(tmp_path / "maya.ics"), data_dir=data)
    assert (code, err) == (0, "")
    first = events((tmp_path / "maya.ics").read_text())
    assert len(first) == 1
    code, _, _ = cli("export", "--therapist", "Maya", "--out", str(tmp_path / "maya.ics"), data_dir=data)
    assert events((tmp_path / "maya.ics").read_text()).keys() == first.keys()  # stable UIDs

    code, out, err = cli("export", "--all", "--full-names", "--out", str(tmp_path / "all"), data_dir=data)
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "all").iterdir())
    assert "practice.ics" in names and "therapist-maya.ics" in names and "room-cedar.ics" in names
    assert len(names) == 1 + 4 + 4
    assert "Ann Self" in (tmp_path / "all" / "practice.ics").read_text()


def test_export_errors_follow_the_exit_codes(cli, data, tmp_path):
    code, out, err = cli("export", "--therapist", "Nobody", "--out", str(tmp_path / "x.ics"), data_dir=data)
    assert code == 1 and err.count("\n") == 1 and "Nobody" in err
    code, _, err = cli("export", "--room", "Cedar", "--out", str(tmp_path / "no" / "x.ics"), data_dir=data)
    assert code == 2 and "no folder" in err
    code, _, err = cli("export", "--out", str(tmp_path / "x.ics"), data_dir=data)
    assert code == 2 and err.count("\n") == 1
    code, _, err = cli("export", "--all", "--room", "Cedar", "--out", str(tmp_path / "x"), data_dir=data)
    assert code == 2
    code, _, err = cli("export", "--all", "--past-days", "-3", "--out", str(tmp_path / "x"), data_dir=data)
    assert code == 2
    code, _, err = cli("export", "--all", "--out", str(tmp_path / "x"), data_dir=tmp_path / "nothing")
    assert code in (2, 3) and "Traceback" not in err


def test_feeds_commands(cli, data):
    code, out, err = cli("feeds", "new", "--room", "Cedar", data_dir=data)
    assert code == 0 and err == ""
    path = out.strip()
    assert path.startswith("/feeds/") and path.endswith(".ics") and len(path) > 50
    code, out, _ = cli("feeds", "list", "--json", data_dir=data)
    listed = json.loads(out)
    assert [(f["path"], f["scope"], f["target"], f["full_names"]) for f in listed] == [
        (path, "room", "Cedar", False)]
    code, out, _ = cli("feeds", "list", data_dir=data)
    assert path in out and "initials" in out
    assert cli("feeds", "revoke", path.removeprefix("/feeds/").removesuffix(".ics"), data_dir=data)[0] == 0
    code, _, err = cli("feeds", "revoke", path, data_dir=data)
    assert code == 1 and "no feed" in err
    code, _, err = cli("feeds", "new", "--therapist", "Nobody", data_dir=data)
    assert code == 1
    code, _, err = cli("feeds", "new", data_dir=data)
    assert code == 2


def test_export_to_standard_output(cli, data, tmp_path):
    code, out, err = cli("export", "--therapist", "Maya", "--out", "-", data_dir=data)
    assert (code, err) == (0, "")
    assert out.startswith("BEGIN:VCALENDAR") and len(events(out)) == 1
    code, out, err = cli("export", "--all", "--out", "-", data_dir=data)
    assert code == 2 and out == "" and "--therapist or --room" in err
    code, out, err = cli("export", "--all", "--out", "", data_dir=data)  # not the current folder, unasked
    assert code == 2 and "--out needs a file" in err


def test_export_writes_into_a_fifo_and_refuses_one_nobody_reads(cli, data, tmp_path):
    fifo = tmp_path / "feed.fifo"
    os.mkfifo(fifo)
    code, _, err = cli("export", "--room", "Cedar", "--out", str(fifo), data_dir=data)
    assert code == 2 and "no program is reading" in err and err.count("\n") == 1
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there before the export starts
    try:
        proc = subprocess.Popen([str(EXE), "export", "--room", "Cedar", "--out", str(fifo)], env=cli_env(data),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        got = bytearray()
        while True:
            select.select([reader], [], [], 1)
            try:
                chunk = os.read(reader, 65536)
            except BlockingIOError:
                continue
            got += chunk
            if not chunk:  # no writer: not yet, or done
                if proc.poll() is not None:
                    break
                time.sleep(0.05)
        assert proc.wait(60) == 0, proc.stderr.read()
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not replaced by a file
    assert len(events(got.decode())) == 2  # the session and its turnover


def test_export_never_replaces_a_symlink_or_a_device(cli, data, tmp_path):
    target = tmp_path / "kept.ics"
    target.write_text("keep me")
    link = tmp_path / "link.ics"
    link.symlink_to(target)
    code, out, err = cli("export", "--room", "Cedar", "--out", str(link), data_dir=data)
    assert code == 2 and "symbolic link" in err and str(target) in err and err.count("\n") == 1
    assert link.is_symlink() and target.read_text() == "keep me"
    dangling = tmp_path / "dangling.ics"
    dangling.symlink_to(tmp_path / "nowhere" / "x.ics")
    assert cli("export", "--room", "Cedar", "--out", str(dangling), data_dir=data)[0] == 2
    assert dangling.is_symlink()
    # --all into a folder where a feed's file name is a planted link: refused, the link left alone
    folder = tmp_path / "all"
    folder.mkdir()
    (folder / "practice.ics").symlink_to(target)
    code, _, err = cli("export", "--all", "--out", str(folder), data_dir=data)
    assert code == 2 and "symbolic link" in err
    assert (folder / "practice.ics").is_symlink() and target.read_text() == "keep me"
    # A device: our own copy of /dev/null (the same major and minor numbers), so that a regression here
    # replaces a file of the test's rather than the machine's /dev/null; without the right to make one
    # (not root), the real /dev/null, which such a user cannot replace anyway.
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.stat("/dev/null").st_rdev)
    except PermissionError:
        null = Path("/dev/null")
    before = os.stat(null)
    code, out, err = cli("export", "--room", "Cedar", "--out", str(null), data_dir=data)
    assert (code, err) == (0, "")
    after = os.stat(null)
    assert stat.S_ISCHR(after.st_mode) and (after.st_rdev, after.st_ino) == (before.st_rdev, before.st_ino)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_feed_token_can_always_be_given_on_the_command_line(sched, monkeypatch):
    import secrets

    made = iter(["-starts-with-a-dash" + "x" * 24, "Astarts-with-a-letter" + "x" * 22])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(made))
    assert sched.new_feed("practice").token.startswith("A")

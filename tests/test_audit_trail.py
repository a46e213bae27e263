"""An audit trail people can read: an appointment's life, and the log by day, user and client; never any
health information in it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from tests.conftest import NOW, fixed
from tui_scheduler.services import Scheduler


def as_user(sched: Scheduler, user: str, hours: float = 0) -> Scheduler:
    return Scheduler(sched.folder.path, clock=fixed(NOW + timedelta(hours=hours)), user=user)


def test_history_tells_an_appointments_life_with_who_when_and_why(sched):
    alice, bob = as_user(sched, "alice", 1), as_user(sched, "bob", 2)
    appt = alice.book_session("Ben Flag", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60,
                              override="cleared by Dr. Chen")
    visit = alice.book_visit("Ann", "Dr Patel", "Adjusting", "2026-11-24 13:00", 45)
    spot = alice.book_spot(visit.id, "Daniel", "2026-11-24 13:15")
    bob.confirm(appt.id)
    bob.move(appt.id, "2026-11-25 11:00")
    bob.move(visit.id, "2026-11-24 14:00")
    as_user(sched, "carol", 50).set_status(appt.id, "arrived")
    as_user(sched, "carol", 50.5).set_status(appt.id, "booked")
    as_user(sched, "dave", 50.75).cancel(appt.id, "client has to work")
    rows = sched.history(appt.id)
    assert [(r["time"], r["user"]) for r in rows] == [
        ("2026-11-23 09:00", "alice"), ("2026-11-23 10:00", "bob"), ("2026-11-23 10:00", "bob"),
        ("2026-11-25 10:00", "carol"), ("2026-11-25 10:30", "carol"), ("2026-11-25 10:45", "dave")]
    assert [r["text"] for r in rows] == [
        "booked session Tue 2026-11-24 10:00-11:00 for Ben Flag with Maya in Cedar (override: cleared by Dr. Chen)",
        "confirmed by the client",
        "moved from Tue 2026-11-24 10:00 to Wed 2026-11-25 11:00",
        "checked in (was booked)",
        "booked again (was arrived)",
        "cancelled (late cancel): client has to work",
    ]
    # spot work's history includes what its visit carried it through
    spot_rows = [r["text"] for r in sched.history(spot.id)]
    assert spot_rows[0].startswith("booked spot Tue 2026-11-24 13:15-13:30 for Ann Self with Daniel")
    assert spot_rows[1] == f"moved from Tue 2026-11-24 13:00 to Tue 2026-11-24 14:00, with spot work {spot.id}"


def test_audit_filters_by_day_user_and_client(cli):
    def at(hours):
        return NOW + timedelta(hours=hours)

    assert cli("init", "--timezone", "America/Chicago")[0] == 0
    cli("room", "add", "Cedar", "--kind", "massage")
    cli("staff", "add", "Maya", "--role", "therapist", "--modality", "swedish")
    ann = cli("client", "add", "Ann Self")[1].strip()
    cli("client", "add", "Bea Good")
    booked = {}
    for who, hour, when in (("Ann", 10, at(0)), ("Bea", 12, at(24)), ("Ann", 14, at(48))):
        booked[(who, hour)] = cli("book", "session", "--client", who, "--therapist", "Maya", "--room", "Cedar",
                                  "--modality", "swedish", "--start", f"2026-11-27 {hour}:00", "--minutes", "60",
                                  now=when)[1].strip()
    cli("move", booked[("Ann", 10)], "--start", "2026-11-27 16:00", now=at(49))
    rows = json.loads(cli("audit", "--client", "Ann", "--json")[1])
    assert [r["action"] for r in rows] == ["client-add", "book-session", "book-session", "move"]
    assert rows[0]["id"] == ann and rows[-1]["id"] == booked[("Ann", 10)]
    day = json.loads(cli("audit", "--from", "2026-11-24", "--to", "2026-11-24", "--json")[1])
    assert [r["id"] for r in day] == [booked[("Bea", 12)]], day
    user = json.loads(cli("audit", "--user", "nobody-by-that-name", "--json")[1])
    assert user == []
    code, out, _ = cli("audit", "--from", "2026-11-25")
    assert code == 0 and "moved from Fri 2026-11-27 10:00 to Fri 2026-11-27 16:00" in out
    code, _, err = cli("audit", "--from", "2026-11-25", "--to", "2026-11-24")
    assert code == 2 and "before --from" in err
    code, _, err = cli("history", "2611-nothere")
    assert code == 1 and "no appointment with id" in err


def test_the_audit_log_holds_no_health_information(sched):
    sched.add_client("Hana Private", "insurance", ["blood-clots", "pregnancy"], phone="555-0177",
                     email="hana@example.com", pressure="light", notes="DVT left calf; due in March")
    sched.update_client("Hana", flags=["blood-clots"], notes="DVT resolved", phone="555-0178")
    sched.add_referral("Hana", 6, "2027-01-31", prescriber="Dr. Chen", area="Low back pain")
    appt = sched.book_session("Hana", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60,
                              override="cleared by the prescriber, 2nd trimester")
    sched.cancel(appt.id, "morning sickness")  # a desk's words may speak of health: kept on the appointment
    log = (sched.folder.path / "audit.jsonl").read_text()
    for private in ("blood-clots", "pregnancy", "555-017", "hana@example.com", "DVT", "March", "light",
                    "Low back pain", "Hana", "trimester", "sickness"):
        assert private not in log, private
    listed = " ".join(r["text"] for r in sched.audit_log("2026-11-23", "2026-11-23"))
    assert "trimester" not in listed and "sickness" not in listed
    assert "(override: flags, with a reason)" in listed and "(the reason is kept with the appointment)" in listed
    # the appointment's own history reads the words from the appointment
    told = [r["text"] for r in sched.history(appt.id)]
    assert told[0].endswith("(override: cleared by the prescriber, 2nd trimester)")
    assert told[-1] == "cancelled: morning sickness"
    entries = [json.loads(line) for line in log.splitlines()]
    assert any(e["action"] == "client-edit" and e["changes"] == ["flags", "notes", "phone"] for e in entries)


def test_a_staff_members_time_off_reason_stays_with_the_time_off(sched):
    """Staff are people with health too: why they are off is the practice's to know, not the log's."""
    sched.add_time_off("Maya", "2026-11-30 09:00", "2026-11-30 17:00", "chemotherapy")
    assert "chemo" not in (sched.folder.path / "audit.jsonl").read_text()
    listed = [r["text"] for r in sched.audit_log("2026-11-23", "2026-11-23")]
    assert any(t.startswith("time off for Maya") and t.endswith("(the reason is kept with the time off)")
               for t in listed), listed
    assert [t["reason"] for t in sched.time_off_list("Maya", "2026-11-30")] == ["chemotherapy"]


def test_the_audit_log_says_when_by_the_practices_clock(sched):
    later = Scheduler(sched.folder.path, clock=fixed(datetime(2027, 1, 5, 15, 0, tzinfo=timezone.utc)), user="x")
    later.add_client("New Client", "self-pay")
    assert sched.audit_log("2027-01-05", "2027-01-05")[0]["time"] == "2027-01-05 09:00"


def test_every_kind_of_change_reads_as_a_sentence_without_health_information(sched):
    sched.add_room("Birch", "massage")
    sched.update_room("Birch", name="Birch Room")
    sched.add_staff("Rosa", "therapist", ["swedish"])
    sched.update_staff("Rosa", hours=["mon-fri 09:00-15:00"])
    sched.add_client("Eve Quiet", "insurance", ["blood-thinners"], phone="555-0199")
    sched.update_client("Eve", email="eve@example.com")
    sched.add_referral("Eve", 6, "2027-01-31", prescriber="Dr. Chen")
    sched.add_clearance("Eve", "blood-thinners", "Dr. Chen", "2027-01-31", note="light pressure only")
    entry = sched.add_to_waitlist("Eve", 60, "2026-11-24", "2026-11-30")
    sched.remove_from_waitlist(entry.id)
    sched.add_modality("hot stone massage")
    sched.add_flag("vertigo")
    sched.new_feed("room", "Cedar")
    texts = [r["text"] for r in sched.audit_log("2026-11-23", "2026-11-23")]
    for said in ("room Birch Room added (massage)", "room Birch Room changed: name",
                 "Rosa added to the staff (therapist)", "Rosa changed: hours", "client Eve Quiet added",
                 "client Eve Quiet changed: email", "referral for Eve Quiet: 6 visits, expires 2027-01-31",
                 "clearance on file for Eve Quiet by Dr. Chen until 2027-01-31",
                 "Eve Quiet added to the waitlist", "Eve Quiet taken off the waitlist",
                 "modality hot-stone-massage added", "flag vertigo added", "a room feed of Cedar made"):
        assert said in texts, (said, texts)
    for text in texts:
        assert "=" not in text and not text.split(" ", 1)[0].count("-"), text  # never a raw action name
        for private in ("blood-thinners", "555-0199", "eve@example.com", "light pressure"):
            assert private not in text, text


def test_a_line_cut_short_in_the_log_does_not_swallow_the_next_change(sched):
    booked = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    log = sched.folder.path / "audit.jsonl"
    log.write_bytes(log.read_bytes()[:-40])  # the last line cut short (a full disk, a hand's edit)
    sched.confirm(booked.id)
    assert [r["text"] for r in sched.history(booked.id)] == ["confirmed by the client"]
    assert log.read_bytes().endswith(b"\n") and log.read_bytes().count(b"\n") == len(log.read_text().splitlines())


def test_who_made_a_change_is_the_os_user_whatever_the_details_say(sched, tmp_path):
    secret = tmp_path / "caldav-password"
    secret.write_text("pw\n")
    as_user(sched, "alice").set_caldav(url="http://127.0.0.1:5232/", user="root2", password_file=str(secret))
    rows = sched.audit_log("2026-11-23", "2026-11-23", user="alice")
    assert [r["text"] for r in rows] == ["CalDAV account set: http://127.0.0.1:5232/ as root2"]
    assert sched.audit_log("2026-11-23", "2026-11-23", user="root2") == []

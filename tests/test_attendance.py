"""The cancellation policy and attendance: late cancels and no-shows, counted per client."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from tests.conftest import NOW, fixed
from tui_scheduler.services import Scheduler

# NOW is Monday 2026-11-23 08:00 in Chicago


def later(sched: Scheduler, hours: float) -> Scheduler:
    """The same practice seen a while later."""
    return Scheduler(sched.folder.path, clock=fixed(NOW + timedelta(hours=hours)), user="tester")


def test_a_cancellation_inside_the_window_is_late_and_the_practices_never_is(sched):
    early = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-25 10:00", 60)  # 50 hours ahead
    late = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 09:00", 60)  # 25 hours ahead
    ours = sched.book_session("Ann", "Daniel", "Willow", "swedish", "2026-11-24 12:00", 60)
    assert sched.cancel(early.id, "moving house").late_cancel is False
    after = later(sched, 2)  # now 23 hours before `late`
    done = after.cancel(late.id, "overslept")
    assert done.late_cancel is True and done.cancel_reason == "overslept"
    assert after.cancel(ours.id, "therapist ill", by="practice").late_cancel is False
    row = after.describe([after.get(late.id)])[0]
    assert row["late_cancel"] is True and row["cancel_reason"] == "overslept"
    # undoing a cancellation takes the late cancel back
    assert after.reinstate(late.id).late_cancel is False


def test_the_window_is_the_practices_setting(sched):
    sched.update_practice(late_cancel_hours=48)
    appt = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-25 10:00", 60)  # 50 hours ahead
    assert later(sched, 3).cancel(appt.id).late_cancel is True


def test_a_clients_record_counts_no_shows_and_late_cancels(sched):
    sched.add_client("Zed Miss", "self-pay")
    kept = sched.book_session("Zed", "Maya", "Cedar", "swedish", "2026-11-24 09:00", 60)
    missed = [sched.book_session("Zed", "Maya", "Cedar", "swedish", f"2026-11-2{d} 09:00", 60) for d in (5, 6)]
    late = sched.book_session("Zed", "Daniel", "Willow", "swedish", "2026-11-30 09:00", 60)
    sched.book_session("Zed", "Daniel", "Willow", "swedish", "2026-12-08 09:00", 60)  # still ahead
    assert sched.client_attendance("Zed").text == "no no-shows or late cancels in 12 months"
    week = later(sched, 24 * 6 + 2)  # Sunday 29th, 10:00
    week.set_status(kept.id, "fulfilled")
    for a in missed:
        week.set_status(a.id, "no-show")
    week.cancel(late.id, "forgot")  # 23 hours ahead: late
    record = week.client_attendance("Zed")
    assert record.text == "2 no-shows, 1 late cancel in 12 months"
    assert record.appointments == 4 and sorted(a.id for a in record.no_shows) == sorted(a.id for a in missed)
    assert week.client_attendance("Zed", months=1).text == "2 no-shows, 1 late cancel in 1 month"
    assert week.client_attendance("Ann").text == "no no-shows or late cancels in 12 months"


def test_attendance_command(cli):
    assert cli("init", "--timezone", "America/Chicago")[0] == 0
    cli("room", "add", "Cedar", "--kind", "massage")
    cli("staff", "add", "Maya", "--role", "therapist", "--modality", "swedish")
    cli("client", "add", "Ann Self")
    cli("client", "add", "Bea Good")
    ids = [cli("book", "session", "--client", who, "--therapist", "Maya", "--room", "Cedar", "--modality",
               "swedish", "--start", f"2026-11-24 {hour}:00", "--minutes", "60")[1].strip()
           for who, hour in (("Ann", 9), ("Ann", 11), ("Bea", 13))]
    evening = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)  # Monday 20:00 Chicago: 13 hours ahead
    code, _, err = cli("cancel", ids[0], "--reason", "car broke down", now=evening)
    assert code == 0, err
    code, _, err = cli("cancel", ids[2], now=evening)  # no reason: allowed, and said so in the history
    assert code == 0
    after = datetime(2026, 11, 25, 0, 0, tzinfo=timezone.utc)
    assert cli("status", ids[1], "no-show", now=after)[0] == 0
    code, out, _ = cli("attendance", now=after)
    lines = out.splitlines()
    assert lines[0].startswith("Ann Self") and "1 no-show, 1 late cancel (of 2 appointments)" in lines[0]
    assert lines[1].startswith("Bea Good") and "1 late cancel (of 1 appointment)" in lines[1]
    assert lines[-1] == "3 of 3 appointments missed (100%); 0 more clients missed none"
    rows = json.loads(cli("attendance", "--from", "2026-11-01", "--to", "2026-11-30", "--json", now=after)[1])
    assert {r["client"]: (r["no_shows"], r["late_cancels"]) for r in rows} == {
        "Ann Self": ([ids[1]], [ids[0]]), "Bea Good": ([], [ids[2]])}
    assert json.loads(cli("attendance", "--to", "2026-11-20", "--json", now=after)[1]) == []
    history = cli("history", ids[2], now=after)[1]
    assert "cancelled (late cancel) (no reason given)" in history
    assert "cancelled (late cancel): car broke down" in cli("history", ids[0], now=after)[1]
    code, _, err = cli("cancel", ids[1], "--by", "nobody")
    assert code == 2 and "invalid choice" in err

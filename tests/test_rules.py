"""Every booking rule, as the front desk meets it through the service."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tui_scheduler.core.errors import BadInput, NeedsOverride, Refused
from tui_scheduler.core.model import Status
from tui_scheduler.services import Scheduler

TUE = "2026-11-24"


def session(s: Scheduler, when="10:00", minutes=60, client="Ann", therapist="Maya", room="Cedar",
            modality="swedish", **kw):
    return s.book_session(client, therapist, room, modality, f"{TUE} {when}", minutes, **kw)


def visit(s: Scheduler, when="10:00", minutes=45, client="Ann", provider="Dr Patel", room="Adjusting", **kw):
    return s.book_visit(client, provider, room, f"{TUE} {when}", minutes, **kw)


def refusal(fn, *args, **kw) -> str:
    with pytest.raises(Refused) as info:
        fn(*args, **kw)
    assert not isinstance(info.value, NeedsOverride), info.value.reason
    return info.value.reason


# --- hard rules ------------------------------------------------------------------------------------

def test_therapist_cannot_be_in_two_places(sched):
    session(sched)
    reason = refusal(session, sched, when="10:30", client="Ben Flag", room="Willow", override="ok")
    assert "Maya is busy" in reason and "10:00-11:00" in reason


def test_back_to_back_for_a_therapist_is_fine(sched):
    session(sched, when="10:00", room="Cedar")
    assert session(sched, when="11:00", client="Dan", room="Willow", override="referral on file").start


def test_room_turnover_keeps_the_room_busy(sched):
    session(sched, when="10:00")
    reason = refusal(session, sched, when="11:00", therapist="Daniel", client="Cara", override="x")
    assert "room Cedar is in use" in reason and "11:15" in reason and "turnover" in reason
    assert session(sched, when="11:15", therapist="Daniel", client="Cara", override="x")


def test_new_session_needs_its_own_turnover_free(sched):
    session(sched, when="11:00", therapist="Daniel")
    reason = refusal(session, sched, when="10:00", client="Cara", override="x")
    assert "room Cedar is in use" in reason


def test_client_cannot_be_in_two_places(sched):
    visit(sched, when="10:00")
    reason = refusal(session, sched, when="10:15", client="Ann")
    assert "Ann Self is already booked" in reason


def test_off_grid_is_refused(sched):
    assert "15-minute grid" in refusal(session, sched, when="10:10")


@pytest.mark.parametrize("minutes", [0, -30])
def test_end_must_be_after_start(sched, minutes):
    assert "end must be after the start" in refusal(session, sched, minutes=minutes)


@pytest.mark.parametrize("minutes", [15, 135])
def test_session_length_is_30_to_120(sched, minutes):
    assert "30 to 120 minutes" in refusal(session, sched, minutes=minutes)


def test_uncertified_modality_is_refused(sched):
    reason = refusal(session, sched, modality="lymph-drainage")
    assert "Maya is not certified for lymph-drainage" in reason


def test_unknown_people_and_rooms_are_refused(sched):
    assert "no client called 'Zed'" in refusal(session, sched, client="Zed")
    assert "no therapist called" in refusal(session, sched, therapist="Nobody")
    assert "no room called" in refusal(session, sched, room="Attic")
    assert "no appointment with id" in refusal(sched.move, "2611-zzzzz", f"{TUE} 12:00")


def test_visit_needs_a_chiro_or_pt_provider_and_room(sched):
    assert "visits are with a chiropractor" in refusal(visit, sched, provider="Maya")
    assert "visits go in a chiropractic or physical-therapy room" in refusal(visit, sched, room="Cedar")


def test_massage_session_needs_a_massage_room(sched):
    assert "massage sessions go in a massage room" in refusal(session, sched, room="Adjusting")


def test_ambiguous_name_is_bad_input(sched):
    sched.add_client("Ann Other")
    with pytest.raises(BadInput, match="could be several clients"):
        session(sched, client="Ann")
    assert session(sched, client="Ann Self")


def test_a_name_is_found_by_the_starts_of_its_words_as_the_day_sheet_shortens_it(sched):
    staff = {s.id: s.name for s in sched.staff()}
    for n, given in enumerate(("Patel", "Dr Pat", "dr p")):
        booked = visit(sched, when=f"{10 + n}:00", provider=given)
        assert staff[booked.staff_id] == "Dr Patel", given
    assert "no provider called 'Patel Dr'" in refusal(visit, sched, when="14:00", provider="Patel Dr")
    sched.add_client("Ann Other")
    with pytest.raises(BadInput, match="could be several clients"):
        session(sched, client="A")  # the unique start still rules, and refuses when it is not unique


# --- spot work -------------------------------------------------------------------------------------

def test_spot_inside_its_visit_shares_client_and_room(sched):
    v = visit(sched, when="10:00")
    spot = sched.book_spot(v.id, "Maya", f"{TUE} 10:15", region="neck")
    assert (spot.client_id, spot.room_id, spot.minutes) == (v.client_id, v.room_id, 15)
    assert spot.visit_id == v.id and spot.modality == "swedish"


def test_spot_must_lie_inside_its_visit(sched):
    v = visit(sched, when="10:00")
    assert "inside its visit" in refusal(sched.book_spot, v.id, "Maya", f"{TUE} 10:45")
    assert "inside its visit" in refusal(sched.book_spot, v.id, "Maya", f"{TUE} 09:45")


def test_spot_needs_a_free_certified_therapist(sched):
    v = visit(sched, when="10:00")
    session(sched, when="09:30", client="Ben Flag", room="Willow", override="doctor ok")
    assert "Maya is busy" in refusal(sched.book_spot, v.id, "Maya", f"{TUE} 10:15")
    assert "not certified" in refusal(sched.book_spot, v.id, "Daniel", f"{TUE} 10:15", modality="trigger-point")
    assert "not a massage therapist" in refusal(sched.book_spot, v.id, "Lena", f"{TUE} 10:15")


def test_spot_goes_only_in_a_visit(sched):
    s = session(sched)
    assert "spot work goes inside" in refusal(sched.book_spot, s.id, "Daniel", f"{TUE} 10:15")


def test_two_spots_for_one_patient_at_once_are_refused(sched):
    v = visit(sched, when="10:00")
    sched.book_spot(v.id, "Maya", f"{TUE} 10:15")
    assert "already booked" in refusal(sched.book_spot, v.id, "Daniel", f"{TUE} 10:15")
    assert sched.book_spot(v.id, "Daniel", f"{TUE} 10:30")


# --- soft rules ------------------------------------------------------------------------------------

def needs_override(fn, *args, **kw) -> str:
    with pytest.raises(NeedsOverride) as info:
        fn(*args, **kw)
    return info.value.reason


def test_contraindication_needs_an_override_reason_which_is_recorded(sched):
    reason = needs_override(session, sched, client="Ben Flag")
    assert "flagged (osteoporosis)" in reason and "talk to the doctor" in reason
    needs_override(session, sched, client="Ben Flag", override="   ")
    a = session(sched, client="Ben Flag", override="cleared by Dr. Chen")
    assert a.overrides == {"flags": "cleared by Dr. Chen"}
    audit = (sched.folder.path / "audit.jsonl").read_text()  # who set which rule aside; the words stay on it
    assert '"overridden":["flags"]' in audit and '"user":"tester"' in audit and "Dr. Chen" not in audit
    assert sched.history(a.id)[0]["text"].endswith("(override: cleared by Dr. Chen)")


def test_outside_working_hours_and_time_off_are_soft(sched):
    assert "Maya does not work then" in needs_override(session, sched, when="17:00")
    assert "practice is closed" in needs_override(session, sched, when="19:00")
    sched.add_time_off("Maya", f"{TUE} 00:00", "2026-11-25 00:00", "conference")
    assert "Maya is off" in needs_override(session, sched, when="10:00")
    assert session(sched, when="10:00", override="came in anyway").overrides["time-off"] == "came in anyway"


def test_insurance_client_needs_a_valid_referral_with_visits_left(sched):
    assert "no referral valid on 2026-11-24" in needs_override(session, sched, client="Cara")
    sched.add_referral("Cara", 2, "2026-12-31", issued="2026-11-01", prescriber="Dr. Chen")
    first = session(sched, client="Cara", when="09:00")
    session(sched, client="Cara", when="11:00")
    assert "used up (2 of 2" in needs_override(session, sched, client="Cara", when="13:00")
    sched.cancel(first.id)  # a cancelled visit gives its authorization back
    assert session(sched, client="Cara", when="13:00")
    assert "no referral valid on 2027-01-05" in needs_override(
        sched.book_session, "Cara", "Maya", "Cedar", "swedish", "2027-01-05 10:00", 60)


def test_no_show_uses_a_visit_by_default(sched, tmp_path):
    sched.add_referral("Dan", 1, "2026-12-31", issued="2026-11-01")
    early = sched.book_session("Dan", "Daniel", "Cedar", "swedish", "2026-11-23 08:00", 30)
    later = Scheduler(sched.folder.path, clock=lambda: early.end + timedelta(minutes=5))
    later.set_status(early.id, "no-show")
    assert "used up" in needs_override(session, later, client="Dan")


def test_hard_problems_win_over_an_override(sched):
    session(sched)
    assert "Maya is busy" in refusal(session, sched, client="Ben Flag", room="Willow", override="please")


# --- moving, cancelling, statuses ------------------------------------------------------------------

def test_move_rechecks_and_raises_the_sequence(sched):
    a = session(sched, when="10:00")
    session(sched, when="13:00", client="Dan", room="Willow", override="self-pay")
    assert "Maya is busy" in refusal(sched.move, a.id, f"{TUE} 12:30")
    moved = sched.move(a.id, f"{TUE} 14:30")
    assert moved.sequence == 1 and moved.start.hour == 20  # 14:30 Chicago = 20:30 UTC
    assert sched.get(a.id).start == moved.start and sched.get(a.id).uid == a.uid


def test_moving_a_visit_takes_its_spots_along_or_refuses(sched):
    v = visit(sched, when="10:00")
    spot = sched.book_spot(v.id, "Maya", f"{TUE} 10:15")
    session(sched, when="14:00", client="Ben Flag", room="Willow", override="ok")
    assert "spot work" in refusal(sched.move, v.id, f"{TUE} 14:00")
    assert sched.get(spot.id).start == spot.start  # nothing moved
    sched.move(v.id, f"{TUE} 12:00")
    assert sched.get(spot.id).start == spot.start + timedelta(hours=2)
    assert sched.get(spot.id).sequence == 1


def test_moving_across_months_keeps_the_id_findable(sched):
    a = session(sched, when="10:00")
    sched.move(a.id, "2026-12-01 10:00")
    assert sched.get(a.id).start.month == 12
    assert [x.id for x in sched.appointments(*sched.day_span(date(2026, 12, 1)))] == [a.id]
    sched.move(a.id, f"{TUE} 10:00")
    assert sched.get(a.id).sequence == 2
    assert not sched.appointments(*sched.day_span(date(2026, 12, 1)))


def test_moving_a_spot_outside_its_visit_is_refused(sched):
    v = visit(sched, when="10:00")
    spot = sched.book_spot(v.id, "Maya", f"{TUE} 10:15")
    assert "inside its visit" in refusal(sched.move, spot.id, f"{TUE} 11:00")
    assert sched.move(spot.id, f"{TUE} 10:30").start.minute == 30


def test_cancelling_a_visit_cancels_its_spots(sched):
    v = visit(sched, when="10:00")
    spot = sched.book_spot(v.id, "Maya", f"{TUE} 10:15")
    sched.cancel(v.id)
    assert sched.get(spot.id).status == Status.CANCELLED
    assert sched.get(v.id).sequence == 1
    assert "already cancelled" in refusal(sched.cancel, v.id)
    # the time is free again
    assert visit(sched, when="10:00", client="Dan")


def test_reinstate_only_while_the_time_is_free(sched):
    v = visit(sched, when="10:00")
    spot = sched.book_spot(v.id, "Maya", f"{TUE} 10:15")
    sched.cancel(v.id)
    sched.reinstate(v.id, [spot.id])
    assert sched.get(spot.id).status == Status.BOOKED
    sched.cancel(v.id)
    visit(sched, when="10:00", client="Dan")
    assert "Dr Patel is busy" in refusal(sched.reinstate, v.id)


def test_status_flow(sched):
    a = session(sched, when="10:00")
    assert "check-in is on the day" in refusal(sched.set_status, a.id, "arrived")
    assert "has not started yet" in refusal(sched.set_status, a.id, "no-show")
    on_the_day = Scheduler(sched.folder.path, clock=lambda: a.start - timedelta(minutes=10))
    assert on_the_day.set_status(a.id, "arrived").status == Status.ARRIVED
    after = Scheduler(sched.folder.path, clock=lambda: a.end)
    done = after.set_status(a.id, "fulfilled")
    assert done.status == Status.FULFILLED and done.sequence == 2
    assert "cannot be moved" in refusal(after.move, a.id, f"{TUE} 12:00")
    assert "cannot become no-show" in refusal(after.set_status, a.id, "no-show")


def test_dry_run_reports_without_writing(sched):
    before = sched.revision()
    problems = sched.problems_for_session(client="Ben Flag", therapist="Maya", room="Adjusting",
                                          modality="swedish", start=f"{TUE} 10:00", minutes=60)
    assert {p.code for p in problems} >= {"room", "flags"}
    assert sched.revision() == before


def test_conflicts_say_what_holds_the_time_without_internal_ids(sched):
    first = session(sched)
    reason = refusal(session, sched, when="10:30", client="Ann", therapist="Daniel", room="Cedar", override="ok")
    assert first.id not in reason
    assert "room Cedar is in use Tue 2026-11-24 10:00-11:15 (a session + 15 min turnover)" in reason
    assert "Ann Self is already booked Tue 2026-11-24 10:00-11:00 (a session with Maya)" in reason
    reason = refusal(session, sched, when="10:30", client="Ben Flag", room="Willow", override="ok")
    assert "Maya is busy Tue 2026-11-24 10:00-11:00 (a session)" in reason and first.id not in reason

"""Spot work is part of its visit: the patient checks in, is seen and leaves once (issue 10, and issue 14
finding 3: a cancelled or no-show visit never leaves active spot work behind)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui_scheduler.core.errors import Refused
from tui_scheduler.services import Scheduler
from tests.conftest import NOW


def _visit_with_spot(sched: Scheduler, day="2026-11-23"):
    visit = sched.book_visit("Ann", "Dr Patel", "Adjusting", f"{day} 10:00", 45)
    spot = sched.book_spot(visit.id, "Daniel", f"{day} 10:15", region="neck")
    return visit, spot


def _at(sched: Scheduler, moment) -> Scheduler:
    return Scheduler(sched.folder.path, clock=lambda: moment, user="tester")


def test_check_in_and_done_carry_the_spot_work(sched):
    visit, spot = _visit_with_spot(sched)
    during = _at(sched, visit.start + timedelta(minutes=5))
    during.set_status(visit.id, "arrived")
    assert sched.get(spot.id).status == "arrived"
    after = _at(sched, visit.end)
    after.set_status(visit.id, "fulfilled")
    assert sched.get(spot.id).status == "fulfilled"
    after.set_status(visit.id, "arrived")  # a slip of the key, taken back: the spot goes back too
    assert sched.get(spot.id).status == "arrived"
    assert sched.check_folder()[0] == []


def test_cancelling_a_checked_in_visit_cancels_its_spot_work(sched):
    visit, spot = _visit_with_spot(sched)
    during = _at(sched, visit.start + timedelta(minutes=5))
    during.set_status(spot.id, "arrived")  # marked on its own
    during.cancel(visit.id, "client felt unwell")
    assert sched.get(spot.id).status == "cancelled"
    assert sched.check_folder()[0] == []


def test_a_visit_with_finished_spot_work_is_not_cancelled_or_a_no_show(sched):
    visit, spot = _visit_with_spot(sched)
    after = _at(sched, visit.end)
    after.set_status(spot.id, "fulfilled")
    with pytest.raises(Refused, match="Ann Self's visit Mon 23 Nov 10:00 cannot become cancelled: its spot "
                                      "work at 10:15 is fulfilled"):
        after.cancel(visit.id)
    with pytest.raises(Refused, match="cannot become no-show"):
        after.set_status(visit.id, "no-show")
    assert sched.get(visit.id).status == "booked" and sched.check_folder()[0] == []


def test_a_no_show_visit_takes_its_booked_spot_work_and_gives_it_back(sched):
    visit, spot = _visit_with_spot(sched)
    after = _at(sched, visit.end)
    after.set_status(visit.id, "no-show")
    assert sched.get(spot.id).status == "no-show"
    after.set_status(visit.id, "booked")
    assert sched.get(spot.id).status == "booked"
    assert sched.check_folder()[0] == []


def test_a_spot_is_never_a_no_show_inside_a_visit_the_client_came_to(sched):
    visit, spot = _visit_with_spot(sched)
    during = _at(sched, spot.start + timedelta(minutes=1))
    during.set_status(visit.id, "arrived")
    during.set_status(spot.id, "booked")  # its own status can still be corrected
    with pytest.raises(Refused, match="cannot be a no-show: the client is arrived for the visit"):
        during.set_status(spot.id, "no-show")


def test_refusals_name_the_client_and_the_time_not_an_id(sched):
    a = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    with pytest.raises(Refused) as info:
        sched.set_status(a.id, "no-show")
    assert info.value.reason == "Ann Self's session Tue 24 Nov 10:00 has not started yet"
    sched.cancel(a.id)
    with pytest.raises(Refused) as info:
        sched.cancel(a.id)
    assert a.id not in info.value.reason and "Ann Self's session Tue 24 Nov 10:00" in info.value.reason
    assert NOW  # the practice's clock is fixed: Monday 08:00 in Chicago

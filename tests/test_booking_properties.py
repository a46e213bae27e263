"""Random booking sequences against a brute-force model of who and what is busy, minute by minute."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_scheduler.core.errors import Refused
from tests.conftest import small_practice

THERAPISTS = ["Maya", "Daniel"]
ROOMS = ["Cedar", "Willow"]
CLIENTS = ["Ann Self", "Ben Flag", "Cara Ins", "Dan Hsa"]
TURNOVER = 15

request = st.tuples(
    st.sampled_from(THERAPISTS), st.sampled_from(ROOMS), st.sampled_from(CLIENTS),
    st.integers(0, 24).map(lambda q: 9 * 60 + q * 15),  # 09:00 .. 15:00 on the grid
    st.sampled_from([30, 45, 60, 90]),
)


def busy(minutes_from: int, length: int) -> set[int]:
    return set(range(minutes_from, minutes_from + length))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(request, min_size=1, max_size=12))
def test_accepted_bookings_never_share_a_minute_and_refusals_are_real(requests):
    with tempfile.TemporaryDirectory() as tmp:
        s = small_practice(Path(tmp) / "data")
        held: dict[str, set[int]] = {}
        accepted = 0
        for therapist, room, client, start, minutes in requests:
            wanted = {
                therapist: busy(start, minutes),
                "room:" + room: busy(start, minutes + TURNOVER),
                "client:" + client: busy(start, minutes),
            }
            clash = any(held.get(k, set()) & v for k, v in wanted.items())
            try:
                s.book_session(client, therapist, room, "swedish", f"2026-11-24 {start // 60:02d}:{start % 60:02d}",
                               minutes, override="property test")
            except Refused as exc:
                assert clash, f"refused without a clash: {exc.reason}"
                continue
            assert not clash, "booked over a clash"
            accepted += 1
            for k, v in wanted.items():
                held.setdefault(k, set()).update(v)
        day = s.appointments(*s.day_span(s.now().date() + timedelta(days=1)))
        assert len(day) == len({a.id for a in day}) == accepted

"""The 8-minute rule against the table in domain.md, and the CMS examples of splitting units."""

import pytest

from tui_scheduler.core.billing import total_units, units

BANDS = [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (67, 4),
         (68, 5), (82, 5), (83, 6), (97, 6), (98, 7), (112, 7), (113, 8)]


@pytest.mark.parametrize("minutes,expected", BANDS)
def test_total_units_follow_the_bands(minutes, expected):
    assert total_units(minutes) == expected


@pytest.mark.parametrize("minutes,expected", [
    ({"97124": 33, "97140": 7}, {"97124": 2, "97140": 1}),    # 40 min -> 3 units; the 7 beats the 3 left over
    ({"97124": 7, "97140": 7}, {"97124": 1, "97140": 0}),     # 14 min -> 1 unit, only one code gets it
    ({"97124": 60}, {"97124": 4}),
    ({"97124": 50}, {"97124": 3}),                           # a "60-minute" massage, 50 hands-on
    ({"97124": 5}, {"97124": 0}),
    ({"97124": 20, "97140": 20}, {"97124": 2, "97140": 1}),   # 40 -> 3; a tie goes to the lower code
    ({"97124": 38, "97140": 0}, {"97124": 3}),
])
def test_units_go_to_the_codes_with_the_most_minutes(minutes, expected):
    got = units(minutes)
    assert {k: v for k, v in got.items() if v or k in expected} == expected
    assert sum(got.values()) == total_units(sum(minutes.values()))

"""Billable 15-minute units for timed codes, by the CMS 8-minute rule.

Add the hands-on minutes of all timed codes; the total gives the units (8-22 min: 1, 23-37: 2, ... in
15-minute bands; under 8: none). Each code first takes its whole 15-minute units; the units left over go
to the codes with the most minutes remaining.
"""

from __future__ import annotations

# CPT codes a massage practice bills in time units.
CODES = {
    "97124": "massage (effleurage, petrissage, tapotement)",
    "97140": "manual therapy (myofascial release, manual lymph drainage, mobilization)",
}
# Which code a modality's hands-on time usually goes to.
CODE_OF_MODALITY = {
    "myofascial": "97140",
    "lymph-drainage": "97140",
    "craniosacral": "97140",
}


def total_units(minutes: int) -> int:
    if minutes < 8:
        return 0
    return (minutes + 7) // 15


def units(minutes_by_code: dict[str, int]) -> dict[str, int]:
    timed = {code: m for code, m in minutes_by_code.items() if m > 0}
    left = total_units(sum(timed.values()))
    out = {code: 0 for code in timed}
    for code, m in timed.items():
        whole = min(m // 15, left)
        out[code] += whole
        left -= whole
    remainders = sorted(timed, key=lambda c: (-(timed[c] % 15), -timed[c], c))
    for code in remainders:
        if left <= 0:
            break
        if timed[code] % 15:
            out[code] += 1
            left -= 1
    return out

"""Medical clearance on file: a doctor's written word that a flagged client may have massage.

A contraindication is usually cleared once, often until a date. While a clearance covers each of a
client's flags on the day of a booking, the booking needs no override for them; when it has expired (or
there is none) the flag asks for a reason again, as it always did.
"""

from __future__ import annotations

from datetime import date

from .model import _build, _plain
from .record import record


@record
class Clearance:
    id: str
    client_id: str
    flag: str
    by: str  # who cleared it: "Dr. Chen"
    recorded: date  # the day it was put on file
    until: date | None = None  # the last day it covers; None: until it is removed
    note: str = ""  # health information: shown to the practice, never in the audit log

    def valid_on(self, day: date) -> bool:
        return self.until is None or day <= self.until

    def to_dict(self) -> dict:
        d = _plain(self)
        d["recorded"] = self.recorded.isoformat()
        d["until"] = self.until.isoformat() if self.until else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Clearance:
        return _build(cls, d, recorded=date.fromisoformat(d["recorded"]),
                      until=date.fromisoformat(d["until"]) if d.get("until") else None)


def covering(clearances, client_id: str, flags, day: date) -> dict[str, Clearance]:
    """flag -> the clearance that covers it on `day` (the one lasting longest), for each flag covered."""
    out: dict[str, Clearance] = {}
    for c in clearances:
        if c.client_id != client_id or c.flag not in flags or not c.valid_on(day):
            continue
        held = out.get(c.flag)
        if held is None or _lasts(c) > _lasts(held):
            out[c.flag] = c
    return out


def _lasts(c: Clearance) -> date:
    return c.until or date.max


def wording(cleared: dict[str, Clearance], flags) -> str:
    """'cleared by Dr. Chen until 2027-01-31'; each flag is named when the flags have different clearances."""
    if not cleared:
        return ""
    said = {f: _by(c) for f, c in cleared.items()}
    if len(set(said.values())) == 1 and set(cleared) == set(flags):
        return next(iter(said.values()))
    return "; ".join(f"{f} {said[f]}" for f in flags if f in said)


def by_flag(clearances, client_id: str, flags, day: date) -> list[tuple[str, str]]:
    """(flag, 'cleared by Dr. Chen until 2027-01-31' or '' when nothing covers it on `day`), for each flag."""
    cleared = covering(clearances, client_id, flags, day)
    return [(f, _by(cleared[f]) if f in cleared else "") for f in flags]


def _by(c: Clearance) -> str:
    return f"cleared by {c.by}" + (f" until {c.until}" if c.until else "")

"""The one service layer: every use case of the practice, one area per module.

The TUI, the CLI, the feed server and the tests all come through `Scheduler`; none of them decides a
rule itself. Each area is a small class over the same data folder; `Scheduler` hands them out
(`scheduler.booking.move(...)`) and answers each area's calls by name too (`scheduler.move(...)`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable, ContextManager

from .attendance import AttendanceRecords
from .audit import AuditTrail
from .backup import Backups
from .billing import Billing
from .booking import Booking
from .check import Integrity
from .clearances import Clearances
from .closures import Closing
from .confirmations import Confirmations
from .context import Context
from .day import DaySheet
from .feeds import Feeds
from .imports import Imports
from .people import People
from .practice import PracticeSetup
from .records import ClinicalRecord
from .superbills import Superbills
from .sync import Sync
from .reminders import Reminders
from .time_off import TimeAway
from .treatment import Treatment
from .vocabulary import Vocabulary
from .waitlist import Waitlist

# attribute -> area: the names a newcomer looks for ("where do bookings live?")
AREAS = {
    "setup": PracticeSetup,
    "people": People,
    "words": Vocabulary,
    "time_off": TimeAway,
    "closing": Closing,
    "booking": Booking,
    "confirmations": Confirmations,
    "reminders": Reminders,
    "attendance_records": AttendanceRecords,
    "treatment": Treatment,
    "waiting": Waitlist,
    "day": DaySheet,
    "billing": Billing,
    "records": ClinicalRecord,
    "clearance": Clearances,
    "superbills": Superbills,
    "feeds": Feeds,
    "integrity": Integrity,
    "trail": AuditTrail,
    "backups": Backups,
    "imports": Imports,
    "sync": Sync,
}


def _routes() -> dict[str, str]:
    """Public method name -> the area that has it; two areas may not share a name."""
    out: dict[str, str] = {}
    for attr, area in AREAS.items():
        for name in vars(area):
            if not name.startswith("_") and callable(getattr(area, name)):
                if name in out or name in AREAS:
                    raise TypeError(f"{area.__name__}.{name} is also {out.get(name, name)}'s")
                out[name] = attr
    return out


_ROUTES = _routes()


class Scheduler:
    """`clock` returns now (UTC); tests and demos pass a fixed one. `user` is who the audit log names
    (the OS user by default)."""

    def __init__(self, data_dir: str | Path, clock: Callable[[], datetime] | None = None,
                 user: str | None = None, lock_timeout: float = 15.0):
        self.ctx = Context(data_dir, clock, user, lock_timeout)
        for attr, area in AREAS.items():
            setattr(self, attr, area(self.ctx, self))

    def __getattr__(self, name: str):
        attr = _ROUTES.get(name)
        if attr is None:
            raise AttributeError(f"the service has no {name!r}")
        return getattr(getattr(self, attr), name)

    def __dir__(self):
        return [*super().__dir__(), *_ROUTES]

    @property
    def folder(self):
        return self.ctx.folder

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.ctx.clock

    @property
    def user(self) -> str | None:
        return self.ctx.user

    def now(self) -> datetime:
        return self.ctx.now()

    def revision(self) -> int:
        return self.ctx.folder.revision()

    def batch(self) -> ContextManager[None]:
        return self.ctx.batch()

"""The cancellation policy and attendance: late cancels and no-shows, counted per client. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .model import Appointment, Kind, Status

CANCELLED_BY = ("client", "practice")


def is_late_cancel(now: datetime, start: datetime, hours: int, by: str) -> bool:
    """A client's cancellation within `hours` of the start (or after it) is late; the practice's never is."""
    return by == "client" and now > start - timedelta(hours=hours)


def counts(a: Appointment) -> bool:
    """Attendance is counted per appointment the client books: spot work goes with its visit."""
    return a.kind != Kind.SPOT


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@dataclass
class Attendance:
    """One client's record over a period: appointments that came due, and those missed."""

    client_id: str
    client: str
    months: int | None = None  # the period in months, for "in 12 months"
    appointments: int = 0
    no_shows: list[Appointment] = field(default_factory=list)
    late_cancels: list[Appointment] = field(default_factory=list)

    def add(self, a: Appointment, now: datetime) -> None:
        """Count one appointment: a late cancel at once, others once their time has come; a cancellation
        in good time is not an appointment the client missed."""
        if not counts(a):
            return
        if a.status == Status.CANCELLED:
            if a.late_cancel:
                self.appointments += 1
                self.late_cancels.append(a)
            return
        if a.start > now:
            return
        self.appointments += 1
        if a.status == Status.NO_SHOW:
            self.no_shows.append(a)

    @property
    def missed(self) -> int:
        return len(self.no_shows) + len(self.late_cancels)

    @property
    def text(self) -> str:
        """'2 no-shows, 1 late cancel in 12 months' (or 'no no-shows or late cancels in 12 months')."""
        within = f" in {plural(self.months, 'month')}" if self.months else ""
        if not self.missed:
            return f"no no-shows or late cancels{within}"
        parts = [plural(len(self.no_shows), "no-show")] if self.no_shows else []
        parts += [plural(len(self.late_cancels), "late cancel")] if self.late_cancels else []
        return ", ".join(parts) + within

"""Attendance: no-shows and late cancellations per client, for the front desk and the booking form."""

from __future__ import annotations

from datetime import date, timedelta

from ..core import clock
from ..core.errors import BadInput
from ..core.model import Status
from ..core.policy import Attendance
from .context import Area
from .search import as_day

MONTH_DAYS = 30.44


class AttendanceRecords(Area):
    def attendance(self, first_day: date | str | None = None, last_day: date | str | None = None) -> list[Attendance]:
        """Every client with appointments from `first_day` to `last_day` (default: the last 12 months to
        today), those who missed most first."""
        with self.ctx.read() as desk:
            now = self.now()
            today = clock.local_day(now, desk.tz)
            last = as_day(last_day) if last_day else today
            first = as_day(first_day) if first_day else last - timedelta(days=365)
            if last < first:
                raise BadInput(f"--to ({last}) is before --from ({first})")
            lo, hi = clock.day_span(first, desk.tz, (last - first).days + 1)
            names = {c.id: c.name for c in desk.clients.all()}
            records: dict[str, Attendance] = {}
            for a in desk.book.between(lo, hi, clock.months_between(lo, hi, desk.tz)):
                if a.start < lo:  # began before the period
                    continue
                record = records.setdefault(a.client_id, Attendance(a.client_id, names.get(a.client_id, a.client_id)))
                record.add(a, now)
        rows = [r for r in records.values() if r.appointments]
        return sorted(rows, key=lambda r: (-r.missed, r.client.casefold()))

    def client_attendance(self, client: str, months: int = 12) -> Attendance:
        """One client's no-shows and late cancels over the last `months` months ("2 no-shows, 1 late cancel
        in 12 months"), for the booking form and the client screen.

        Reads the client's short rows in the visit index, and only the cancelled appointments in full (a
        late cancel is marked on the appointment itself).
        """
        if not isinstance(months, int) or not 1 <= months <= 120:
            raise BadInput("attendance looks back 1 to 120 months")
        with self.ctx.read() as desk:
            who = desk.find(desk.clients, client, "client")
            now = self.now()
            lo = now - timedelta(days=round(months * MONTH_DAYS))
            record = Attendance(who.id, who.name, months)
            # a late cancel can lie ahead: cancelled within the window (at most two weeks) before its start
            hi = now + timedelta(days=15)
            for row in desk.book.of_client(who.id, lo, hi, clock.months_between(lo, hi, desk.tz)):
                if row.status == Status.CANCELLED:
                    row = desk.book.get(row.id) or row
                record.add(row, now)
        return record

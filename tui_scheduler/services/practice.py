"""The practice itself: setting it up, its settings, and repairs of the folder's own indexes."""

from __future__ import annotations

from dataclasses import replace

from ..core import clock, codes
from ..core.errors import BadInput, DataFolderError, Refused
from ..core.hours import WeeklyHours
from ..core.model import Practice
from ..store.tables import Records, VisitIndex
from .context import Area
from .desk import clean_line, clean_name, clean_text

DEFAULT_HOURS = ("mon-fri 08:00-19:00", "sat 09:00-14:00")


class PracticeSetup(Area):
    def init(self, timezone_name: str, name: str = "", hours: list[str] | tuple[str, ...] = ()) -> Practice:
        tz = clock.zone(timezone_name)
        practice = Practice(
            name=" ".join((name or "").split()) or "Our practice",
            timezone=tz.key,
            hours=WeeklyHours.parse(list(hours) or list(DEFAULT_HOURS)),
        )
        folder = self.ctx.folder
        folder.create()
        with folder.transaction(self.ctx.user) as tx:
            tx.now = self.now()  # by the practice's clock, as every other change (fixed in tests and demos)
            existing = Records(tx, Practice)
            if existing.all():
                raise Refused(f"{folder.path} already holds a practice")
            existing.table.insert(practice.to_dict())
            VisitIndex(tx).rebuild([])
            tx.audit("init", practice=practice.name, timezone=practice.timezone)
        return practice

    def update_practice(self, *, name: str | None = None, hours=None, turnover_minutes: int | None = None,
                        checkin_lead_minutes: int | None = None, no_show_uses_visit: bool | None = None,
                        phone: str | None = None, late_cancel_hours: int | None = None, address: str | None = None,
                        tax_id: str | None = None, fees=()) -> Practice:
        """`fees`: 'CODE=AMOUNT' texts (97124=30.00), each setting that code's fee per unit."""
        with self.ctx.write() as desk:
            changes = {}
            if name is not None:
                changes["name"] = clean_name(name, "practice")
            if hours:
                changes["hours"] = WeeklyHours.parse(list(hours))
            for key, value in (("turnover_minutes", turnover_minutes), ("checkin_lead_minutes", checkin_lead_minutes)):
                if value is not None:
                    if not 0 <= value <= 120 or value % desk.practice.grid_minutes:
                        raise BadInput(f"{key.replace('_', ' ')} must be 0 to 120, on the "
                                       f"{desk.practice.grid_minutes}-minute grid")
                    changes[key] = value
            if phone is not None:
                changes["phone"] = clean_line(phone, "phone number", 40)
            if late_cancel_hours is not None:
                if not isinstance(late_cancel_hours, int) or not 0 <= late_cancel_hours <= 336:
                    raise BadInput("the late-cancel window is 0 to 336 hours")
                changes["late_cancel_hours"] = late_cancel_hours
            if address is not None:
                changes["address"] = clean_text(address, "the address", 300)
            if tax_id is not None:
                changes["tax_id"] = clean_line(tax_id, "the tax id", 40)
            if fees:
                changes["fees"] = {**desk.practice.fees, **dict(codes.fee(f) for f in fees)}
            if no_show_uses_visit is not None:
                changes["no_show_uses_visit"] = no_show_uses_visit
            practice = replace(desk.practice, **changes)
            desk.save_practice(practice)
            desk.tx.audit("practice-edit", changes=sorted(changes))
            return practice

    def rebuild_visit_index(self) -> None:
        """Write each client's visit index afresh from the month files, and the client names index from
        the clients (for folders written by other tools, or to repair one that `check` says disagrees)."""
        with self.ctx.write() as desk:
            desk.book.visits.rebuild(d for month in self.ctx.folder.months()
                                     for d in desk.book.raw_month(month))
            try:
                desk.clients.reindex_names()
            except DataFolderError:
                pass  # clients.json itself is damaged: `check` names it; the visit index is mended anyway
            desk.tx.audit("visit-index-rebuild", also="client names index")

    def is_set_up(self) -> bool:
        return (self.ctx.folder.path / "practice.json").exists()

    def practice(self) -> Practice:
        with self.ctx.read() as desk:
            return desk.practice

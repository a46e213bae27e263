"""Medical clearance on file: recording a doctor's clearance of a client's flag, and what it covers.

The booking rules read the clearances through the snapshot (core/rules.py); here they are added,
listed, removed, and put into words for the booking form and the command line. The audit log names the
clearance, the client, the doctor and the dates, never its note.
"""

from __future__ import annotations

from datetime import date, datetime

from ..core import clock
from ..core.clearances import Clearance, by_flag, covering, wording
from ..core.errors import BadInput, Refused
from ..core.model import Kind
from .context import Area
from .desk import choice, clean_name, clean_text


class Clearances(Area):
    def add_clearance(self, client: str, flag: str, by: str, until: str | date | None = None,
                      note: str = "") -> Clearance:
        doctor = clean_name(by, "clearing doctor")
        text = clean_text(note, "a clearance note", 1000)
        with self.ctx.write() as desk:
            flag = choice(flag, desk.practice.flags, "flag")
            who = desk.find(desk.clients, client, "client")
            if flag not in who.flags:
                flagged = ", ".join(who.flags) or "nothing"
                raise Refused(f"{who.name} is not flagged {flag} (flagged: {flagged})")
            today = clock.local_day(self.now(), desk.tz)
            last = None
            if until:
                last = until if isinstance(until, date) else clock.parse_date(until)
                if last < today:
                    raise BadInput(f"the clearance would already have ended ({last} is before today, {today})")
            found = Clearance(id=desk.clearances.new_id("k"), client_id=who.id, flag=flag, by=doctor,
                              recorded=today, until=last, note=text)
            desk.clearances.put(found)
            desk.tx.audit("clearance-add", id=found.id, client=who.id, by=doctor, until=str(last or ""))
            return found

    def remove_clearance(self, clearance_id: str) -> Clearance:
        """Take a clearance off file (entered by mistake, or withdrawn by the doctor)."""
        with self.ctx.write() as desk:
            found = desk.clearances.get((clearance_id or "").strip())
            if found is None:
                raise Refused(f"no clearance with id {clearance_id!r}")
            desk.clearances.remove(found.id)
            desk.tx.audit("clearance-remove", id=found.id, client=found.client_id)
            return found

    def clearances(self, client: str | None = None) -> list[Clearance]:
        with self.ctx.read() as desk:
            found = desk.clearances.all()
            if client:
                who = desk.find(desk.clients, client, "client")
                found = [c for c in found if c.client_id == who.id]
            return sorted(found, key=lambda c: (c.client_id, c.flag, c.recorded, c.id))

    def flag_clearances(self, client: str, start: str | datetime) -> list[dict]:
        """Each of the client's flags on the day of `start`: {flag, label, cleared} where `cleared` is
        'cleared by Dr. Chen until 2027-01-31', or '' when the flag still needs a reason to book."""
        with self.ctx.read() as desk:
            who = desk.find(desk.clients, client, "client")
            day = clock.local_day(desk.time(start), desk.tz)
            held = desk.clearances.matching(lambda d: d.get("client_id") == who.id)
            meaning = desk.practice.flags
        return [{"flag": f, "label": meaning.get(f, f), "cleared": said}
                for f, said in by_flag(held, who.id, who.flags, day)]

    def clearance_note(self, client: str, start: str | datetime, kind: str = Kind.SESSION) -> str:
        """'cleared by Dr. Chen until 2027-01-31' when clearances on file cover the client's flags on the
        day of a session or spot at `start` (what the booking form and the CLI show instead of the
        warning); '' when nothing is cleared, or for a visit, which flags do not concern."""
        if kind == Kind.VISIT:
            return ""
        with self.ctx.read() as desk:
            who = desk.find(desk.clients, client, "client")
            if not who.flags:
                return ""
            day = clock.local_day(desk.time(start), desk.tz)
            held = desk.clearances.matching(lambda d: d.get("client_id") == who.id)
        return wording(covering(held, who.id, who.flags, day), who.flags)

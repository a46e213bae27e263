"""The audit trail, read by people: an appointment's life, and the log filtered by day, user or client.

Each commit appends what changed (who, when, action, ids, the reason a person gave); this area turns
those lines into sentences ("moved from Tue 2026-11-24 10:00 to Wed 2026-11-25 11:00"). The log never
holds health information, so neither do these sentences.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..core import clock
from ..core.errors import BadInput
from ..core.model import from_iso
from ..store import audit
from .context import Area
from .search import as_day

_STATUS = {"arrived": "checked in", "fulfilled": "done (fulfilled)", "no-show": "no-show", "booked": "booked again"}
_MESSAGE = {"reminder": "reminder", "moved": "notice of the new time", "cancellation": "cancellation notice"}


class _Words:
    """Sentences for audit entries, with names and local times. The log keeps no reason's words (a reason
    may speak of the client's health): an appointment's history takes them from the appointment itself."""

    def __init__(self, names: dict, tz, appt=None, last_cancel: dict | None = None):
        self.names, self.tz = names, tz
        self.appt, self.last_cancel = appt, last_cancel  # only for an appointment's own history

    def when(self, text: str | None) -> str:
        try:
            return clock.describe(from_iso(text), self.tz) if text else "?"
        except ValueError:
            return str(text)

    def name(self, ident) -> str:
        return self.names.get(ident, ident or "?")

    def sentence(self, e: dict) -> str:
        action = e.get("action", "")
        say = getattr(self, "_" + action.replace("-", "_"), None)
        text = say(e) if say else self._other(e)
        if e.get("overridden") or e.get("override"):
            text += f" (override: {self._override_reason(e)})"
        return text

    def _mine(self, e: dict) -> bool:
        return self.appt is not None and e.get("id") == self.appt.id

    def _override_reason(self, e: dict) -> str:
        """The reason given, as the appointment keeps it for those rules; else only that one was given."""
        codes = e.get("overridden") if isinstance(e.get("overridden"), list) else []
        reasons = [self.appt.overrides[c] for c in codes if self._mine(e) and c in self.appt.overrides]
        return "; ".join(dict.fromkeys(reasons)) or f"{', '.join(map(str, codes)) or 'a rule'}, with a reason"

    def _booked(self, e: dict) -> str:
        start = e.get("start")
        end = ""
        if start and isinstance(e.get("minutes"), int):
            end = f"-{(from_iso(start) + timedelta(minutes=e['minutes'])).astimezone(self.tz):%H:%M}"
        return (f"booked {e['action'].removeprefix('book-')} {self.when(start)}{end} for "
                f"{self.name(e.get('client'))} with {self.name(e.get('staff'))} in {self.name(e.get('room'))}")

    _book_session = _book_visit = _book_spot = _booked

    def _move(self, e: dict) -> str:
        spots = f", with spot work {', '.join(e['spots'])}" if e.get("spots") else ""
        return f"moved from {self.when(e.get('was'))} to {self.when(e.get('start'))}{spots}"

    def _cancel(self, e: dict) -> str:
        by = " by the practice" if e.get("by") == "practice" else ""
        late = " (late cancel)" if e.get("late") else ""
        if self._mine(e) and e is self.last_cancel and self.appt.status == "cancelled":
            why = f": {self.appt.cancel_reason}" if self.appt.cancel_reason else " (no reason given)"
        elif e.get("reason_given") or e.get("reason"):
            why = " (the reason is kept with the appointment)"
        else:
            why = " (no reason given)"
        spots = f", with spot work {', '.join(e['spots'])}" if e.get("spots") else ""
        return f"cancelled{by}{late}{why}{spots}"

    def _status(self, e: dict) -> str:
        return f"{_STATUS.get(e.get('status'), e.get('status'))} (was {e.get('was')})"

    def _reinstate(self, e: dict) -> str:
        return "cancellation taken back"

    def _confirm(self, e: dict) -> str:
        return "confirmed by the client"

    def _note(self, e: dict) -> str:
        """Which sections a signature changed, never what they say."""
        changed = ", ".join(e.get("sections") or ()) or "no section"
        version = e.get("version")
        if version == 1:
            return f"visit note signed ({changed})"
        return f"visit note amended, version {version} ({changed} changed)"

    def _hands_on(self, e: dict) -> str:
        minutes = e.get("minutes") if isinstance(e.get("minutes"), dict) else {}
        return "hands-on minutes recorded: " + " ".join(f"{k}={v}" for k, v in minutes.items())

    def _message_sent(self, e: dict) -> str:
        return f"{_MESSAGE.get(e.get('what'), 'message')} sent by {e.get('channel', '?')}"  # not the outbox's id

    def _message_failed(self, e: dict) -> str:
        return f"{_MESSAGE.get(e.get('what'), 'message')} not sent: {e.get('error', '?')}"

    def _time_off(self, e: dict) -> str:
        hits = f"; strands {', '.join(e['hits'])}" if e.get("hits") else ""
        if e.get("reason"):  # written before the log kept no reason's words
            why = f": {e['reason']}"
        else:
            why = " (the reason is kept with the time off)" if e.get("reason_given") else ""
        return f"time off for {self.name(e.get('id'))} {self.when(e.get('start'))} to {self.when(e.get('end'))}{why}{hits}"

    def _time_off_remove(self, e: dict) -> str:
        return f"time off removed for {self.name(e.get('id'))} {self.when(e.get('start'))} to {self.when(e.get('end'))}"

    def _closure_add(self, e: dict) -> str:
        why = f": {e['reason']}" if e.get("reason") else ""
        hits = f"; strands {', '.join(e['hits'])}" if e.get("hits") else ""
        return f"closed {e.get('first')} to {e.get('last')}{why}{hits}"

    def _closure_remove(self, e: dict) -> str:
        return f"closure {e.get('first')} to {e.get('last')} removed"

    # the practice, its people and its words: what changed, never a record's contents
    def _init(self, e: dict) -> str:
        return f"practice {e.get('practice', '')} set up ({e.get('timezone', '?')})"

    def _changed(self, e: dict, what: str) -> str:
        changes = e.get("changes") if isinstance(e.get("changes"), list) else []
        return f"{what} changed: {', '.join(map(str, changes)) or 'nothing'}"

    def _practice_edit(self, e: dict) -> str:
        return self._changed(e, "practice settings")

    def _sending_edit(self, e: dict) -> str:
        return self._changed(e, "reminder sending settings")

    def _room_add(self, e: dict) -> str:
        return f"room {self.name(e.get('id'))} added ({e.get('kind', '?')})"

    def _room_edit(self, e: dict) -> str:
        return self._changed(e, f"room {self.name(e.get('id'))}")

    def _staff_add(self, e: dict) -> str:
        return f"{self.name(e.get('id'))} added to the staff ({e.get('role', '?')})"

    def _staff_edit(self, e: dict) -> str:
        return self._changed(e, self.name(e.get("id")))

    def _client_add(self, e: dict) -> str:
        return f"client {self.name(e.get('id'))} added"

    def _client_edit(self, e: dict) -> str:
        return self._changed(e, f"client {self.name(e.get('id'))}")

    def _client_import(self, e: dict) -> str:
        return f"{e.get('clients', '?')} clients imported"

    def _referral_add(self, e: dict) -> str:
        return f"referral for {self.name(e.get('client'))}: {e.get('visits', '?')} visits, expires {e.get('expires', '?')}"

    def _clearance_add(self, e: dict) -> str:
        until = f" until {e['until']}" if e.get("until") else ""
        return f"clearance on file for {self.name(e.get('client'))} by {e.get('by', '?')}{until}"

    def _clearance_remove(self, e: dict) -> str:
        return f"a clearance of {self.name(e.get('client'))} taken off file"

    def _waitlist_add(self, e: dict) -> str:
        return f"{self.name(e.get('client'))} added to the waitlist"

    def _waitlist_remove(self, e: dict) -> str:
        return f"{self.name(e.get('client')) if e.get('client') else 'an entry'} taken off the waitlist"

    def _modality_add(self, e: dict) -> str:
        return f"modality {e.get('name', '?')} added"

    def _modality_remove(self, e: dict) -> str:
        return f"modality {e.get('name', '?')} removed"

    def _flag_add(self, e: dict) -> str:
        return f"flag {e.get('name', '?')} added"

    def _flag_remove(self, e: dict) -> str:
        return f"flag {e.get('name', '?')} removed"

    def _feed_new(self, e: dict) -> str:
        of = f" of {self.name(e.get('target'))}" if e.get("target") else ""
        return f"a {e.get('scope', '?')} feed{of} made"  # never its token

    def _feed_revoke(self, e: dict) -> str:
        return "a feed revoked"

    def _caldav_set(self, e: dict) -> str:
        return f"CalDAV account set: {e.get('url', '?')} as {e.get('login', '?')}"

    def _visit_index_rebuild(self, e: dict) -> str:
        return "the client visit index rebuilt"

    def _time_off_from_calendar(self, e: dict) -> str:
        return (f"time off from {self.name(e.get('id'))}'s own calendar: {e.get('added', 0)} added, "
                f"{e.get('changed', 0)} changed, {e.get('removed', 0)} removed")

    def _other(self, e: dict) -> str:
        details = {k: v for k, v in e.items() if k not in ("time", "user", "action", "txid", "id")}
        return " ".join([e.get("action", "?")] + [f"{k}={v}" for k, v in details.items()])


class AuditTrail(Area):
    def _words(self, appt=None, last_cancel: dict | None = None) -> _Words:
        with self.ctx.read() as desk:
            return _Words(desk.names(), desk.tz, appt, last_cancel)

    def _rows(self, found: list[dict], appt=None, last_cancel: dict | None = None) -> list[dict]:
        words = self._words(appt, last_cancel)
        return [{"time": f"{from_iso(e['time']).astimezone(words.tz):%Y-%m-%d %H:%M}", "at": e["time"],
                 "user": e.get("user", "?"),
                 "action": e.get("action", "?"), "id": e.get("id", ""), "text": words.sentence(e)}
                for e in found]

    def history(self, appt_id: str) -> list[dict]:
        """An appointment's life, oldest first: booked, moved, status, cancelled, messages sent, confirmed;
        each with who, when and why. A spot's history includes what its visit carried it through."""
        appt = self.services.booking.get(appt_id)  # refused plainly for an unknown id
        found = [e for e in audit.entries(self.ctx.folder.path, appt.id)
                 if e.get("id") == appt.id or appt.id in (e.get("spots") or ())]
        cancels = [e for e in found if e.get("action") == "cancel" and e.get("id") == appt.id]
        return self._rows(found, appt, cancels[-1] if cancels else None)

    def audit_log(self, first_day: date | str | None = None, last_day: date | str | None = None,
                  user: str | None = None, client: str | None = None) -> list[dict]:
        """The audit log from `first_day` to `last_day` (local days, both included), by one OS user, or about
        one client (their record and every appointment booked for them)."""
        with self.ctx.read() as desk:
            tz = desk.tz
            who = desk.find(desk.clients, client, "client") if client else None
        first = as_day(first_day) if first_day else None
        last = as_day(last_day) if last_day else None
        if first and last and last < first:
            raise BadInput(f"--to ({last}) is before --from ({first})")
        lo = clock.day_start(first, tz) if first else None
        hi = clock.day_span(last, tz)[1] if last else None
        theirs: set[str] = set()
        found = []
        for e in audit.entries(self.ctx.folder.path):
            if who is not None:
                if e.get("client") == who.id and e.get("action", "").startswith("book-"):
                    theirs.add(e.get("id"))
                mine = e.get("id") == who.id or e.get("id") in theirs or e.get("client") == who.id
                if not mine:
                    continue
            if user and e.get("user") != user:
                continue
            at = from_iso(e["time"])
            if (lo and at < lo) or (hi and at >= hi):
                continue
            found.append(e)
        return self._rows(found)

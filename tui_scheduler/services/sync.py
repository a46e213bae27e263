"""Two-way sync with a CalDAV server, as use cases: the account, pushing each therapist's, provider's and
room's calendar, pulling busy time from each person's own calendar, and what every sync did.

The scheduler is the source of truth for appointments: what is on the server is made to match it, and
a change made there to one of our events is written over (and said). A person's own calendar is the
source of truth for their busy time. The server is reached through an object the caller hands in
(tui_scheduler.ical.caldav.CalDavServer, shaped like CalendarServer below): this module decides what to
write, in what order, and what a 412 means, and never speaks HTTP.

Nothing is half-done for long: each calendar's ledger is recorded once its writes are done, and a
sync that stops early (killed, server gone) leaves resources the next sync recognises by their name
and finishes. One sync at a time per data folder (a lock file); a second one waits its turn.
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Protocol
from urllib.parse import urlsplit

import filelock

from ..core import clock
from ..core.errors import BadInput, CalendarServerError, DataFolderError, Refused
from ..core.feeds import Entry, Feed, window
from ..core.model import TimeOff, iso
from ..core.sync import (
    ACCOUNT_ID,
    CHANGED_THERE,
    SOURCE,
    Busy,
    CalDavAccount,
    CalendarNotFound,
    Changed,
    Report,
    SyncedCalendar,
    busy_time_off,
    calendar_id,
    digest,
    is_ours,
    plan,
    resource_name,
)
from ..store.files import FILE_MODE
from .context import Area
from .desk import clean_line

LOCK_FILE = ".sync-lock"
LOCK_WAIT = 600.0  # a sync of a busy practice takes seconds; ten minutes means the other one is stuck
RETRIES = 3  # 412s in a row on one resource before giving up until the next sync
CALENDAR_REASON = "busy in their own calendar"  # the event's title stays on the server: it is private


class CalendarServer(Protocol):
    def render(self, entry: Entry, timezone: str) -> bytes: ...
    def ensure_calendar(self, ident: str, name: str) -> tuple[str, bool]: ...  # url, made now
    def listing(self, calendar: str) -> dict[str, str]: ...  # resource name -> ETag
    def etag_of(self, calendar: str, name: str) -> str | None: ...
    def uid_of(self, calendar: str, name: str) -> str | None: ...
    def put(self, calendar: str, name: str, body: bytes, etag: str | None) -> str: ...  # None: create
    def delete(self, calendar: str, name: str, etag: str) -> None: ...
    def busy_events(self, calendar: str, start: datetime, end: datetime) -> list[Busy]: ...


# a host name's labels (RFC 1123), an IPv4 address, or an IPv6 one in brackets
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _check_url(url: str) -> str:
    """An address the sync can use, refused now (exit 2) rather than found broken at the first sync."""
    url = (url or "").strip()
    wrong = f"--url must be an http:// or https:// address, not {url[:80]!r}"
    if len(url) > 2000 or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise BadInput(wrong)
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname or "", parts.port  # reading the port checks it
    except ValueError:
        raise BadInput(wrong) from None
    if parts.scheme not in ("http", "https") or not host:
        raise BadInput(wrong)
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise BadInput(wrong) from None
    elif len(host) > 253 or not all(_LABEL.match(label) for label in host.rstrip(".").split(".")):
        raise BadInput(wrong)
    if parts.username or parts.password:
        raise BadInput("--url must not carry a user or password: give --user, and the password in --password-file")
    if "%" in url and re.search(r"%(?![0-9A-Fa-f]{2})", url):
        raise BadInput(wrong)
    return url


def _check_password_file(path: str) -> str:
    chosen = Path(path).expanduser().absolute()
    try:
        st = os.stat(chosen)
    except OSError as exc:
        raise BadInput(f"cannot use the password file {chosen}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise BadInput(f"the password file {chosen} is not a plain file")
    if not os.access(chosen, os.R_OK):
        raise BadInput(f"cannot read the password file {chosen}")
    return str(chosen)


def password_warning(path: str) -> str:
    """A line to say when every account on the machine can read the password."""
    try:
        if os.stat(path).st_mode & stat.S_IROTH:
            return f"{path} can be read by every account on this machine: chmod o-r {path}"
    except OSError:
        pass
    return ""


class Sync(Area):
    # --- the account ------------------------------------------------------------------------------

    def set_caldav(self, url: str | None = None, user: str | None = None, password_file: str | None = None,
                   full_names: bool | None = None) -> CalDavAccount:
        """The practice's CalDAV account. The first time needs all three of URL, user and password file;
        afterwards any of them. Only the password file's path is kept, never what it holds."""
        changes = {}
        if url is not None:
            changes["url"] = _check_url(url)
        if user is not None:
            changes["user"] = clean_line(user, "--user", 200)
            if not changes["user"]:
                raise BadInput("--user must not be empty")
        if password_file is not None:
            changes["password_file"] = _check_password_file(password_file)
        if full_names is not None:
            changes["full_names"] = full_names
        with self.ctx.write() as desk:
            account = desk.caldav.get(ACCOUNT_ID)
            if account is None:
                missing = [f"--{k.replace('_', '-')}" for k in ("url", "user", "password_file") if k not in changes]
                if missing:
                    raise BadInput(f"the first 'caldav set' needs {', '.join(missing)}")
                account = CalDavAccount(ACCOUNT_ID, changes.pop("url"), changes.pop("user"),
                                        changes.pop("password_file"))
            account = replace(account, **changes)
            desk.caldav.put(account)
            # the account's login is not the OS user who made the change: a key of its own
            desk.tx.audit("caldav-set", url=account.url, login=account.user, full_names=account.full_names)
        return account

    def caldav_account(self) -> CalDavAccount:
        with self.ctx.read() as desk:
            account = desk.caldav.get(ACCOUNT_ID)
        if account is None:
            raise Refused("no CalDAV server is set up: run 'tui-scheduler caldav set --url URL --user U "
                          "--password-file F'")
        return account

    # --- one sync ---------------------------------------------------------------------------------

    def sync_caldav(self, server: CalendarServer, say: Callable[[str], None] = lambda line: None) -> Report:
        """Pull busy time, then push every calendar; `say` hears each step as it happens and the summary.
        A sync that fails part way records and says what it did before it stopped, then raises."""
        report = Report()
        with self._one_at_a_time(say):
            account = self.caldav_account()
            try:
                with self.ctx.read() as desk:
                    tz = desk.tz
                    today = clock.local_day(self.now(), tz)
                lo, hi = window(Feed("practice", "", ""), today, tz)
                self._pull(server, report, tz, lo, hi)
                self._push(server, account, report, lo, hi, say)
            except CalendarServerError as exc:
                report.failed = exc.reason
                raise
            finally:
                for line in report.notes:
                    say(line)
                say(report.summary())
                self._record(report)
        return report

    @contextmanager
    def _one_at_a_time(self, say):
        """Two syncs of one data folder take turns: the second waits for the first (a lock file beside the
        data; the operating system lets go of it when a sync is killed)."""
        path = self.ctx.folder.path
        if not path.is_dir():
            raise DataFolderError(f"no data folder at {path} (run 'tui-scheduler init' first)")
        lock = filelock.FileLock(path / LOCK_FILE, mode=FILE_MODE)
        try:
            try:
                lock.acquire(timeout=0)
            except filelock.Timeout:
                say("another sync of this data folder is running: waiting for it to finish")
                lock.acquire(timeout=LOCK_WAIT)
        except filelock.Timeout:
            raise Refused(f"another sync of this data folder has run for over {LOCK_WAIT / 60:g} minutes; "
                          f"try again later") from None
        except OSError as exc:
            raise DataFolderError(f"cannot lock {path / LOCK_FILE}: {exc.strerror or exc}") from None
        try:
            yield
        finally:
            lock.release()

    def _record(self, report: Report) -> None:
        with self.ctx.write() as desk:
            account = desk.caldav.get(ACCOUNT_ID)
            if account is not None:
                desk.caldav.put(replace(account, last_sync=iso(self.now()), last_result=report.summary()))
            desk.tx.audit("caldav-sync", **report.audit())

    # --- pull: a person's busy time -----------------------------------------------------------------

    def _pull(self, server: CalendarServer, report: Report, tz, lo: datetime, hi: datetime) -> None:
        with self.ctx.read() as desk:
            people = [s for s in desk.staff.all() if s.active]
        fresh: dict[str, list[TimeOff]] = {}
        for person in people:
            if not person.busy_calendar:
                if any(t.source.startswith(SOURCE) for t in person.time_off):
                    fresh[person.id] = []  # no calendar any more: what came from one goes
                continue
            try:
                events = server.busy_events(person.busy_calendar, lo, hi)
            except CalendarNotFound as exc:
                report.notes.append(f"{person.name}'s busy calendar {person.busy_calendar!r}: {exc}; the time "
                                    f"off it gave before is kept as it was")
                continue
            fresh[person.id] = busy_time_off(events, tz, lo, hi, CALENDAR_REASON)
        if fresh:
            self._apply_busy(fresh, lo, report)

    def _apply_busy(self, fresh: dict[str, list[TimeOff]], lo: datetime, report: Report) -> None:
        """Each person's time off from their calendar becomes exactly what the calendar says now (over the
        window; earlier entries are history and stay). Time off typed at the desk is never touched."""
        with self.ctx.write() as desk:
            for staff_id, wanted in fresh.items():
                person = desk.staff.get(staff_id)
                if person is None:
                    continue
                pulled = lambda t: t.source.startswith(SOURCE) and t.end > lo  # noqa: E731
                old = {t.source: t for t in person.time_off if pulled(t)}
                new = {t.source: t for t in wanted}
                added = [t for k, t in new.items() if k not in old]
                changed = [t for k, t in new.items() if k in old and old[k] != t]
                removed = [k for k in old if k not in new]
                if not (added or changed or removed):
                    continue
                kept = [t for t in person.time_off if not pulled(t)]
                desk.staff.put(replace(person, time_off=tuple(sorted(kept + wanted, key=lambda t: t.start))))
                desk.tx.audit("time-off-from-calendar", id=person.id, added=len(added), changed=len(changed),
                              removed=len(removed))
                report.time_off_added += len(added)
                report.time_off_changed += len(changed)
                report.time_off_removed += len(removed)
                for off in added + changed:
                    self._report_hits(desk, person, off, report)

    @staticmethod
    def _report_hits(desk, person, off: TimeOff, report: Report) -> None:
        """Appointments still to be given under new calendar time off: they stay, and a person is told."""
        tz = desk.tz
        for a in desk.booked_between(off.start, off.end):  # what time off strands, as the desk's rule says
            if a.staff_id == person.id:
                report.hits.append(a.id)
                report.notes.append(
                    f"{person.name} is busy in their own calendar {clock.describe(off.start, tz)}-"
                    f"{off.end.astimezone(tz):%H:%M}, over {a.kind} {a.id} at {a.start.astimezone(tz):%H:%M}: "
                    f"move it, or ask them")

    # --- push: the practice's calendars ----------------------------------------------------------------

    def _push(self, server: CalendarServer, account: CalDavAccount, report: Report, lo, hi, say) -> None:
        feeds = [f for f in self.services.every_feed(full_names=account.full_names) if f.scope != "practice"]
        with self.ctx.read() as desk:
            ledger = {c.id: c for c in desk.synced.all()}
            # resource name -> the appointment it shows, for the lines a person reads
            labels = {}
            for a in desk.book.between(lo, hi, clock.months_between(lo, hi, desk.tz)):
                labels[resource_name(a.uid)] = f"appointment {a.id}"
                labels[resource_name(f"turnover-{a.uid}")] = f"turnover after {a.id}"
        for feed in feeds:
            self._push_calendar(server, feed, ledger.pop(calendar_id(feed), None), labels, report, say)
        for gone in ledger.values():  # a staff member or room no longer in use: our events leave its calendar
            self._empty_calendar(server, gone, report, say)

    def _push_calendar(self, server: CalendarServer, feed: Feed, known: SyncedCalendar | None, labels: dict,
                       report: Report, say) -> None:
        content = self.services.feed_content(feed)
        ident = calendar_id(feed)
        url, made = server.ensure_calendar(ident, content.name)
        if made:
            report.calendars_made += 1
            say(f"{content.name}: calendar made on the server")
        bodies = {resource_name(e.uid): server.render(e, content.timezone) for e in content.entries}
        wanted = {name: digest(body) for name, body in bodies.items()}
        ledger = dict(known.events) if known and known.url == url else {}
        todo = plan(wanted, server.listing(url), ledger)
        events = dict(todo.keep)
        if todo.writes:
            say(f"{content.name}: writing {todo.writes} change{'s' if todo.writes > 1 else ''}")
        try:
            for name, etag in todo.unknown:
                if is_ours(name, server.uid_of(url, name)):
                    todo.delete.append((name, etag))
            for name, etag in todo.delete:
                self._delete(server, url, name, etag, report, f"{content.name}: {labels.get(name, name)}")
                events.pop(name, None)
                report.deleted += 1
            for name, etag, why in todo.update:
                label = f"{content.name}: {labels.get(name, name)}"
                if why == CHANGED_THERE:
                    report.conflicts += 1
                    report.notes.append(f"{label} was changed on the server; the scheduler's version is "
                                        f"written back")
                events[name] = (self._put(server, url, name, bodies[name], etag, report, label), wanted[name])
                report.updated += 1
            for name in todo.create:
                label = f"{content.name}: {labels.get(name, name)}"
                events[name] = (self._put(server, url, name, bodies[name], None, report, label), wanted[name])
                report.created += 1
        finally:
            # what was written so far is recorded even when the server goes away part way
            done = SyncedCalendar(ident, url, content.name, events)
            if done != known:
                with self.ctx.write() as desk:
                    desk.synced.put(done)

    def _empty_calendar(self, server: CalendarServer, gone: SyncedCalendar, report: Report, say) -> None:
        listing = server.listing(gone.url)
        ours = [(name, etag) for name, etag in listing.items() if name in gone.events]
        if ours:
            say(f"{gone.name}: no longer synced, removing {len(ours)} event{'s' if len(ours) > 1 else ''}")
        left = dict(gone.events)
        try:
            for name, etag in ours:
                self._delete(server, gone.url, name, etag, report, f"{gone.name}: {name}")
                left.pop(name)
                report.deleted += 1
            left = {}  # the rest of the ledger was no longer on the server
        finally:
            with self.ctx.write() as desk:
                if left:
                    desk.synced.put(replace(gone, events=left))
                else:
                    desk.synced.remove(gone.id)

    @staticmethod
    def _put(server: CalendarServer, url: str, name: str, body: bytes, etag: str | None, report: Report,
             label: str) -> str:
        """Write our version; on a 412 (someone changed, made or removed it meanwhile) look again and
        write it again: the scheduler is the source of truth for its appointments."""
        for _ in range(RETRIES):
            try:
                return server.put(url, name, body, etag)
            except Changed:
                report.conflicts += 1
                report.notes.append(f"{label} changed on the server while this sync wrote it; the scheduler's "
                                    f"version is written again")
                etag = server.etag_of(url, name)
        raise CalendarServerError(f"{label} keeps changing on the server; the next sync tries again")

    @staticmethod
    def _delete(server: CalendarServer, url: str, name: str, etag: str, report: Report, label: str) -> None:
        for _ in range(RETRIES):
            try:
                server.delete(url, name, etag)
                return
            except Changed:
                report.conflicts += 1
                report.notes.append(f"{label} changed on the server while this sync removed it; removed anyway")
                etag = server.etag_of(url, name)
                if etag is None:
                    return
        raise CalendarServerError(f"{label} keeps changing on the server; the next sync tries again")

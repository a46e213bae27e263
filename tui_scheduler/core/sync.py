"""Two-way sync with a CalDAV server, the pure part: the account, what sync wrote where, the writes one
calendar needs, and a person's busy events as their time off.

Push: each therapist's, provider's and room's feed is a calendar on the server holding one resource per
event, named from the event's UID, so a second sync (or one finishing an interrupted one) writes the same
resource again instead of a copy. The ledger keeps, per calendar, the ETag the server gave each resource
we wrote and a digest of what we wrote: an unchanged event costs nothing, a changed one is written with
If-Match, and a resource whose ETag moved was changed on the server by someone else.
Pull: the busy events of a person's own calendar become their time off, each marked with its UID.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from . import clock
from .feeds import Feed
from .model import TimeOff
from .record import record

ACCOUNT_ID = "caldav"
OUR_UIDS = "@tui-scheduler"  # every appointment's UID ends so (services/booking.py), turnover ones too
SOURCE = "caldav:"  # TimeOff.source of time off pulled from a calendar


@record
class CalDavAccount:
    """Where the practice's calendars live. The password stays in its own file, read at each sync."""

    id: str
    url: str
    user: str
    password_file: str
    full_names: bool = False  # clients' full names on the server instead of initials
    last_sync: str = ""
    last_result: str = ""

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict) -> CalDavAccount:
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@record
class SyncedCalendar:
    """One calendar sync made on the server, and the resources it wrote there: name -> (ETag, digest)."""

    id: str  # the calendar's last path segment, e.g. "therapist-s-ab12"
    url: str
    name: str
    events: dict[str, tuple[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.id, "url": self.url, "name": self.name,
                "events": {k: list(v) for k, v in self.events.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> SyncedCalendar:
        return cls(d["id"], d["url"], d["name"], {str(k): tuple(v) for k, v in (d.get("events") or {}).items()})


class Changed(Exception):
    """412 Precondition Failed: the resource is not the version we named (someone changed, made or
    removed it on the server since we looked)."""


class CalendarNotFound(Exception):
    """A calendar named by a person is not on the server, or this account may not read it."""


def calendar_id(feed: Feed) -> str:
    """The calendar's path segment: by id, so a renamed therapist keeps their calendar (its display name
    follows the feed's title)."""
    return f"{feed.scope}-{feed.target_id}"


def resource_name(uid: str) -> str:
    """The resource an event is stored as, decided by its UID alone."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", uid) + ".ics"


def looks_ours(name: str) -> bool:
    return name.endswith(resource_name(OUR_UIDS)[:-4] + ".ics")


def is_ours(name: str, uid: str | None) -> bool:
    """A resource sync wrote: one of our UIDs, under the name that UID gives."""
    return bool(uid) and uid.endswith(OUR_UIDS) and resource_name(uid) == name


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


@dataclass
class Plan:
    """The writes one calendar needs."""

    create: list[str] = field(default_factory=list)
    update: list[tuple[str, str, str]] = field(default_factory=list)  # name, the server's ETag, why
    delete: list[tuple[str, str]] = field(default_factory=list)  # name, the server's ETag
    unknown: list[tuple[str, str]] = field(default_factory=list)  # ours by its name, unrecorded: check its UID
    keep: dict[str, tuple[str, str]] = field(default_factory=dict)  # unchanged ledger entries

    @property
    def writes(self) -> int:
        return len(self.create) + len(self.update) + len(self.delete) + len(self.unknown)


CHANGED_HERE = "changed here"
CHANGED_THERE = "changed on the server"
UNRECORDED = "written by a sync that did not finish"


def plan(wanted: dict[str, str], listing: dict[str, str], ledger: dict[str, tuple[str, str]]) -> Plan:
    """`wanted`: resource name -> digest of what the scheduler holds; `listing`: name -> ETag of what is
    on the server; `ledger`: what sync last wrote there. Resources on the server that sync did not write
    are never touched."""
    out = Plan()
    for name, want in wanted.items():
        etag = listing.get(name)
        if etag is None:
            out.create.append(name)
            continue
        known = ledger.get(name)
        if known == (etag, want):
            out.keep[name] = known
        elif known is None:
            out.update.append((name, etag, UNRECORDED))
        else:
            out.update.append((name, etag, CHANGED_HERE if known[0] == etag else CHANGED_THERE))
    for name, etag in listing.items():
        if name in wanted:
            continue
        if name in ledger:
            out.delete.append((name, etag))
        elif looks_ours(name):
            out.unknown.append((name, etag))
    return out


@record
class Busy:
    """One event (or one occurrence of a repeating one) of a person's calendar, as the server gave it:
    times may be dates (all day), floating (no zone) or zoned."""

    uid: str
    recurrence: str  # the occurrence's RECURRENCE-ID, "" for a single event
    start: date | datetime
    end: date | datetime | None
    transparent: bool = False  # "show me as free"
    cancelled: bool = False


def _instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        return clock.day_start(value, tz)
    if value.tzinfo is None:  # floating time: the practice's wall clock
        return value.replace(tzinfo=tz).astimezone(timezone.utc)
    return value.astimezone(timezone.utc)


def busy_time_off(events: list[Busy], tz: ZoneInfo, lo: datetime, hi: datetime, reason: str) -> list[TimeOff]:
    """The time off a calendar's events make: busy ones only (not free, not cancelled, not our own
    appointments if someone named a calendar sync writes), overlapping [lo, hi), one per occurrence."""
    out: dict[str, TimeOff] = {}
    for e in events:
        if e.transparent or e.cancelled or not e.uid or e.uid.endswith(OUR_UIDS):
            continue
        end = e.end
        if end is None and not isinstance(e.start, datetime):
            end = e.start + timedelta(days=1)  # an all-day event without an end lasts its day
        if end is None:
            continue  # a moment, not a span: it takes no time
        start, stop = _instant(e.start, tz), _instant(end, tz)
        if stop <= start or stop <= lo or start >= hi:
            continue
        source = f"{SOURCE}{e.uid}" + (f"#{e.recurrence}" if e.recurrence else "")
        out[source] = TimeOff(start, stop, reason, source)
    return sorted(out.values(), key=lambda t: (t.start, t.source))


@dataclass
class Report:
    """What one sync did, for the person who ran it and for the audit log (counts and ids only: no
    names, no event titles, nothing about a client's health)."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    conflicts: int = 0  # 412s: changed on the server meanwhile, written again from the scheduler
    calendars_made: int = 0
    time_off_added: int = 0
    time_off_changed: int = 0
    time_off_removed: int = 0
    hits: list[str] = field(default_factory=list)  # booked appointments under new calendar time off
    notes: list[str] = field(default_factory=list)  # lines a person should read
    failed: str = ""

    def summary(self) -> str:
        text = (f"{self.created} created, {self.updated} updated, {self.deleted} deleted on the server; "
                f"time off from calendars: {self.time_off_added} added, {self.time_off_changed} changed, "
                f"{self.time_off_removed} removed")
        if self.calendars_made:
            text += f"; {self.calendars_made} calendar{'s' if self.calendars_made > 1 else ''} made"
        if self.conflicts:
            text += f"; {self.conflicts} changed on the server and written again"
        if self.failed:
            text += "; stopped early (the next sync finishes the rest)"
        return text

    def audit(self) -> dict:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted,
                "conflicts": self.conflicts, "calendars_made": self.calendars_made,
                "time_off_added": self.time_off_added, "time_off_changed": self.time_off_changed,
                "time_off_removed": self.time_off_removed, "hits": self.hits, "failed": self.failed}

"""Calendar feeds as use cases: which feeds exist, who may read them, and what each one shows.

Subscribed feeds live in the data folder (feeds.json) under a long random token. The CLI and the feed
server both come here; what a feed shows is core.feeds, its iCalendar text tui_scheduler.ical.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path

from ..core import clock, rules
from ..core.errors import BadInput, Refused
from ..core.feeds import FUTURE_DAYS, PAST_DAYS, SCOPES, Content, Feed, Wording, check_days, match, token_of, window
from ..core.model import Kind, iso
from ..store.files import write_named
from .context import Area
from .desk import Desk


def _new_token() -> str:
    """A feed's password: 256 random bits in URL-safe letters, never starting with '-' (a command line would
    read `feeds revoke -x...` as an option)."""
    while True:
        token = secrets.token_urlsafe(32)
        if token[0] != "-":
            return token


def _target(desk: Desk, scope: str, name: str | None) -> tuple[str, str]:
    if scope == "therapist":
        person = desk.find(desk.staff, name, "staff member")
        return person.id, person.name
    if scope == "room":
        room = desk.find(desk.rooms, name, "room")
        return room.id, room.name
    if scope == "practice":
        return "", desk.practice.name
    raise BadInput(f"unknown feed scope {scope!r} (one of: {', '.join(SCOPES)})")


class Feeds(Area):
    def describe_feed(self, scope: str, name: str | None = None, full_names: bool = False,
                      past_days: int = PAST_DAYS, future_days: int = FUTURE_DAYS) -> Feed:
        """A feed for export: the target found by id, name or the start of a name, nothing stored."""
        past, future = check_days(past_days, "--past-days"), check_days(future_days, "--future-days")
        with self.ctx.read() as desk:
            target_id, target = _target(desk, scope, name)
        return Feed(scope, target_id, target, full_names, past, future)

    def every_feed(self, full_names: bool = False, past_days: int = PAST_DAYS,
                   future_days: int = FUTURE_DAYS) -> list[Feed]:
        """The whole practice, then each active staff member, then each active room."""
        past, future = check_days(past_days, "--past-days"), check_days(future_days, "--future-days")
        with self.ctx.read() as desk:
            out = [Feed("practice", "", desk.practice.name, full_names, past, future)]
            out += [Feed("therapist", s.id, s.name, full_names, past, future)
                    for s in sorted(desk.staff.all(), key=lambda s: s.name.casefold()) if s.active]
            out += [Feed("room", r.id, r.name, full_names, past, future)
                    for r in sorted(desk.rooms.all(), key=lambda r: r.name.casefold()) if r.active]
        return out

    # --- subscribed feeds ---------------------------------------------------------------------------

    def new_feed(self, scope: str, name: str | None = None, full_names: bool = False,
                 past_days: int = PAST_DAYS, future_days: int = FUTURE_DAYS) -> Feed:
        past, future = check_days(past_days, "--past-days"), check_days(future_days, "--future-days")
        with self.ctx.write() as desk:
            target_id, target = _target(desk, scope, name)
            feed = Feed(scope, target_id, target, full_names, past, future, token=_new_token(),
                        id=desk.feeds.new_id("feed"), created=iso(self.now()))
            desk.feeds.put(feed)
            # the token is a password: the audit log, readable by the whole front desk, names the feed's id
            desk.tx.audit("feed-new", id=feed.id, scope=scope, target=target_id, full_names=full_names or None)
        return feed

    def list_feeds(self) -> list[Feed]:
        with self.ctx.read() as desk:
            return sorted(desk.feeds.all(), key=lambda f: (f.created, f.id))

    def find_feed(self, token: str) -> Feed | None:
        """The subscribed feed with this token (compared in constant time), or None."""
        return match(self.list_feeds(), token)

    def revoke_feed(self, token: str) -> Feed:
        token = token_of(token)
        with self.ctx.write() as desk:
            feed = match(desk.feeds.all(), token)
            if feed is None:
                raise Refused("no feed with that token (see 'tui-scheduler feeds list')")
            desk.feeds.remove(feed.id)
            desk.tx.audit("feed-revoke", id=feed.id)
        return feed

    # --- what a feed shows ------------------------------------------------------------------------

    def feed_today(self, timezone: str) -> date:
        return clock.local_day(self.now(), clock.zone(timezone))

    def feed_content(self, feed: Feed) -> Content:
        """The feed's events, read under the folder's lock, so that they and the revision they are
        cached under belong to one commit."""
        with self.ctx.read() as desk:
            day = clock.local_day(self.now(), desk.tz)
            lo, hi = window(feed, day, desk.tz)
            # every appointment in the window, not only the feed's: a spot names the visit it is inside
            found = sorted(desk.book.between(lo, hi, clock.months_between(lo, hi, desk.tz)),
                           key=lambda a: (a.start, a.kind != Kind.VISIT, a.id))
            staff = {s.id: s for s in desk.staff.all()}
            names = desk.names()
            revision = int(desk.tx.manifest.get("revision", 0))
            committed = desk.tx.manifest.get("time")
            practice = desk.practice
        visits = {a.id: a for a in found if a.kind == Kind.VISIT}
        if feed.scope == "therapist":
            mine = [a for a in found if a.staff_id == feed.target_id]
        elif feed.scope == "room":
            mine = [a for a in found if a.room_id == feed.target_id]
        else:
            mine = found
        show = Wording(feed, names, staff, visits, desk.tz)
        entries = []
        for a in mine:
            entries.append(show.appointment(a))
            if feed.scope == "room":
                span = rules.room_span(a, practice)
                if a.holds_time and span and span[1] > a.end:
                    entries.append(show.turnover(a, span[1]))
        title = practice.name
        if feed.scope != "practice":
            title += f": {names.get(feed.target_id, feed.target)}"
        as_of = clock.day_start(day, desk.tz)
        if committed:
            as_of = max(as_of, datetime.fromisoformat(committed))
        return Content(title, practice.timezone, revision, day, entries, as_of)

    def write_export(self, path: Path, body: bytes) -> None:
        """Whole file or nothing (a calendar app watching it never reads half), readable by the
        practice's group only, like the data it comes from; a FIFO or device is written into, a symbolic
        link refused (store.files.write_named)."""
        write_named(path, body)

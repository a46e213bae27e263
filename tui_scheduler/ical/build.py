"""RFC 5545 text for a feed: a VTIMEZONE that calendar apps read alike, events, and the caches that keep
a 10,000-event feed cheap to serve.

Serializing an event with icalendar costs about a quarter of a millisecond, so a feed keeps each event's
text keyed by the event itself (feeds.Entry: uid, sequence, times, words); after one booking changes,
a rebuild serializes that one event and reuses the rest. The whole feed is kept per data revision.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from datetime import date, datetime, timedelta, timezone
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vText

from ..core.feeds import Content, Entry, Feed
from ..core.record import record
from ..services import Scheduler

PRODID = "-//tui-scheduler//Practice feeds//EN"
END = b"END:VCALENDAR\r\n"
# How often a subscribed app should look again; the server answers an unchanged feed with 304.
REFRESH = timedelta(minutes=15)


def _transitions(tz: ZoneInfo, first: datetime, last: datetime) -> list[datetime]:
    """The UTC instants in [first, last) at which the zone's offset changes."""
    out = []
    step = timedelta(hours=1)
    t, offset = first, first.astimezone(tz).utcoffset()
    while t < last:
        nxt = t + step
        if nxt.astimezone(tz).utcoffset() != offset:
            lo, hi = t, nxt  # offset changes in (lo, hi]: halve down to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + timedelta(seconds=int((hi - lo).total_seconds()) // 2)
                lo, hi = (mid, hi) if mid.astimezone(tz).utcoffset() == offset else (lo, mid)
            out.append(hi)
            offset = hi.astimezone(tz).utcoffset()
        t = nxt
    return out


@lru_cache(maxsize=32)
def vtimezone(tzid: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE with one observance per offset change between `first` and `last`, each with a bare
    DTSTART (the wall time before the change, as RFC 5545 says) and no RDATE or RRULE.

    icalendar's own Timezone.from_tzinfo lists later changes as RDATEs; vobject (through dateutil) reads
    only the first of them and puts summer events of the next year an hour off. This form is read right
    by icalendar, vobject and the `ical` package alike (tests/test_feeds.py checks a DST week in each).
    """
    tz = ZoneInfo(tzid)
    begin = datetime(first.year, first.month, first.day, tzinfo=tz).astimezone(timezone.utc)
    finish = datetime(last.year, last.month, last.day, tzinfo=tz).astimezone(timezone.utc)
    vtz = Timezone()
    vtz.add("tzid", tzid)

    def observance(at: datetime, before: timedelta):
        after = at.astimezone(tz)
        part = TimezoneDaylight() if after.dst() else TimezoneStandard()
        part.add("dtstart", (at + before).replace(tzinfo=None))
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after.utcoffset())
        part.add("tzname", after.tzname() or tzid)
        return part

    offset = begin.astimezone(tz).utcoffset()
    vtz.add_component(observance(begin, offset))
    for change in _transitions(tz, begin, finish):
        vtz.add_component(observance(change, offset))
        offset = change.astimezone(tz).utcoffset()
    return vtz


@lru_cache(maxsize=64)
def calendar_head(name: str, tzid: str, first: date, last: date) -> bytes:
    """Everything of a VCALENDAR before its events: properties and the practice's VTIMEZONE."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")  # not REQUEST: Outlook would take the file for an invitation
    # The name as escaped text in RFC 7986's NAME and in Apple's X-WR-CALNAME, which says VALUE=TEXT:
    # without it icalendar and ical.js take an X- property's text as it stands, backslashes and all.
    # No X-WR-TIMEZONE: parsers that honour it re-read UTC times as local ones (recurring-ical-events).
    cal.add("name", vText(name))
    cal.add("x-wr-calname", vText(name), parameters={"VALUE": "TEXT"})
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT15M")
    cal.add_component(vtimezone(tzid, first, last))
    text = cal.to_ical()
    return text[: -len(END)] if text.endswith(END) else text


def file_name(feed: Feed) -> str:
    """practice.ics, therapist-maya-lindqvist.ics, room-cedar.ics."""
    if feed.scope == "practice":
        return "practice.ics"
    slug = re.sub(r"[^a-z0-9]+", "-", feed.target.casefold()).strip("-") or feed.target_id
    return f"{feed.scope}-{slug}.ics"


@lru_cache(maxsize=64)
def _changes_in(tzid: str, year: int) -> tuple[tuple[datetime, timedelta], ...]:
    """Each offset change of the zone in that year (UTC), with its size."""
    tz = ZoneInfo(tzid)
    begin = datetime(year, 1, 1, tzinfo=timezone.utc) - timedelta(days=1)
    out = []
    for change in _transitions(tz, begin, begin + timedelta(days=368)):
        size = abs(change.astimezone(tz).utcoffset() - (change - timedelta(seconds=1)).astimezone(tz).utcoffset())
        out.append((change, size))
    return tuple(out)


def near_a_change(instant: datetime, tz: ZoneInfo) -> bool:
    """Whether the instant's wall time is in the hour that repeats when summer time ends, or next to the
    hour that is skipped when it starts: within the size of an offset change from that change.

    A TZID time in the repeated hour means its first pass (RFC 5545), but libical (Evolution, khal) and
    Mozilla's ical.js read it as the second, an hour late; UTC is read alike by every parser.
    """
    at = instant.astimezone(timezone.utc)
    return any(change - size <= at < change + size for change, size in _changes_in(tz.key, at.year))


def event_times(entry: Entry, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """DTSTART and DTEND: wall-clock times in the practice's zone (written with its TZID), or both in UTC
    when either end is near an offset change, so that no parser puts one end an hour off the other."""
    if near_a_change(entry.start, tz) or near_a_change(entry.end, tz):
        return entry.start.astimezone(timezone.utc), entry.end.astimezone(timezone.utc)
    return entry.start.astimezone(tz), entry.end.astimezone(tz)


def event_text(entry: Entry, tz: ZoneInfo) -> bytes:
    """One event's VEVENT text (what a feed and a calendar server are given for this entry)."""
    ev = Event()
    ev.add("uid", entry.uid)
    ev.add("sequence", entry.sequence)
    # DTSTAMP is when this version of the appointment was made, not when the feed was served: the
    # event's text then stays the same between changes, which is what lets it be cached and 304'd.
    ev.add("dtstamp", entry.modified or entry.created or entry.start)
    if entry.created:
        ev.add("created", entry.created)
    if entry.modified:
        ev.add("last-modified", entry.modified)
    start, end = event_times(entry, tz)
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("summary", entry.summary)
    ev.add("description", entry.description)
    ev.add("location", entry.location)
    ev.add("categories", list(entry.categories))
    ev.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    ev.add("transp", "TRANSPARENT" if entry.cancelled else "OPAQUE")
    if entry.related_to:
        ev.add("related-to", entry.related_to, parameters={"RELTYPE": "PARENT"})
    return ev.to_ical()


def render(feed: Feed, content: Content, texts: dict[Entry, bytes] | None = None) -> tuple[bytes, dict, int]:
    """The feed's iCalendar text; also the event texts it used (to reuse next time) and how many of them
    had to be serialized anew."""
    tz = ZoneInfo(content.timezone)
    texts = texts or {}
    used: dict[Entry, bytes] = {}
    fresh = 0
    for entry in content.entries:
        text = texts.get(entry) or used.get(entry)
        if text is None:
            text = event_text(entry, tz)
            fresh += 1
        used[entry] = text
    first = content.today - timedelta(days=feed.past_days)
    last = content.today + timedelta(days=feed.future_days)
    # whole years, a year either side: the VTIMEZONE text stays the same from one day to the next
    head = calendar_head(content.name, content.timezone, date(first.year - 1, 1, 1), date(last.year + 2, 1, 1))
    body = b"".join([head, *(used[e] for e in content.entries), END])
    return body, used, fresh


@record
class Built:
    body: bytes
    revision: int
    today: date
    timezone: str
    events: int
    serialized: int  # events serialized for this build; the rest came from the cache
    tag: str  # a digest of the body: the same text whatever the revision, the same ETag
    modified: datetime  # when the text last changed, as far as this builder knows (Last-Modified)

    @cached_property
    def gzipped(self) -> bytes:
        """The body compressed once, for every app that asks for gzip (mtime 0: the same bytes each time)."""
        return gzip.compress(self.body, compresslevel=6, mtime=0)


class FeedBuilder:
    """Builds feeds and keeps them: a feed once per data revision (and day), an event once per version.

    One builder serves every thread of the feed server; builds take turns (they are CPU-bound, so
    running two at once would not be faster) and a second request for the same feed finds it built.
    A rebuild whose text came out the same keeps its tag and its time, so a booking in one room does
    not make every other feed download again.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._built: dict[tuple, Built] = {}
        self._texts: dict[tuple, dict[Entry, bytes]] = {}

    def build(self, sched: Scheduler, feed: Feed) -> Built:
        with self._lock:
            hit = self._built.get(feed.key)
            if hit and hit.revision == sched.revision() and hit.today == sched.feed_today(hit.timezone):
                return hit
            content = sched.feed_content(feed)
            body, texts, fresh = render(feed, content, self._texts.get(feed.key))
            tag = hashlib.sha256(body).hexdigest()[:32]
            if hit and hit.tag == tag:
                modified = hit.modified
            else:
                # when this server first had the new text, by its own clock (the data's may be pinned, as in
                # a demo): a Last-Modified that is never in the future
                modified = datetime.now(timezone.utc).replace(microsecond=0)
                if hit and modified <= hit.modified:  # HTTP dates count whole seconds: never the same twice
                    modified = hit.modified + timedelta(seconds=1)
            built = Built(body, content.revision, content.today, content.timezone, len(content.entries), fresh,
                          tag, modified)
            self._texts[feed.key] = texts
            self._built[feed.key] = built
            return built

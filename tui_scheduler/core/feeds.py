"""What a calendar feed is and what it shows: pure, no I/O.

A feed is one therapist's or provider's appointments, one room's, or the whole practice's, over a window
of days around today. Subscribed feeds are kept under a long random token; an export is the same feed
without one. Turning these entries into iCalendar text is tui_scheduler.ical's job.
"""

from __future__ import annotations

import hmac
from datetime import date, datetime, timedelta

from . import clock
from .errors import BadInput
from .model import Appointment, Kind, Role, Status
from .record import record

SCOPES = ("therapist", "room", "practice")
PAST_DAYS, FUTURE_DAYS = 30, 180
MAX_DAYS = 3660

_VISIT_LABEL = {Role.CHIROPRACTOR: "Chiropractic visit", Role.PHYSICAL_THERAPIST: "Physical therapy visit"}
# The body regions a feed may name for spot work. A spot's region is free text at the desk ("neck, HIV+
# patient" has been typed there): a feed shows it only when it is exactly one of these, else no region.
BODY_REGIONS = frozenset({
    "head", "jaw", "neck", "shoulder", "upper back", "mid back", "low back", "lower back", "chest",
    "abdomen", "arm", "upper arm", "elbow", "forearm", "wrist", "hand", "hip", "glute", "thigh",
    "hamstring", "knee", "calf", "shin", "ankle", "foot",
})

@record
class Feed:
    """What a feed shows. `token` is empty for an export, which nobody subscribes to."""

    scope: str
    target_id: str  # a staff or room id; empty for the whole practice
    target: str  # its name when the feed was made, for listing
    full_names: bool = False
    past_days: int = PAST_DAYS
    future_days: int = FUTURE_DAYS
    token: str = ""
    id: str = ""
    created: str = ""

    @property
    def path(self) -> str:
        return f"/feeds/{self.token}.ics"

    @property
    def key(self) -> tuple:
        """Everything that decides a feed's content, whoever asks for it (two tokens may share it)."""
        return self.scope, self.target_id, self.full_names, self.past_days, self.future_days

    def to_dict(self) -> dict:
        return {"id": self.id, "token": self.token, "scope": self.scope, "target_id": self.target_id,
                "target": self.target, "full_names": self.full_names, "past_days": self.past_days,
                "future_days": self.future_days, "created": self.created}

    @classmethod
    def from_dict(cls, d: dict) -> Feed:
        return cls(scope=d["scope"], target_id=d.get("target_id", ""), target=d.get("target", ""),
                   full_names=bool(d.get("full_names")), past_days=int(d["past_days"]),
                   future_days=int(d["future_days"]), token=d["token"], id=d.get("id", ""),
                   created=d.get("created", ""))


@record
class Entry:
    """One calendar event exactly as a feed shows it. Frozen and hashable: it is its own cache key, so any
    change that alters the event's text (a move, a cancellation, a renamed room, the names option) misses."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    description: str
    location: str
    categories: tuple[str, ...]
    cancelled: bool
    created: datetime | None
    modified: datetime | None
    related_to: str = ""  # the UID of the visit a spot is inside


@record
class Content:
    """A feed's events at one data revision."""

    name: str
    timezone: str
    revision: int
    today: date
    entries: list[Entry]
    # the last moment anything it is made from changed: the revision's commit, or the day's start
    # (the window moves at midnight); what a feed server may send as Last-Modified
    as_of: datetime | None = None


def initials(name: str) -> str:
    """"Amelia Hart" -> "A.H.": enough for a therapist to recognise a client, too little to identify one."""
    return "".join(f"{part[0].upper()}." for part in name.split() if part[0].isalnum()) or "?"


def body_region(text: str) -> str:
    """The region as a feed may show it ("neck", "left shoulder"), or "" for anything else."""
    words = " ".join((text or "").casefold().split())
    side, _, rest = words.partition(" ")
    named = rest if side in ("left", "right", "both") else words
    return words if named in BODY_REGIONS else ""


def check_days(value: int, what: str) -> int:
    if not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        raise BadInput(f"{what} must be between 0 and {MAX_DAYS} days")
    return value


def token_of(text: str) -> str:
    """A token as given on the command line: bare, or the whole path `feeds new` printed."""
    text = (text or "").strip()
    text = text.rsplit("/", 1)[-1]
    return text[:-4] if text.endswith(".ics") else text


def match(stored: list[Feed], token: str) -> Feed | None:
    """The feed whose token this is, compared in constant time against every stored token, so the time
    taken says nothing about whether, or how nearly, a guess matched."""
    given = token.encode()
    found = None
    for feed in stored:
        if hmac.compare_digest(feed.token.encode(), given):
            found = feed
    return found


def window(feed: Feed, today: date, tz) -> tuple[datetime, datetime]:
    return clock.day_span(today - timedelta(days=feed.past_days), tz, feed.past_days + feed.future_days + 1)


class Wording:
    """Words for each event. Clients appear as initials unless the feed asks for full names; nothing else
    about a client (phone, email, flags, notes) ever leaves the practice in a feed."""

    def __init__(self, feed: Feed, names: dict, staff: dict, visits: dict, tz):
        self.feed, self.names, self.staff, self.visits, self.tz = feed, names, staff, visits, tz
        self._clients: dict[str, str] = {}

    def client(self, client_id: str) -> str:
        shown = self._clients.get(client_id)
        if shown is None:
            name = self.names.get(client_id) or "client"
            shown = self._clients[client_id] = name if self.feed.full_names else initials(name)
        return shown

    def _what(self, a: Appointment) -> str:
        if a.kind == Kind.SESSION:
            return f"{_label(a.modality or 'massage')} massage"
        if a.kind == Kind.VISIT:
            person = self.staff.get(a.staff_id)
            return _VISIT_LABEL.get(person.role if person else None, "Visit")
        region = body_region(a.region)
        return f"Spot work ({region})" if region else "Spot work"

    def appointment(self, a: Appointment) -> Entry:
        who = self.names.get(a.staff_id, a.staff_id)
        room = self.names.get(a.room_id, a.room_id)
        client = self.client(a.client_id)
        summary = f"{self._what(a)} · {client}"
        if self.feed.scope != "therapist":
            summary += f" · {who}"
        if a.status in (Status.CANCELLED, Status.NO_SHOW):
            # many calendar apps ignore STATUS in a subscribed feed: say it in the title as well
            summary = f"{_label(a.status)}: {summary}"
        lines = [f"Client: {client}", f"{'Provider' if a.kind == Kind.VISIT else 'Therapist'}: {who}",
                 f"Room: {room}"]
        if a.modality:
            lines.append(f"Modality: {_label(a.modality)}")
        if body_region(a.region):
            lines.append(f"Region: {body_region(a.region)}")
        related = ""
        if a.kind == Kind.SPOT:
            visit = self.visits.get(a.visit_id or "")
            if visit:
                related = visit.uid
                provider = self.names.get(visit.staff_id, visit.staff_id)
                lines.append(f"Inside visit {visit.id}: {self._what(visit).lower()} with {provider}, "
                             f"{visit.start.astimezone(self.tz):%H:%M}-{visit.end.astimezone(self.tz):%H:%M}")
            else:
                lines.append(f"Inside visit {a.visit_id}")
        lines += [f"Status: {a.status}", f"Appointment {a.id}"]
        categories = (str(a.kind), a.modality) if a.modality else (str(a.kind),)
        return Entry(a.uid, a.sequence, a.start, a.end, summary, "\n".join(lines), room, categories,
                     not a.holds_time, a.created, a.updated, related)

    def turnover(self, a: Appointment, until: datetime) -> Entry:
        room = self.names.get(a.room_id, a.room_id)
        return Entry(f"turnover-{a.uid}", a.sequence, a.end, until, f"Turnover · {room}",
                     f"Room turnover after session {a.id}", room, ("turnover",), False, a.created, a.updated)


def _label(word: str) -> str:
    return str(word).replace("-", " ").capitalize()

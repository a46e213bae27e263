"""The practice's vocabulary as plain data: rooms, staff, clients, referrals and appointments.

Instants are timezone-aware UTC datetimes; the practice's IANA zone turns them into wall-clock time.
Each record converts to and from the plain dict the store keeps on disk.
"""

from __future__ import annotations

import zlib
from dataclasses import field, fields, is_dataclass, replace
from datetime import date, datetime, timezone
from enum import StrEnum
from types import UnionType
from typing import Union, get_args, get_origin, get_type_hints

from .errors import BadInput, DataFolderError
from .hours import WeeklyHours
from .record import record


class RoomKind(StrEnum):
    MASSAGE = "massage"
    CHIROPRACTIC = "chiropractic"
    PHYSICAL_THERAPY = "physical-therapy"


class Role(StrEnum):
    THERAPIST = "therapist"
    CHIROPRACTOR = "chiropractor"
    PHYSICAL_THERAPIST = "physical-therapist"


class Payer(StrEnum):
    SELF_PAY = "self-pay"
    INSURANCE = "insurance"
    HSA_FSA = "hsa-fsa"


class Kind(StrEnum):
    SESSION = "session"
    VISIT = "visit"
    SPOT = "spot"


class Status(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NO_SHOW = "no-show"


# The lists a practice starts with; each practice keeps its own (Practice.modalities and .flags), which
# `modality add` and `flag add` extend.
MODALITIES = (
    "swedish",
    "deep-tissue",
    "trigger-point",
    "myofascial",
    "lymph-drainage",
    "craniosacral",
    "stretching",
    "sports",
    "hot-stone",
    "prenatal",
    "cupping",
)

# Conditions that make a massage a deliberate decision ("talk to the doctor first").
FLAGS = {
    "blood-thinners": "on blood thinners (bruising)",
    "fragile-skin": "fragile skin",
    "implanted-device": "implanted or attached medical device",
    "blood-clots": "blood clots in the legs (DVT)",
    "osteoporosis": "osteoporosis (fracture risk)",
    "tumor": "tumor",
    "surgery": "surgery recent or upcoming",
    "hospital-stay": "recent hospital stay",
    "pregnancy": "pregnancy",
}

PRESSURES = ("light", "medium", "firm", "deep")
REMIND_BY = ("email", "sms", "none")  # how a client wants reminders; "" lets the practice choose

# Statuses in which an appointment still holds its people and room.
HOLDING = frozenset({Status.BOOKED, Status.ARRIVED, Status.FULFILLED})

VISIT_ROLES = frozenset({Role.CHIROPRACTOR, Role.PHYSICAL_THERAPIST})
VISIT_ROOMS = frozenset({RoomKind.CHIROPRACTIC, RoomKind.PHYSICAL_THERAPY})

GRIDS = (5, 10, 15, 20, 30, 60)  # minutes that divide an hour
SPOT_MINUTES = 15
SESSION_MINUTES = (30, 120)
VISIT_MINUTES = (15, 240)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat()


def from_iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        raise ValueError(f"time without offset: {text!r}")
    return dt.astimezone(timezone.utc)


@record
class Practice:
    name: str
    timezone: str
    hours: WeeklyHours
    grid_minutes: int = 15
    turnover_minutes: int = 15
    checkin_lead_minutes: int = 15
    no_show_uses_visit: bool = True
    phone: str = ""  # the number clients call to confirm or cancel (reminders, superbills)
    # what a superbill names: where the practice is, its tax id, and its fee per CPT code (exact decimals)
    address: str = ""
    tax_id: str = ""
    fees: dict[str, str] = field(default_factory=dict)
    late_cancel_hours: int = 24  # a client's cancellation later than this before the start is a late cancel
    modalities: tuple[str, ...] = MODALITIES
    flags: dict[str, str] = field(default_factory=lambda: dict(FLAGS))  # name -> what it means

    def __post_init__(self):
        # every slot, grid check and calendar row divides by the grid: a hand-edited 0 must stop at the file
        if self.grid_minutes not in GRIDS:
            raise ValueError(f"grid_minutes must be one of {GRIDS}, not {self.grid_minutes!r}")

    def to_dict(self) -> dict:
        d = _plain(self)
        d["hours"] = self.hours.to_dict()
        d["fees"] = dict(self.fees)
        d["modalities"] = list(self.modalities)
        d["flags"] = dict(self.flags)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Practice:
        # a folder written before the practice kept its own lists starts from the defaults
        words = {"modalities": tuple(d["modalities"])} if "modalities" in d else {}
        if "flags" in d:
            words["flags"] = dict(d["flags"])
        return _build(cls, d, hours=WeeklyHours.from_dict(d["hours"]), fees=dict(d.get("fees") or {}),
                      **words)


@record
class Room:
    id: str
    name: str
    kind: RoomKind
    active: bool = True

    def to_dict(self) -> dict:
        return _plain(self)

    @classmethod
    def from_dict(cls, d: dict) -> Room:
        return _build(cls, d, kind=RoomKind(d["kind"]))


@record
class TimeOff:
    start: datetime
    end: datetime
    reason: str = ""
    # where it came from: "" typed at the desk, "caldav:<uid>" a busy event of the person's own calendar
    # (replaced by each sync: the calendar is its source of truth)
    source: str = ""
    id: str = ""

    def to_dict(self) -> dict:
        return {"start": iso(self.start), "end": iso(self.end), "reason": self.reason, "source": self.source,
                "id": self.id}

    @classmethod
    def from_dict(cls, d: dict) -> TimeOff:
        start, end = from_iso(d["start"]), from_iso(d["end"])
        # time off saved before it had ids gets one from its times, the same on every read
        ident = d.get("id") or "t-" + format(zlib.crc32(f"{iso(start)}/{iso(end)}".encode()), "08x")
        return cls(start=start, end=end, reason=d.get("reason", ""), source=d.get("source", ""), id=ident)


@record
class Staff:
    id: str
    name: str
    role: Role
    hours: WeeklyHours
    modalities: tuple[str, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
    active: bool = True
    npi: str = ""  # National Provider Identifier, for superbills
    license: str = ""
    busy_calendar: str = ""  # a calendar on the CalDAV server (URL or name) whose busy events become time off

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST

    def to_dict(self) -> dict:
        d = _plain(self)
        d["hours"] = self.hours.to_dict()
        d["modalities"] = list(self.modalities)
        d["time_off"] = [t.to_dict() for t in self.time_off]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Staff:
        return _build(
            cls,
            d,
            role=Role(d["role"]),
            hours=WeeklyHours.from_dict(d["hours"]),
            modalities=tuple(d.get("modalities", ())),
            time_off=tuple(TimeOff.from_dict(t) for t in d.get("time_off", ())),
        )


@record
class Client:
    id: str
    name: str
    payer: Payer = Payer.SELF_PAY
    phone: str = ""
    email: str = ""
    flags: tuple[str, ...] = ()
    pressure: str = ""
    notes: str = ""
    dob: date | None = None  # date of birth and address: a superbill names the client by them
    address: str = ""
    remind_by: str = ""  # "" (email if there is one, else a text message), "email", "sms" or "none"

    @property
    def needs_referral(self) -> bool:
        return self.payer in (Payer.INSURANCE, Payer.HSA_FSA)

    def to_dict(self) -> dict:
        d = _plain(self)
        d["flags"] = list(self.flags)
        d["dob"] = self.dob.isoformat() if self.dob else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Client:
        return _build(cls, d, payer=Payer(d["payer"]), flags=tuple(d.get("flags", ())),
                      dob=date.fromisoformat(d["dob"]) if d.get("dob") else None)


@record
class Referral:
    id: str
    client_id: str
    visits: int
    issued: date
    expires: date
    prescriber: str = ""
    area: str = ""
    icd10: tuple[str, ...] = ()  # the diagnosis codes of the prescription, for superbills

    def covers(self, day: date) -> bool:
        return self.issued <= day <= self.expires

    def to_dict(self) -> dict:
        d = _plain(self)
        d["issued"] = self.issued.isoformat()
        d["expires"] = self.expires.isoformat()
        d["icd10"] = list(self.icd10)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Referral:
        return _build(
            cls, d, issued=date.fromisoformat(d["issued"]), expires=date.fromisoformat(d["expires"]),
            icd10=tuple(d.get("icd10", ())),
        )


@record
class Appointment:
    id: str
    uid: str
    kind: Kind
    start: datetime
    end: datetime
    client_id: str
    staff_id: str
    room_id: str
    status: Status = Status.BOOKED
    sequence: int = 0
    modality: str | None = None
    visit_id: str | None = None
    region: str = ""
    series_id: str | None = None
    # rule code -> the reason a person gave for booking despite the soft rule
    overrides: dict[str, str] = field(default_factory=dict)
    # CPT code -> direct one-on-one minutes, recorded after the session for billing
    hands_on: dict[str, int] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None
    confirmed: datetime | None = None  # when the client confirmed this time (a move forgets it)
    cancel_reason: str = ""
    late_cancel: bool = False  # cancelled by the client within the practice's late-cancel window

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def holds_time(self) -> bool:
        return self.status in HOLDING

    def changed(self, now: datetime, **changes) -> Appointment:
        """A new version of this appointment: every change raises the sequence (iCal clients rely on it)."""
        return replace(self, sequence=self.sequence + 1, updated=now, **changes)

    def to_dict(self) -> dict:
        d = _plain(self)
        for name in ("start", "end", "created", "updated", "confirmed"):
            d[name] = iso(getattr(self, name)) if getattr(self, name) else None
        d["overrides"] = dict(self.overrides)
        d["hands_on"] = dict(self.hands_on)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Appointment:
        return _build(
            cls,
            d,
            kind=Kind(d["kind"]),
            status=Status(d["status"]),
            start=from_iso(d["start"]),
            end=from_iso(d["end"]),
            created=from_iso(d["created"]) if d.get("created") else None,
            updated=from_iso(d["updated"]) if d.get("updated") else None,
            confirmed=from_iso(d["confirmed"]) if d.get("confirmed") else None,
            overrides=dict(d.get("overrides") or {}),
            hands_on={str(k): int(v) for k, v in (d.get("hands_on") or {}).items()},
        )


@record
class WaitEntry:
    """A client waiting for a session that is not free yet: any time between two days."""

    id: str
    client_id: str
    minutes: int
    first_day: date
    last_day: date
    modality: str | None = None
    therapist_id: str | None = None
    note: str = ""

    def to_dict(self) -> dict:
        d = _plain(self)
        d["first_day"] = self.first_day.isoformat()
        d["last_day"] = self.last_day.isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> WaitEntry:
        return _build(cls, d, first_day=date.fromisoformat(d["first_day"]),
                      last_day=date.fromisoformat(d["last_day"]))


def _plain(record) -> dict:
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _build(cls, d: dict, **converted):
    known = cls._record_known  # a stored key no field has (an older or newer file) is left out
    values = {k: v for k, v in d.items() if k in known}
    values.update(converted)
    return cls(**values)


_CHECKS: dict[type, tuple] = {}


def _checker(hint):
    """A fast test that a value has a field's declared type."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        parts = [_checker(a) for a in args]
        return lambda v: any(p(v) for p in parts)
    if hint is type(None):
        return lambda v: v is None
    if origin is tuple:
        item = _checker(args[0])
        return lambda v: isinstance(v, tuple) and all(item(x) for x in v)
    if origin is dict:
        key, value = _checker(args[0]), _checker(args[1])
        return lambda v: isinstance(v, dict) and all(key(k) and value(x) for k, x in v.items())
    if hint in (int, bool):
        return lambda v: type(v) is hint  # JSON true is not a number of minutes, nor 1 a yes
    if is_dataclass(hint):
        return lambda v: isinstance(v, hint) and _typed(v) is v
    return lambda v: isinstance(v, hint)


def _classes(hint) -> tuple | None:
    """The classes an isinstance() test needs for `hint`, when one is enough (not for int, bool or generics)."""
    parts = get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,)
    if all(isinstance(p, type) and p not in (int, bool) and not is_dataclass(p) and not get_args(p)
           for p in parts):
        return parts
    return None


def _typed(record):
    """The record, if every field holds its declared type; a hand-edited file may hold anything.

    Runs for every record read, so most fields take one isinstance() on the instance dict.
    """
    plan = _CHECKS.get(type(record))
    if plan is None:
        hints = get_type_hints(type(record))
        simple = [(f.name, _classes(hints[f.name])) for f in fields(record) if _classes(hints[f.name])]
        other = [(f.name, _checker(hints[f.name])) for f in fields(record) if not _classes(hints[f.name])]
        plan = _CHECKS[type(record)] = (simple, other)
    values = record.__dict__
    for name, classes in plan[0]:
        if not isinstance(values[name], classes):
            raise TypeError(f"{name} is {values[name]!r:.40}")
    for name, ok in plan[1]:
        if not ok(values[name]):
            raise TypeError(f"{name} is {values[name]!r:.40}")
    return record


def load_record(cls, d, where: str):
    """Build a record from its stored dict; a missing or malformed field is a damaged file, said plainly."""
    try:
        return _typed(cls.from_dict(d))
    except (KeyError, TypeError, ValueError, AttributeError, BadInput) as exc:
        raise DataFolderError(f"{where}: a {cls.__name__.lower()} record is malformed ({exc!r})") from exc

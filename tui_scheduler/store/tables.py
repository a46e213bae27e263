"""TinyDB tables inside a transaction: the practice's small files and the month-partitioned appointments.

TinyDB stays the file format and query API; its storage is the transaction, so TinyDB never holds a
per-process copy between transactions and never writes a file by itself.
"""

from __future__ import annotations

import os
import random
import re
import zlib
from datetime import datetime
from functools import cached_property
from operator import methodcaller
from typing import TYPE_CHECKING, Generic, Iterable, TypeVar

from ..core.errors import DataFolderError
from ..core.model import Appointment, iso, load_record
from .folder import Transaction

if TYPE_CHECKING:
    from tinydb.table import Table

R = TypeVar("R")

# Which file holds each kind of record (by its class's name, so that the store need not import every
# record's module), and its table's name inside the file.
FILES = {
    "Practice": ("practice.json", "practice"),
    "Room": ("rooms.json", "rooms"),
    "Staff": ("staff.json", "staff"),
    "Client": ("clients.json", "clients"),
    "Referral": ("referrals.json", "referrals"),
    "WaitEntry": ("waitlist.json", "waitlist"),
    "Feed": ("feeds.json", "feeds"),
    "Clearance": ("clearances.json", "clearances"),
    "CalDavAccount": ("caldav.json", "caldav"),
    "SyncedCalendar": ("caldav-calendars.json", "calendars"),
    "Closure": ("closures.json", "closures"),
    "Sending": ("sending.json", "sending"),
    "Message": ("outbox.json", "outbox"),
}
MOVED = "moved.json"
# file -> its names index: id -> name of every record, rewritten in each commit that writes the file.
# The calendar shows the names of a day's clients; the clients' file is the folder's biggest after the
# months, and parsing it was a third of the first read.
NAMES = {"clients.json": "client-names.json"}
_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?\+00:00"  # what model.iso() writes
_UTC = re.compile(_TIME, re.ASCII)
_UTC_LINES = re.compile(f"{_TIME}(?:\n{_TIME})*", re.ASCII)
_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: ids are read aloud and typed


class TxStorage:
    """TinyDB's storage interface (read, write, close), over the transaction."""

    def __init__(self, tx: Transaction, rel: str):
        self.tx, self.rel = tx, rel

    def read(self):
        return self.tx.data(self.rel)

    def write(self, data) -> None:
        self.tx.stage(self.rel, data)

    def close(self) -> None:
        pass


def table(tx: Transaction, rel: str, name: str) -> Table:
    from tinydb import TinyDB  # imported by the first write that asks for it: a read needs none of it

    return TinyDB(tx, rel, storage=TxStorage).table(name)


def records_of(tx: Transaction, rel: str, name: str) -> dict[str, dict]:
    """One table of one file (doc id -> record), checked for the shape TinyDB writes."""
    data = tx.data(rel)
    if data is None:
        return {}
    found = data.get(name, {})
    memo = tx.built(rel)
    if memo is None and rel in tx.staged or memo is not None and memo.get(("shape", name)) is found:
        return found  # our own staged data, or already checked since the file last changed
    if not isinstance(found, dict) or not all(isinstance(d, dict) for d in found.values()):
        raise DataFolderError(f"{tx.folder.path / rel} is damaged: table {name!r} is not a set of records. "
                              f"It was left untouched")
    if memo is not None:
        memo[("shape", name)] = found
    return found


def docs(tx: Transaction, rel: str, name: str) -> Iterable[dict]:
    return records_of(tx, rel, name).values()


def stage_record(tx: Transaction, rel: str, name: str, ident: str, doc: dict | None,
                 keep_unknown: bool = False) -> None:
    """Stage the file with the record `ident` replaced by `doc` (added if new, removed if None).

    The table is written in TinyDB's own format, but as a new dict beside the cached one: TinyDB's insert
    and update would rebuild the whole table in Python and edit cached records in place.
    """
    data = tx.data(rel) or {}
    table = dict(records_of(tx, rel, name))
    if doc is None:
        table = {k: d for k, d in table.items() if d.get("id") != ident}
    else:
        # the passes over a month run in C (map, list.index): a booking makes several over 2,000 records
        ids = list(map(_ID, table.values()))
        if ident in ids:
            key = list(table)[ids.index(ident)]
            # keep_unknown: a stored key no field of ours has (written by a newer version) stays
            table[key] = {**table[key], **doc} if keep_unknown else doc
        else:
            table[str(_last_key(table) + 1)] = doc
    tx.stage(rel, {**data, name: table})


_ID = methodcaller("get", "id")  # a stored record's id, or None


def _last_key(table: dict) -> int:
    """The highest of TinyDB's document ids in a table; a new record takes the next."""
    return max(map(int, filter(str.isdigit, table)), default=0)


def _all_utc(records) -> bool:
    """Every start and end in iso()'s form, in one regex over them all: a busy month holds thousands of
    times, and a match for each cost about a millisecond of every first read."""
    try:
        times = [d["start"] for d in records] + [d["end"] for d in records]
        text = "\n".join(times)  # a time that is not text: TypeError
    except (KeyError, TypeError):
        return False
    # the count of line breaks keeps a time with a line break inside from reading as two good ones
    return not times or (text.count("\n") == len(times) - 1 and _UTC_LINES.fullmatch(text) is not None)


# The operating system's randomness, as `secrets` uses; importing secrets (hmac, hashlib) cost every start.
_RANDOM = random.SystemRandom()


def new_code(length: int) -> str:
    return "".join(_RANDOM.choice(_ID_ALPHABET) for _ in range(length))


def names_of(docs: Iterable[dict], what: str) -> dict[str, str]:
    """id -> name of stored records; a name that is not text (a hand-edited file) is named as damage here
    rather than failing wherever it is shown."""
    found = {}
    for d in docs:
        ident, name = d.get("id"), d.get("name")
        if not isinstance(ident, str) or not isinstance(name, str):
            raise DataFolderError(f"{what} is malformed (its id or name is not text). It was left untouched")
        found[ident] = name
    return found


class Records(Generic[R]):
    """A small table of one kind of record (rooms, staff, clients, referrals) kept in one file."""

    def __init__(self, tx: Transaction, cls: type[R]):
        self.tx, self.cls = tx, cls
        self.rel, self.name = FILES[cls.__name__]

    @cached_property
    def table(self) -> Table:
        return table(self.tx, self.rel, self.name)

    def raw(self) -> Iterable[dict]:
        return docs(self.tx, self.rel, self.name)

    def matching(self, keep) -> list[R]:
        """Records whose stored dict passes `keep`; only those are built."""
        where = str(self.tx.folder.path / self.rel)
        return [load_record(self.cls, d, where) for d in self.raw() if keep(d)]

    def all(self) -> list[R]:
        return self.matching(lambda d: True)

    def names(self) -> dict[str, str]:
        """id -> name without building the records, checked once per version of the file: a name that is
        not text (a hand-edited file) is named as damage here rather than failing wherever it is shown."""
        found = self.indexed_names()
        if found is not None:
            return found
        memo = self._memo()
        hit = memo.get(("names", self.name)) if memo is not None else None
        if hit is not None:
            return hit
        found = names_of(self.raw(), self._what())
        if memo is not None:
            memo[("names", self.name)] = found
        return found

    def indexed_names(self) -> dict[str, str] | None:
        """The names index when it is good for the file as it is on disk (see `names_index`); else None,
        and the file itself is read."""
        return self.names_index()[0]

    def names_index(self) -> tuple[dict[str, str] | None, str]:
        """(the names index, "") when the commit that last wrote the file wrote it too (the manifest names
        one transaction for both) and the file is still as that commit left it (its size, and no newer
        time than the index's); else (None, why), the why empty when there is simply none to use: a
        folder from before the index, or a file changed by another tool or by hand, is read the slow way
        until its next change through us (or `check --rebuild-index`). A damaged index is derived data:
        never fatal, only reported by `check`."""
        index = NAMES.get(self.rel)
        versions = self.tx.manifest["files"]
        if index is None or self.rel in self.tx.staged or versions.get(index) != versions.get(self.rel):
            return None, ""
        where = self.tx.folder.path
        try:
            data = self.tx.data(index)
            file, ours = os.stat(where / self.rel), os.stat(where / index)
        except (OSError, DataFolderError):  # unreadable, or not JSON
            return None, f"{index} is damaged or unreadable"
        found = data.get("names") if isinstance(data, dict) else None
        stamp = data.get("file") if isinstance(data, dict) else None
        if not isinstance(found, dict) or not isinstance(stamp, dict):
            return None, f"{index} is damaged (it is not a names index)"
        # a commit writes the file first and its index after, and renaming keeps both times; an edit
        # by hand since leaves the file newer, and most edits change its size too
        if file.st_size != stamp.get("size") or file.st_mtime_ns > ours.st_mtime_ns:
            return None, ""
        memo = self.tx.built(index)
        if memo is None or memo.get("checked") is not found:
            if not all(isinstance(name, str) for name in found.values()):  # JSON keys are text already
                return None, f"{index} is damaged (a name in it is not text)"
            if memo is not None:
                memo["checked"] = found
        return found, ""

    def _by_id(self) -> dict[str, dict] | None:
        """id -> stored dict (the first of that id), built once per version of the file and shared like
        the names: a booking looks up its client several times, in a file of thousands. None while this
        transaction has staged the file (its own writes are scanned as they are)."""
        memo = self._memo()
        if memo is None:
            return None
        index = memo.get(("ids", self.name))
        if index is None:
            index = {}
            for d in self.raw():
                if isinstance(d.get("id"), str):
                    index.setdefault(d["id"], d)
            memo[("ids", self.name)] = index
        return index

    def get(self, ident: str) -> R | None:
        index = self._by_id() if isinstance(ident, str) else None
        if index is None:
            found = self.matching(lambda d: d.get("id") == ident)
            return found[0] if found else None
        d = index.get(ident)
        return None if d is None else load_record(self.cls, d, str(self.tx.folder.path / self.rel))

    def new_id(self, prefix: str, taken: set | None = None) -> str:
        """An id no record has; `taken` (the ids so far, kept by the caller) spares a scan per record when
        many are added at once."""
        if taken is None:
            taken = {d.get("id") for d in self.raw()}
        while True:
            ident = f"{prefix}-{new_code(4)}"
            if ident not in taken:
                return ident

    def insert_many(self, records: list) -> None:
        """New records (ids no record has) in one write of the file: TinyDB reads and writes the whole
        table for each insert, so one by one is quadratic in a client list."""
        data = self.tx.data(self.rel) or {}
        found = dict(records_of(self.tx, self.rel, self.name))
        for key, record in enumerate(records, _last_key(found) + 1):
            found[str(key)] = record.to_dict()
        self.tx.stage(self.rel, {**data, self.name: found})
        self.index_names()

    def remove(self, ident: str) -> None:
        stage_record(self.tx, self.rel, self.name, ident, None)
        self.index_names()

    def put(self, record) -> None:
        """Insert or replace the record with this id. A stored key no field of ours has (written by a newer
        version) is kept, as TinyDB's update kept it."""
        doc = record.to_dict()
        stage_record(self.tx, self.rel, self.name, doc["id"], doc, keep_unknown=True)
        self.index_names()

    def index_names(self) -> None:
        """Have the commit write the names index from the file as this transaction leaves it, after the
        file (a commit writes files in the order they were first staged)."""
        index = NAMES.get(self.rel)
        if index is not None:
            self.tx.before_commit(index, lambda: self.tx.stage(index, {
                "names": names_of(self.raw(), self._what()), "file": {"size": len(self.tx.bytes_of(self.rel))}}))

    def reindex_names(self) -> None:
        """The file rewritten as it is, with its names index, in one commit: for a folder written by
        other tools, or an index that `check` says disagrees."""
        data = self.tx.data(self.rel)
        if data is not None and self.rel in NAMES:
            names_of(self.raw(), self._what())  # a damaged file is named before anything is staged
            self.tx.stage(self.rel, data)
            self.index_names()

    def _memo(self) -> dict | None:
        """The memo of the file's version on disk now: loaded first, since the folder's cache may still
        hold the version before another desk's commit until this transaction reads the file."""
        records_of(self.tx, self.rel, self.name)
        return self.tx.built(self.rel)

    def _what(self) -> str:
        return f"{self.tx.folder.path / self.rel}: a {self.cls.__name__.lower()} record"


class AppointmentBook:
    """Appointments partitioned by their local start month: appointments/YYYY-MM.json.

    An id starts with the month it was created in ("2611-k3f9q"), so finding it reads one file; the rare
    appointment moved to another month is found through the small moved.json map.
    """

    def __init__(self, tx: Transaction, month_of):
        self.tx = tx
        self.month_of = month_of  # instant -> 'YYYY-MM' in the practice's zone
        self.visits = VisitIndex(tx)

    @staticmethod
    def rel(month: str) -> str:
        return f"appointments/{month}.json"

    def _raw(self, month: str) -> Iterable[dict]:
        """A month's records, their times checked once per version of the file: the fast filters compare
        times as text, so a time in any other form would hide a booking from the rules."""
        rel = self.rel(month)
        table = records_of(self.tx, rel, "appointments")
        memo = self.tx.built(rel)  # None for our own staged month, whose times we wrote
        if memo is not None and memo.get("times") is not table:
            for d in () if _all_utc(table.values()) else table.values():  # the loop names the bad one
                if not (isinstance(d.get("start"), str) and _UTC.fullmatch(d["start"])
                        and isinstance(d.get("end"), str) and _UTC.fullmatch(d["end"])):
                    raise DataFolderError(f"{self.tx.folder.path / rel}: appointment {str(d.get('id'))[:40]!r} has "
                                          f"a start or end that is not a UTC time. It was left untouched")
            memo["times"] = table
        return table.values()

    def _load(self, d: dict, month: str) -> Appointment:
        rel = self.rel(month)
        memo = self.tx.built(rel)
        hit = memo.get(id(d)) if memo is not None else None
        if hit and hit[0] is d and hit[1].sequence == d.get("sequence"):
            return hit[1]
        # the file's name is only needed for an error message: no Path per record
        appt = load_record(Appointment, d, f"{self.tx.folder.path}/{rel}")
        if memo is not None:
            memo[id(d)] = (d, appt)  # holding `d` keeps its id from being reused by another dict
        return appt

    def _moved(self) -> dict:
        for d in docs(self.tx, MOVED, "moved"):
            found = d.get("map")
            if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
                raise DataFolderError(f"{self.tx.folder.path / MOVED} is damaged: its map of moved "
                                      f"appointments is not a map of ids to months. It was left untouched")
            return dict(found)
        return {}

    def _stage_month(self, month: str, appt_id: str, doc: dict | None) -> None:
        stage_record(self.tx, self.rel(month), "appointments", appt_id, doc)

    @staticmethod
    def home_month(appt_id: str) -> str | None:
        """The month an id was created in, from its 'YYMM-' prefix."""
        head = appt_id.split("-", 1)[0]
        if len(head) == 4 and head.isdigit() and 1 <= int(head[2:]) <= 12:
            return f"20{head[:2]}-{head[2:]}"
        return None

    def month_of_id(self, appt_id: str) -> str | None:
        return self._moved().get(appt_id) or self.home_month(appt_id)

    def get(self, appt_id: str) -> Appointment | None:
        month = self.month_of_id(appt_id)
        if month is None:
            return None
        for d in self._raw(month):
            if d.get("id") == appt_id:
                return self._load(d, month)
        return None

    def between(self, start: datetime, end: datetime, months: list[str],
                client_id: str | None = None) -> list[Appointment]:
        """Appointments overlapping [start, end), optionally of one client, from the given partitions.

        Stored times are UTC ISO strings of one format, so they are filtered as strings before any
        record is built: a month of a busy clinic costs microseconds per appointment.
        """
        lo, hi = iso(start), iso(end)
        out = []
        for month in months:
            try:
                for d in self._raw(month):
                    if d["start"] < hi and d["end"] > lo and (
                            client_id is None or d.get("client_id") == client_id):
                        out.append(self._load(d, month))
            except (KeyError, TypeError):  # a missing time, or one that is not text: skipping it could
                # hide a booking from the rules
                raise DataFolderError(f"{self.tx.folder.path / self.rel(month)}: an appointment record is "
                                      f"malformed (its start or end is not a time). It was left untouched") from None
        return out

    def of_client(self, client_id: str, start: datetime, end: datetime, months: list[str]) -> list[Appointment]:
        """One client's appointments overlapping [start, end), for counting visits: from the client's
        visit index (one small file) when the folder has one, else from the month files."""
        if not self.visits.ready():
            return self.between(start, end, months, client_id=client_id)
        return self.visits.between(client_id, iso(start), iso(end))

    def raw_month(self, month: str) -> Iterable[dict]:
        return self._raw(month)

    def in_months(self, months: list[str]) -> list[Appointment]:
        return [self._load(d, m) for m in months for d in self._raw(m)]

    def new_id(self, start: datetime) -> str:
        month = self.month_of(start)
        taken = set(map(_ID, self._raw(month))) | set(self._moved())
        while True:
            ident = f"{month[2:4]}{month[5:7]}-{new_code(5)}"
            if ident not in taken:
                return ident

    def put(self, appt: Appointment) -> None:
        """Insert or update; an appointment whose month changed moves to its new partition, and the
        client's visit index follows."""
        month = self.month_of(appt.start)
        was = self.month_of_id(appt.id)
        if was and was != month:
            self._stage_month(was, appt.id, None)
        doc = appt.to_dict()
        self._stage_month(month, appt.id, doc)
        if self.visits.ready():
            self.visits.put(doc)
        moved = self._moved()
        away = month if month != self.home_month(appt.id) else None
        if moved.get(appt.id) != away:
            moved = {k: v for k, v in moved.items() if k != appt.id}
            if away:
                moved[appt.id] = away
            self.tx.stage(MOVED, {"moved": {"1": {"map": moved}}})


class VisitIndex:
    """Each client's appointments in short rows, in a few bucket files by client id.

    Counting a referral's visits needs the client's appointments over months; reading those month files
    costs milliseconds each, this index one small file. The rows say only what counting needs (who, what,
    when, status) and become partial appointments that are never shown or written back. Every commit that
    changes an appointment updates its row in the same transaction, so the two never disagree.
    """

    BUCKETS = 256  # ~400 rows each at 100,000 appointments: a small file to rewrite per booking
    READY = "visits/ready.json"  # written by the practice's init (or a rebuild): rows are complete
    FIELDS = ("id", "client_id", "staff_id", "kind", "status", "start", "end")

    def __init__(self, tx: Transaction):
        self.tx = tx

    @classmethod
    def rel(cls, client_id: str) -> str:
        return f"visits/{zlib.crc32(client_id.encode()) % cls.BUCKETS:02d}.json"

    def ready(self) -> bool:
        return self.tx.data(self.READY) is not None

    def row(self, doc: dict) -> dict:
        return {k: doc.get(k) for k in self.FIELDS}

    def put(self, doc: dict) -> None:
        stage_record(self.tx, self.rel(doc["client_id"]), "visits", doc["id"], self.row(doc))

    def between(self, client_id: str, lo: str, hi: str) -> list[Appointment]:
        rel = self.rel(client_id)
        out = []
        for d in docs(self.tx, rel, "visits"):
            if d.get("client_id") == client_id and str(d.get("start")) < hi and str(d.get("end")) > lo:
                out.append(load_record(Appointment, {**d, "uid": "", "room_id": ""},
                                       f"{self.tx.folder.path}/{rel}"))
        return out

    def rebuild(self, all_docs: Iterable[dict]) -> None:
        """Write every bucket from scratch (a new folder, or one written by other tools) and mark ready."""
        buckets: dict[str, dict] = {f"visits/{b:02d}.json": {} for b in range(self.BUCKETS)}
        for d in all_docs:
            table = buckets[self.rel(d["client_id"])]
            table[str(len(table) + 1)] = self.row(d)
        for rel, table in buckets.items():
            if table or self.tx.data(rel) is not None:  # a missing bucket is an empty one
                self.tx.stage(rel, {"visits": table})
        self.tx.stage(self.READY, {"index": {"1": {"version": 1, "buckets": self.BUCKETS}}})

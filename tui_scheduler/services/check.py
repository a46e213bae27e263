"""`tui-scheduler check`: read every file of the data folder and look for anything the rules forbid."""

from __future__ import annotations

from collections import defaultdict

from ..core import clock
from ..core.authorizations import allocate, counts_as_visit
from ..core.model import Kind
from ..core.rules import overlaps, room_span
from ..store.tables import docs, names_of
from .context import Area
from .desk import Desk


def _double_bookings(appts, key, span) -> list[str]:
    """Overlaps between holding appointments sharing `key` (a person or a room), by a sweep per key."""
    by_key = defaultdict(list)
    for a in appts:
        s = span(a)
        if a.holds_time and s and key(a):
            by_key[key(a)].append((s, a))
    found = []
    for k, items in by_key.items():
        items.sort(key=lambda item: item[0][0])
        latest = None
        for s, a in items:
            if latest and overlaps(*s, *latest[0]) and not _nested(a, latest[1]):
                found.append(f"{latest[1].id} and {a.id} overlap for {k}")
            if latest is None or s[1] > latest[0][1]:
                latest = (s, a)
    return found


def _nested(a, b) -> bool:
    """A spot inside its own visit shares that visit's client legitimately."""
    return (a.kind == Kind.SPOT and a.visit_id == b.id) or (b.kind == Kind.SPOT and b.visit_id == a.id)


def _names_index_problems(desk: Desk) -> list[str]:
    indexed, why = desk.clients.names_index()
    if indexed is None:  # not in use (the app reads the clients' own file), or damaged: said with the fix
        return [f"{why}; run 'tui-scheduler check --rebuild-index'"] if why else []
    actual = names_of(desk.clients.raw(), f"{desk.tx.folder.path / desk.clients.rel}: a client record")
    wrong = sorted(k for k in indexed.keys() | actual.keys() if indexed.get(k) != actual.get(k))
    if not wrong:
        return []
    return [f"the client names index disagrees with the clients for {len(wrong)} of them (first: {wrong[0]}); "
            f"run 'tui-scheduler check --rebuild-index'"]


def _visit_index_problems(desk: Desk, months: list[str]) -> list[str]:
    index = desk.book.visits
    if not index.ready():
        return []
    want = {d.get("id"): index.row(d) for m in months for d in desk.book.raw_month(m)}
    have = {}
    for bucket in range(index.BUCKETS):
        for d in docs(desk.tx, f"visits/{bucket:02d}.json", "visits"):
            have[d.get("id")] = d
    # a hand-edited row may have no id, or a number for one: it disagrees, and is named as it is
    wrong = sorted((i for i in want.keys() | have.keys() if want.get(i) != have.get(i)), key=repr)
    if not wrong:
        return []
    return [f"the client visit index disagrees with the appointments for {len(wrong)} of them "
            f"(first: {wrong[0]}); run 'tui-scheduler check --rebuild-index'"]


def _referral_problems(desk: Desk, appts) -> list[str]:
    """Each referral-paid client whose visits beyond what their referrals pay for outnumber the
    bookings made with a reason (an override): the limit held by the rules, checked from the other side."""
    by_client = defaultdict(list)
    for a in appts:
        by_client[a.client_id].append(a)
    out = []
    for client in desk.clients.all():
        if not client.needs_referral or client.id not in by_client:
            continue
        refs = desk.referrals.matching(lambda d: d.get("client_id") == client.id)
        mine = by_client[client.id]
        allocation = allocate(refs, mine, desk.practice.no_show_uses_visit, desk.tz)
        excused = sum(1 for a in mine if "referral" in a.overrides
                      and counts_as_visit(a, desk.practice.no_show_uses_visit))
        if len(allocation.uncovered) > excused:
            first = min(allocation.uncovered, key=lambda a: a.start)
            out.append(f"{client.name} has {len(allocation.uncovered)} visit(s) no referral pays for but only "
                       f"{excused} booked with a reason (first: {first.id}, {clock.describe(first.start, desk.tz)})")
    return out


def _note_problems(desk: Desk, by_id: dict) -> list[str]:
    found = []
    for rel, note in desk.notes.every():
        appt = by_id.get(note.id)
        if appt is None:
            found.append(f"the note in {rel} belongs to missing appointment {note.id}")
        elif appt.client_id != note.client_id:
            found.append(f"the note of {note.id} names another client than its appointment")
        if desk.notes.rel(note.id) != rel:
            found.append(f"the note of {note.id} is filed in {rel}, not {desk.notes.rel(note.id)}")
    return found


class Integrity(Area):
    def check_folder(self) -> tuple[list[str], str]:
        """Every problem found (one line each) and a summary line."""
        problems: list[str] = []
        with self.ctx.read() as desk:
            tx = desk.tx
            rooms, staff, clients = desk.rooms.all(), desk.staff.all(), desk.clients.all()
            known = {r.id for r in rooms} | {s.id for s in staff} | {c.id for c in clients}
            # every file the app reads is read here too, so damage anywhere is found before it stops a desk
            for ref in desk.referrals.all():
                if ref.client_id not in known:
                    problems.append(f"referral {ref.id} refers to unknown client {ref.client_id}")
            for entry in desk.waitlist.all():
                if entry.client_id not in known:
                    problems.append(f"waitlist entry {entry.id} refers to unknown client {entry.client_id}")
            for k in desk.clearances.all():
                if k.client_id not in known:
                    problems.append(f"clearance {k.id} refers to unknown client {k.client_id}")
            for feed in desk.feeds.all():
                if feed.target_id and feed.target_id not in known:
                    problems.append(f"feed {feed.id} shows an unknown {feed.scope} {feed.target_id}")
            desk.book.month_of_id("")  # reads and checks moved.json
            desk.caldav.all()  # the CalDAV account, and what sync wrote where
            desk.synced.all()
            desk.closures.all()  # closures, the sending settings and the outbox of reminders
            desk.sending.all()
            desk.outbox.all()
            months = tx.folder.months()
            appts = []
            seen: dict[str, str] = {}
            for month in months:
                for a in desk.book.in_months([month]):
                    appts.append(a)
                    if a.id in seen:
                        problems.append(f"{a.id} is stored twice ({seen[a.id]} and {month})")
                    seen[a.id] = month
                    if clock.month_key(a.start, desk.tz) != month:
                        problems.append(f"{a.id} starts in {clock.month_key(a.start, desk.tz)} but is filed in {month}")
                    elif desk.book.month_of_id(a.id) != month:
                        problems.append(f"{a.id} cannot be found by its id (filed in {month})")
                    for ident in (a.client_id, a.staff_id, a.room_id):
                        if ident not in known:
                            problems.append(f"{a.id} refers to unknown {ident}")
                    if a.end <= a.start:
                        problems.append(f"{a.id} ends before it starts")
            by_id = {a.id: a for a in appts}
            for a in appts:
                if a.kind != Kind.SPOT or not a.holds_time:
                    continue
                visit = by_id.get(a.visit_id or "")
                if visit is None:
                    problems.append(f"spot {a.id} belongs to missing visit {a.visit_id}")
                elif not (visit.start <= a.start and a.end <= visit.end) or not visit.holds_time:
                    problems.append(f"spot {a.id} is not inside an active visit {visit.id}")
            problems += _double_bookings(appts, lambda a: a.staff_id, lambda a: (a.start, a.end))
            problems += _double_bookings(appts, lambda a: a.client_id, lambda a: (a.start, a.end))
            problems += _double_bookings(appts, lambda a: a.room_id, lambda a: room_span(a, desk.practice))
            problems += _visit_index_problems(desk, months)
            problems += _names_index_problems(desk)
            problems += _referral_problems(desk, appts)
            problems += _note_problems(desk, by_id)
            revision = tx.manifest.get("revision", 0)
        summary = (f"{'ok' if not problems else 'PROBLEMS'}: {len(appts)} appointments in {len(months)} month files, "
                   f"{len(rooms)} rooms, {len(staff)} staff, {len(clients)} clients, revision {revision}")
        return problems, summary

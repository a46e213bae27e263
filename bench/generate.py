"""Write a realistic clinic-scale data folder for the benchmark, fast, in the store's own format.

Booking 100,000 appointments one transaction at a time would take hours, so the appointment partitions,
clients and referrals are written directly with the model's own `to_dict`; the practice, rooms and staff
go through the service. The layout is valid by construction (no double bookings):

- each massage room has its own therapist and its own client pool, and its day is laid out on the
  15-minute grid with the session, the room's turnover and an occasional idle gap;
- each chiropractic room has its provider and a spot therapist who does 15 minutes of spot work at the
  start of about half of the visits; the physical-therapy room has its provider;
- client pools are disjoint per room, so a client is never in two rooms at once.

The last 75 minutes of every weekday in the massage rooms stay free: the benchmark books into them.
Afterwards `check_folder` must find nothing wrong.

    python -m bench.generate --n 20000 --out bench/data/n20000
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import orjson

from tui_scheduler.core import clock
from tui_scheduler.core.authorizations import allocate
from tui_scheduler.core.model import Appointment, Client, Kind, Referral, Status
from tui_scheduler.services import Scheduler
from tui_scheduler.store.files import dumps, make_dir, replace_atomically
from tui_scheduler.store.folder import AUDIT, REVISION, TEMP_MARK
from tui_scheduler.store.tables import FILES, AppointmentBook

TZ = "America/Chicago"
PRACTICE_HOURS = ["mon-fri 08:00-19:00", "sat 09:00-14:00"]
MASSAGE_ROOMS = ["Cedar", "Willow", "Birch", "Aspen", "Maple"]
CHIRO_ROOMS = ["Adjusting 1", "Adjusting 2"]
PT_ROOM = "Rehab Gym"
THERAPISTS = [  # one per massage room, in the order of MASSAGE_ROOMS
    ("Maya Lindqvist", ["swedish", "deep-tissue", "trigger-point", "sports"]),
    ("Daniel Okafor", ["swedish", "myofascial", "lymph-drainage", "craniosacral"]),
    ("Rosa Jimenez", ["swedish", "stretching", "sports", "trigger-point"]),
    ("Tomas Novak", ["swedish", "deep-tissue", "myofascial"]),
    ("Aisha Rahman", ["swedish", "lymph-drainage", "craniosacral", "stretching"]),
]
SPOT_THERAPISTS = [("Kenji Mori", ["trigger-point", "myofascial", "swedish"]),  # one per chiropractic room
                   ("Lucia Ferreira", ["myofascial", "sports", "swedish"])]
CHIROPRACTORS = ["Dr. Sam Patel", "Dr. Nora Quinn"]
PHYSIO = "Lena Fischer"
CLIENTS = 2000
REGIONS = ["neck", "upper back", "low back", "shoulder", "hip", "hamstring", "calf", "forearm"]
FIRST = ["Amelia", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Henry", "Isabel", "Jonas", "Keiko",
         "Liam", "Mina", "Noah", "Olga", "Pavel", "Quinn", "Rita", "Sven", "Tara", "Umar", "Vera", "Wen", "Yara"]
LAST = ["Hart", "Ross", "Nguyen", "Kowalski", "Petrova", "Haddad", "Oyelaran", "Walsh", "Moreno", "Berg",
        "Tanaka", "O'Connor", "Schmidt", "Silva", "Dubois", "Rossi", "Novak", "Kim", "Singh", "Olsen"]
BENCH_FREE_MINUTES = 75  # the end of each weekday in every massage room stays free for the benchmark
FUTURE_SHARE = 0.15      # share of generated days after today (bookings reach a few months ahead)
MAX_FUTURE_DAYS = 180
NEAR_DAYS = 14


def _uid(rng: random.Random) -> str:
    return f"{uuid.UUID(int=rng.getrandbits(128), version=4)}@tui-scheduler"


def _days(today: date):
    """Open days in the order they are filled: the next two weeks first (a clinic's near future is booked
    up, and the benchmark books into it, so every N sees the same busy days around its bookings), then
    mostly going back from today, some going further forward."""
    for ahead in range(1, NEAR_DAYS + 1):
        if (today + timedelta(days=ahead)).weekday() != 6:
            yield today + timedelta(days=ahead)
    back, ahead = 0, NEAR_DAYS + 1
    step = 0
    while True:
        step += 1
        if ahead <= MAX_FUTURE_DAYS and step % round(1 / FUTURE_SHARE) == 0:
            day, ahead = today + timedelta(days=ahead), ahead + 1
        else:
            day, back = today - timedelta(days=back), back + 1
        if day.weekday() != 6:
            yield day


def _setup(sched: Scheduler) -> dict:
    sched.init(TZ, "Riverside Integrative Clinic (benchmark)", PRACTICE_HOURS)
    people = {}
    with sched.batch():
        rooms = {name: sched.add_room(name, "massage") for name in MASSAGE_ROOMS}
        rooms |= {name: sched.add_room(name, "chiropractic") for name in CHIRO_ROOMS}
        rooms[PT_ROOM] = sched.add_room(PT_ROOM, "physical-therapy")
        for name, mods in THERAPISTS + SPOT_THERAPISTS:
            people[name] = sched.add_staff(name, "therapist", mods, PRACTICE_HOURS)
        for name in CHIROPRACTORS:
            people[name] = sched.add_staff(name, "chiropractor", [], PRACTICE_HOURS)
        people[PHYSIO] = sched.add_staff(PHYSIO, "physical-therapist", [], PRACTICE_HOURS)
    return {"rooms": rooms, "staff": people}


def _clients(rng: random.Random, today: date) -> tuple[list[Client], list[Referral]]:
    clients, referrals = [], []
    for i in range(CLIENTS):
        roll = rng.random()
        payer = "self-pay" if roll < 0.7 else "insurance" if roll < 0.9 else "hsa-fsa"
        flags = (rng.choice(["osteoporosis", "blood-thinners", "surgery", "implanted-device"]),) \
            if rng.random() < 0.05 else ()
        c = Client(id=f"c-{i:04d}", name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i:04d}", payer=payer,
                   phone=f"555-{rng.randrange(10000):04d}", flags=flags)
        clients.append(c)
        if c.needs_referral:
            issued = today - timedelta(days=rng.randrange(0, 150))
            referrals.append(Referral(id=f"f-{i:04d}", client_id=c.id, visits=rng.choice([6, 8, 12]),
                                      issued=issued, expires=issued + timedelta(days=180),
                                      prescriber="Dr. Chen"))
    return clients, referrals


class _Layout:
    """Appointments of one day, room by room, on the grid."""

    def __init__(self, rng, tz, now, ids, people, rooms, pools):
        self.rng, self.tz, self.now, self.ids = rng, tz, now, ids
        self.people, self.rooms, self.pools = people, rooms, pools

    def _appt(self, kind, day, minute, minutes, client, staff, room, **extra) -> Appointment:
        rng = self.rng
        start = clock.slot_at(day, minute, self.tz)
        end = start + timedelta(minutes=minutes)
        month = clock.month_key(start, self.tz)
        while True:
            ident = f"{month[2:4]}{month[5:7]}-{''.join(rng.choice('23456789abcdefghjkmnpqrstuvwxyz') for _ in range(5))}"
            if ident not in self.ids:
                self.ids.add(ident)
                break
        created = start - timedelta(days=rng.randrange(1, 40), minutes=rng.randrange(0, 600))
        status, sequence, updated = Status.BOOKED, 0, created
        roll = rng.random()
        if roll < 0.08:
            status, sequence, updated = Status.CANCELLED, 1, min(start, self.now) - timedelta(hours=rng.randrange(2, 48))
        elif end <= self.now:
            status, sequence, updated = (Status.NO_SHOW if roll < 0.12 else Status.FULFILLED), 1, end
        created = min(created, updated)
        return Appointment(id=ident, uid=_uid(rng), kind=kind, start=start, end=end, client_id=client,
                           staff_id=staff, room_id=room, status=status, sequence=sequence, created=created,
                           updated=updated, **extra)

    def day(self, day: date, hours) -> list[Appointment]:
        rng = self.rng
        spans = hours.spans[day.weekday()]
        if not spans:
            return []
        open_, close = spans[0]
        out: list[Appointment] = []
        for r, room in enumerate(MASSAGE_ROOMS):
            name, mods = THERAPISTS[r]
            last = close - (BENCH_FREE_MINUTES if day.weekday() < 5 else 0)
            t = open_ + rng.choice([0, 0, 15, 30])
            while True:
                minutes = rng.choices([30, 60, 90], [15, 60, 25])[0]
                if t + minutes + 15 > last:
                    break
                out.append(self._appt(Kind.SESSION, day, t, minutes, rng.choice(self.pools[room]),
                                      self.people[name].id, self.rooms[room].id, modality=rng.choice(mods)))
                t += minutes + 15 + rng.choice([0, 0, 0, 15, 30])
        for c, room in enumerate(CHIRO_ROOMS):
            spot_name, spot_mods = SPOT_THERAPISTS[c]
            t = open_
            while True:
                minutes = rng.choices([15, 30, 45], [20, 65, 15])[0]
                if t + minutes > close:
                    break
                visit = self._appt(Kind.VISIT, day, t, minutes, rng.choice(self.pools[room]),
                                   self.people[CHIROPRACTORS[c]].id, self.rooms[room].id)
                out.append(visit)
                if minutes >= 30 and rng.random() < 0.5:
                    spot = self._appt(Kind.SPOT, day, t, 15, visit.client_id, self.people[spot_name].id,
                                      visit.room_id, modality=rng.choice(spot_mods), visit_id=visit.id,
                                      region=rng.choice(REGIONS))
                    if not visit.holds_time or spot.status == Status.NO_SHOW:
                        # spot work shares its visit's fate when the patient did not come
                        spot = replace(spot, status=visit.status, sequence=visit.sequence, updated=visit.updated)
                    out.append(spot)
                t += minutes + rng.choice([0, 0, 15, 30])
        t = open_
        while True:
            minutes = rng.choice([45, 60])
            if t + minutes > close:
                break
            out.append(self._appt(Kind.VISIT, day, t, minutes, rng.choice(self.pools[PT_ROOM]),
                                  self.people[PHYSIO].id, self.rooms[PT_ROOM].id))
            t += minutes + rng.choice([0, 15, 30])
        return out


def _beyond_referrals_overridden(appts: list[Appointment], referrals: list[Referral], tz) -> list[Appointment]:
    """Visits no referral pays for carry the reason a desk gave when booking them, as the rules require."""
    by_client = defaultdict(list)
    for a in appts:
        by_client[a.client_id].append(a)
    refs = defaultdict(list)
    for r in referrals:
        refs[r.client_id].append(r)
    unpaid = set()
    for client_id, mine in refs.items():
        unpaid |= {a.id for a in allocate(mine, by_client[client_id], True, tz).uncovered}
    return [replace(a, overrides={"referral": "pays herself"}) if a.id in unpaid else a for a in appts]


def _write_table(folder: Path, rel: str, name: str, records: list[dict]) -> None:
    path = folder / rel
    make_dir(path.parent)
    payload = dumps({name: {str(i): d for i, d in enumerate(records, 1)}}, readable=not rel.startswith("appointments/"))
    replace_atomically(path, payload, TEMP_MARK + "gen")


def generate(out: str | Path, n: int, today: date | None = None, seed: int = 1, verify: bool = True) -> dict:
    """Write a practice with `n` appointments around `today` into a fresh folder `out`; return a summary."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    sched = Scheduler(out, clock=lambda: now, user="bench-generator")
    made = _setup(sched)
    practice = sched.practice()
    tz = clock.zone(practice.timezone)
    today = today or clock.local_day(now, tz)
    clients, referrals = _clients(rng, today)
    all_rooms = MASSAGE_ROOMS + CHIRO_ROOMS + [PT_ROOM]
    pools = {room: [c.id for i, c in enumerate(clients) if i % len(all_rooms) == r]
             for r, room in enumerate(all_rooms)}
    layout = _Layout(rng, tz, now, set(), made["staff"], made["rooms"], pools)

    appts: list[Appointment] = []
    for day in _days(today):
        appts += layout.day(day, practice.hours)
        if len(appts) >= n:
            break
    # spot work follows its visit in the list, so cutting the tail never orphans a spot
    appts = _beyond_referrals_overridden(appts[:n], referrals, tz)

    by_month: dict[str, list[dict]] = defaultdict(list)
    for a in appts:
        by_month[clock.month_key(a.start, tz)].append(a.to_dict())
    for month, docs in by_month.items():
        by_month[month] = sorted(docs, key=lambda d: d["start"])
        _write_table(out, AppointmentBook.rel(month), "appointments", by_month[month])
    _write_table(out, FILES["Client"][0], FILES["Client"][1], [c.to_dict() for c in clients])
    _write_table(out, FILES["Referral"][0], FILES["Referral"][1], [r.to_dict() for r in referrals])

    # the revision manifest as a commit would leave it: every written file stamped by this import
    manifest = sched.folder.manifest()
    txid = uuid.UUID(int=rng.getrandbits(128), version=4).hex
    files = dict(manifest["files"])
    files.update({AppointmentBook.rel(m): txid for m in by_month})
    files.update({FILES["Client"][0]: txid, FILES["Referral"][0]: txid})
    revision = {"revision": int(manifest.get("revision", 0)) + 1, "time": now.isoformat(), "txid": txid,
                "files": files}
    with open(out / AUDIT, "ab") as f:
        f.write(orjson.dumps({"time": now.isoformat(), "user": "bench-generator", "action": "import",
                              "txid": txid, "appointments": len(appts), "clients": len(clients)}) + b"\n")
    replace_atomically(out / REVISION, dumps(revision), TEMP_MARK + txid)
    Scheduler(out, user="bench-generator").rebuild_visit_index()  # as a real import would

    summary = {
        "n": len(appts),
        "months": len(by_month),
        "largest_month": max(len(v) for v in by_month.values()),
        "first": min(a.start for a in appts).astimezone(tz).date().isoformat(),
        "last": max(a.start for a in appts).astimezone(tz).date().isoformat(),
        "kinds": {str(k): sum(1 for a in appts if a.kind == k) for k in Kind},
        "statuses": {str(s): sum(1 for a in appts if a.status == s) for s in Status},
        "bytes": sum(p.stat().st_size for p in out.rglob("*.json")),
    }
    if verify:
        problems, text = Scheduler(out).check_folder()
        if problems:
            raise RuntimeError(f"generated data is inconsistent: {problems[:5]}")
        summary["check"] = text
    return summary


def free_session_slots(data_dir: str | Path, count: int, after: date | None = None):
    """(client, therapist, room, 'YYYY-MM-DD 18:00') for `count` bookings into the benchmark's free evening
    hour: five massage rooms per weekday, starting the weekday after `after` (default: today)."""
    sched = Scheduler(data_dir)
    tz = clock.zone(sched.practice().timezone)
    day = (after or clock.local_day(sched.now(), tz)) + timedelta(days=1)
    clients = [c.id for c in sched.clients()]
    all_rooms = MASSAGE_ROOMS + CHIRO_ROOMS + [PT_ROOM]
    rng = random.Random(count)
    slots = []
    while len(slots) < count:
        if day.weekday() < 5:
            for r, room in enumerate(MASSAGE_ROOMS):
                pool = [c for i, c in enumerate(sorted(clients)) if i % len(all_rooms) == r]
                name, mods = THERAPISTS[r]
                slots.append((rng.choice(pool), name, room, mods[0], f"{day} 18:00"))
        day += timedelta(days=1)
    return slots[:count]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-check", action="store_true")
    args = p.parse_args(argv)
    t = time.perf_counter()
    summary = generate(args.out, args.n, seed=args.seed, verify=not args.no_check)
    print(f"{summary} in {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

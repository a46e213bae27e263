"""A front-desk process for the torture suite, run as `python -m tests.torture.worker MODE DATA ...`.

It prints one JSON line per outcome, flushed, only after the service call has returned: a line on stdout
is a promise the folder must keep. An unexpected exception is left to crash the worker with a traceback on
stderr, which the tests treat as a failure.

Modes:
  contend DATA SEED ROUNDS GO   wait for the file GO, then book ROUNDS random sessions, visits and spots
                                into two crowded mornings
  write DATA SEED               book, move and cancel at random over a month until killed; before each
                                call it prints {"begin": ...} so the test knows which change was in flight
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from tests.conftest import NOW, fixed
from tests.torture.helpers import EXTRA_CLIENTS
from tui_scheduler.core.errors import BadInput, DataFolderError, Refused
from tui_scheduler.services import Scheduler

CLIENTS = ["Ann Self", "Ben Flag", "Cara Ins", "Dan Hsa", *EXTRA_CLIENTS]
THERAPISTS = ["Maya", "Daniel"]
MASSAGE_ROOMS = ["Cedar", "Willow"]
PROVIDERS = [("Dr Patel", "Adjusting"), ("Lena", "Gym")]
MODALITIES = ["swedish", "deep-tissue", "lymph-drainage"]  # some a therapist lacks: refused, as it should be


def say(**fields) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def _when(rng: random.Random, days: list[date], first_hour: int, last_hour: int) -> str:
    day = rng.choice(days)
    return f"{day} {rng.randrange(first_hour, last_hour):02d}:{rng.choice([0, 15, 30, 45]):02d}"


def contend(data: str, seed: int, rounds: int, go: str) -> None:
    rng = random.Random(seed)
    s = Scheduler(data, clock=fixed(NOW), user=f"desk{seed}", lock_timeout=120)
    days = [date(2026, 11, 24), date(2026, 11, 25)]
    while not Path(go).exists():
        time.sleep(0.005)
    for _ in range(rounds):
        kind = rng.choices(["session", "visit", "spot"], [5, 3, 3])[0]
        try:
            if kind == "session":
                a = s.book_session(rng.choice(CLIENTS), rng.choice(THERAPISTS), rng.choice(MASSAGE_ROOMS),
                                   rng.choice(MODALITIES), _when(rng, days, 8, 12), rng.choice([30, 60, 90]),
                                   override="torture")
            elif kind == "visit":
                provider, room = rng.choice(PROVIDERS)
                a = s.book_visit(rng.choice(CLIENTS), provider, room, _when(rng, days, 8, 12),
                                 rng.choice([30, 45, 60]), override="torture")
            else:
                visits = [v for d in days for v in s.appointments(*s.day_span(d))
                          if v.kind == "visit" and v.holds_time]
                if not visits:
                    say(kind=kind, ok=False, reason="no visit to put spot work in yet")
                    continue
                host = rng.choice(visits)
                start = host.start + timedelta(minutes=15 * rng.randrange(0, max(1, host.minutes // 15)))
                a = s.book_spot(host.id, rng.choice(THERAPISTS), start, modality="swedish",
                                region=rng.choice(["neck", "low back"]), override="torture")
        except Refused as exc:
            say(kind=kind, ok=False, reason=exc.reason)
            continue
        say(kind=kind, ok=True, id=a.id, start=a.start.isoformat(), staff=a.staff_id, room=a.room_id,
            client=a.client_id)


def write(data: str, seed: int) -> None:
    rng = random.Random(seed)
    s = Scheduler(data, clock=fixed(NOW), user=f"writer{seed}")
    days = [date(2026, 11, 24) + timedelta(days=i) for i in range(35) if (date(2026, 11, 24) + timedelta(days=i)).weekday() < 5]
    say(ready=True)
    while True:
        roll = rng.random()
        try:
            if roll < 0.6:
                start = _when(rng, days, 9, 16)
                say(begin="book", start=start)
                a = s.book_session(rng.choice(CLIENTS), rng.choice(THERAPISTS), rng.choice(MASSAGE_ROOMS),
                                   "swedish", start, rng.choice([30, 60]), override="torture")
                say(done="book", id=a.id, start=a.start.isoformat())
            else:
                day = rng.choice(days)
                mine = [a for a in s.appointments(*s.day_span(day)) if a.status == "booked"]
                if not mine:
                    continue
                target = rng.choice(mine)
                if roll < 0.85:
                    say(begin="cancel", id=target.id)
                    s.cancel(target.id, reason="torture")
                    say(done="cancel", id=target.id)
                else:
                    start = _when(rng, days, 9, 16)
                    say(begin="move", id=target.id, start=start)
                    a = s.move(target.id, start, override="torture")
                    say(done="move", id=a.id, start=a.start.isoformat())
        except Refused as exc:
            say(refused=exc.reason)


def main(argv: list[str]) -> int:
    mode, data, *rest = argv
    try:
        if mode == "contend":
            contend(data, int(rest[0]), int(rest[1]), rest[2])
        elif mode == "write":
            write(data, int(rest[0]))
        else:
            raise SystemExit(f"unknown mode {mode!r}")
    except (BadInput, DataFolderError) as exc:
        # a worker must never see these on a healthy folder: report them so the test fails readably
        say(error=type(exc).__name__, reason=exc.reason)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

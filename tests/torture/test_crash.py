"""A writer killed with SIGKILL at random moments, round after round, on one folder.

After every kill the folder must load, pass the integrity check, hold every acknowledged change exactly as
acknowledged, and carry exactly one audit entry per change that landed.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter

from tests.torture.helpers import (
    audit_lines,
    busy_practice,
    outcomes,
    scale,
    start_worker,
    stored_appointments,
    worker_env,
)
from tui_scheduler.services import Scheduler


def _state(doc: dict) -> tuple[str, str]:
    return doc["status"], doc["start"]


def test_sigkill_at_random_moments_never_loses_or_tears_an_acknowledged_change(tmp_path):
    size = scale()
    rng = random.Random(6)
    folder = tmp_path / "data"
    busy_practice(folder)
    expected: dict[str, tuple[str, str]] = {}   # id -> (status, start) as last acknowledged
    acknowledged = landed_in_flight = 0
    for round_ in range(size.kills):
        before = stored_appointments(folder)
        w = start_worker("write", folder, str(round_))
        assert w.stdout.readline().strip() == '{"ready": true}'
        # wait for one finished change (however busy the machine), then kill at a random later moment
        seen = [w.stdout.readline()]
        while '"done"' not in seen[-1] and seen[-1]:
            seen.append(w.stdout.readline())
        time.sleep(rng.uniform(0.0, 0.2))
        w.send_signal(signal.SIGKILL)
        # read the rest through the same buffered file readline() used: communicate() reads the raw pipe and
        # would lose lines that readline() had already read ahead (a "begin" right after a "done")
        out, err = w.stdout.read(), w.stderr.read()
        w.wait(timeout=60)
        assert w.returncode == -signal.SIGKILL, err
        lines = outcomes("".join(seen) + out)
        assert not [x for x in lines if "error" in x], lines

        in_flight = None
        for x in lines:
            if "begin" in x:
                in_flight = x
            elif "done" in x:
                in_flight = None
                acknowledged += 1
                if x["done"] == "book":
                    expected[x["id"]] = ("booked", x["start"])
                elif x["done"] == "cancel":
                    expected[x["id"]] = ("cancelled", expected[x["id"]][1])
                else:
                    expected[x["id"]] = ("booked", x["start"])
            elif "refused" in x:
                in_flight = None

        sched = Scheduler(folder)  # the next process to come along: rolls a committed change forward
        problems, summary = sched.check_folder()
        assert problems == [], (round_, problems)
        stored = stored_appointments(folder)
        if in_flight is not None and in_flight["begin"] != "book":
            # the change being made when the writer died may have landed or not, but never half
            ident = in_flight["id"]
            was = expected[ident]  # as last acknowledged, possibly earlier in this very round
            now = _state(stored[ident])
            assert now == was or now[0] == ("cancelled" if in_flight["begin"] == "cancel" else "booked"), now
            landed_in_flight += now != was
            expected[ident] = now
        elif in_flight is not None:
            new = set(stored) - set(before) - set(expected)
            assert len(new) <= 1, new  # a booking cut off before its answer: there or not, once
            for ident in new:
                expected[ident] = _state(stored[ident])
                landed_in_flight += 1
        assert {i: _state(d) for i, d in stored.items()} == expected, round_

        # the real command agrees, and finds the folder clean, every few rounds
        if round_ % 5 == 4 or round_ == size.kills - 1:
            exe = [sys.executable, "-m", "tui_scheduler.cli", "check"]
            done = subprocess.run(exe, capture_output=True, text=True, env=worker_env(folder), timeout=120)
            assert done.returncode == 0 and "ok:" in done.stdout, done.stdout + done.stderr

    assert acknowledged >= size.kills  # the writer got real work done between kills
    assert not list(folder.rglob(".*tx-*")) and not (folder / "journal.json").exists()

    # exactly one audit entry per change that landed, however often a roll-forward was interrupted
    audit = [x for x in audit_lines(folder) if x["action"] in ("book-session", "cancel", "move")]
    assert len({x["txid"] for x in audit}) == len(audit)
    books = Counter(x["id"] for x in audit if x["action"] == "book-session")
    assert books == Counter(set(expected)), "every stored booking has one booking entry, no more"
    cancels = Counter(x["id"] for x in audit if x["action"] == "cancel")
    assert set(cancels) == {i for i, (status, _) in expected.items() if status == "cancelled"}
    assert max(cancels.values(), default=1) == 1
    revision = Scheduler(folder).revision()
    assert revision == len({x["txid"] for x in audit_lines(folder)})

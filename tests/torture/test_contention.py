"""Eight front-desk processes book overlapping sessions, visits and spots into one folder at once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta

from tests.torture.helpers import (
    audit_lines,
    busy_practice,
    outcomes,
    scale,
    start_worker,
    stored_appointments,
)
from tui_scheduler.core.rules import overlaps
from tui_scheduler.services import Scheduler

HOLDING = {"booked", "arrived", "fulfilled"}


def _no_overlaps(appts: list[dict], key: str, turnover_minutes: int = 0) -> list[str]:
    """Pairs of holding appointments sharing `key` whose times overlap (a spot inside its own visit is fine).

    Written independently of integrity.py so that a bug there cannot hide a double booking here.
    """
    bad = []
    live = [a for a in appts if a["status"] in HOLDING]
    for i, a in enumerate(live):
        for b in live[i + 1:]:
            if a[key] != b[key]:
                continue
            if a.get("visit_id") == b["id"] or b.get("visit_id") == a["id"]:
                continue
            if key == "room_id" and "spot" in (a["kind"], b["kind"]):
                continue  # spot work lives inside its visit's room time
            a0, a1 = datetime.fromisoformat(a["start"]), datetime.fromisoformat(a["end"])
            b0, b1 = datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"])
            if key == "room_id":
                a1 += timedelta(minutes=turnover_minutes if a["kind"] == "session" else 0)
                b1 += timedelta(minutes=turnover_minutes if b["kind"] == "session" else 0)
            if overlaps(a0, a1, b0, b1):
                bad.append(f"{a['id']} and {b['id']} share {a[key]}")
    return bad


def test_eight_processes_booking_at_once_never_double_book_or_lose_a_booking(tmp_path):
    size = scale()
    folder = tmp_path / "data"
    s = busy_practice(folder)
    revision_before = s.revision()
    audit_before = len(audit_lines(folder))
    go = tmp_path / "go"
    workers = [start_worker("contend", folder, str(seed), str(size.rounds), str(go))
               for seed in range(size.writers)]
    time.sleep(0.5)  # let every worker import and wait at the line, so they really start together
    go.touch()
    results = []
    for w in workers:
        out, err = w.communicate(timeout=600)
        assert w.returncode == 0 and err == "", err
        results += outcomes(out)
    assert not [r for r in results if "error" in r], [r for r in results if "error" in r]
    assert len(results) == size.writers * size.rounds

    booked = [r for r in results if r["ok"]]
    refused = [r for r in results if not r["ok"]]
    # the contention is real: both outcomes happen, for every kind of booking that got a chance
    assert booked and refused
    assert any("busy" in r["reason"] or "in use" in r["reason"] for r in refused)

    stored = stored_appointments(folder)
    # every booking a process was told succeeded is there, holding its time, exactly as told
    for r in booked:
        a = stored.get(r["id"])
        assert a is not None, f"{r['id']} was acknowledged but is not stored"
        assert a["status"] == "booked" and a["staff_id"] == r["staff"] and a["room_id"] == r["room"]
        assert datetime.fromisoformat(a["start"]) == datetime.fromisoformat(r["start"])
    # and nothing else was written: no booking appeared that nobody was told about
    assert sorted(stored) == sorted(r["id"] for r in booked)

    appts = list(stored.values())
    turnover = Scheduler(folder).practice().turnover_minutes
    assert _no_overlaps(appts, "staff_id") == []
    assert _no_overlaps(appts, "client_id") == []
    assert _no_overlaps(appts, "room_id", turnover) == []
    problems, summary = Scheduler(folder).check_folder()
    assert problems == [], problems

    # one audit entry per change, one commit per booking, and refusals leave no trace
    audit = audit_lines(folder)[audit_before:]
    assert len(audit) == len(booked)
    assert Counter(x["id"] for x in audit) == Counter(r["id"] for r in booked)
    assert {x["action"] for x in audit} <= {"book-session", "book-visit", "book-spot"}
    assert len({x["txid"] for x in audit}) == len(booked)
    assert Scheduler(folder).revision() == revision_before + len(booked)
    assert {x["user"] for x in audit} <= {f"desk{i}" for i in range(size.writers)}
    assert not list(folder.rglob(".*tx-*")) and not (folder / "journal.json").exists()

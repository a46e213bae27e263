"""What every command group shares: the parser class, the clock, the data folder, and printing."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

import orjson

from .. import paths
from ..core.errors import BadInput, DataFolderError, SchedulerError, StrandsBookings
from ..services import Scheduler


class SaidAfterSaving(DataFolderError):
    """A change was saved and something read after it failed: the message says both."""


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line and exit 2, like every other bad input."""

    def error(self, message):
        raise BadInput(f"{message} (see '{self.prog} --help')")


def group(sub, name: str, help: str, dest: str = "action"):
    """A command with its own sub-commands (`room add`, `room list`)."""
    return sub.add_parser(name, help=help).add_subparsers(dest=dest, required=True, parser_class=Parser)


def fixed_clock():
    """TUI_SCHEDULER_NOW (ISO 8601 with offset) pins "now" for demos and scripted tests."""
    pinned = os.environ.get("TUI_SCHEDULER_NOW")
    if not pinned:
        return None
    try:
        moment = datetime.fromisoformat(pinned)
    except ValueError:
        raise BadInput(f"TUI_SCHEDULER_NOW is not an ISO time: {pinned!r}") from None
    if moment.tzinfo is None:
        raise BadInput("TUI_SCHEDULER_NOW needs an offset, like 2026-11-23T10:00:00+01:00")
    return lambda: moment


def data_dir(args) -> Path:
    chosen = args.data or os.environ.get("TUI_SCHEDULER_DATA")
    return Path(chosen).expanduser() if chosen else paths.default_data_dir()


def print_json(data) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")


def listing(items, as_json: bool, line, empty: str = "") -> int:
    """Records (or plain dict rows) as a JSON array, or one line each."""
    if as_json:
        print_json([r if isinstance(r, dict) else r.to_dict() for r in items])
        return 0
    if not items and empty:
        print(empty)
    for r in items:
        print(line(r))
    return 0


def print_booked(sched: Scheduler, appt, as_json: bool, judged: bool = False) -> int:
    """A booked or changed appointment: its id (or JSON), and which referral visit it is on stderr.
    `judged`: the rules have just passed it (a booking or a move), so say which clearance on file
    stood in for the flags' warning.

    The change is saved by now: if the referral's note cannot be read (a damaged file), say so plainly
    rather than let the error read as if nothing was saved."""
    try:
        note = sched.referral_note(appt)
        cleared = sched.clearance_note(appt.client_id, appt.start, appt.kind) if judged else ""
    except SchedulerError as exc:
        print(appt.id)
        raise SaidAfterSaving(f"{appt.id} is saved, but its referral or clearance cannot be shown: "
                              f"{exc.reason}") from None
    if as_json:
        row = sched.describe([appt])[0]
        if note:
            row["referral"] = note
        if cleared:
            row["cleared"] = cleared
        print_json(row)
    else:
        print(appt.id)
        for line in (note, cleared):
            if line:
                print(line, file=sys.stderr)
    return 0


def over_bookings(sched: Scheduler, hits, add, taken: str, then=lambda added: None) -> int:
    """Time off or a closure: over booked appointments it is refused, listing them (exit 1), unless the
    person said --override; then it is taken, the appointments are listed to be moved, and `then` says
    what was added. One transaction: the appointments listed are the ones it was taken over."""
    try:
        with sched.batch():
            found = hits()
            added = add()
    except StrandsBookings as exc:
        print_appointments(sched, exc.appointments, False)
        print(f"tui-scheduler: {exc.reason} (add --override)", file=sys.stderr)
        return exc.exit_code
    if found:
        print_appointments(sched, found, False)
        print(taken.format(len(found)), file=sys.stderr)
    then(added)
    return 0


def print_appointments(sched: Scheduler, appts, as_json: bool) -> int:
    rows = sched.describe(appts)
    if as_json:
        print_json(rows)
        return 0
    if not rows:
        print("no appointments")
    for r in rows:
        who = r.get("therapist") or r.get("provider")
        what = r.get("modality") or ""
        inside = f" in visit {r['visit']}" if r.get("visit") else ""
        print(f"{r['start'][:16].replace('T', ' ')}-{r['end'][11:16]}  {r['id']}  {r['kind']:<7} {r['status']:<9} "
              f"{r['client']} · {who} · {r['room']}{' · ' + what if what else ''}{inside}")
    return 0

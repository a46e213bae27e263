"""`import clients --csv FILE [--dry-run]`. Parsing and printing only."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from ..core.errors import BadInput
from ..services import Scheduler
from .common import group


def add_commands(sub, groups: dict) -> None:
    g = group(sub, "import", "add records from another system's export")
    s = g.add_parser("clients", help="add clients from a CSV file: every row, or none")
    s.add_argument("--csv", required=True, metavar="FILE", help="name, phone, email, payer, flags, date of birth")
    s.add_argument("--dry-run", action="store_true", help="check every row and say what would be added")
    s.set_defaults(handler=clients)


LARGEST = 20 * 1024 * 1024  # about 100,000 clients; a bigger file is not a practice's client list


def clients(args, sched: Scheduler) -> int:
    path = Path(args.csv).expanduser()
    try:
        with path.open("rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # a device or a pipe could be endless
                raise BadInput(f"{args.csv} is not a plain file: export the clients to a .csv file first")
            data = f.read(LARGEST + 1)
    except OSError as exc:
        raise BadInput(f"cannot read {args.csv}: {exc.strerror or exc}") from None
    if len(data) > LARGEST:
        raise BadInput(f"{args.csv} is over {LARGEST // 2**20} MB: too big for a list of clients; nothing was imported")
    result = sched.import_clients(data, dry_run=args.dry_run)
    for number, why in result.refused:
        print(f"row {number}: {why}", file=sys.stderr)
    if result.refused:
        print(f"tui-scheduler: {len(result.refused)} of {result.rows} rows could not be taken; nothing was "
              f"imported", file=sys.stderr)
        return 1
    if not result.rows:
        print("no rows to import")
        return 0
    for client in result.clients:
        flags = f"; {', '.join(client.flags)}" if client.flags else ""
        print(f"{'would add' if args.dry_run else 'added'} {client.name} ({client.payer}{flags})")
    print(f"{'dry run: would import' if args.dry_run else 'imported'} {len(result.clients)} clients")
    return 0

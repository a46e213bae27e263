"""`import clients --csv FILE [--dry-run]`. Parsing and printing only."""

from __future__ import annotations

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


def clients(args, sched: Scheduler) -> int:
    try:
        data = Path(args.csv).expanduser().read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {args.csv}: {exc.strerror or exc}") from None
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

"""`superbill`: a client's itemised statement for reimbursement, as a PDF (and JSON)."""

from __future__ import annotations

import sys

from ..core.errors import BadInput
from ..services import Scheduler
from .common import print_json


def add_commands(sub, groups: dict) -> None:
    s = sub.add_parser("superbill", help="a client's statement for insurance, HSA or FSA, as a PDF")
    s.add_argument("--client", required=True)
    s.add_argument("--from", dest="first", required=True, metavar="DATE")
    s.add_argument("--to", dest="last", required=True, metavar="DATE")
    s.add_argument("--out", metavar="FILE.pdf", help="the PDF to write (a plain file; never a folder or link)")
    s.add_argument("--paid", metavar="AMOUNT", help="what the client has paid, shown with the balance")
    s.add_argument("--json", action="store_true", help="print the superbill's data")
    s.set_defaults(handler=superbill)


def superbill(args, sched: Scheduler) -> int:
    if not args.out and not args.json:
        raise BadInput("give --out FILE.pdf for the PDF (or --json for the data)")
    if args.out:
        data = sched.write_superbill(args.client, args.first, args.last, args.out, args.paid)
    else:
        data = sched.superbill(args.client, args.first, args.last, args.paid)
    for item in data["missing"]:
        print(f"tui-scheduler: superbill without {item}", file=sys.stderr)
    if args.json:
        print_json(data)
    else:
        print(args.out)
    return 0

"""`closure add|list|remove`: days the practice is closed."""

from __future__ import annotations

from ..core import clock
from ..services import Scheduler
from .common import group, listing, over_bookings


def add_commands(sub, groups: dict) -> None:
    closure = group(sub, "closure", "days the practice is closed (holidays, training days)")
    s = closure.add_parser("add")
    s.add_argument("--from", dest="first", required=True, metavar="DATE")
    s.add_argument("--to", dest="last", required=True, metavar="DATE")
    s.add_argument("--reason", default="")
    s.add_argument("--override", action="store_true", help="close even though appointments are booked then")
    s.set_defaults(handler=add)
    s = closure.add_parser("list")
    s.add_argument("--all", action="store_true", help="past closures too")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: listing(
        sched.closures(None if args.all else _today(sched)), args.json,
        lambda c: f"{c.id}  {c.describe()}", empty="no closures"))
    s = closure.add_parser("remove")
    s.add_argument("id")
    s.set_defaults(handler=lambda args, sched: print(f"removed {sched.remove_closure(args.id).describe()}"))


def _today(sched: Scheduler):
    return clock.local_day(sched.now(), clock.zone(sched.practice().timezone))


def add(args, sched: Scheduler) -> int:
    return over_bookings(sched, lambda: sched.closure_hits(args.first, args.last),
                         lambda: sched.add_closure(args.first, args.last, args.reason, override=args.override),
                         "closed anyway: these {} appointments must be moved or cancelled",
                         then=lambda closure: print(closure.id))

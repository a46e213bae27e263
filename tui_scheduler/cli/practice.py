"""`init`, `practice show|set`, `check`, `demo`: the practice itself and its data folder."""

from __future__ import annotations

import os

from ..paths import demo_folder
from ..services import Scheduler
from .common import group, print_json


def add_commands(sub, groups: dict) -> None:
    s = sub.add_parser("init", help="set up a new practice in the data folder")
    s.add_argument("--timezone", required=True, help="IANA zone, e.g. America/Chicago")
    s.add_argument("--name", default="")
    s.add_argument("--hours", action="append", default=[], help='opening hours, e.g. "mon-fri 08:00-18:00"')
    s.set_defaults(handler=init)

    practice = group(sub, "practice", "the practice's settings")
    s = practice.add_parser("show")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=show)
    s = practice.add_parser("set")
    s.add_argument("--name")
    s.add_argument("--hours", action="append", default=[])
    s.add_argument("--turnover", type=int, metavar="MIN")
    s.add_argument("--checkin-lead", type=int, metavar="MIN")
    s.add_argument("--no-shows-use-visits", choices=["yes", "no"],
                   help="whether a no-show uses up one of a referral's visits")
    s.add_argument("--phone", help="the number clients call to confirm or cancel")
    s.set_defaults(handler=update)
    groups["practice"] = practice

    s = sub.add_parser("check", help="check the data folder's integrity")
    s.add_argument("--rebuild-index", action="store_true",
                   help="first write the client visit index afresh from the appointments")
    s.set_defaults(handler=check)
    s = sub.add_parser("demo", help="fill the data folder with a demo practice")
    s.add_argument("--timezone", default="America/Chicago")
    s.add_argument("--fresh", action="store_true", help="replace the demo practice in the data folder (or, "
                   f"without --data, the one --demo opens: {demo_folder()}) with a new one")
    s.set_defaults(handler=demo)


def init(args, sched: Scheduler) -> int:
    practice = sched.init(args.timezone, args.name, args.hours)
    print(f"{practice.name}: {practice.timezone}, open {practice.hours.describe()}")
    return 0


def update(args, sched: Scheduler) -> int:
    uses = None if args.no_shows_use_visits is None else args.no_shows_use_visits == "yes"
    practice = sched.update_practice(name=args.name, hours=args.hours, turnover_minutes=args.turnover,
                                     checkin_lead_minutes=args.checkin_lead, no_show_uses_visit=uses,
                                     phone=args.phone)
    return _print(practice, False)


def show(args, sched: Scheduler) -> int:
    return _print(sched.practice(), args.json)


def _print(practice, as_json: bool) -> int:
    if as_json:
        print_json(practice.to_dict())
        return 0
    print(f"{practice.name} · {practice.timezone} · open {practice.hours.describe()}")
    print(f"turnover {practice.turnover_minutes} min · check-in {practice.checkin_lead_minutes} min before · "
          f"no-shows {'use' if practice.no_show_uses_visit else 'do not use'} a referral visit")
    if practice.phone:
        print(f"phone {practice.phone}")
    return 0


def check(args, sched: Scheduler) -> int:
    if args.rebuild_index:
        sched.rebuild_visit_index()
    problems, summary = sched.check_folder()
    for p in problems:
        print(f"problem: {p}")
    print(summary)
    return 1 if problems else 0


def demo(args, sched: Scheduler) -> int:
    from ..demo import build_demo

    explicit = args.data or os.environ.get("TUI_SCHEDULER_DATA")
    folder = sched.folder.path if explicit or not args.fresh else demo_folder()
    build_demo(folder, args.timezone, fresh=args.fresh, clock=sched.clock)
    print(f"demo practice written to {folder}")
    return 0

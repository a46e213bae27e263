"""The `tui-scheduler` command: argument parsing and printing only; every decision is the service's.

Exit codes: 0 done, 1 refused by a rule, 2 bad input, 3 the data folder cannot be used.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson

from . import paths
from .core import clock
from .core.errors import BadInput, NeedsOverride, SchedulerError
from .core.model import FLAGS, MODALITIES, Payer, Role, RoomKind
from .service import Scheduler

log = logging.getLogger("tui_scheduler")


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line and exit 2, like every other bad input."""

    def error(self, message):
        raise BadInput(f"{message} (see '{self.prog} --help')")


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


def _json(data) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="tui-scheduler", description="Scheduler for a small medical-massage practice.")
    p.add_argument("--data", metavar="DIR", help="data folder (default: $TUI_SCHEDULER_DATA or your data dir)")
    p.add_argument("--demo", action="store_true", help="open the app on a fresh demo practice")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    s = sub.add_parser("init", help="set up a new practice in the data folder")
    s.add_argument("--timezone", required=True, help="IANA zone, e.g. America/Chicago")
    s.add_argument("--name", default="")
    s.add_argument("--hours", action="append", default=[], help='opening hours, e.g. "mon-fri 08:00-18:00"')

    room = sub.add_parser("room", help="rooms").add_subparsers(dest="action", required=True, parser_class=_Parser)
    s = room.add_parser("add")
    s.add_argument("name")
    s.add_argument("--kind", required=True, choices=[k.value for k in RoomKind])
    s = room.add_parser("list")
    s.add_argument("--json", action="store_true")

    staff = sub.add_parser("staff", help="therapists and providers").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    s = staff.add_parser("add")
    s.add_argument("name")
    s.add_argument("--role", required=True, choices=[r.value for r in Role])
    s.add_argument("--modality", action="append", default=[], choices=MODALITIES)
    s.add_argument("--hours", action="append", default=[], help='working hours, e.g. "mon-fri 09:00-17:00"')
    s = staff.add_parser("list")
    s.add_argument("--json", action="store_true")
    s = staff.add_parser("time-off", help="block time off for a staff member")
    s.add_argument("name")
    s.add_argument("--from", dest="start", required=True, help='"DATE TIME" or DATE (whole day)')
    s.add_argument("--to", dest="end", required=True, help='"DATE TIME" or DATE (whole day, inclusive)')
    s.add_argument("--reason", default="")

    client = sub.add_parser("client", help="clients").add_subparsers(dest="action", required=True,
                                                                      parser_class=_Parser)
    s = client.add_parser("add")
    s.add_argument("name")
    s.add_argument("--payer", default="self-pay", choices=[x.value for x in Payer])
    s.add_argument("--flag", action="append", default=[], choices=list(FLAGS))
    s.add_argument("--phone", default="")
    s.add_argument("--email", default="")
    s.add_argument("--pressure", default="")
    s.add_argument("--notes", default="")
    s = client.add_parser("list")
    s.add_argument("--json", action="store_true")

    ref = sub.add_parser("referral", help="prescriptions and referrals").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    s = ref.add_parser("add")
    s.add_argument("--client", required=True)
    s.add_argument("--visits", required=True, type=int)
    s.add_argument("--expires", required=True)
    s.add_argument("--issued")
    s.add_argument("--prescriber", default="")
    s.add_argument("--area", default="")
    s = ref.add_parser("list")
    s.add_argument("--client")
    s.add_argument("--json", action="store_true")

    book = sub.add_parser("book", help="book a session, visit or spot work").add_subparsers(
        dest="kind", required=True, parser_class=_Parser)
    s = book.add_parser("session")
    s.add_argument("--client", required=True)
    s.add_argument("--therapist", required=True)
    s.add_argument("--room", required=True)
    s.add_argument("--modality", required=True, choices=MODALITIES)
    s.add_argument("--start", required=True, help='"DATE TIME" in the practice\'s local time')
    s.add_argument("--minutes", required=True, type=int)
    s = book.add_parser("visit")
    s.add_argument("--client", required=True)
    s.add_argument("--provider", required=True)
    s.add_argument("--room", required=True)
    s.add_argument("--start", required=True)
    s.add_argument("--minutes", required=True, type=int)
    s = book.add_parser("spot")
    s.add_argument("--visit", required=True)
    s.add_argument("--therapist", required=True)
    s.add_argument("--start", required=True)
    s.add_argument("--modality", choices=MODALITIES)
    s.add_argument("--region", default="", help="body region worked (billing with an adjustment)")
    for s in book.choices.values():
        s.add_argument("--override", metavar="REASON", help="book despite soft warnings, for this reason")
        s.add_argument("--json", action="store_true")

    s = sub.add_parser("move", help="move an appointment")
    s.add_argument("id")
    s.add_argument("--start", required=True)
    s.add_argument("--override", metavar="REASON")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("cancel", help="cancel an appointment (a visit cancels its spot work)")
    s.add_argument("id")
    s.add_argument("--reason", default="")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("status", help="check in, fulfil, no-show")
    s.add_argument("id")
    s.add_argument("status", choices=["arrived", "fulfilled", "no-show", "booked"])
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("list", help="list appointments")
    s.add_argument("--from", dest="start", help="first day (default today)")
    s.add_argument("--days", type=int, default=1)
    who = s.add_mutually_exclusive_group()
    who.add_argument("--therapist")
    who.add_argument("--room")
    who.add_argument("--client")
    s.add_argument("--json", action="store_true")

    sub.add_parser("check", help="check the data folder's integrity")
    s = sub.add_parser("demo", help="fill the data folder with a demo practice")
    s.add_argument("--timezone", default="America/Chicago")
    return p


def data_dir(args) -> Path:
    chosen = args.data or os.environ.get("TUI_SCHEDULER_DATA")
    return Path(chosen).expanduser() if chosen else paths.default_data_dir()


def _local_day(sched: Scheduler, text: str | None) -> date:
    if text:
        return clock.parse_date(text)
    return clock.local_day(sched.now(), clock.zone(sched.practice().timezone))


def _time_or_day(text: str, end: bool) -> str:
    """A bare date in time-off means the whole day: from its midnight, to the next day's midnight."""
    text = text.strip()
    if len(text) == 10:
        day = clock.parse_date(text) + timedelta(days=1 if end else 0)
        return f"{day} 00:00"
    return text


def _print_appointments(sched: Scheduler, appts, as_json: bool) -> None:
    rows = sched.describe(appts)
    if as_json:
        _json(rows)
        return
    if not rows:
        print("no appointments")
    for r in rows:
        who = r.get("therapist") or r.get("provider")
        what = r.get("modality") or ""
        inside = f" in visit {r['visit']}" if r.get("visit") else ""
        print(f"{r['start'][:16].replace('T', ' ')}-{r['end'][11:16]}  {r['id']}  {r['kind']:<7} {r['status']:<9} "
              f"{r['client']} · {who} · {r['room']}{' · ' + what if what else ''}{inside}")


def _print_booked(sched: Scheduler, appt, as_json: bool) -> None:
    if as_json:
        _json(sched.describe([appt])[0])
    else:
        print(appt.id)


def run(args, sched: Scheduler) -> int:
    cmd = args.command
    if getattr(args, "handler", None):  # commands added by other modules: set_defaults(handler=fn)
        return args.handler(args, sched) or 0
    if cmd == "init":
        practice = sched.init(args.timezone, args.name, args.hours)
        print(f"{practice.name}: {practice.timezone}, open {practice.hours.describe()}")
    elif cmd == "demo":
        from .demo import fill_demo

        fill_demo(sched, args.timezone)
        print(f"demo practice written to {sched.folder.path}")
    elif cmd == "room":
        if args.action == "add":
            print(sched.add_room(args.name, args.kind).id)
        else:
            rooms = sched.rooms()
            if args.json:
                _json([r.to_dict() for r in rooms])
            for r in rooms if not args.json else ():
                print(f"{r.id}  {r.name:<20} {r.kind}{'' if r.active else ' (not in use)'}")
    elif cmd == "staff":
        if args.action == "add":
            print(sched.add_staff(args.name, args.role, args.modality, args.hours).id)
        elif args.action == "time-off":
            sched.add_time_off(args.name, _time_or_day(args.start, False), _time_or_day(args.end, True),
                               args.reason)
        else:
            people = sched.staff()
            if args.json:
                _json([s.to_dict() for s in people])
            for s in people if not args.json else ():
                mods = f" [{', '.join(s.modalities)}]" if s.modalities else ""
                print(f"{s.id}  {s.name:<20} {s.role}{mods}  {s.hours.describe()}")
    elif cmd == "client":
        if args.action == "add":
            print(sched.add_client(args.name, args.payer, args.flag, args.phone, args.email, args.pressure,
                                   args.notes).id)
        else:
            clients = sched.clients()
            if args.json:
                _json([c.to_dict() for c in clients])
            for c in clients if not args.json else ():
                flags = f"  flags: {', '.join(c.flags)}" if c.flags else ""
                print(f"{c.id}  {c.name:<24} {c.payer}{flags}")
    elif cmd == "referral":
        if args.action == "add":
            print(sched.add_referral(args.client, args.visits, args.expires, args.issued, args.prescriber,
                                     args.area).id)
        else:
            refs = sched.referrals(args.client)
            if args.json:
                _json([r.to_dict() for r in refs])
            for r in refs if not args.json else ():
                print(f"{r.id}  {r.client_id}  {r.visits} visits  {r.issued} to {r.expires}  {r.prescriber}  {r.area}")
    elif cmd == "book":
        if args.kind == "session":
            appt = sched.book_session(args.client, args.therapist, args.room, args.modality, args.start,
                                      args.minutes, override=args.override)
        elif args.kind == "visit":
            appt = sched.book_visit(args.client, args.provider, args.room, args.start, args.minutes,
                                    override=args.override)
        else:
            appt = sched.book_spot(args.visit, args.therapist, args.start, modality=args.modality,
                                   region=args.region, override=args.override)
        _print_booked(sched, appt, args.json)
    elif cmd == "move":
        _print_booked(sched, sched.move(args.id, args.start, override=args.override), args.json)
    elif cmd == "cancel":
        _print_booked(sched, sched.cancel(args.id, args.reason), args.json)
    elif cmd == "status":
        _print_booked(sched, sched.set_status(args.id, args.status), args.json)
    elif cmd == "list":
        if not 1 <= args.days <= 3660:
            raise BadInput("--days must be between 1 and 3660")
        first = _local_day(sched, args.start)
        start, end = sched.day_span(first, args.days)
        appts = sched.appointments(start, end, therapist=args.therapist, room=args.room, client=args.client)
        _print_appointments(sched, appts, args.json)
    elif cmd == "check":
        from .integrity import check_folder

        problems, summary = check_folder(sched)
        for p in problems:
            print(f"problem: {p}")
        print(summary)
        return 1 if problems else 0
    return 0


def open_app(args) -> int:
    from .tui.app import make_app

    if args.demo:
        from .demo import fresh_demo_folder

        folder = fresh_demo_folder(clock=fixed_clock())
    else:
        folder = data_dir(args)
        if not Scheduler(folder).is_set_up():
            raise BadInput(f"no practice in {folder} yet: run 'tui-scheduler init --timezone ZONE' "
                           f"or 'tui-scheduler demo', or try 'tui-scheduler --demo'")
    make_app(folder, clock=fixed_clock()).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            return open_app(args)
        sched = Scheduler(data_dir(args), clock=fixed_clock())
        return run(args, sched)
    except NeedsOverride as exc:
        print(f"tui-scheduler: needs --override \"reason\": {exc.reason}", file=sys.stderr)
        return exc.exit_code
    except SchedulerError as exc:
        print(f"tui-scheduler: {exc.reason}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback for a person to read: it goes to the log file instead
        where = paths.log_exception(exc)
        print(f"tui-scheduler: unexpected error ({type(exc).__name__}: {exc}); details in {where}",
              file=sys.stderr)
        return 70


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()

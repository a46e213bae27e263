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
from .paths import demo_folder
from .core import clock
from .core.errors import BadInput, NeedsOverride, SchedulerError
from .core.model import FLAGS, MODALITIES, Payer, Role, RoomKind
from .ical import cli as ical_cli
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
    p.add_argument("--demo", action="store_true", help=f"open the app on the demo practice in {demo_folder()} "
                   "(today's is reused; a new one is built when there is none, or it is from another day)")
    p.add_argument("--fresh", action="store_true", help="with --demo: build a new demo practice first")
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
    s.add_argument("--rest-of-series", action="store_true", help="also cancel the later sessions of its series")
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

    s = book.add_parser("series", help="plan a series of sessions; --yes books it")
    s.add_argument("--client", required=True)
    s.add_argument("--therapist", required=True)
    s.add_argument("--room", required=True)
    s.add_argument("--modality", required=True, choices=MODALITIES)
    s.add_argument("--minutes", required=True, type=int)
    s.add_argument("--start", required=True)
    s.add_argument("--every", default="7d", help="days between sessions, e.g. 7d")
    s.add_argument("--count", required=True, type=int)
    s.add_argument("--yes", action="store_true", help="book the plan (otherwise only show it)")
    s.add_argument("--override", metavar="REASON")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("referrals", help="referrals with visits used and left")
    s.add_argument("--expiring", type=int, metavar="DAYS", help="only those ending within DAYS")
    s.add_argument("--client")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("slots", help="the next free times for a session")
    s.add_argument("--minutes", required=True, type=int)
    s.add_argument("--modality", choices=MODALITIES)
    s.add_argument("--therapist")
    s.add_argument("--room")
    s.add_argument("--client")
    s.add_argument("--from", dest="start", help="first day to look at (default today)")
    s.add_argument("--count", type=int, default=5)
    s.add_argument("--json", action="store_true")

    wait = sub.add_parser("waitlist", help="clients waiting for a free session").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    s = wait.add_parser("add")
    s.add_argument("--client", required=True)
    s.add_argument("--minutes", required=True, type=int)
    s.add_argument("--from", dest="first", required=True, help="first acceptable day")
    s.add_argument("--to", dest="last", required=True, help="last acceptable day")
    s.add_argument("--modality", choices=MODALITIES)
    s.add_argument("--therapist")
    s.add_argument("--note", default="")
    s = wait.add_parser("list", help="the waitlist, with a free slot where one fits")
    s.add_argument("--json", action="store_true")
    s = wait.add_parser("remove")
    s.add_argument("id")
    s = wait.add_parser("book", help="book the earliest fitting slot for a waiting client")
    s.add_argument("id")
    s.add_argument("--override", metavar="REASON")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("day", help="the day sheet: check-in, flags, referrals, status, units")
    s.add_argument("date", nargs="?")
    s.add_argument("--therapist")
    fmt = s.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true")
    fmt.add_argument("--json", action="store_true")

    s = sub.add_parser("hands-on", help="record hands-on minutes per code after a session: 97124=38 97140=15")
    s.add_argument("id")
    s.add_argument("minutes", nargs="+", metavar="CODE=MIN")
    s.add_argument("--json", action="store_true")

    practice = sub.add_parser("practice", help="the practice's settings").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    s = practice.add_parser("show")
    s.add_argument("--json", action="store_true")
    s = practice.add_parser("set")
    s.add_argument("--name")
    s.add_argument("--hours", action="append", default=[])
    s.add_argument("--turnover", type=int, metavar="MIN")
    s.add_argument("--checkin-lead", type=int, metavar="MIN")
    s.add_argument("--no-shows-use-visits", choices=["yes", "no"],
                   help="whether a no-show uses up one of a referral's visits")

    s = sub.add_parser("check", help="check the data folder's integrity")
    s.add_argument("--rebuild-index", action="store_true",
                   help="first write the client visit index afresh from the appointments")
    s = sub.add_parser("demo", help="fill the data folder with a demo practice")
    s.add_argument("--timezone", default="America/Chicago")
    s.add_argument("--fresh", action="store_true", help="replace the demo practice in the data folder (or, "
                   f"without --data, the one --demo opens: {demo_folder()}) with a new one")
    ical_cli.add_commands(sub)
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


def _listing(items, as_json: bool, line, empty: str = "") -> int:
    """Records (or plain dict rows) as a JSON array, or one line each."""
    if as_json:
        _json([r if isinstance(r, dict) else r.to_dict() for r in items])
        return 0
    if not items and empty:
        print(empty)
    for r in items:
        print(line(r))
    return 0


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
    note = sched.referral_note(appt)
    if as_json:
        row = sched.describe([appt])[0]
        if note:
            row["referral"] = note
        _json(row)
    else:
        print(appt.id)
        if note:
            print(note, file=sys.stderr)


def _days(text: str) -> int:
    value = text.strip().lower().removesuffix("d")
    if not value.isdigit():
        raise BadInput(f"--every takes days, like 7d, not {text!r}")
    return int(value)


def _series(args, sched: Scheduler) -> int:
    every = _days(args.every)
    plan = sched.plan_series(args.client, args.therapist, args.room, args.modality, args.minutes, args.start,
                             every, args.count)
    if args.yes:
        booked = sched.book_series(args.client, args.therapist, args.room, args.modality, args.minutes,
                                   args.start, every, args.count, override=args.override)
        if args.json:
            _json(sched.describe(booked))
        for a in booked if not args.json else ():
            print(a.id)
        return 0
    rows = []
    tz = clock.zone(sched.practice().timezone)
    alt_names = {d["start"]: d for d in sched.describe_slots([i.alternative for i in plan if i.alternative])}
    for item in plan:
        row = {"start": item.start.astimezone(tz).isoformat(), "free": item.free,
               "problems": [p.message for p in item.problems]}
        if item.alternative:
            row["alternative"] = alt_names[item.alternative.start.astimezone(tz).isoformat()]
        rows.append(row)
    print("nothing booked yet: add --yes to book this plan", file=sys.stderr)
    if args.json:
        _json(rows)
        return 0
    for row, item in zip(rows, plan):
        when = clock.describe(item.start, tz)
        if item.free:
            soft = f" (needs --override: {'; '.join(row['problems'])})" if row["problems"] else ""
            print(f"{when}  free{soft}")
        else:
            alt = row.get("alternative")
            instead = (f" -> instead {alt['start'][:16].replace('T', ' ')} in {alt['room']}" if alt
                       else " -> no free time that day or the next")
            print(f"{when}  {'; '.join(p.message for p in item.blocking)}{instead}")
    return 0


def _referrals(args, sched: Scheduler) -> int:
    return _listing(sched.referral_standings(args.expiring, args.client), args.json, lambda r: (
        f"{r['id']}  {r['client']:<22} {r['used']}/{r['visits']} used, {r['left']} left, expires "
        f"{r['expires']} ({r['state']})  {r['prescriber']}  {r['area']}"), empty="no referrals")


def _slots(args, sched: Scheduler) -> int:
    slots = sched.find_slots(args.minutes, args.modality, args.therapist, args.room, args.client, args.start,
                             args.count)
    return _listing(sched.describe_slots(slots), args.json, lambda r: (
        f"{r['start'][:16].replace('T', ' ')}-{r['end'][11:16]}  {r['therapist']} · {r['room']}"),
        empty="no free time found")


def _waitlist(args, sched: Scheduler) -> int:
    if args.action == "add":
        print(sched.add_to_waitlist(args.client, args.minutes, args.first, args.last, args.modality,
                                    args.therapist, args.note).id)
    elif args.action == "remove":
        sched.remove_from_waitlist(args.id)
    elif args.action == "book":
        _print_booked(sched, sched.book_from_waitlist(args.id, override=args.override), args.json)
    else:
        entries = sched.waitlist()
        matches = {entry.id: slot for entry, slot in sched.waitlist_matches()}
        names = {c.id: c.name for c in sched.clients()}
        slot_rows = dict(zip(matches, sched.describe_slots(list(matches.values()))))
        rows = [{**e.to_dict(), "client": names.get(e.client_id, e.client_id), "free": slot_rows.get(e.id)}
                for e in entries]
        if args.json:
            _json(rows)
            return 0
        if not rows:
            print("nobody is waiting")
        for r in rows:
            free = r["free"]
            fits = (f"  FREE NOW: {free['start'][:16].replace('T', ' ')} {free['therapist']} · {free['room']}"
                    if free else "")
            print(f"{r['id']}  {r['client']:<22} {r['minutes']} min {r['modality'] or 'any'} "
                  f"{r['first_day']}..{r['last_day']}{fits}")
    return 0


def _day(args, sched: Scheduler) -> int:
    rows = sched.day_sheet(args.date, args.therapist)
    if args.json:
        _json(rows)
        return 0
    columns = ["check_in", "start", "end", "id", "kind", "status", "client", "who", "room", "flags", "referral",
               "total_units"]
    table = [{**r, "start": r["start"][11:16], "end": r["end"][11:16], "who": r.get("therapist") or r.get("provider"),
              "flags": " ".join(r["flags"]), "total_units": r.get("total_units", "")} for r in rows]
    if args.csv:
        import csv

        out = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore")
        out.writeheader()
        out.writerows(table)
        return 0
    if not table:
        print("no appointments")
    for r in table:
        extras = "  ".join(x for x in (r["flags"] and f"flags: {r['flags']}", r["referral"],
                                       r["total_units"] != "" and f"{r['total_units']} units") if x)
        print(f"{r['check_in']} in  {r['start']}-{r['end']}  {r['id']}  {r['kind']:<7} {r['status']:<9} "
              f"{r['client']} · {r['who']} · {r['room']}  {extras}".rstrip())
    return 0


def _hands_on(args, sched: Scheduler) -> int:
    minutes = {}
    for pair in args.minutes:
        code, sep, value = pair.partition("=")
        if not sep or not value.strip().isdigit():
            raise BadInput(f"give minutes per code as CODE=MIN, like 97124=38, not {pair!r}")
        minutes[code.strip()] = int(value)
    _print_booked(sched, sched.record_hands_on(args.id, minutes), args.json)
    return 0


def _practice(args, sched: Scheduler) -> int:
    if args.action == "set":
        uses = None if args.no_shows_use_visits is None else args.no_shows_use_visits == "yes"
        practice = sched.update_practice(name=args.name, hours=args.hours, turnover_minutes=args.turnover,
                                         checkin_lead_minutes=args.checkin_lead, no_show_uses_visit=uses)
    else:
        practice = sched.practice()
    if getattr(args, "json", False):
        _json(practice.to_dict())
        return 0
    print(f"{practice.name} · {practice.timezone} · open {practice.hours.describe()}")
    print(f"turnover {practice.turnover_minutes} min · check-in {practice.checkin_lead_minutes} min before · "
          f"no-shows {'use' if practice.no_show_uses_visit else 'do not use'} a referral visit")
    return 0


_PLANS = {"referrals": _referrals, "slots": _slots, "waitlist": _waitlist, "day": _day, "hands-on": _hands_on,
          "practice": _practice}


def run(args, sched: Scheduler) -> int:
    cmd = args.command
    if getattr(args, "handler", None):  # commands added by other modules: set_defaults(handler=fn)
        return args.handler(args, sched) or 0
    if cmd == "init":
        practice = sched.init(args.timezone, args.name, args.hours)
        print(f"{practice.name}: {practice.timezone}, open {practice.hours.describe()}")
    elif cmd == "demo":
        from .demo import build_demo

        explicit = args.data or os.environ.get("TUI_SCHEDULER_DATA")
        folder = sched.folder.path if explicit or not args.fresh else demo_folder()
        build_demo(folder, args.timezone, fresh=args.fresh, clock=sched.clock)
        print(f"demo practice written to {folder}")
    elif cmd == "room":
        if args.action == "add":
            print(sched.add_room(args.name, args.kind).id)
        else:
            _listing(sched.rooms(), args.json,
                     lambda r: f"{r.id}  {r.name:<20} {r.kind}{'' if r.active else ' (not in use)'}")
    elif cmd == "staff":
        if args.action == "add":
            print(sched.add_staff(args.name, args.role, args.modality, args.hours).id)
        elif args.action == "time-off":
            sched.add_time_off(args.name, _time_or_day(args.start, False), _time_or_day(args.end, True),
                               args.reason)
        else:
            _listing(sched.staff(), args.json, lambda s: f"{s.id}  {s.name:<20} {s.role}"
                     f"{' [' + ', '.join(s.modalities) + ']' if s.modalities else ''}  {s.hours.describe()}")
    elif cmd == "client":
        if args.action == "add":
            print(sched.add_client(args.name, args.payer, args.flag, args.phone, args.email, args.pressure,
                                   args.notes).id)
        else:
            _listing(sched.clients(), args.json, lambda c: f"{c.id}  {c.name:<24} {c.payer}"
                     f"{'  flags: ' + ', '.join(c.flags) if c.flags else ''}")
    elif cmd == "referral":
        if args.action == "add":
            print(sched.add_referral(args.client, args.visits, args.expires, args.issued, args.prescriber,
                                     args.area).id)
        else:
            _listing(sched.referrals(args.client), args.json, lambda r: f"{r.id}  {r.client_id}  {r.visits} visits  "
                     f"{r.issued} to {r.expires}  {r.prescriber}  {r.area}")
    elif cmd == "book" and args.kind == "series":
        return _series(args, sched)
    elif cmd in _PLANS:
        return _PLANS[cmd](args, sched)
    elif cmd == "cancel" and args.rest_of_series:
        done = sched.cancel_rest_of_series(args.id, args.reason)
        if args.json:
            _json(sched.describe(done))
        for a in done if not args.json else ():
            print(a.id)
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

        if args.rebuild_index:
            sched.rebuild_visit_index()
        problems, summary = check_folder(sched)
        for p in problems:
            print(f"problem: {p}")
        print(summary)
        return 1 if problems else 0
    return 0


def open_app(args) -> int:
    from .tui.app import make_app

    if args.fresh and not args.demo:
        raise BadInput("--fresh goes with --demo (or 'tui-scheduler demo --fresh')")
    if args.demo:
        from .demo import open_demo

        folder, _hold = open_demo(fresh=args.fresh, clock=fixed_clock())  # held while the app is open
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

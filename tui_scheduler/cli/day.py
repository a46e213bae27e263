"""`day`, `hands-on`: the day sheet and what a session bills."""

from __future__ import annotations

import csv
import sys

from ..core import clock
from ..core.errors import BadInput
from ..services import Scheduler
from .common import print_booked, print_json


def add_commands(sub, groups: dict) -> None:
    s = sub.add_parser("day", help="the day sheet: check-in, flags, referrals, status, units")
    s.add_argument("date", nargs="?")
    s.add_argument("--therapist")
    s.add_argument("--calls", action="store_true",
                   help="the call list: tomorrow's (or DATE's) unconfirmed appointments with phone numbers")
    fmt = s.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true")
    fmt.add_argument("--json", action="store_true")
    s.set_defaults(handler=day)

    s = sub.add_parser("hands-on", help="record hands-on minutes per code after a session: 97124=38 97140=15")
    s.add_argument("id")
    s.add_argument("minutes", nargs="+", metavar="CODE=MIN")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=hands_on)


def day(args, sched: Scheduler) -> int:
    if args.calls:
        return calls(args, sched)
    rows = sched.day_sheet(args.date, args.therapist)
    if args.json:
        print_json(rows)
        return 0
    columns = ["check_in", "start", "end", "id", "kind", "status", "client", "phone", "who", "room", "flags",
               "referral", "total_units", "confirmed", "time_off"]
    table = [{**r, "start": r["start"][11:16], "end": r["end"][11:16], "who": r.get("therapist") or r.get("provider"),
              "flags": " ".join(r["flags"]), "total_units": r.get("total_units", ""),
              "confirmed": "yes" if r["confirmed"] else ""} for r in rows]
    if args.csv:
        out = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore")
        out.writeheader()
        out.writerows(table)
        return 0
    closed = sched.closed_days(args.date or _today(sched))
    for closure in closed.values():
        print(f"CLOSED {closure.describe()}")
    if not table:
        print("no appointments")
    for r in table:
        extras = "  ".join(x for x in (r["time_off"] and f"OFF: {r['time_off']}", r["flags"] and f"flags: {r['flags']}",
                                       r["cleared"], r["referral"], r["total_units"] != "" and f"{r['total_units']} units",
                                       r["confirmed"] and "confirmed", r["note_versions"] and "note") if x)
        phone = f" ({r['phone']})" if r["phone"] else ""
        print(f"{r['check_in']} in  {r['start']}-{r['end']}  {r['id']}  {r['kind']:<7} {r['status']:<9} "
              f"{r['client']}{phone} · {r['who']} · {r['room']}  {extras}".rstrip())
    return 0


def _today(sched: Scheduler):
    return clock.local_day(sched.now(), clock.zone(sched.practice().timezone))


def calls(args, sched: Scheduler) -> int:
    rows = sched.call_list(args.date)
    if args.json:
        print_json(rows)
        return 0
    table = [{"start": r["start"][11:16], "id": r["id"], "client": r["client"], "phone": r["phone"],
              "with": r.get("therapist") or r.get("provider"), "kind": r["kind"]} for r in rows]
    if args.csv:
        out = csv.DictWriter(sys.stdout, fieldnames=["start", "id", "client", "phone", "with", "kind"])
        out.writeheader()
        out.writerows(table)
        return 0
    if not table:
        print("nobody to call: every appointment is confirmed")
    elif rows[0]["closed"]:
        print(f"CLOSED: {rows[0]['closed']}; call these clients to move or cancel")
    for r in table:
        print(f"{r['start']}  {r['id']}  {r['client']:<24} {r['phone'] or 'no phone on file':<16} "
              f"{r['kind']} with {r['with']}")
    return 0


def hands_on(args, sched: Scheduler) -> int:
    minutes = {}
    for pair in args.minutes:
        code, sep, value = pair.partition("=")
        if not sep or not value.strip().isdigit():
            raise BadInput(f"give minutes per code as CODE=MIN, like 97124=38, not {pair!r}")
        minutes[code.strip()] = int(value)
    print_booked(sched, sched.record_hands_on(args.id, minutes), args.json)
    return 0

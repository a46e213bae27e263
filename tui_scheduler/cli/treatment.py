"""`book series`, `referrals`, `slots`, `waitlist`: treatment plans."""

from __future__ import annotations

import sys

from ..core import clock
from ..core.errors import BadInput
from ..services import Scheduler
from .common import group, listing, print_booked, print_json


def add_commands(sub, groups: dict) -> None:
    s = groups["book"].add_parser("series", help="plan a series of sessions; --yes books it")
    s.add_argument("--client", required=True)
    s.add_argument("--therapist", required=True)
    s.add_argument("--room", required=True)
    s.add_argument("--modality", required=True, help="one of 'tui-scheduler modality list'")
    s.add_argument("--minutes", required=True, type=int)
    s.add_argument("--start", required=True)
    s.add_argument("--every", default="7d", help="days between sessions, e.g. 7d")
    s.add_argument("--count", required=True, type=int)
    s.add_argument("--yes", action="store_true", help="book the plan (otherwise only show it)")
    s.add_argument("--override", metavar="REASON")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=series)

    s = sub.add_parser("referrals", help="referrals with visits used and left")
    s.add_argument("--expiring", type=int, metavar="DAYS", help="only those ending within DAYS")
    s.add_argument("--client")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=referrals)

    s = sub.add_parser("slots", help="the next free times for a session")
    s.add_argument("--minutes", required=True, type=int)
    s.add_argument("--modality", help="one of 'tui-scheduler modality list'")
    s.add_argument("--therapist")
    s.add_argument("--room")
    s.add_argument("--client")
    s.add_argument("--from", dest="start", help="first day to look at (default today)")
    s.add_argument("--count", type=int, default=5)
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=slots)

    wait = group(sub, "waitlist", "clients waiting for a free session")
    s = wait.add_parser("add")
    s.add_argument("--client", required=True)
    s.add_argument("--minutes", required=True, type=int)
    s.add_argument("--from", dest="first", required=True, help="first acceptable day")
    s.add_argument("--to", dest="last", required=True, help="last acceptable day")
    s.add_argument("--modality", help="one of 'tui-scheduler modality list'")
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
    for s in wait.choices.values():
        s.set_defaults(handler=waitlist)


def _days(text: str) -> int:
    value = text.strip().lower().removesuffix("d")
    if not value.isdigit():
        raise BadInput(f"--every takes days, like 7d, not {text!r}")
    return int(value)


def series(args, sched: Scheduler) -> int:
    every = _days(args.every)
    plan = sched.plan_series(args.client, args.therapist, args.room, args.modality, args.minutes, args.start,
                             every, args.count)
    if args.yes:
        booked = sched.book_series(args.client, args.therapist, args.room, args.modality, args.minutes,
                                   args.start, every, args.count, override=args.override)
        if args.json:
            print_json(sched.describe(booked))
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
        print_json(rows)
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


def referrals(args, sched: Scheduler) -> int:
    return listing(sched.referral_standings(args.expiring, args.client), args.json, lambda r: (
        f"{r['id']}  {r['client']:<22} {r['used']}/{r['visits']} used, {r['left']} left, expires "
        f"{r['expires']} ({r['state']})  {r['prescriber']}  {r['area']}"), empty="no referrals")


def slots(args, sched: Scheduler) -> int:
    slots = sched.find_slots(args.minutes, args.modality, args.therapist, args.room, args.client, args.start,
                             args.count)
    return listing(sched.describe_slots(slots), args.json, lambda r: (
        f"{r['start'][:16].replace('T', ' ')}-{r['end'][11:16]}  {r['therapist']} · {r['room']}"),
        empty="no free time found")


def waitlist(args, sched: Scheduler) -> int:
    if args.action == "add":
        print(sched.add_to_waitlist(args.client, args.minutes, args.first, args.last, args.modality,
                                    args.therapist, args.note).id)
    elif args.action == "remove":
        sched.remove_from_waitlist(args.id)
    elif args.action == "book":
        print_booked(sched, sched.book_from_waitlist(args.id, override=args.override), args.json)
    else:
        entries = sched.waitlist()
        matches = {entry.id: slot for entry, slot in sched.waitlist_matches()}
        names = {c.id: c.name for c in sched.clients()}
        slot_rows = dict(zip(matches, sched.describe_slots(list(matches.values()))))
        rows = [{**e.to_dict(), "client": names.get(e.client_id, e.client_id), "free": slot_rows.get(e.id)}
                for e in entries]
        if args.json:
            print_json(rows)
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

"""`book session|visit|spot`, `move`, `cancel`, `status`, `list`: booking and changing appointments."""

from __future__ import annotations

from ..core import clock
from ..core.errors import BadInput
from ..core.policy import CANCELLED_BY
from ..services import Scheduler
from .common import group, print_appointments, print_booked, print_json


def add_commands(sub, groups: dict) -> None:
    book = group(sub, "book", "book a session, visit or spot work", dest="kind")
    s = book.add_parser("session")
    s.add_argument("--client", required=True)
    s.add_argument("--therapist", required=True)
    s.add_argument("--room", required=True)
    s.add_argument("--modality", required=True, help="one of 'tui-scheduler modality list'")
    s.add_argument("--start", required=True, help='"DATE TIME" in the practice\'s local time')
    s.add_argument("--minutes", required=True, type=int)
    s.set_defaults(handler=lambda args, sched: print_booked(sched, sched.book_session(
        args.client, args.therapist, args.room, args.modality, args.start, args.minutes,
        override=args.override), args.json, judged=True))
    s = book.add_parser("visit")
    s.add_argument("--client", required=True)
    s.add_argument("--provider", required=True)
    s.add_argument("--room", required=True)
    s.add_argument("--start", required=True)
    s.add_argument("--minutes", required=True, type=int)
    s.set_defaults(handler=lambda args, sched: print_booked(sched, sched.book_visit(
        args.client, args.provider, args.room, args.start, args.minutes, override=args.override), args.json))
    s = book.add_parser("spot")
    s.add_argument("--visit", required=True)
    s.add_argument("--therapist", required=True)
    s.add_argument("--start", required=True)
    s.add_argument("--modality", help="one of 'tui-scheduler modality list'")
    s.add_argument("--region", default="", help="body region worked (billing with an adjustment)")
    s.set_defaults(handler=lambda args, sched: print_booked(sched, sched.book_spot(
        args.visit, args.therapist, args.start, modality=args.modality, region=args.region,
        override=args.override), args.json, judged=True))
    for s in book.choices.values():
        s.add_argument("--override", metavar="REASON", help="book despite soft warnings, for this reason")
        s.add_argument("--json", action="store_true")
    groups["book"] = book

    s = sub.add_parser("move", help="move an appointment")
    s.add_argument("id")
    s.add_argument("--start", required=True)
    s.add_argument("--override", metavar="REASON")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: print_booked(
        sched, sched.move(args.id, args.start, override=args.override), args.json, judged=True))
    s = sub.add_parser("cancel", help="cancel an appointment (a visit cancels its spot work)")
    s.add_argument("id")
    s.add_argument("--reason", default="", help="why (kept in the appointment's history)")
    s.add_argument("--by", choices=CANCELLED_BY, default="client",
                   help="who cancels: the client (late within the policy's window) or the practice (never late)")
    s.add_argument("--rest-of-series", action="store_true", help="also cancel the later sessions of its series")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=cancel)
    s = sub.add_parser("status", help="check in, fulfil, no-show")
    s.add_argument("id")
    s.add_argument("status", choices=["arrived", "fulfilled", "no-show", "booked"])
    s.add_argument("--override", metavar="REASON", help="back to booked despite soft warnings, for this reason")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: print_booked(
        sched, sched.set_status(args.id, args.status, override=args.override), args.json))

    s = sub.add_parser("list", help="list appointments")
    s.add_argument("--from", dest="start", help="first day (default today)")
    s.add_argument("--days", type=int, default=1)
    who = s.add_mutually_exclusive_group()
    who.add_argument("--therapist")
    who.add_argument("--room")
    who.add_argument("--client")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=listing)


def cancel(args, sched: Scheduler) -> int:
    if not args.rest_of_series:
        return print_booked(sched, sched.cancel(args.id, args.reason, by=args.by), args.json)
    done = sched.cancel_rest_of_series(args.id, args.reason, by=args.by)
    if args.json:
        print_json(sched.describe(done))
        return 0
    for a in done:
        print(a.id)
    return 0


def listing(args, sched: Scheduler) -> int:
    if not 1 <= args.days <= 3660:
        raise BadInput("--days must be between 1 and 3660")
    if args.start:
        first = clock.parse_date(args.start)
    else:
        first = clock.local_day(sched.now(), clock.zone(sched.practice().timezone))
    start, end = sched.day_span(first, args.days)
    appts = sched.appointments(start, end, therapist=args.therapist, room=args.room, client=args.client)
    return print_appointments(sched, appts, args.json)

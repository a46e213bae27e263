"""`history`, `audit`, `attendance`: what happened, who did it, and who missed appointments."""

from __future__ import annotations

from ..core.policy import plural
from ..services import Scheduler
from .common import listing, print_json


def add_commands(sub, groups: dict) -> None:
    s = sub.add_parser("history", help="an appointment's life: booked, moved, status, messages, confirmed")
    s.add_argument("id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=history)

    s = sub.add_parser("audit", help="the audit log: who changed what, when and why")
    s.add_argument("--from", dest="first", metavar="DATE")
    s.add_argument("--to", dest="last", metavar="DATE")
    s.add_argument("--user", metavar="U", help="one OS user's changes")
    s.add_argument("--client", metavar="C", help="changes to one client and their appointments")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: listing(
        sched.audit_log(args.first, args.last, args.user, args.client), args.json, _line, empty="nothing logged"))

    s = sub.add_parser("attendance", help="no-shows and late cancellations per client")
    s.add_argument("--from", dest="first", metavar="DATE", help="first day (default: a year before --to)")
    s.add_argument("--to", dest="last", metavar="DATE", help="last day (default: today)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=attendance)


def _line(r: dict) -> str:
    return f"{r['time']}  {r['user']:<10} {r['id']:<11} {r['text']}"


def history(args, sched: Scheduler) -> int:
    rows = sched.history(args.id)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['time']}  {r['user']:<10} {r['text']}")
    return 0


def attendance(args, sched: Scheduler) -> int:
    records = sched.attendance(args.first, args.last)
    if args.json:
        print_json([{"client": r.client, "client_id": r.client_id, "appointments": r.appointments,
                     "no_shows": [a.id for a in r.no_shows], "late_cancels": [a.id for a in r.late_cancels],
                     "summary": r.text} for r in records])
        return 0
    missed = [r for r in records if r.missed]
    for r in missed:
        print(f"{r.client:<24} {r.text} (of {plural(r.appointments, 'appointment')}): "
              + ", ".join(a.id for a in r.no_shows + r.late_cancels))
    total = sum(r.appointments for r in records)
    lost = sum(r.missed for r in records)
    share = f" ({lost / total:.0%})" if total else ""
    print(f"{lost} of {total} appointments missed{share}; {len(records) - len(missed)} more clients missed none")
    return 0

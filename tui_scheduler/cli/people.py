"""`room`, `staff`, `client`, `referral`: the people and places of the practice."""

from __future__ import annotations

from datetime import timedelta

from ..core import clock
from ..core.model import REMIND_BY, Payer, Role, RoomKind
from ..services import Scheduler
from .common import group, listing, over_bookings


def add_commands(sub, groups: dict) -> None:
    room = group(sub, "room", "rooms")
    s = room.add_parser("add")
    s.add_argument("name")
    s.add_argument("--kind", required=True, choices=[k.value for k in RoomKind])
    s.set_defaults(handler=lambda args, sched: print(sched.add_room(args.name, args.kind).id))
    s = room.add_parser("list")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: listing(
        sched.rooms(), args.json, lambda r: f"{r.id}  {r.name:<20} {r.kind}{'' if r.active else ' (not in use)'}"))

    staff = group(sub, "staff", "therapists and providers")
    s = staff.add_parser("add")
    s.add_argument("name")
    s.add_argument("--role", required=True, choices=[r.value for r in Role])
    s.add_argument("--modality", action="append", default=[], help="one of 'tui-scheduler modality list'")
    s.add_argument("--hours", action="append", default=[], help='working hours, e.g. "mon-fri 09:00-17:00"')
    _provider_ids(s)
    s.set_defaults(handler=lambda args, sched: print(
        sched.add_staff(args.name, args.role, args.modality, args.hours, args.npi or "", args.license or "").id))
    s = staff.add_parser("list")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: listing(
        sched.staff(), args.json, lambda s: f"{s.id}  {s.name:<20} {s.role}"
        f"{' [' + ', '.join(s.modalities) + ']' if s.modalities else ''}  {s.hours.describe()}"))
    s = staff.add_parser("time-off", help="block time off for a staff member")
    s.add_argument("name")
    s.add_argument("--from", dest="start", required=True, help='"DATE TIME" or DATE (whole day)')
    s.add_argument("--to", dest="end", required=True, help='"DATE TIME" or DATE (whole day, inclusive)')
    s.add_argument("--reason", default="")
    s.add_argument("--override", action="store_true", help="take it although appointments are booked then")
    s.set_defaults(handler=time_off)
    s = staff.add_parser("set", help="change a staff member's settings")
    s.add_argument("name")
    _provider_ids(s)
    s.add_argument("--busy-calendar", metavar="URL-or-name",
                   help='their own calendar on the CalDAV server: its busy events become time off ("" stops it)')
    s.set_defaults(handler=staff_set)
    s = staff.add_parser("time-off-list", help="time off from today on, with the appointments it strands")
    s.add_argument("name", nargs="?")
    s.add_argument("--from", dest="start", metavar="DATE", help="from this day (default today)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=time_off_list)
    s = staff.add_parser("time-off-remove", help="remove time off by its id (see time-off-list)")
    s.add_argument("id")
    s.set_defaults(handler=time_off_remove)
    groups["staff"] = staff

    client = group(sub, "client", "clients")
    s = client.add_parser("add")
    s.add_argument("name")
    s.add_argument("--payer", default="self-pay", choices=[x.value for x in Payer])
    s.add_argument("--flag", action="append", default=[], help="one of 'tui-scheduler flag list'")
    s.add_argument("--phone", default="")
    s.add_argument("--email", default="")
    s.add_argument("--pressure", default="")
    s.add_argument("--notes", default="")
    s.add_argument("--remind-by", choices=REMIND_BY, help="email (the default when there is one), sms, or none")
    _billing_details(s)
    s.set_defaults(handler=lambda args, sched: print(sched.add_client(
        args.name, args.payer, args.flag, args.phone, args.email, args.pressure, args.notes,
        remind_by=args.remind_by or "", dob=args.dob, address=args.address or "").id))
    s = client.add_parser("set", help="change a client's details (only what is given)")
    s.add_argument("client")
    s.add_argument("--name")
    s.add_argument("--payer", choices=[x.value for x in Payer])
    s.add_argument("--phone")
    s.add_argument("--email")
    s.add_argument("--pressure")
    s.add_argument("--notes")
    s.add_argument("--remind-by", choices=REMIND_BY)
    _billing_details(s)
    s.set_defaults(handler=lambda args, sched: print(sched.update_client(
        args.client, name=args.name, payer=args.payer, phone=args.phone, email=args.email,
        pressure=args.pressure, notes=args.notes, remind_by=args.remind_by, dob=args.dob, address=args.address).id))
    s = client.add_parser("list")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: listing(
        sched.clients(), args.json, lambda c: f"{c.id}  {c.name:<24} {c.payer}"
        f"{'  flags: ' + ', '.join(c.flags) if c.flags else ''}"))
    groups["client"] = client

    ref = group(sub, "referral", "prescriptions and referrals")
    s = ref.add_parser("add")
    s.add_argument("--client", required=True)
    s.add_argument("--visits", required=True, type=int)
    s.add_argument("--expires", required=True)
    s.add_argument("--issued")
    s.add_argument("--prescriber", default="")
    s.add_argument("--area", default="")
    s.add_argument("--icd10", action="append", default=[], metavar="CODE", help="diagnosis code, e.g. M54.50")
    s.set_defaults(handler=lambda args, sched: print(sched.add_referral(
        args.client, args.visits, args.expires, args.issued, args.prescriber, args.area, args.icd10).id))
    s = ref.add_parser("list")
    s.add_argument("--client")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: listing(
        sched.referrals(args.client), args.json, lambda r: f"{r.id}  {r.client_id}  {r.visits} visits  "
        f"{r.issued} to {r.expires}  {r.prescriber}  {r.area}  {' '.join(r.icd10)}".rstrip()))
    groups["referral"] = ref


def _provider_ids(s) -> None:
    s.add_argument("--npi", metavar="N", help="National Provider Identifier (ten digits), for superbills")
    s.add_argument("--license", metavar="TEXT", help="licence, e.g. \"LMT 227.012345\", for superbills")


def _billing_details(s) -> None:
    s.add_argument("--dob", metavar="DATE", help="date of birth, for superbills")
    s.add_argument("--address", metavar="TEXT", help="postal address, for superbills")


def _time_or_day(text: str, end: bool) -> str:
    """A bare date in time-off means the whole day: from its midnight, to the next day's midnight."""
    text = text.strip()
    if len(text) == 10:
        day = clock.parse_date(text) + timedelta(days=1 if end else 0)
        return f"{day} 00:00"
    return text


def time_off(args, sched: Scheduler) -> int:
    """Over booked appointments: lists them, and takes the time off only with --override (exit 1 without)."""
    start, end = _time_or_day(args.start, False), _time_or_day(args.end, True)
    return over_bookings(sched, lambda: sched.time_off_hits(args.name, start, end),
                         lambda: sched.add_time_off(args.name, start, end, args.reason, override=args.override),
                         "time off taken: these {} appointments stay flagged until they are moved")


def time_off_list(args, sched: Scheduler) -> int:
    def line(r: dict) -> str:
        source = f" [{r['source']}]" if r.get("source") else ""  # e.g. pulled from a calendar
        strands = f"  strands {', '.join(r['hits'])}" if r["hits"] else ""
        why = f"  {r['reason']}" if r["reason"] else ""
        return (f"{r['id']}  {r['staff']:<20} {r['start'][:16].replace('T', ' ')} to "
                f"{r['end'][:16].replace('T', ' ')}{why}{source}{strands}")

    return listing(sched.time_off_list(args.name, args.start), args.json, line, empty="no time off")


def time_off_remove(args, sched: Scheduler) -> int:
    person, off = sched.remove_time_off(args.id)
    print(f"removed {person.name}'s time off {off.start.isoformat()} to {off.end.isoformat()}")
    return 0


def staff_set(args, sched: Scheduler) -> int:
    person = sched.update_staff(args.name, npi=args.npi, license=args.license, busy_calendar=args.busy_calendar)
    if args.busy_calendar is None:
        print(person.id)
    elif person.busy_calendar:
        print(f"{person.name}: busy time from {person.busy_calendar!r} (taken at each 'tui-scheduler sync')")
    return 0

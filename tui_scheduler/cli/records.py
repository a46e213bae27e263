"""`note`, `notes`, `client show`, `clearance add|list|remove`: the clinical record."""

from __future__ import annotations

from ..core.errors import Refused
from ..core.notes import SECTIONS
from ..services import Scheduler
from .common import group, listing, print_json

LABELS = {"subjective": "S", "objective": "O", "assessment": "A", "plan": "P", "areas": "Areas",
          "pressure": "Pressure"}


def add_commands(sub, groups: dict) -> None:
    s = sub.add_parser("note", help="sign the note of a session, spot or visit (no sections: show it)")
    s.add_argument("id")
    for name in SECTIONS:
        s.add_argument(f"--{name}", metavar="TEXT" if name != "pressure" else "light|medium|firm|deep")
    s.add_argument("--json", action="store_true", help="the note with every signed version")
    s.set_defaults(handler=note)

    s = sub.add_parser("notes", help="a client's visit notes")
    s.add_argument("--client", required=True)
    s.add_argument("--from", dest="first", metavar="DATE")
    s.add_argument("--to", dest="last", metavar="DATE")
    s.add_argument("--json", action="store_true", help="with every signed version of each note")
    s.set_defaults(handler=client_notes)

    s = groups["client"].add_parser("show", help="a client's record: contact, flags, referrals, history")
    s.add_argument("client")
    s.add_argument("--from", dest="since", metavar="DATE", help="history since DATE (default a year back)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=client_show)

    clearance = group(sub, "clearance", "a doctor's clearance of a client's flag, on file")
    s = clearance.add_parser("add")
    s.add_argument("--client", required=True)
    s.add_argument("--flag", required=True)
    s.add_argument("--by", required=True, metavar='"Dr. NAME"')
    s.add_argument("--until", metavar="DATE", help="the last day it covers (default: until removed)")
    s.add_argument("--note", default="")
    s.set_defaults(handler=lambda args, sched: print(sched.add_clearance(
        args.client, args.flag, args.by, args.until, args.note).id))
    s = clearance.add_parser("list")
    s.add_argument("--client")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=clearances)
    s = clearance.add_parser("remove", help="take a clearance off file")
    s.add_argument("id")
    s.set_defaults(handler=lambda args, sched: print(f"removed {sched.remove_clearance(args.id).id}"))


def note(args, sched: Scheduler) -> int:
    sections = {name: getattr(args, name) for name in SECTIONS}
    if any(v is not None for v in sections.values()):
        sched.write_note(args.id, **sections)
    row = sched.note_of(args.id)
    if row is None:
        raise Refused(f"{args.id} has no note yet (give --subjective, --objective, ... to write one)")
    if args.json:
        print_json(row)
    else:
        _print_note(row)
    return 0


def client_notes(args, sched: Scheduler) -> int:
    rows = sched.client_notes(args.client, args.first, args.last)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no notes")
    for row in rows:
        _print_note(row)
    return 0


def _print_note(row: dict) -> None:
    a = row["appointment"]
    who = a.get("therapist") or a.get("provider")
    n = row["version"]
    amended = f", amends {n - 1} earlier" if n > 1 else ""
    print(f"{a['start'][:16].replace('T', ' ')}  {a['id']}  {a['kind']} · {who} · {a['status']}  "
          f"(version {n}{amended}; signed by {row['signed_by']} {row['signed_at'][:16].replace('T', ' ')})")
    for name in SECTIONS:
        if row[name]:
            text = row[name].replace("\n", "\n      ")
            print(f"  {LABELS[name] + ':':<10}{text}")


def client_show(args, sched: Scheduler) -> int:
    record = sched.client_history(args.client, args.since)
    if args.json:
        print_json(record)
        return 0
    c = record["client"]
    contact = " · ".join(x for x in (c["payer"], c["phone"], c["email"]) if x)
    print(f"{c['name']} ({c['id']}) · {contact}")
    personal = " · ".join(x for x in (c["dob"] and f"born {c['dob']}", c["address"], c["pressure"] and
                                      f"pressure {c['pressure']}") if x)
    if personal:
        print(personal)
    if c["notes"]:
        print(c["notes"])
    for f in record["flags"]:
        print(f"flag: {f['flag']} ({f['label']}): {f['cleared'] or 'no clearance on file: talk to the doctor'}")
    for k in record["clearances"]:
        print(f"clearance {k['id']}: {k['flag']} by {k['by']}" + (f" until {k['until']}" if k["until"] else "")
              + ("" if k["valid"] else " (expired)"))
    for r in record["referrals"]:
        codes = f" [{', '.join(r['icd10'])}]" if r["icd10"] else ""
        print(f"referral {r['id']}: {r['prescriber'] or 'no prescriber'}, {r['used']} of {r['visits']} visits "
              f"used, {r['left']} left, expires {r['expires']} ({r['state']}){codes}")
    print("next:" if record["next"] else "next: nothing booked")
    _print_rows(record["next"])
    print(f"history since {record['since']}:" if record["history"] else f"no history since {record['since']}")
    _print_rows(record["history"])
    print(f"attendance: {record['attendance']['text']}")
    return 0


def _print_rows(rows: list[dict]) -> None:
    for r in rows:
        who = r.get("therapist") or r.get("provider")
        extras = []
        if r.get("total_units") is not None:
            extras.append(f"{r['total_units']} unit{'' if r['total_units'] == 1 else 's'}")
        elif "units" in r and r["status"] == "fulfilled":
            extras.append("hands-on minutes not recorded")
        if r["note"]:
            extras.append("note" if r["note_versions"] == 1 else f"note ({r['note_versions']} versions)")
        print(f"  {r['start'][:16].replace('T', ' ')}-{r['end'][11:16]}  {r['id']}  {r['kind']:<7} {r['status']:<9} "
              f"{who} · {r['room']}" + "".join(f" · {x}" for x in extras))


def clearances(args, sched: Scheduler) -> int:
    names = sched.names()
    return listing(sched.clearances(args.client), args.json, lambda k: (
        f"{k.id}  {names.get(k.client_id, k.client_id):<24} {k.flag:<16} by {k.by}"
        f"{' until ' + str(k.until) if k.until else ''}  (on file since {k.recorded})"), empty="no clearances")


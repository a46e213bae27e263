"""`modality add|remove|list`, `flag add|remove|list`: the practice's own words."""

from __future__ import annotations

from .common import group, print_json


def add_commands(sub, groups: dict) -> None:
    modality = group(sub, "modality", "the modalities therapists are certified in")
    s = modality.add_parser("add")
    s.add_argument("name", help='e.g. "hot stone" (kept as hot-stone)')
    s.set_defaults(handler=lambda args, sched: print(sched.add_modality(args.name)))
    s = modality.add_parser("remove", help="remove one nobody uses")
    s.add_argument("name")
    s.set_defaults(handler=lambda args, sched: print(f"removed {sched.remove_modality(args.name)}"))
    s = modality.add_parser("list")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: _words(list(sched.modalities()), args.json))

    flag = group(sub, "flag", "conditions that make a booking a deliberate decision")
    s = flag.add_parser("add")
    s.add_argument("name")
    s.add_argument("--meaning", default="", help="what it means, as the booking form shows it")
    s.set_defaults(handler=lambda args, sched: print(sched.add_flag(args.name, args.meaning)))
    s = flag.add_parser("remove", help="remove one no client has")
    s.add_argument("name")
    s.set_defaults(handler=lambda args, sched: print(f"removed {sched.remove_flag(args.name)}"))
    s = flag.add_parser("list")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: _words(sched.flags(), args.json))


def _words(words, as_json: bool) -> int:
    if as_json:
        print_json(words)
    elif isinstance(words, dict):
        for name, meaning in words.items():
            print(f"{name:<18} {meaning}")
    else:
        print("\n".join(words))
    return 0

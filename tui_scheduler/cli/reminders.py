"""`reminders send|list`, `confirm`: reminders and confirmations."""

from __future__ import annotations

import signal
import sys
import threading

from ..services import Scheduler
from ..services.reminders import summary
from .common import group, listing, print_booked


def add_commands(sub, groups: dict) -> None:
    rem = group(sub, "reminders", "reminders and cancellation notices to clients")
    s = rem.add_parser("send", help="send every reminder that is due now")
    s.add_argument("--every", type=int, metavar="MINUTES",
                   help="keep running, sending as messages fall due (and at once after a change)")
    s.set_defaults(handler=send)
    s = rem.add_parser("list", help="the outbox: due, sent (when), failed (why, tries)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=outbox)

    s = sub.add_parser("confirm", help="mark an appointment confirmed (the client called back or replied)")
    s.add_argument("id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=lambda args, sched: print_booked(sched, sched.confirm(args.id), args.json))


def _say(line: str) -> None:
    print(line, flush=True)  # flushed at once: a person, or a test, may be watching a send in progress


def send(args, sched: Scheduler) -> int:
    if args.every is not None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        _say(f"sending reminders as they fall due, looking every {args.every} minutes; stop with Ctrl+C")
        sched.keep_sending(args.every, _say, stop)
        return 0
    run = sched.send_reminders(_say)
    _say(summary(run))
    if run.closed:
        print("tui-scheduler: " + "; ".join(run.closed.values()) + ": nothing more was sent that way; "
              "every message not sent will be tried again on the next run", file=sys.stderr)
    return 1 if run.failed else 0


def outbox(args, sched: Scheduler) -> int:
    def line(r: dict) -> str:
        when = r["start"][:16].replace("T", " ")
        if r["status"] == "sent":
            state = f"sent {r['sent'][:16].replace('T', ' ')} by {r['channel']}"
        elif r["status"] == "due":
            state = f"due {r['due'][:16].replace('T', ' ')}"
        else:
            state = r["status"] + (f" after {r['tries']} tries" if r["tries"] > 1 else "")
        why = f": {r['error']}" if r["error"] else ""
        return f"{r['id']}  {r['what']:<12} {r['appointment']}  {when}  {r['client']:<22} {state}{why}"

    return listing(sched.outbox(), args.json, line, empty="the outbox is empty")

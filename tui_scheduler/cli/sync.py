"""`caldav set|show` and `sync [--every SECONDS]`: the practice's calendars on a CalDAV server."""

from __future__ import annotations

import signal
import sys
import time

from ..core.errors import BadInput, SchedulerError
from ..services import Scheduler
from ..services.sync import password_warning
from .common import group, print_json


def add_commands(sub, groups: dict) -> None:
    cal = group(sub, "caldav", "the CalDAV server the practice's calendars sync with")
    s = cal.add_parser("set", help="where to sync (the first time: --url, --user and --password-file)")
    s.add_argument("--url", help="the server, e.g. https://cloud.example.com/remote.php/dav")
    s.add_argument("--user")
    s.add_argument("--password-file", metavar="F", help="a file holding the password (read at each sync)")
    s.add_argument("--full-names", choices=["yes", "no"],
                   help="clients' full names in the synced calendars (default no: initials)")
    s.set_defaults(handler=set_account)
    s = cal.add_parser("show")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=show)

    s = sub.add_parser("sync", help="sync with the CalDAV server: push appointments, pull busy time")
    s.add_argument("--every", type=int, metavar="SECONDS", help="keep running, syncing every SECONDS")
    s.set_defaults(handler=sync)


def set_account(args, sched: Scheduler) -> int:
    names = None if args.full_names is None else args.full_names == "yes"
    account = sched.set_caldav(args.url, args.user, args.password_file, names)
    warning = password_warning(account.password_file)
    if warning:
        print(f"tui-scheduler: warning: {warning}", file=sys.stderr)
    return _print(account, False)


def show(args, sched: Scheduler) -> int:
    return _print(sched.caldav_account(), args.json)


def _print(account, as_json: bool) -> int:
    if as_json:
        print_json(account.to_dict())
        return 0
    print(f"{account.url} as {account.user} (password in {account.password_file}); clients shown by "
          f"{'full name' if account.full_names else 'initials'}")
    if account.last_sync:
        print(f"last sync {account.last_sync}: {account.last_result}")
    return 0


def _say(line: str) -> None:
    print(line, flush=True)  # flushed: a person (or a test) watching the output sees each step as it happens


def _once(sched: Scheduler) -> None:
    from ..ical.caldav import CalDavServer

    account = sched.caldav_account()
    _say(f"syncing with {account.url} as {account.user}")
    sched.sync_caldav(CalDavServer.connect(account), _say)


def sync(args, sched: Scheduler) -> int:
    if args.every is None:
        _once(sched)
        return 0
    if not 1 <= args.every <= 86400:
        raise BadInput("--every is 1 to 86400 seconds (a day)")
    signal.signal(signal.SIGTERM, _stop)  # a service manager's stop ends it like Ctrl+C
    try:
        while True:
            try:
                _once(sched)
            except SchedulerError as exc:  # the server or the folder may be back next time: keep going
                print(f"tui-scheduler: {exc.reason}; trying again in {args.every} s", file=sys.stderr, flush=True)
            time.sleep(args.every)
    except KeyboardInterrupt:  # stopping is this command's normal end; a sync cut short is finished next time
        return 0


def _stop(signum, frame):
    raise KeyboardInterrupt

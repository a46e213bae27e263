"""The `tui-scheduler` command: argument parsing and printing only; every decision is the service's.

Each command group is a module that adds its own sub-commands (with `set_defaults(handler=...)`) and
prints its own results; this module only assembles them and turns errors into one line and an exit code.
Exit codes: 0 done, 1 refused by a rule, 2 bad input, 3 the data folder cannot be used, 4 a server (calendar,
mail) cannot be reached or refused.
"""

from __future__ import annotations

import argparse
import gc
import sys

from .. import paths
from ..paths import demo_folder
from ..core.errors import BadInput, NeedsOverride, SchedulerError
from ..services import Scheduler
from .common import Parser, data_dir, fixed_clock


def command_groups() -> tuple:
    """Each group's module, in the order `--help` lists them; treatment adds `book series`, so it comes after
    booking, and records adds `client show` after people. Imported only for a command: opening the app
    needs none of them (about 60 ms of every start)."""
    from ..ical import cli as feeds
    from . import (audit, backup, booking, closures, day, imports, people, practice, records, reminders,
                   superbill, sync, treatment, vocabulary)

    return (practice, vocabulary, people, closures, booking, treatment, day, records, superbill, reminders, audit,
            feeds, sync, backup, imports)


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    p = Parser(prog="tui-scheduler", description="Scheduler for a small medical-massage practice.")
    p.add_argument("--data", metavar="DIR", help="data folder (default: $TUI_SCHEDULER_DATA or your data dir)")
    p.add_argument("--demo", action="store_true", help=f"open the app on the demo practice in {demo_folder()} "
                   "(today's is reused; a new one is built when there is none, or it is from another day)")
    p.add_argument("--fresh", action="store_true", help="with --demo: build a new demo practice first")
    p.set_defaults(command=None)
    if commands:
        sub = p.add_subparsers(dest="command", parser_class=Parser)
        groups: dict = {}
        for module in command_groups():
            module.add_commands(sub, groups)
    return p


def opens_the_app(argv: list[str]) -> bool:
    """Whether the arguments are only the app's own (--data DIR, --demo, --fresh): no command, no help."""
    rest = iter(argv)
    for arg in rest:
        if arg == "--data":
            if next(rest, None) is None:
                return False  # the full parser says what is missing
        elif arg not in ("--demo", "--fresh") and not arg.startswith("--data="):
            return False
    return True


def open_app(args) -> int:
    if args.fresh and not args.demo:
        raise BadInput("--fresh goes with --demo (or 'tui-scheduler demo --fresh')")
    if args.demo:
        from ..demo import open_demo

        folder, _hold = open_demo(fresh=args.fresh, clock=fixed_clock())  # held while the app is open
    else:
        folder = data_dir(args)
        if not Scheduler(folder).is_set_up():
            raise BadInput(f"no practice in {folder} yet: run 'tui-scheduler init --timezone ZONE' "
                           f"or 'tui-scheduler demo', or try 'tui-scheduler --demo'")
    # Textual's import allocates much and frees little: the collector stays off until the app has drawn its
    # first frame (SchedulerApp turns it back on), as it is for the app's own start-up
    gc.disable()
    from ..tui.app import make_app

    make_app(folder, clock=fixed_clock()).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else argv
        for arg in argv:
            if any("\udc80" <= ch <= "\udcff" for ch in arg):  # bytes the locale could not decode
                raise BadInput(f"an argument is not valid text (UTF-8): {arg.encode('utf-8', 'replace')[:60]!r}")
        args = build_parser(commands=not opens_the_app(argv)).parse_args(argv)
        if args.command is None:
            return open_app(args)
        sched = Scheduler(data_dir(args), clock=fixed_clock())
        return args.handler(args, sched) or 0
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
    except OSError as exc:  # a path given on the command line that the system refuses (too long, a folder...)
        where = f" ({str(exc.filename)[:80]})" if exc.filename else ""
        print(f"tui-scheduler: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback for a person to read: it goes to the log file instead
        where = paths.log_exception(exc)
        print(f"tui-scheduler: unexpected error ({type(exc).__name__}: {exc}); details in {where}",
              file=sys.stderr)
        return 70


def entry() -> None:
    sys.exit(main())

"""`backup --out FILE` and `restore FILE --data DIR`. Parsing and printing only."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.errors import BadInput
from ..services import Scheduler
from ..store.files import write_named


def add_commands(sub, groups: dict) -> None:
    s = sub.add_parser("backup", help="write the whole data folder to one archive, at one consistent moment")
    s.add_argument("--out", required=True, metavar="FILE", help="the archive (.tar.gz) to write; '-': standard output")
    s.set_defaults(handler=backup)
    s = sub.add_parser("restore", help="unpack a backup into an empty data folder (--data DIR), then check it")
    s.add_argument("archive", metavar="FILE", help="an archive 'backup' wrote; '-': standard input")
    # `restore FILE --data DIR` as the issue spells it, as well as `--data DIR restore FILE`
    s.add_argument("--data", metavar="DIR", default=argparse.SUPPRESS,
                   help="the folder to restore into: empty or new (required)")
    s.set_defaults(handler=restore)


def backup(args, sched: Scheduler) -> int:
    out = None if args.out == "-" else Path(args.out).expanduser().absolute()
    if out is not None:
        if not out.parent.is_dir():
            raise BadInput(f"no folder {out.parent} to write {out.name} into")
        if out.parent.resolve().is_relative_to(sched.folder.path.resolve()):
            raise BadInput(f"{out} is inside the data folder; keep backups somewhere else (another disk)")
    archive = sched.take_backup(on_wait=lambda: print(
        "tui-scheduler: waiting for a change another desk is saving…", file=sys.stderr, flush=True))
    if out is None:
        sys.stdout.buffer.write(archive.data)
        sys.stdout.buffer.flush()
    else:
        write_named(out, archive.data)
    m = archive.manifest
    print(f"backed up {len(m['files'])} files of {m['practice']} (revision {m['revision']}, "
          f"{len(archive.data):,} bytes) to {out or 'standard output'}", file=sys.stderr if out is None else sys.stdout)
    return 0


def restore(args, sched: Scheduler) -> int:
    if not args.data:
        raise BadInput("restore needs --data DIR: the empty or new folder to restore into")
    if args.archive == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(args.archive).expanduser().read_bytes()
        except OSError as exc:
            raise BadInput(f"cannot read {args.archive}: {exc.strerror or exc}") from None
    done = sched.restore_backup(data)
    m = done.manifest
    print(f"restored {len(m['files'])} files of {m.get('practice', '?')} (revision {m.get('revision', '?')}, "
          f"backed up {m.get('created', '?')}) into {sched.folder.path}")
    for problem in done.problems:
        print(f"problem: {problem}")
    print(done.summary)
    return 1 if done.problems else 0

"""The feed commands: `export`, `feeds new|list|revoke`, `serve-feeds`. Parsing and printing only."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import orjson

from ..core.errors import BadInput
from ..core.feeds import FUTURE_DAYS, PAST_DAYS
from ..services import Scheduler


def add_commands(sub, groups: dict) -> None:
    s = sub.add_parser("export", help="write iCalendar (.ics) files")
    _scope_options(s)
    s.add_argument("--out", required=True, metavar="PATH",
                   help="the .ics file ('-': standard output); a folder with --all")
    s.set_defaults(handler=export)

    # a sub-command's own sub-commands take its parser class: mistakes stay one line and exit 2
    group = sub.add_parser("feeds", help="calendar feeds that apps subscribe to").add_subparsers(
        dest="action", required=True)
    s = group.add_parser("new", help="make a feed and print its URL path")
    _scope_options(s)
    s.set_defaults(handler=new)
    s = group.add_parser("list", help="the feeds and their URL paths")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=listing)
    s = group.add_parser("revoke", help="stop a feed: its URL answers 404 from now on")
    s.add_argument("token", help="the feed's token, or the URL path 'feeds new' printed")
    s.set_defaults(handler=revoke)

    s = sub.add_parser("serve-feeds", help="serve the feeds over HTTP for calendar apps")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    s.add_argument("--port", type=int, default=8080)
    s.set_defaults(handler=serve)


def _scope_options(s) -> None:
    which = s.add_mutually_exclusive_group(required=True)
    which.add_argument("--therapist", metavar="NAME", help="one therapist's or provider's appointments")
    which.add_argument("--room", metavar="NAME", help="one room's appointments and turnover")
    which.add_argument("--all", action="store_true", help="the whole practice")
    s.add_argument("--full-names", action="store_true",
                   help="clients' full names instead of initials (for a feed that stays in the clinic)")
    s.add_argument("--past-days", type=int, default=PAST_DAYS, metavar="N")
    s.add_argument("--future-days", type=int, default=FUTURE_DAYS, metavar="N")


def _scope(args) -> tuple[str, str | None]:
    if args.therapist:
        return "therapist", args.therapist
    if args.room:
        return "room", args.room
    return "practice", None


def export(args, sched: Scheduler) -> int:
    from .build import file_name, render

    days = {"full_names": args.full_names, "past_days": args.past_days, "future_days": args.future_days}
    if not args.out.strip():  # an empty name would be the current folder, written into unasked
        raise BadInput("--out needs a file (or with --all a folder), or '-' for standard output")
    if args.out == "-":
        if args.all:
            raise BadInput("--all writes one file per feed into a folder; '-' (standard output) takes one "
                           "feed: --therapist or --room")
        scope, name = _scope(args)
        feed = sched.describe_feed(scope, name, **days)
        body, _, _ = render(feed, sched.feed_content(feed))
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return 0
    out = Path(args.out).expanduser()
    if not out.parent.is_dir():
        raise BadInput(f"no folder {out.parent} to write {out.name} into")
    if args.all:
        if out.exists() and not out.is_dir():
            raise BadInput(f"--out {out} is a file; with --all it names a folder for one file per feed")
        chosen = sched.every_feed(**days)
        out.mkdir(exist_ok=True)
        targets = [(feed, out / file_name(feed)) for feed in chosen]
    else:
        if out.is_dir() and not out.is_symlink():
            raise BadInput(f"--out {out} is a folder; give the .ics file to write")
        scope, name = _scope(args)
        targets = [(sched.describe_feed(scope, name, **days), out)]
    for feed, path in targets:
        body, _, _ = render(feed, sched.feed_content(feed))
        sched.write_export(path, body)
        print(path)
    return 0


def new(args, sched: Scheduler) -> int:
    scope, name = _scope(args)
    feed = sched.new_feed(scope, name, args.full_names, args.past_days, args.future_days)
    print(feed.path)
    return 0


def listing(args, sched: Scheduler) -> int:
    stored = sched.list_feeds()
    if args.json:
        rows = [{**f.to_dict(), "path": f.path} for f in stored]
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if not stored:
        print("no feeds (make one with 'tui-scheduler feeds new')")
    for f in stored:
        names = "full names" if f.full_names else "initials"
        print(f"{f.id}  {f.scope:<9} {f.target:<24} {names:<10} -{f.past_days}/+{f.future_days} days  {f.path}")
    return 0


def revoke(args, sched: Scheduler) -> int:
    feed = sched.revoke_feed(args.token)
    print(f"revoked {feed.id} ({feed.scope} {feed.target})")
    return 0


def serve(args, sched: Scheduler) -> int:
    from .server import FeedServer, bind_warning

    if not 0 <= args.port <= 65535:
        raise BadInput("--port must be between 0 and 65535")
    sched.practice()  # a folder without a practice is said now, not on the first request
    warning = bind_warning(args.host)
    if warning:
        print(f"tui-scheduler: {warning}", file=sys.stderr)
    try:
        server = FeedServer(sched, args.host, args.port)
    except OSError as exc:
        raise BadInput(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"serving feeds at http://{shown}:{port}/feeds/<token>.ics (Ctrl+C stops)", flush=True)
    # SIGTERM (a service manager stopping us) ends the loop as cleanly as Ctrl+C does
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0

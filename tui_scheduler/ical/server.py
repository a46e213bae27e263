"""A read-only HTTP server that calendar apps subscribe to: GET /feeds/<token>.ics.

Each request re-reads the data folder's revision (one small file), so a booking made by any process
shows on the next request without a restart; an unchanged feed is answered from memory, or with 304
when the app already has it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .. import paths
from ..core.feeds import Feed
from ..core.errors import SchedulerError
from ..services import Scheduler
from .build import FeedBuilder, file_name

_PATH = re.compile(r"^/feeds/([A-Za-z0-9_-]{1,200})\.ics$")
# Bumped when the text a feed produces changes shape, so apps holding an old ETag get the new text.
FORMAT = "1"


def etag(token: str, revision: int, today, feed: Feed) -> str:
    raw = f"{FORMAT}|{token}|{revision}|{today}|{feed.past_days}|{feed.future_days}".encode()
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def bind_warning(host: str) -> str | None:
    """What to tell a person who binds beyond this machine; None for loopback."""
    try:
        loopback = all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
    except (OSError, ValueError):
        loopback = False
    if loopback:
        return None
    return (f"warning: serving feeds on {host}, reachable from other machines; anyone who learns a feed's "
            f"URL sees its appointments, and the traffic is not encrypted (put it behind HTTPS)")


class FeedHandler(BaseHTTPRequestHandler):
    timeout = 30  # a client that stops sending does not hold a thread for ever

    def version_string(self) -> str:
        return "tui-scheduler"  # not the Python version: nothing for a scanner to match against

    def do_GET(self):
        self._answer(with_body=True)

    def do_HEAD(self):
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        sched: Scheduler = self.server.sched
        found = _PATH.match(self.path.split("?", 1)[0])
        try:
            feed = sched.find_feed(found.group(1) if found else "")
            if found is None or feed is None:
                return self._plain(HTTPStatus.NOT_FOUND, "no such feed\n", with_body)
            built = self.server.builder.build(sched, feed)
        except SchedulerError as exc:
            self.log_message("cannot read the data folder: %s", exc.reason)
            return self._plain(HTTPStatus.SERVICE_UNAVAILABLE, "the practice's data cannot be read now\n",
                               with_body)
        except Exception as exc:  # the traceback goes to the log file; the app gets a plain 500
            self.log_message("unexpected error, details in %s", paths.log_exception(exc))
            return self._plain(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error\n", with_body)
        tag = etag(feed.token, built.revision, built.today, feed)
        wanted = [t.strip() for t in self.headers.get("If-None-Match", "").split(",")]
        if tag in wanted or "*" in wanted:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._common(tag)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self._common(tag)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("Content-Length", str(len(built.body)))
        self.send_header("Content-Disposition", f'inline; filename="{file_name(feed)}"')
        self.end_headers()
        if with_body:
            self.wfile.write(built.body)

    def _common(self, tag: str) -> None:
        self.send_header("ETag", tag)
        self.send_header("Cache-Control", "private, no-cache")  # keep it, but ask again each time
        self.send_header("X-Content-Type-Options", "nosniff")

    def _plain(self, status: HTTPStatus, text: str, with_body: bool) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_request(self, code="-", size="-"):
        # the token is the feed's password: keep it out of the log
        shown = _PATH.sub(lambda m: f"/feeds/{m.group(1)[:4]}….ics", self.path.split("?", 1)[0])
        self.log_message('"%s %s" %s', self.command, shown, getattr(code, "value", code))

    def log_message(self, format, *args):
        sys.stderr.write(f"{self.log_date_time_string()} {format % args}\n")


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sched: Scheduler, host: str, port: int):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sched = sched
        self.builder = FeedBuilder()
        super().__init__((host, port), FeedHandler)

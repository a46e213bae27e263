"""A read-only HTTP/1.1 server that calendar apps subscribe to: GET /feeds/<token>.ics.

Each request re-reads the data folder's revision (one small file), so a booking made by any process
shows on the next request without a restart; an unchanged feed is answered from memory, or with 304
when the app already has it (If-None-Match, weakly compared, or If-Modified-Since).

The server reads requests itself rather than through http.server: it faces the network, so every request
has a deadline from its first byte to its last header (a client sending a byte every few seconds is cut
off), a bounded size, one strict form, and an answer (400, 408, 414, 431) for anything else. The token in
a feed's URL is its password: no log line holds any part of what a client sent as a path, only which feed
(by id) it asked for.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import socketserver
import sys
import time
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus

from .. import paths
from ..core.errors import SchedulerError
from ..core.feeds import Feed
from ..services import Scheduler
from .build import Built, FeedBuilder, file_name

_PATH = re.compile(r"^/feeds/([A-Za-z0-9_-]{1,200})\.ics$")
_ABSOLUTE = re.compile(r"^https?://[^/?#]*(?P<path>[/?].*)?$", re.IGNORECASE)
_METHOD = re.compile(r"^[A-Z]{1,20}$")
_HEADER_NAME = re.compile(rb"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

MAX_LINE = 8 * 1024  # request line; longer: 414
MAX_HEAD = 32 * 1024  # request line and headers; larger: 431
REQUEST_SECONDS = 10.0  # from a request's first byte to its last header; slower: 408 and closed
IDLE_SECONDS = 15.0  # a kept-alive connection waiting for its next request
SEND_SECONDS = 60.0  # to send one answer to an app that reads slowly
BACKLOG = 256  # connections waiting to be accepted (200 apps refreshing at once)


def etag(built: Built, gzipped: bool) -> str:
    """Follows the feed's text (not the data revision): an app holding it skips a download until the
    text itself changes. The gzip form is another representation, so another tag."""
    return f'"{built.tag}-gzip"' if gzipped else f'"{built.tag}"'


def _last_modified(built: Built) -> datetime:
    """When the feed's text last changed, never later than this server's clock says now (HTTP requires
    it; the data's clock may be pinned ahead, as in a demo)."""
    return min(built.modified, datetime.now(timezone.utc).replace(microsecond=0))


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


class Refusal(Exception):
    """A request answered with an error status; `said` is what the log gets (our words, never theirs)."""

    def __init__(self, status: HTTPStatus, said: str, close: bool = True):
        super().__init__(said)
        self.status, self.said, self.close = status, said, close


class Request:
    def __init__(self, method: str, target: str, version: str, headers: dict[str, str]):
        self.method, self.target, self.version, self.headers = method, target, version, headers

    @property
    def keep_alive(self) -> bool:
        words = {w.strip().lower() for w in self.headers.get("connection", "").split(",")}
        if "close" in words:
            return False
        return self.version == "HTTP/1.1" or "keep-alive" in words

    def path(self) -> str:
        """The path of an origin-form or absolute-form target, without its query."""
        target = self.target
        if not target.startswith("/"):
            found = _ABSOLUTE.match(target)
            if not found:
                raise Refusal(HTTPStatus.BAD_REQUEST, "a target that is not a path")
            target = found.group("path") or "/"
        return target.split("?", 1)[0]

    def accepts_gzip(self) -> bool:
        for part in self.headers.get("accept-encoding", "").split(","):
            coding, *params = [p.strip() for p in part.split(";")]
            if coding.lower() in ("gzip", "x-gzip"):
                return all(_weight(p) != 0 for p in params)
        return False


def _weight(param: str) -> float | None:
    """The q of an Accept-Encoding parameter ("q=0" refuses the coding), None for anything else."""
    key, _, value = param.partition("=")
    if key.strip().lower() != "q":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def parse_head(head: bytes) -> Request:
    """A request line and headers (the blank line already cut off), strictly: one space between three
    parts, HTTP/1.0 or 1.1, ASCII, no folded or nameless headers, no body."""
    lines = head.split(b"\r\n")
    try:
        line = lines[0].decode("ascii")
    except UnicodeDecodeError:
        raise Refusal(HTTPStatus.BAD_REQUEST, "a request line that is not ASCII") from None
    parts = line.split(" ")
    if len(parts) != 3 or not _METHOD.match(parts[0]) or not parts[1] or not parts[1].isprintable():
        raise Refusal(HTTPStatus.BAD_REQUEST, "a malformed request line")
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise Refusal(HTTPStatus.BAD_REQUEST, "a protocol other than HTTP/1.0 or 1.1")
    headers: dict[str, str] = {}
    for raw in lines[1:]:
        name, colon, value = raw.partition(b":")
        if not colon or not _HEADER_NAME.match(name):
            raise Refusal(HTTPStatus.BAD_REQUEST, "a malformed header")
        key = name.decode("ascii").lower()
        text = value.strip(b" \t").decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    if headers.get("content-length", "0").strip() != "0" or "transfer-encoding" in headers:
        raise Refusal(HTTPStatus.BAD_REQUEST, "a request with a body")
    return Request(method, target, version, headers)


class FeedHandler(socketserver.BaseRequestHandler):
    """One connection: requests one after another (keep-alive) until the app closes, asks to close, idles,
    or sends something we refuse."""

    server: FeedServer

    def setup(self) -> None:
        self.buffer = bytearray()
        self.peer = self.client_address[0] if isinstance(self.client_address, tuple) else "-"

    def handle(self) -> None:
        sock: socket.socket = self.request
        waiting = IDLE_SECONDS
        try:
            while True:
                try:
                    head = self._read_head(sock, waiting)
                    if head is None:
                        return
                    request = parse_head(head)
                except Refusal as refused:
                    self._refuse(sock, refused)
                    return
                keep = self._answer(sock, request)
                if not keep:
                    return
                waiting = IDLE_SECONDS
        except OSError:  # the app went away or stopped reading; nothing to tell it
            return

    # --- reading ---------------------------------------------------------------------------------

    def _read_head(self, sock: socket.socket, waiting: float) -> bytes | None:
        """The next request's head (without its blank line), or None when the app closed or idled out
        between requests. Its deadline runs from the request's first byte, whatever the app's pace."""
        deadline = None
        idle_until = time.monotonic() + waiting
        while True:
            if self.buffer:
                if deadline is None:
                    deadline = time.monotonic() + self.server.request_seconds
                if self.buffer.startswith((b"\r\n", b"\n")):
                    raise Refusal(HTTPStatus.BAD_REQUEST, "an empty request line")
                first = self.buffer.find(b"\n", 0, MAX_LINE + 1)
                if first < 0 and len(self.buffer) > MAX_LINE:
                    raise Refusal(HTTPStatus.REQUEST_URI_TOO_LONG, "a request line over 8 kB")
                end = self.buffer.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
                if end < 0 and len(self.buffer) > MAX_HEAD:
                    raise Refusal(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers over 32 kB")
                if end >= 0:
                    head = bytes(self.buffer[:end])
                    del self.buffer[:end + 4]
                    return head
            left = (deadline if deadline is not None else idle_until) - time.monotonic()
            if left <= 0:
                if deadline is None:
                    return None  # an idle kept-alive connection: close it quietly
                raise Refusal(HTTPStatus.REQUEST_TIMEOUT,
                              f"a request not complete within {self.server.request_seconds:g} s")
            sock.settimeout(left)
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                return None
            self.buffer += chunk

    # --- answering -------------------------------------------------------------------------------

    def _answer(self, sock: socket.socket, request: Request) -> bool:
        """Answer one request; whether the connection stays open."""
        with_body = request.method != "HEAD"
        keep = request.keep_alive
        if request.method not in ("GET", "HEAD"):
            self._send(sock, HTTPStatus.METHOD_NOT_ALLOWED, "only GET and HEAD\n", keep, request,
                       "a method other than GET or HEAD", extra={"Allow": "GET, HEAD"})
            return keep
        try:
            found = _PATH.match(request.path())
        except Refusal as refused:
            self._send(sock, refused.status, "bad request\n", False, request, refused.said)
            return False
        sched: Scheduler = self.server.sched
        try:
            feed = sched.find_feed(found.group(1)) if found else None
            if feed is None:
                self._send(sock, HTTPStatus.NOT_FOUND, "no such feed\n", keep, request,
                           "an unknown feed" if found else "a path that is not a feed")
                return keep
            built = self.server.builder.build(sched, feed)
        except SchedulerError as exc:
            self._log(request, HTTPStatus.SERVICE_UNAVAILABLE, f"the data folder cannot be read: {exc.reason}")
            self._send(sock, HTTPStatus.SERVICE_UNAVAILABLE, "the practice's data cannot be read now\n", keep,
                       request, None)
            return keep
        except Exception as exc:  # the traceback goes to the log file; the app gets a plain 500
            self._log(request, HTTPStatus.INTERNAL_SERVER_ERROR,
                      f"unexpected error, details in {paths.log_exception(exc)}")
            self._send(sock, HTTPStatus.INTERNAL_SERVER_ERROR, "internal error\n", False, request, None)
            return False
        self._feed(sock, request, feed, built, with_body, keep)
        return keep

    def _feed(self, sock, request: Request, feed: Feed, built: Built, with_body: bool, keep: bool) -> None:
        zipped = request.accepts_gzip()
        tag = etag(built, zipped)
        headers = {
            "ETag": tag,
            "Last-Modified": format_datetime(_last_modified(built), usegmt=True),
            "Cache-Control": "private, no-cache",  # keep it, but ask again each time
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
        }
        if self._unchanged(request, built):
            self._write(sock, HTTPStatus.NOT_MODIFIED, headers, b"", keep, False)
            self._log(request, HTTPStatus.NOT_MODIFIED, f"feed {feed.id}")
            return
        body = built.gzipped if zipped else built.body
        headers["Content-Type"] = "text/calendar; charset=utf-8"
        headers["Content-Disposition"] = f'inline; filename="{file_name(feed)}"'
        if zipped:
            headers["Content-Encoding"] = "gzip"
        self._write(sock, HTTPStatus.OK, headers, body, keep, with_body)
        self._log(request, HTTPStatus.OK, f"feed {feed.id}, {len(body)} bytes{' gzip' if zipped else ''}")

    @staticmethod
    def _unchanged(request: Request, built: Built) -> bool:
        """If-None-Match by weak comparison (W/ ignored: a compressing proxy makes a tag weak; either
        encoding's tag names the same text); else If-Modified-Since."""
        wanted = request.headers.get("if-none-match")
        if wanted is not None:
            ours = {etag(built, False), etag(built, True)}
            for given in wanted.split(","):
                given = given.strip()
                given = given[2:] if given.startswith("W/") else given
                if given == "*" or given in ours:
                    return True
            return False
        since = request.headers.get("if-modified-since")
        if since:
            try:
                when = parsedate_to_datetime(since)
            except (TypeError, ValueError, IndexError):
                return False
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return _last_modified(built) <= when
        return False

    def _refuse(self, sock: socket.socket, refused: Refusal) -> None:
        """An error answer to a request we could not read, then the connection closed, having read what
        the app still sends for a moment, so that it sees the answer rather than a reset."""
        self._send(sock, refused.status, f"{refused.status.phrase.lower()}\n", False, None, refused.said)
        try:
            sock.shutdown(socket.SHUT_WR)
            until = time.monotonic() + 2
            drained = 0
            while drained < 1 << 20 and time.monotonic() < until:
                sock.settimeout(max(0.01, until - time.monotonic()))
                chunk = sock.recv(65536)
                if not chunk:
                    break
                drained += len(chunk)
        except OSError:
            pass

    def _send(self, sock, status: HTTPStatus, text: str, keep: bool, request: Request | None, said: str | None,
              extra: dict | None = None) -> None:
        headers = {"Content-Type": "text/plain; charset=utf-8", **(extra or {})}
        with_body = request is None or request.method != "HEAD"
        self._write(sock, status, headers, text.encode(), keep, with_body)
        if said is not None:
            self._log(request, status, said)

    def _write(self, sock: socket.socket, status: HTTPStatus, headers: dict, body: bytes, keep: bool,
               with_body: bool) -> None:
        lines = [f"HTTP/1.1 {status.value} {status.phrase}",
                 f"Date: {format_datetime(datetime.now(timezone.utc), usegmt=True)}",
                 "Server: tui-scheduler",  # not the Python version: nothing for a scanner to match against
                 f"Connection: {'keep-alive' if keep else 'close'}"]
        if status != HTTPStatus.NOT_MODIFIED:
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        sock.settimeout(SEND_SECONDS)  # the whole answer, not each piece (socket.sendall)
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body if with_body else b""))

    def _log(self, request: Request | None, status: HTTPStatus, said: str) -> None:
        """One line per answer: who, which method, what we made of the request, the status. Never the
        path: it may hold a feed's token, whole or nearly (a trailing '/', an absolute URI, '%00')."""
        method = request.method if request and request.method in ("GET", "HEAD") else "-"
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        sys.stderr.write(f"{stamp} {self.peer} {method} {status.value} {said}\n")


class FeedServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(self, sched: Scheduler, host: str, port: int, request_seconds: float = REQUEST_SECONDS):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sched = sched
        self.builder = FeedBuilder()
        self.request_seconds = request_seconds
        super().__init__((host, port), FeedHandler)

    def handle_error(self, request, client_address) -> None:
        """A fault of ours while answering: the traceback to the log file, one line to the log."""
        exc = sys.exc_info()[1]
        where = paths.log_exception(exc) if isinstance(exc, Exception) else "-"
        sys.stderr.write(f"unexpected error while answering, details in {where}\n")

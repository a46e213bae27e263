"""The feed server, run for real: `tui-scheduler serve-feeds` on 127.0.0.1, asked over HTTP."""

from __future__ import annotations

import gzip
import http.client
import select
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import icalendar
import pytest

from tui_scheduler.ical.server import FeedServer, bind_warning
from tui_scheduler.services import Scheduler

from .conftest import EXE, cli_env, fixed, small_practice


class Server:
    """`tui-scheduler serve-feeds --port 0` as a real process; its log (stderr) is read as it comes, so a
    busy test never fills the pipe."""

    def __init__(self, data: Path):
        self.proc = subprocess.Popen([str(EXE), "serve-feeds", "--port", "0"], env=cli_env(data),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.log: list[str] = []
        self._log_reader = threading.Thread(target=lambda: self.log.extend(self.proc.stderr), daemon=True)
        self._log_reader.start()
        line = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(120)  # a backstop: a loaded machine may take long to start a process
        if not line or "http://127.0.0.1:" not in line[0]:
            self.proc.kill()
            self._log_reader.join(10)
            raise AssertionError(f"server did not start: {line} {''.join(self.log)}")
        self.port = int(line[0].split("http://127.0.0.1:")[1].split("/")[0])

    def get(self, path: str, **headers) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(5)
        self._log_reader.join(10)
        return code, "".join(self.log)


@pytest.fixture
def practice(tmp_path):
    data = tmp_path / "data"
    sched = small_practice(data)
    sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    return sched


@pytest.fixture
def server(practice):
    running = Server(practice.folder.path)
    yield running
    code, err = running.stop()
    assert code == 0, err


def cli(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *args], env=cli_env(data), capture_output=True, text=True, timeout=60)


def uids(body: bytes) -> set[str]:
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_feed_200_then_304_with_its_etag(practice, server):
    feed = practice.new_feed("therapist", "Maya")
    status, headers, body = server.get(feed.path)
    assert status == 200
    assert headers["Content-Type"].startswith("text/calendar")
    assert int(headers["Content-Length"]) == len(body)
    assert len(uids(body)) == 1
    tag = headers["ETag"]
    status, headers, body = server.get(feed.path, **{"If-None-Match": tag})
    assert (status, body, headers["ETag"]) == (304, b"", tag)
    status, _, _ = server.get(feed.path, **{"If-None-Match": '"something-else"'})
    assert status == 200


def test_wrong_revoked_and_malformed_paths_get_404(practice, server):
    feed = practice.new_feed("room", "Cedar")
    assert server.get(feed.path)[0] == 200
    wrong = feed.token[:-1] + ("A" if feed.token[-1] != "A" else "B")
    for path in (f"/feeds/{wrong}.ics", "/feeds/.ics", "/feeds/x.ics", "/", f"/feeds/{feed.token}",
                 f"/feeds/{feed.token}.ics/../x", "/feeds/%00.ics"):
        assert server.get(path)[0] == 404, path
    done = cli(practice.folder.path, "feeds", "revoke", feed.token)
    assert done.returncode == 0, done.stderr
    assert server.get(feed.path)[0] == 404


def test_a_booking_by_another_process_shows_on_the_next_request(practice, server):
    feed = practice.new_feed("practice")
    _, headers, before = server.get(feed.path)
    done = cli(practice.folder.path, "book", "session", "--client", "Ben", "--therapist", "Daniel", "--room",
               "Willow", "--modality", "swedish", "--start", "2026-11-25 10:00", "--minutes", "60",
               "--override", "cleared", "--json")
    assert done.returncode == 0, done.stderr
    status, after_headers, after = server.get(feed.path, **{"If-None-Match": headers["ETag"]})
    assert status == 200 and after_headers["ETag"] != headers["ETag"]
    assert len(uids(after)) == len(uids(before)) + 1


def test_concurrent_clients_while_another_process_books(practice, server):
    feed = practice.new_feed("room", "Willow")
    other = practice.new_feed("therapist", "Daniel", full_names=True)
    writer = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys\n"
            "from tui_scheduler.services import Scheduler\n"
            "from tests.conftest import fixed\n"
            "s = Scheduler(sys.argv[1], clock=fixed(), user='writer')\n"
            "for day in range(24, 28):\n"
            "    a = s.book_session('Dan', 'Daniel', 'Willow', 'swedish', f'2026-11-{day} 15:00', 60,\n"
            "                       override='cleared')\n"
            "    s.move(a.id, f'2026-11-{day} 16:00', override='cleared')\n"
        ), str(practice.folder.path)],
        cwd=Path(__file__).parent.parent, stderr=subprocess.PIPE, text=True)

    def fetch(i: int):
        status, headers, body = server.get((feed if i % 2 else other).path)
        return status, body

    results = []
    with ThreadPoolExecutor(max_workers=6) as pool:
        # keep six clients asking for as long as the writer writes (bounded, in case it hangs)
        for _ in range(300):
            results += pool.map(fetch, range(12))
            if writer.poll() is not None:
                break
    assert writer.wait(60) == 0, writer.stderr.read()
    assert all(status == 200 for status, _ in results)
    for _, body in results:
        icalendar.Calendar.from_ical(body)  # whole calendars, never half a commit
    status, _, body = server.get(feed.path)
    assert status == 200 and len(uids(body)) == 4 + 4  # four sessions, each with its turnover


def test_head_gives_headers_only(practice, server):
    feed = practice.new_feed("practice")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("HEAD", feed.path)
    response = conn.getresponse()
    assert response.status == 200 and int(response.getheader("Content-Length")) > 0
    assert response.read() == b""
    conn.close()


def test_log_keeps_tokens_out(practice):
    running = Server(practice.folder.path)
    feed = practice.new_feed("practice")
    assert running.get(feed.path)[0] == 200
    code, err = running.stop()
    assert code == 0
    assert "200" in err and feed.token not in err


def test_loopback_by_default_and_a_warning_for_anything_else():
    for host in ("127.0.0.1", "::1", "localhost"):
        assert bind_warning(host) is None, host
    for host in ("0.0.0.0", "192.0.2.10", "::"):
        assert "other machines" in bind_warning(host), host


# --- conditional requests, keep-alive, gzip ----------------------------------------------------------

def test_weak_etags_and_if_modified_since(practice, server):
    feed = practice.new_feed("therapist", "Maya")
    status, headers, body = server.get(feed.path)
    tag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and tag.startswith('"') and modified.endswith(" GMT")
    for given in (f"W/{tag}", tag, f'"nope", W/{tag}', "*"):
        assert server.get(feed.path, **{"If-None-Match": given})[0] == 304, given
    assert server.get(feed.path, **{"If-None-Match": 'W/"nope"'})[0] == 200
    assert server.get(feed.path, **{"If-Modified-Since": modified})[0] == 304
    stamp = parsedate_to_datetime(modified)
    earlier = format_datetime(stamp - timedelta(seconds=1), usegmt=True)
    assert server.get(feed.path, **{"If-Modified-Since": earlier})[0] == 200
    assert server.get(feed.path, **{"If-Modified-Since": "not a date"})[0] == 200
    # a tag that does not match wins over a date that does (RFC 9110)
    assert server.get(feed.path, **{"If-None-Match": '"nope"', "If-Modified-Since": modified})[0] == 200


def test_etag_follows_the_feed_not_the_data_revision(practice, server):
    cedar, willow = practice.new_feed("room", "Cedar"), practice.new_feed("room", "Willow")
    _, cedar_headers, _ = server.get(cedar.path)
    _, willow_headers, willow_body = server.get(willow.path)
    done = cli(practice.folder.path, "book", "session", "--client", "Ben", "--therapist", "Daniel", "--room",
               "Willow", "--modality", "swedish", "--start", "2026-11-25 10:00", "--minutes", "60",
               "--override", "cleared")
    assert done.returncode == 0, done.stderr
    status, headers, _ = server.get(cedar.path, **{"If-None-Match": cedar_headers["ETag"]})
    assert status == 304 and headers["ETag"] == cedar_headers["ETag"]
    assert headers["Last-Modified"] == cedar_headers["Last-Modified"]
    status, headers, body = server.get(cedar.path, **{"If-Modified-Since": cedar_headers["Last-Modified"]})
    assert status == 304
    status, headers, body = server.get(willow.path, **{"If-None-Match": willow_headers["ETag"]})
    assert status == 200 and headers["ETag"] != willow_headers["ETag"]
    assert len(uids(body)) == len(uids(willow_body)) + 2  # the session and its turnover
    assert parsedate_to_datetime(headers["Last-Modified"]) > parsedate_to_datetime(willow_headers["Last-Modified"])


def test_keep_alive_and_gzip_on_one_connection(practice, server):
    feed = practice.new_feed("practice")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", feed.path)
    plain = conn.getresponse()
    body = plain.read()
    assert plain.status == 200 and plain.version == 11 and not plain.will_close
    first_socket = conn.sock
    conn.request("GET", feed.path, headers={"Accept-Encoding": "br, gzip;q=0.8"})
    zipped = conn.getresponse()
    raw = zipped.read()
    assert zipped.status == 200 and zipped.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(raw) == body and len(raw) < len(body)
    assert zipped.getheader("Vary") == "Accept-Encoding"
    assert zipped.getheader("ETag") != plain.getheader("ETag")
    conn.request("GET", feed.path, headers={"If-None-Match": f"W/{zipped.getheader('ETag')}"})
    again = conn.getresponse()
    assert again.status == 304 and again.read() == b""
    conn.request("HEAD", feed.path, headers={"Accept-Encoding": "gzip;q=0"})
    head = conn.getresponse()
    assert head.getheader("Content-Encoding") is None and int(head.getheader("Content-Length")) == len(body)
    assert head.read() == b""
    assert conn.sock is first_socket  # four answers, one connection
    conn.request("GET", feed.path, headers={"Connection": "close"})
    last = conn.getresponse()
    assert last.read() == body and last.will_close
    conn.close()


# --- what an adversarial client sends ----------------------------------------------------------------

def raw_exchange(port: int, payload: bytes) -> bytes:
    """Send bytes as they are, read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(payload)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    line = answer.split(b"\r\n", 1)[0].decode()
    assert line.startswith("HTTP/1.1 "), answer[:200]
    return int(line.split()[1])


def test_malformed_requests_get_400_or_414_and_no_traceback(practice, server):
    feed = practice.new_feed("practice")
    cases = {
        b"garbage\r\n\r\n": 400,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n": 400,  # a TLS hello on the plain port
        b"GET / HTTP/2.0\r\n\r\n": 400,
        b"\r\n": 400,
        b"\r\n\r\n": 400,
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n": 414,
        b"GET  /feeds/x.ics HTTP/1.1\r\n\r\n": 400,
        b"GET /feeds/x.ics HTTP/1.1\r\nno colon here\r\n\r\n": 400,
        b"GET /feeds/x.ics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n": 400,
        b"GET /feeds/x.ics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello": 400,
        b"GET /feeds/x.ics HTTP/1.1\r\nX: " + b"y" * 40_000 + b"\r\n\r\n": 431,
        b"POST /feeds/x.ics HTTP/1.1\r\nHost: x\r\n\r\n": 405,
        b"GET \xff\xfe HTTP/1.1\r\n\r\n": 400,
    }
    for payload, expected in cases.items():
        answer = raw_exchange(server.port, payload)
        assert status_of(answer) == expected, payload[:60]
    assert server.get(feed.path)[0] == 200  # still serving
    code, log = server.stop()
    assert code == 0
    assert "Traceback" not in log and "Error" not in log
    assert sum(" 400 " in line for line in log.splitlines()) == 10


def test_two_hundred_clients_at_once(practice, server):
    feed = practice.new_feed("practice")
    clients = 200
    start = threading.Barrier(clients, timeout=120)

    def fetch(_):
        start.wait()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        try:
            conn.request("GET", feed.path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(fetch, range(clients)))
    assert [status for status, _ in results] == [200] * clients
    assert len({body for _, body in results}) == 1


def test_a_slow_client_is_cut_off_and_others_are_served(practice):
    """One byte at a time, slower than the request deadline allows: answered 408 and closed, while
    another app is served meanwhile. (A server in a thread, with a 2 s deadline instead of 10 s.)"""
    feed = practice.new_feed("practice")
    server = FeedServer(Scheduler(practice.folder.path, clock=fixed()), "127.0.0.1", 0, request_seconds=2)
    runner = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    runner.start()
    port = server.server_address[1]
    try:
        request = f"GET {feed.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n\r\n".encode()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as slow:
            sent, closed = 0, False
            for byte in request:  # bounded: the request is ~100 bytes, one every half second at most
                try:
                    slow.sendall(bytes([byte]))
                    sent += 1
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                ready, _, _ = select.select([slow], [], [], 0.5)
                if ready:
                    closed = True
                    break
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", feed.path)
                assert conn.getresponse().status == 200  # others are served all the while
                conn.close()
            assert closed and sent < len(request), "the slow client was never cut off"
            answer = b""
            while chunk := slow.recv(65536):
                answer += chunk
            assert status_of(answer) == 408
    finally:
        server.shutdown()
        server.server_close()


def test_near_miss_requests_never_log_the_token(practice, server):
    feed = practice.new_feed("practice")
    token = feed.token
    near = [f"http://127.0.0.1:{server.port}{feed.path}", f"{feed.path}/", f"{feed.path}%00",
            f"/feeds/{token}%00.ics", f"{feed.path}?x=1", f"//feeds/{token}.ics", f"/feeds/{token}.ICS",
            f"/FEEDS/{token}.ics", f"/feeds/{token}", f"/feeds/{token[:-1]}.ics", f"/{token}",
            f"/feeds/{token}.ics/../x", f"/feeds/{token}.ics#frag"]
    statuses = {}
    for target in near:
        statuses[target] = status_of(raw_exchange(server.port, f"GET {target} HTTP/1.1\r\nHost: x\r\n"
                                                               f"Connection: close\r\n\r\n".encode()))
    for payload in (f"GET {feed.path} HTTP/2.0\r\n\r\n", f"GET {feed.path} x HTTP/1.1\r\n\r\n",
                    f"{token}\r\n\r\n", f"GET /{token}" + "a" * 9000 + " HTTP/1.1\r\n\r\n"):
        assert status_of(raw_exchange(server.port, payload.encode())) in (400, 414)
    assert statuses[near[0]] == 200 and statuses[f"{feed.path}?x=1"] == 200  # absolute form and a query
    assert statuses[f"{feed.path}/"] == 404 and statuses[f"{feed.path}%00"] == 404
    code, log = server.stop()
    assert code == 0 and len(log.splitlines()) >= len(near) + 4
    pieces = {token[i:i + 8] for i in range(len(token) - 7)}
    for line in log.splitlines():
        assert not any(piece in line for piece in pieces), line
    assert f"feed {feed.id}" in log  # which feed was read, by its id

"""The feed server, run for real: `tui-scheduler serve-feeds` on 127.0.0.1, asked over HTTP."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import icalendar
import pytest

from tui_scheduler.ical.server import bind_warning

from .conftest import NOW, small_practice

EXE = Path(sys.executable).with_name("tui-scheduler")


def env_for(data: Path) -> dict:
    return {**os.environ, "TUI_SCHEDULER_DATA": str(data), "TUI_SCHEDULER_NOW": NOW.isoformat()}


class Server:
    def __init__(self, data: Path):
        self.proc = subprocess.Popen([str(EXE), "serve-feeds", "--port", "0"], env=env_for(data),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(120)  # a backstop: a loaded machine may take long to start a process
        if not line or "http://127.0.0.1:" not in line[0]:
            self.proc.kill()
            raise AssertionError(f"server did not start: {line} {self.proc.stderr.read()}")
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
        return code, self.proc.stderr.read()


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
    return subprocess.run([str(EXE), *args], env=env_for(data), capture_output=True, text=True, timeout=60)


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

"""A real Radicale CalDAV server for the sync tests: started on 127.0.0.1 on a free port with htpasswd
logins, stopped (and started again on the same port and storage) by the test."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import caldav


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Radicale:
    def __init__(self, root: Path):
        self.root = root
        self.users = root / "users"
        self.storage = root / "collections"
        self.log = root / "radicale.log"
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        root.mkdir(parents=True, exist_ok=True)
        self.users.write_text("")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def new_user(self) -> tuple[str, str]:
        """A fresh account (Radicale reads its htpasswd file at each login, so a running server knows it)."""
        name, password = f"u{secrets.token_hex(4)}", secrets.token_urlsafe(12)
        with open(self.users, "a") as f:
            f.write(f"{name}:{password}\n")
        return name, password

    def client(self, user: str, password: str) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.url, username=user, password=password, enable_rfc6764=False)

    def start(self) -> None:
        for _ in range(5):  # another process may take a free port between our look and Radicale's bind
            port = self.port or free_port()
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "radicale", "--config", "", "--server-hosts", f"127.0.0.1:{port}",
                     "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(self.users),
                     "--auth-htpasswd-encryption", "plain", "--auth-delay", "0",
                     "--storage-filesystem-folder", str(self.storage), "--rights-type", "owner_only",
                     "--web-type", "none", "--logging-level", "warning"],
                    stdout=log, stderr=subprocess.STDOUT)
            if self._answers(port):
                self.port = port
                return
            if self.port:  # a restart must keep its port: say why it could not
                break
        raise RuntimeError(f"Radicale did not start: {self.log.read_text()[-2000:]}")

    def _answers(self, port: int) -> bool:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        self.stop()
        return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

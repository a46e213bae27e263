"""A real SMTP server on 127.0.0.1 for the reminder tests (aiosmtpd), with what it received, and hooks
to hold a conversation at a chosen point so that a test can kill the sender there."""

from __future__ import annotations

import asyncio
import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Iterator

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the server took. `hold_at` ("rcpt" or "data") makes the next conversation wait there, once,
    until `release()`; `holding` is set when it does. At "data" the message has been received whole and
    counts as taken (as a real server would deliver it) before the server answers."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.hold_at: str | None = None
        self.holding = threading.Event()
        self._release = threading.Event()
        self.logins: list[tuple[str, str]] = []

    def release(self) -> None:
        self._release.set()

    async def _hold(self, point: str) -> None:
        if self.hold_at == point:
            self.hold_at = None
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self._release.wait, 60)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._hold("rcpt")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        await self._hold("data")
        return "250 Message accepted for delivery"

    def by_id(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for m in self.messages:
            counts[m["Message-ID"]] = counts.get(m["Message-ID"], 0) + 1
        return counts


@contextmanager
def smtp_server(port: int | None = None, password: str | None = None) -> Iterator[tuple[Inbox, int]]:
    """Serve on 127.0.0.1 until the block ends. With `password`, a login is required and only that
    password is accepted (any user name)."""
    inbox = Inbox()
    port = port or free_port()
    extra = {}
    if password is not None:
        def check(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == password
            if isinstance(auth_data, LoginPassword):
                inbox.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            return AuthResult(success=ok, handled=False)  # aiosmtpd then answers 535 itself
        extra = dict(authenticator=check, auth_required=True, auth_require_tls=False)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **extra)
    controller.start()
    try:
        yield inbox, port
    finally:
        inbox.release()
        controller.stop()

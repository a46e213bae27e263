"""Reminders: the practice's sending settings, the outbox, and sending what is due exactly once.

A run of `reminders send` goes in three steps, so that no message is lost and none is sent twice:

1. claim, in one transaction: plan what is due now (core.reminders.plan), then mark each due message as
   being sent by this run. The run's token names a lock file it holds while it lives (store.presence);
2. send each message, outside the folder's lock (a slow mail server must not hold up the front desk);
3. mark each one sent, in a small transaction of its own, the moment the server has taken it.

Two runs at once: the second finds the messages claimed by a live run and leaves them. A run killed
between 1 and 3 leaves claims whose lock is gone: the next run takes those messages again. Killed after
the server took a message but before step 3 committed, that one message goes again on the next run: no
SMTP client can close that window (the server's "250 OK" and our commit cannot be one act), so it is kept
to one small commit, and the second copy carries the same Message-ID, which marks it as the same message.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Callable

from ..core import clock
from ..core.errors import BadInput, Refused, SchedulerError
from ..core.model import Appointment, Client, Kind, Role
from ..core.reminders import (
    FAILED, KEEP_DAYS, SENDING, SENT, TLS_MODES, Details, Message, Sending, calendar_entry, channel_for, claimable,
    email_body, plan, sms_text, subject,
)
from ..outbox import Letter, NotDelivered, Post, Text, WayClosed
from ..outbox.sms import check_command
from ..store import presence
from .context import Area
from .desk import Desk, clean_text

_ROLE = {Role.THERAPIST: "massage therapist", Role.CHIROPRACTOR: "chiropractor",
         Role.PHYSICAL_THERAPIST: "physical therapist"}


@dataclass
class Run:
    """What one run of `reminders send` did."""

    sent: int = 0
    failed: int = 0
    elsewhere: int = 0  # being sent by another run right now
    unreachable: int = 0  # due, but the client cannot be reached the ways the practice has
    closed: dict[str, str] = field(default_factory=dict)  # channel -> why nothing could go that way


def _one_line(text: str | None, what: str, limit: int = 300) -> str:
    value = clean_text(text, what, limit)
    if any(c in value for c in "\r\n\t"):
        raise BadInput(f"{what} is one line")
    return value


class Reminders(Area):
    # --- settings ---------------------------------------------------------------------------------

    def sending(self) -> Sending:
        with self.ctx.read() as desk:
            return _settings(desk)

    def set_sending(self, *, smtp_host: str | None = None, smtp_port: int | None = None,
                    smtp_from: str | None = None, smtp_user: str | None = None,
                    smtp_password_file: str | None = None, smtp_tls: str | None = None,
                    remind_hours: int | None = None, sms_command: str | None = None) -> Sending:
        """Change how the practice sends. The password file's path is kept, never what it holds."""
        changes: dict = {}
        if smtp_host is not None:
            changes["smtp_host"] = _one_line(smtp_host, "the SMTP host", 255)
            if " " in changes["smtp_host"]:
                raise BadInput("the SMTP host is a name or address without spaces")
        if smtp_port is not None:
            if not isinstance(smtp_port, int) or not 0 <= smtp_port <= 65535:
                raise BadInput("the SMTP port is 1 to 65535 (0: the usual one for --smtp-tls)")
            changes["smtp_port"] = smtp_port
        if smtp_from is not None:
            address = _one_line(smtp_from, "the sender address", 254)
            if address and (parseaddr(address)[1] != address or "@" not in address):
                raise BadInput(f"the sender address must be a plain address like frontdesk@example.com, not {address!r}")
            changes["smtp_from"] = address
        if smtp_user is not None:
            changes["smtp_user"] = _one_line(smtp_user, "the SMTP user", 254)
        if smtp_password_file is not None:
            changes["smtp_password_file"] = self._password_file(smtp_password_file)
        if smtp_tls is not None:
            if smtp_tls not in TLS_MODES:
                raise BadInput(f"--smtp-tls is one of: {', '.join(TLS_MODES)}")
            changes["smtp_tls"] = smtp_tls
        if remind_hours is not None:
            if not isinstance(remind_hours, int) or not 1 <= remind_hours <= 336:
                raise BadInput("reminders go 1 to 336 hours ahead")
            changes["remind_hours"] = remind_hours
        if sms_command is not None:
            changes["sms_command"] = check_command(sms_command)
        with self.ctx.write() as desk:
            sending = replace(_settings(desk), **changes)
            desk.sending.put(sending)
            desk.tx.audit("sending-edit", changes=sorted(changes))  # names of settings only: no password path
        return sending

    def _password_file(self, text: str) -> str:
        if not (text or "").strip():
            return ""
        path = Path(text.strip()).expanduser().absolute()
        if not path.is_file():
            raise BadInput(f"no password file at {path}")
        if path.is_relative_to(self.ctx.folder.path):
            raise BadInput("keep the SMTP password file outside the data folder: everyone in the practice's "
                           "group can read that folder")
        return str(path)

    # --- the outbox ---------------------------------------------------------------------------------

    def outbox(self) -> list[dict]:
        """Every message in the outbox, and those that would become due if `reminders send` ran now,
        by appointment time: what, for which appointment, due, status, tries, why it failed, when sent."""
        with self.ctx.read() as desk:
            now, sending = self.now(), _settings(desk)
            messages = {m.id: m for m in desk.outbox.all()}
            for m in _plan(desk, list(messages.values()), now, sending.remind_hours):
                messages[m.id] = m
            clients = {c.id: c for c in desk.clients.all()}
            names, tz = desk.names(), desk.tz
        rows = []
        for m in sorted(messages.values(), key=lambda m: (m.start, m.due, m.id)):
            client = clients.get(m.client_id)
            error = m.error
            if m.status in ("due", FAILED) and client is not None and not channel_for(client, sending)[0]:
                error = channel_for(client, sending)[1]
            rows.append({"id": m.id, "what": m.what, "appointment": m.appointment_id,
                         "client": names.get(m.client_id, m.client_id),
                         "start": m.start.astimezone(tz).isoformat(), "due": m.due.astimezone(tz).isoformat(),
                         "status": m.status, "channel": m.channel, "tries": m.tries, "error": error,
                         "sent": m.sent.astimezone(tz).isoformat() if m.sent else None})
        return rows

    # --- sending ------------------------------------------------------------------------------------

    def send_reminders(self, say: Callable[[str], None] = lambda line: None) -> Run:
        """Send every message that is due now. `say` hears one line per step (no addresses, no names)."""
        self.services.setup.practice()  # a missing folder or practice is said plainly, before anything else
        with presence.running(self.ctx.folder.path) as token:
            sending, claimed, run = self._claim(token)
            if not claimed:
                return run
            with Post(sending) as post:
                for m, item in claimed:
                    if m.channel in run.closed:
                        self._mark(m, token, run.closed[m.channel])
                        run.failed += 1
                        continue
                    say(f"sending {m.id} ({m.what} for {m.appointment_id}) by {m.channel}")
                    try:
                        post.send(item)
                    except NotDelivered as exc:
                        self._mark(m, token, str(exc))
                        run.failed += 1
                        say(f"not sent {m.id}: {exc}; it will be tried again on the next run")
                        continue
                    except WayClosed as exc:
                        run.closed[m.channel] = str(exc)
                        self._mark(m, token, str(exc))
                        run.failed += 1
                        continue
                    self._mark(m, token)
                    run.sent += 1
                    say(f"sent {m.id}")
        return run

    def keep_sending(self, every_minutes: int, say: Callable[[str], None], stop: threading.Event) -> None:
        """Send what is due every `every_minutes` minutes, and whenever the data changes (a booking made for
        tomorrow gets its reminder at once), until `stop` is set."""
        if not isinstance(every_minutes, int) or not 1 <= every_minutes <= 1440:
            raise BadInput("--every is 1 to 1440 minutes")
        seen, next_run = None, 0.0
        while not stop.is_set():
            stamp = self.ctx.folder.revision_stamp()
            if time.monotonic() >= next_run or stamp != seen:
                seen, next_run = stamp, time.monotonic() + every_minutes * 60
                try:
                    run = self.send_reminders(say)
                    if run.sent or run.failed:
                        say(summary(run))
                    for why in run.closed.values():
                        say(f"{why}: nothing more went that way; it will be tried again")
                except SchedulerError as exc:
                    say(f"not sent this time: {exc.reason}")
            stop.wait(1.0)

    def _claim(self, token: str) -> tuple[Sending, list[tuple[Message, Letter | Text]], Run]:
        """Step 1: plan and claim, in one transaction."""
        run = Run()
        with self.ctx.write() as desk:
            now, sending = self.now(), _settings(desk)
            if not sending.mail_ready and not sending.sms_command:
                raise Refused("reminders are not set up: give the practice a mail server "
                              "(practice set --smtp-host H --smtp-from ADDRESS) or an SMS command (--sms-command)")
            stored = {m.id: m for m in desk.outbox.all()}
            changed: dict[str, Message] = {}
            live: dict[str, bool] = {}
            for m in stored.values():
                if m.status == SENDING and m.claim != token:
                    if m.claim not in live:
                        live[m.claim] = presence.alive(self.ctx.folder.path, m.claim)
                    if live[m.claim]:
                        run.elsewhere += 1
                    else:  # its run was killed: plan it afresh (it may no longer be wanted) and send it again
                        changed[m.id] = replace(m, status=FAILED, claim="", changed=now,
                                                error="the run sending it was interrupted")
            current = {**stored, **changed}
            for m in _plan(desk, list(current.values()), now, sending.remind_hours):
                changed[m.id] = current[m.id] = m
            claimed = []
            for m in sorted(current.values(), key=lambda m: (m.due, m.start, m.id)):
                if not claimable(m, now):
                    continue
                appt, client = desk.book.get(m.appointment_id), desk.clients.get(m.client_id)
                if appt is None or client is None:
                    continue
                channel, why = channel_for(client, sending)
                if not channel:
                    run.unreachable += 1
                    if m.error != why:
                        changed[m.id] = replace(m, status=FAILED, error=why, changed=now)
                    continue
                m = replace(m, status=SENDING, claim=token, channel=channel, tries=m.tries + 1, changed=now)
                changed[m.id] = m
                claimed.append((m, _compose(desk, m, appt, client, sending)))
            gone = [m.id for m in current.values() if m.start < now - timedelta(days=KEEP_DAYS) and m.status != SENDING]
            for m in changed.values():
                if m.id not in gone:
                    desk.outbox.put(m)
            for ident in gone:
                if ident in stored:
                    desk.outbox.remove(ident)
            if changed or gone:
                desk.tx.audit("outbox", claimed=[m.id for m, _ in claimed],
                              planned=sorted(i for i in changed if i not in stored), forgotten=len(gone))
        return sending, claimed, run

    def _mark(self, m: Message, token: str, error: str | None = None) -> None:
        """Step 3: sent (or failed, with why), if this run still holds the message."""
        with self.ctx.write() as desk:
            now = self.now()
            current = desk.outbox.get(m.id)
            if current is None or current.status != SENDING or current.claim != token:
                return
            if error is None:
                desk.outbox.put(replace(current, status=SENT, sent=now, claim="", error="", changed=now))
                desk.tx.audit("message-sent", id=m.appointment_id, message=m.id, what=m.what, channel=m.channel)
            else:
                desk.outbox.put(replace(current, status=FAILED, claim="", error=error, changed=now))
                desk.tx.audit("message-failed", id=m.appointment_id, message=m.id, what=m.what, error=error)


def summary(run: Run) -> str:
    parts = [f"{run.sent} sent"]
    if run.failed:
        parts.append(f"{run.failed} not sent (tried again on the next run)")
    if run.elsewhere:
        parts.append(f"{run.elsewhere} being sent by another run")
    if run.unreachable:
        parts.append(f"{run.unreachable} due but with no way to reach the client (see 'reminders list')")
    return ", ".join(parts)


def _settings(desk: Desk) -> Sending:
    found = desk.sending.all()
    return found[0] if found else Sending()


def _plan(desk: Desk, outbox: list[Message], now, hours: int) -> list[Message]:
    """core.reminders.plan over the appointments that may need a message: those starting within the
    reminder window, and every one the outbox already speaks of (moved, cancelled, booked again)."""
    soon = now + timedelta(hours=hours)
    appts: dict[str, Appointment | None] = {
        a.id: a for a in desk.book.between(now, soon, clock.months_between(now, soon, desk.tz)) if a.start > now}
    known = {m.appointment_id for m in outbox} - appts.keys()
    months = sorted({month for month in (desk.book.month_of_id(i) for i in known) if month})
    found = {a.id: a for a in desk.book.in_months(months) if a.id in known}
    appts.update({i: found.get(i) for i in known})
    return plan(appts, outbox, now, hours)


def _compose(desk: Desk, m: Message, appt: Appointment, client: Client, sending: Sending) -> Letter | Text:
    names = desk.names()
    person = desk.staff.get(appt.staff_id)
    spots = tuple((s.start, names.get(s.staff_id, "")) for s in desk.spots_of(appt)) if appt.kind == Kind.VISIT else ()
    details = Details(practice=desk.practice.name, phone=desk.practice.phone, tz=desk.tz,
                      lead_minutes=desk.practice.checkin_lead_minutes, client=client.name, start=appt.start,
                      end=appt.end, who=person.name if person else "", role=_ROLE.get(person.role, "") if person else "",
                      room=names.get(appt.room_id, ""), spots=spots, was=m.was)
    if m.channel == "sms":
        return Text(client.phone, sms_text(m.what, details))
    domain = sending.smtp_from.rpartition("@")[2] or "tui-scheduler"
    return Letter(to=client.email, sender_name=desk.practice.name, subject=subject(m.what, details),
                  body=email_body(m.what, details), message_id=f"<{m.id}.{appt.id}@{domain}>",
                  calendar=calendar_entry(m.what, appt, details), timezone=desk.practice.timezone)

"""Reminders and cancellation notices: which message an appointment needs, when, which way it goes, and
what it says. Pure, no I/O.

Each message the practice owes a client is one record in the outbox, named by what it is about: the
appointment, its start time, and the message sent about it before (if any). Its id comes from that, so
planning twice finds the same record, and a message sent again after a crash is recognisably the same
one (the same id, the same Message-ID).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

from .feeds import Entry
from .model import Appointment, Client, Kind, Status, _build, _plain, from_iso, iso
from .record import record

TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
# No reminder for an appointment that starts within the hour: it was booked with the client just now (a
# walk-in, a call), or the reminder is too late to help. A move or a cancellation is still told.
TOO_SOON = timedelta(hours=1)
KEEP_DAYS = 30  # the outbox forgets messages about appointments longer ago than this; the audit log keeps them

# what a message is about
REMINDER, MOVED, CANCELLATION = "reminder", "moved", "cancellation"
# where a message stands
DUE, SENDING, SENT, FAILED, DROPPED = "due", "sending", "sent", "failed", "dropped"


@record
class Sending:
    """How the practice sends: its mail server, and the command that sends a text message.

    The SMTP password is never kept here: only the path of the file that holds it, read at send time.
    """

    smtp_host: str = ""
    smtp_port: int = 0  # 0: the usual port of the TLS mode
    smtp_from: str = ""
    smtp_user: str = ""
    smtp_password_file: str = ""
    smtp_tls: str = "starttls"
    remind_hours: int = 24
    sms_command: str = ""  # e.g. "/usr/local/bin/send-sms --to {phone} --message {text}"
    id: str = "sending"

    @property
    def port(self) -> int:
        return self.smtp_port or DEFAULT_PORTS[self.smtp_tls]

    @property
    def mail_ready(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    def to_dict(self) -> dict:
        return _plain(self)

    @classmethod
    def from_dict(cls, d: dict) -> Sending:
        return _build(cls, d)


@record
class Message:
    """One message in the outbox."""

    id: str
    what: str  # reminder, moved or cancellation
    appointment_id: str
    client_id: str
    start: datetime  # the appointment's start when the message was planned
    due: datetime
    after: str = ""  # the message sent before this one about the same appointment
    was: datetime | None = None  # for a move: the start the client was last told
    status: str = DUE
    channel: str = ""  # email or sms, chosen when it is sent
    tries: int = 0
    error: str = ""  # why the last try failed, or why it was dropped
    sent: datetime | None = None
    claim: str = ""  # the sender run holding it while it is being sent
    changed: datetime | None = None

    def to_dict(self) -> dict:
        d = _plain(self)
        for name in ("start", "due", "was", "sent", "changed"):
            d[name] = iso(getattr(self, name)) if getattr(self, name) else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Message:
        times = {name: from_iso(d[name]) if d.get(name) else None for name in ("was", "sent", "changed")}
        return _build(cls, d, start=from_iso(d["start"]), due=from_iso(d["due"]), **times)


def message_id(what: str, appt_id: str, start: datetime, after: str) -> str:
    digest = hashlib.sha256(f"{what}|{appt_id}|{iso(start)}|{after}".encode()).hexdigest()
    return f"m-{digest[:12]}"


def channel_for(client: Client, sending: Sending) -> tuple[str, str]:
    """('email' or 'sms', '') for how this client is reached, or ('', why they cannot be)."""
    if client.remind_by == "none":
        return "", "the client asked for no reminders"
    ways = {"email": bool(client.email and sending.mail_ready), "sms": bool(client.phone and sending.sms_command)}
    for way in (("sms", "email") if client.remind_by == "sms" else ("email", "sms")):
        if ways[way]:
            return way, ""
    if not client.email and not client.phone:
        return "", "the client has no email address or phone number"
    if client.email and not sending.mail_ready:
        return "", "no mail server is set up (practice set --smtp-host ... --smtp-from ...)"
    return "", "the client has no email address, and no SMS command is set up (practice set --sms-command)"


def _wanted(a: Appointment, last: Message | None, now: datetime, hours: int) -> tuple[str, datetime] | None:
    """What an appointment needs sent, and from when, given the last message sent about it."""
    if a.kind == Kind.SPOT or a.start <= now:  # spot work is told with its visit
        return None
    window = a.start - timedelta(hours=hours)
    if a.status == Status.BOOKED:
        if a.start - now < TOO_SOON and (last is None or last.what == CANCELLATION):
            return None
        if last is None:
            return (REMINDER, window) if window <= now else None
        if last.what == CANCELLATION:  # booked again after the client was told it was cancelled
            return REMINDER, now
        if last.start != a.start:
            return MOVED, now
        if last.sent and last.sent < window <= now:  # told early of a move: the usual reminder still goes
            return REMINDER, window
        return None
    if a.status == Status.CANCELLED and last is not None and last.what != CANCELLATION:
        return CANCELLATION, now
    return None


def _why_dropped(a: Appointment | None, m: Message, now: datetime) -> str:
    if a is None:
        return "the appointment no longer exists"
    if a.start <= now:
        return "too late: the appointment has begun"
    if a.start - now < TOO_SOON and m.what == REMINDER:
        return "too late: the appointment starts within the hour"
    if a.status != Status.BOOKED and m.what != CANCELLATION:
        return f"the appointment is {a.status}"
    if a.start != m.start:
        return "the appointment moved"
    return "no longer needed"


def plan(appointments: dict[str, Appointment | None], outbox: Iterable[Message], now: datetime,
         hours: int) -> list[Message]:
    """The outbox's changes for these appointments: messages newly due, unsent ones that are no longer
    wanted dropped, and dropped ones wanted again (an undone cancellation) made due again."""
    by_appt: dict[str, list[Message]] = {}
    for m in outbox:
        by_appt.setdefault(m.appointment_id, []).append(m)
    changes = []
    for appt_id, a in appointments.items():
        mine = by_appt.get(appt_id, [])
        sent = sorted((m for m in mine if m.status == SENT and m.sent), key=lambda m: m.sent)
        last = sent[-1] if sent else None
        want = _wanted(a, last, now, hours) if a else None
        want_id = ""
        if want:
            what, due = want
            after = last.id if last else ""
            want_id = message_id(what, appt_id, a.start, after)
            have = next((m for m in mine if m.id == want_id), None)
            if have is None:
                changes.append(Message(id=want_id, what=what, appointment_id=appt_id, client_id=a.client_id,
                                       start=a.start, due=due, after=after,
                                       was=last.start if what == MOVED else None, changed=now))
            elif have.status == DROPPED:
                changes.append(replace(have, status=DUE, error="", changed=now))
        for m in mine:
            if m.id != want_id and m.status in (DUE, FAILED):
                changes.append(replace(m, status=DROPPED, error=_why_dropped(a, m, now), changed=now))
    return changes


def claimable(m: Message, now: datetime) -> bool:
    """Whether a sender may take this message now (a failed one is tried again)."""
    return m.status in (DUE, FAILED) and m.due <= now


# --- what a message says ---------------------------------------------------------------------------

@record
class Details:
    """Everything a message tells the client. Nothing clinical: no modality, region, flag or note."""

    practice: str
    phone: str
    tz: ZoneInfo
    lead_minutes: int
    client: str
    start: datetime
    end: datetime
    who: str
    role: str  # "massage therapist", "chiropractor", ...
    room: str
    spots: tuple[tuple[datetime, str], ...] = ()  # spot work inside a visit: (start, therapist)
    was: datetime | None = None


def _day(t: datetime) -> str:
    return f"{t:%a} {t.day} {t:%b}"


def _long_day(t: datetime) -> str:
    return f"{t:%A} {t.day} {t:%B %Y}"


def subject(what: str, d: Details) -> str:
    """A subject line says when, never what for."""
    t = d.start.astimezone(d.tz)
    if what == CANCELLATION:
        return f"Cancelled: your appointment on {_day(t)} at {t:%H:%M}"
    if what == MOVED:
        return f"Changed: your appointment is now on {_day(t)} at {t:%H:%M}"
    return f"Reminder: your appointment on {_day(t)} at {t:%H:%M}"


def _call(d: Details) -> str:
    return f"please call us on {d.phone}" if d.phone else "please reply to this email"


def email_body(what: str, d: Details) -> str:
    t, end = d.start.astimezone(d.tz), d.end.astimezone(d.tz)
    lines = [f"Dear {d.client},", ""]
    when = f"    {_long_day(t)}, {t:%H:%M} to {end:%H:%M} ({t.tzname()})"
    if what == CANCELLATION:
        lines += [f"Your appointment at {d.practice} has been cancelled:", "", when,
                  f"    with {d.who}, {d.role}", "", f"To book another time, {_call(d)}."]
    else:
        if what == MOVED:
            was = d.was.astimezone(d.tz) if d.was else None
            lines += [f"Your appointment at {d.practice} has moved"
                      + (f" from {_day(was)} at {was:%H:%M}" if was else "") + ". The new time:"]
        else:
            lines += [f"This is a reminder of your appointment at {d.practice}:"]
        lines += ["", when, f"    with {d.who}, {d.role}", f"    in room {d.room}"]
        lines += [f"    and 15 minutes of massage with {who} at {s.astimezone(d.tz):%H:%M}" for s, who in d.spots]
        lines.append("")
        if d.lead_minutes:
            arrive = t - timedelta(minutes=d.lead_minutes)
            lines.append(f"Please arrive {d.lead_minutes} minutes early (at {arrive:%H:%M}) to check in.")
        lines.append(f"To confirm or cancel, {_call(d)}.")
        lines.append("The attached calendar file puts the appointment in your calendar.")
    lines += ["", d.practice, ""]
    return "\n".join(lines)


def sms_text(what: str, d: Details) -> str:
    t = d.start.astimezone(d.tz)
    when = f"{_day(t)} {t:%H:%M}"
    call = f" call {d.phone}" if d.phone else ""
    if what == CANCELLATION:
        return f"{d.practice}: {d.client}, your appointment on {when} with {d.who} is cancelled." + (
            f" To book again{call}." if call else "")
    head = (f"{d.practice}: {d.client}, your appointment has moved to {when}" if what == MOVED
            else f"{d.practice}: reminder for {d.client}, {when}")
    arrive = f" Please arrive {d.lead_minutes} min early." if d.lead_minutes else ""
    return f"{head} with {d.who}, room {d.room}.{arrive}" + (f" To confirm or cancel{call}." if call else "")


def calendar_entry(what: str, a: Appointment, d: Details) -> Entry:
    """The appointment as the client's calendar shows it: the feeds' UID and SEQUENCE, the client's words."""
    description = "\n".join([f"With {d.who}, {d.role}", f"Room {d.room}"]
                            + [f"15 minutes of massage with {who} at {s.astimezone(d.tz):%H:%M}"
                               for s, who in d.spots]
                            + ([f"Phone {d.phone}"] if d.phone else []))
    return Entry(a.uid, a.sequence, a.start, a.end, f"Appointment with {d.who} ({d.practice})", description,
                 f"{d.practice}, room {d.room}", ("appointment",), what == CANCELLATION, a.created, a.updated)

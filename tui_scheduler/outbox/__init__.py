"""Sending to clients: email through the practice's SMTP server, text messages through its SMS command.

The reminders service hands a `Post` one letter or text at a time and learns one of three things: it was
taken (return), this one message was not (`NotDelivered`: tried again on the next run), or that way is
closed for now (`WayClosed`: the server is down or refuses the login; nothing more goes that way this run).
Reasons are one line and never name the client's address or phone number: they end up in logs.
"""

from __future__ import annotations

import re

from ..core.feeds import Entry
from ..core.record import record
from ..core.reminders import Sending


class NotDelivered(Exception):
    """This one message was not taken."""


class WayClosed(Exception):
    """Nothing can go this way now: the server cannot be reached, refuses the login, or the SMS command is
    missing."""


@record
class Letter:
    to: str
    sender_name: str
    subject: str
    body: str
    message_id: str  # the same for every try of one outbox message
    calendar: Entry  # attached as an .ics file, rendered as the feeds render it
    timezone: str


@record
class Text:
    phone: str
    text: str


HIDDEN = "<the client's>"
# a phone number however a gateway writes it back: seven or more digits among spaces, dots, dashes, brackets
_PHONE_LIKE = re.compile(r"\+?\d(?:[\s().-]*\d){6,}")
_ECHO = 10  # this many characters of the message, or more, read back in a complaint are hidden too


SAID = 300  # a complaint is said in at most this many characters; the rest of it is not looked at


def scrub(reason: str, *private: str) -> str:
    """A server's or command's complaint on one line, without the client's address, phone or message:
    each hidden in any case, any phone-like number, and any stretch of the message read back."""
    line = " ".join(str(reason).split())
    for word in private:
        if word:
            line = re.sub(re.escape(word), HIDDEN, line, flags=re.IGNORECASE)
    line = _PHONE_LIKE.sub(HIDDEN, line)
    folded = [" ".join(p.split()).casefold() for p in private if p and len(p) >= _ECHO]
    out, i, said = [], 0, 0
    while i < len(line) and said < SAID:  # the longest stretch from here that a private text contains
        j = i + _ECHO
        while j <= len(line) and any(line[i:j].casefold() in p for p in folded):
            j += 1
        if j - 1 >= i + _ECHO and any(line[i:j - 1].casefold() in p for p in folded):
            out.append(HIDDEN)
            i = j - 1
        else:
            out.append(line[i])
            i += 1
        said += len(out[-1])
    return "".join(out)[:SAID]


class Post:
    """The practice's two ways of sending, opened when first needed and closed together."""

    def __init__(self, sending: Sending):
        from .mail import Mail  # the letter's calendar file is rendered by tui_scheduler.ical, above services
        from .sms import Sms

        self.mail = Mail(sending)
        self.sms = Sms(sending.sms_command)

    def send(self, item: Letter | Text) -> None:
        if isinstance(item, Letter):
            self.mail.send(item)
        else:
            self.sms.send(item)

    def close(self) -> None:
        self.mail.close()

    def __enter__(self) -> Post:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

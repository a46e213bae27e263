"""Email through the practice's SMTP server (smtplib), one connection per run.

The letter carries the appointment as an .ics attachment with the feeds' UID, rendered by the feeds' own
code so that the two never disagree about an instant. Its Message-ID is fixed per outbox message: should
a crash strike after the server took a message but before it was marked sent, the copy sent on the next
run is recognisably the same message.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, localtime

from ..core.feeds import Content, Feed
from ..core.reminders import Sending
from ..ical.build import render
from .. import password_files
from . import Letter, NotDelivered, WayClosed, scrub

TIMEOUT = 30


def read_password(path: str) -> str:
    """The password from its file, read when it is needed and kept nowhere else."""
    try:
        return password_files.read_password(path)
    except password_files.Unreadable as exc:
        raise WayClosed(f"SMTP: {exc}") from None


def ics(letter: Letter) -> bytes:
    entry = letter.calendar
    day = entry.start.date()
    feed = Feed("practice", "", letter.sender_name, past_days=1, future_days=1)
    body, _, _ = render(feed, Content(letter.sender_name, letter.timezone, 0, day, [entry]))
    return body


def compose(letter: Letter, sending: Sending) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((letter.sender_name, sending.smtp_from))
    msg["To"] = letter.to
    msg["Subject"] = letter.subject
    msg["Date"] = format_datetime(localtime())
    msg["Message-ID"] = letter.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(letter.body)
    msg.add_attachment(ics(letter), maintype="text", subtype="calendar", filename="appointment.ics",
                       params={"method": "PUBLISH"})
    return msg


def _said(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}"


class Mail:
    def __init__(self, sending: Sending):
        self.sending = sending
        self.smtp: smtplib.SMTP | None = None

    @property
    def server(self) -> str:
        return f"{self.sending.smtp_host}:{self.sending.port}"

    def _connect(self) -> smtplib.SMTP:
        s = self.sending
        if not s.mail_ready:
            raise WayClosed("no mail server is set up (practice set --smtp-host H --smtp-from ADDRESS)")
        smtp, step = None, ""
        try:
            if s.smtp_tls == "ssl":
                smtp = smtplib.SMTP_SSL(s.smtp_host, s.port, timeout=TIMEOUT, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.port, timeout=TIMEOUT)
            step = "greeting it"
            smtp.ehlo()
            if s.smtp_tls == "starttls":
                step = "starting TLS"
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_user:
                step = "logging in"
                smtp.login(s.smtp_user, read_password(s.smtp_password_file) if s.smtp_password_file else "")
            return smtp
        except smtplib.SMTPAuthenticationError as exc:
            self._drop(smtp)
            raise WayClosed(f"the mail server {self.server} refused the login for {s.smtp_user} ({_said(exc)})") from None
        except smtplib.SMTPNotSupportedError as exc:
            self._drop(smtp)
            raise WayClosed(f"the mail server {self.server} does not offer what is needed ({exc})") from None
        except WayClosed:
            self._drop(smtp)
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self._drop(smtp)
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
            if step:
                raise WayClosed(f"the mail server {self.server} failed while {step} ({why})") from None
            raise WayClosed(f"the mail server {self.server} cannot be reached ({why})") from None

    @staticmethod
    def _drop(smtp) -> None:
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def send(self, letter: Letter) -> None:
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            msg = compose(letter, self.sending)
        except ValueError as exc:  # an address a header cannot hold (a line break, say)
            raise NotDelivered(f"the client's email address cannot be used ({scrub(exc, letter.to)})") from None
        try:
            self.smtp.send_message(msg, from_addr=self.sending.smtp_from, to_addrs=[letter.to])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = "; ".join(f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values())
            raise NotDelivered(f"the mail server refused the client's address ({scrub(codes, letter.to)})") from None
        except smtplib.SMTPSenderRefused as exc:
            raise WayClosed(f"the mail server {self.server} refused the sender {self.sending.smtp_from} "
                            f"({scrub(_said(exc), letter.to)})") from None
        except smtplib.SMTPDataError as exc:
            raise NotDelivered(f"the mail server did not take the message ({scrub(_said(exc), letter.to)})") from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop(self.smtp)
            self.smtp = None
            raise WayClosed(f"the connection to the mail server {self.server} was lost "
                            f"({scrub(exc, letter.to) or type(exc).__name__})") from None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._drop(self.smtp)
            self.smtp = None

"""The CalDAV client side of sync: each event as a calendar object resource, and the requests sync makes,
on the `caldav` library (services/sync.py decides what to write; this only speaks the protocol).

The library finds the account's calendars (current-user-principal, calendar-home-set, redirects and the
quirks of Nextcloud, Fastmail and the rest), makes calendars (MKCALENDAR) and reads a person's calendar
with repeating events expanded. Writes go through its client's plain PUT and DELETE with our own
If-None-Match / If-Match: its save() bumps SEQUENCE, may serialize the event anew and searches first on
some servers, while sync needs the very bytes the feeds serve and a 412 it can act on.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import caldav
from lxml import etree
from caldav.elements import dav
from caldav.lib import error as dav_error
from caldav.lib.http_sync import requests as http
from caldav.lib.url import URL
from icalendar import Calendar

from .. import password_files
from ..core.errors import BadInput, CalendarServerError
from ..core.feeds import Entry
from ..core.sync import Busy, CalDavAccount, CalendarNotFound, Changed
from .build import END, PRODID, event_text, vtimezone

TIMEOUT = 30  # seconds for one request: a server that has not answered by then is treated as down
ICS = {"Content-Type": "text/calendar; charset=utf-8"}
_CALENDAR = "{urn:ietf:params:xml:ns:caldav}calendar"
_ETAG = "{DAV:}getetag"


def read_password(path: str) -> str:
    """The password, read at the moment of the sync and kept nowhere else."""
    try:
        return password_files.read_password(path)
    except password_files.Unreadable as exc:
        raise BadInput(str(exc)) from None


@lru_cache(maxsize=16)
def _head(tzid: str, year: int) -> bytes:
    """A calendar object's text before its event: no METHOD (RFC 4791 forbids it in a calendar
    collection) and the practice's VTIMEZONE around the event's year, as the feeds write it."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add_component(vtimezone(tzid, date(year - 1, 1, 1), date(year + 2, 1, 1)))
    text = cal.to_ical()
    return text[: -len(END)] if text.endswith(END) else text


def _reason(exc: Exception) -> str:
    """A connection failure in a few words ("[Errno 111] Connection refused"), not the library's paragraph."""
    if isinstance(exc, http.exceptions.Timeout):
        return f"no answer within {TIMEOUT} s"
    found = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc))
    return found.group(0) if found else type(exc).__name__


class CalDavServer:
    """One account on one CalDAV server, for the length of one sync."""

    def __init__(self, url: str, user: str, password: str):
        self.url, self.user = url, user
        self.client = caldav.DAVClient(url=url, username=user, password=password, timeout=TIMEOUT,
                                       enable_rfc6764=False)
        self._principal = None
        self._home_url: URL | None = None
        self._known: dict[str, str] | None = None  # the account's calendars, listed once per sync

    @classmethod
    def connect(cls, account: CalDavAccount) -> CalDavServer:
        return cls(account.url, account.user, read_password(account.password_file))

    @contextmanager
    def _talking(self, doing: str):
        """Every failure of the server or the network as one line naming what sync was doing."""
        try:
            yield
        except dav_error.AuthorizationError as exc:
            if exc.status == 403:
                raise CalendarServerError(f"the CalDAV server does not let {self.user!r} {doing}") from None
            raise CalendarServerError(f"the CalDAV server at {self.url} refused the login of {self.user!r}: "
                                      f"check the user name and the password file") from None
        except http.exceptions.RequestException as exc:
            raise CalendarServerError(f"cannot reach the CalDAV server at {self.url} ({_reason(exc)}) while "
                                      f"trying to {doing}") from None
        except dav_error.DAVError as exc:
            raise CalendarServerError(f"the CalDAV server failed to {doing} ({exc.reason})") from None
        except (etree.XMLSyntaxError, UnicodeError) as exc:  # an answer that is not the XML it must be
            raise CalendarServerError(f"the CalDAV server at {self.url} answered with something that is not "
                                      f"CalDAV while trying to {doing} ({type(exc).__name__})") from None

    def _check(self, r, doing: str, ok=(200, 201, 204, 207)) -> None:
        if r.status not in ok:
            raise CalendarServerError(f"the CalDAV server failed to {doing} ({r.status} {r.reason or ''})".strip())

    # --- calendars --------------------------------------------------------------------------------

    def home(self) -> URL:
        """The account's calendar home (found once per sync); a wrong password is said here, first."""
        if self._home_url is None:
            with self._talking("find the account's calendars"):
                self._principal = self.client.principal()
                self._home_url = self._principal.calendar_home_set.url
        return self._home_url

    def _calendars(self, fresh: bool = False) -> dict[str, str]:
        """Calendar URL -> display name, for every calendar in the account's home."""
        if self._known is None or fresh:
            self._known = self._list_calendars()
        return self._known

    def _list_calendars(self) -> dict[str, str]:
        home = self.home()
        with self._talking("list the account's calendars"):
            r = self.client.propfind(str(home), props=["{DAV:}displayname", "{DAV:}resourcetype"], depth=1)
            self._check(r, "list the account's calendars")
        out = {}
        for found in r.results or []:
            kinds = found.properties.get("{DAV:}resourcetype") or []
            if _CALENDAR in kinds:
                out[str(home.join(found.href))] = found.properties.get("{DAV:}displayname") or ""
        return out

    def ensure_calendar(self, ident: str, name: str) -> tuple[str, bool]:
        """The calendar `ident` in the account's home, made (MKCALENDAR) when missing; its display name
        follows `name`. Returns its URL and whether it was made now."""
        url = str(self.home().join(ident + "/"))
        existing = self._calendars()
        if url in existing:
            if existing[url] != name:
                with self._talking(f"rename the calendar {ident}"):
                    self.client.calendar(url=url).set_properties([dav.DisplayName(name)])
                existing[url] = name
            return url, False
        try:
            with self._talking(f"make the calendar {name!r}"):
                made = self._principal.make_calendar(name=name, cal_id=ident,
                                                     supported_calendar_component_set=["VEVENT"])
        except CalendarServerError:
            if url in self._calendars(fresh=True):  # another sync made it a moment ago
                return url, False
            raise
        existing[str(made.url)] = name
        return str(made.url), True

    def listing(self, calendar: str) -> dict[str, str]:
        """Resource name -> ETag of everything in a calendar ({} when the calendar is gone)."""
        with self._talking("list a calendar's events"):
            r = self.client.propfind(calendar, props=[_ETAG, "{DAV:}resourcetype"], depth=1)
        if r.status == 404:
            return {}
        self._check(r, "list a calendar's events")
        out = {}
        for found in r.results or []:
            if found.properties.get("{DAV:}resourcetype"):  # the calendar itself, or a collection in it
                continue
            name = unquote(found.href.rstrip("/").rsplit("/", 1)[-1])
            out[name] = found.properties.get(_ETAG) or ""
        return out

    # --- events -----------------------------------------------------------------------------------

    def render(self, entry: Entry, timezone: str) -> bytes:
        """The event exactly as the feeds write it, as a calendar object of its own."""
        return _head(timezone, entry.start.year) + event_text(entry, ZoneInfo(timezone)) + END

    def _at(self, calendar: str, name: str) -> str:
        return str(URL.objectify(calendar).join(name))

    def etag_of(self, calendar: str, name: str) -> str | None:
        with self._talking("read an event's version"):
            r = self.client.propfind(self._at(calendar, name), props=[_ETAG], depth=0)
        if r.status == 404:
            return None
        self._check(r, "read an event's version")
        return next((f.properties.get(_ETAG) for f in r.results or [] if f.properties.get(_ETAG)), "")

    def uid_of(self, calendar: str, name: str) -> str | None:
        with self._talking("read an event"):
            r = self.client.request(self._at(calendar, name), "GET")
        if r.status == 404:
            return None
        self._check(r, "read an event", ok=(200,))
        try:
            found = Calendar.from_ical(r._raw)
        except ValueError:
            return None
        return next((str(e.get("uid")) for e in found.walk("VEVENT") if e.get("uid")), None)

    @staticmethod
    def _if(etag: str | None) -> dict:
        """If-None-Match: * to create, If-Match to replace that version. A weak ETag never matches under
        If-Match (RFC 9110), so with one the write goes out unconditionally."""
        if etag is None:
            return {"If-None-Match": "*"}
        return {} if not etag or etag.startswith("W/") else {"If-Match": etag}

    def put(self, calendar: str, name: str, body: bytes, etag: str | None) -> str:
        """Store an event; its new ETag. Raises Changed on 412."""
        with self._talking("store an event"):
            r = self.client.put(self._at(calendar, name), body, {**ICS, **self._if(etag)})
        if r.status == 412:
            raise Changed(name)
        self._check(r, f"store the event {name}", ok=(200, 201, 204))
        # a server that altered what it stored sends no ETag (RFC 4791 5.3.4): ask for the one it keeps
        return r.headers.get("ETag") or self.etag_of(calendar, name) or ""

    def delete(self, calendar: str, name: str, etag: str) -> None:
        """Remove an event (already gone is fine). Raises Changed on 412."""
        with self._talking("remove an event"):
            r = self.client.delete(self._at(calendar, name), self._if(etag))
        if r.status == 412:
            raise Changed(name)
        if r.status != 404:
            self._check(r, f"remove the event {name}", ok=(200, 204))

    # --- a person's own calendar --------------------------------------------------------------------

    def _find(self, ref: str) -> str:
        """A calendar given by URL (on this server: our login goes nowhere else) or by its name or path."""
        home = self.home()
        if ref.startswith(("http://", "https://")):
            if urlsplit(ref).netloc != urlsplit(str(home)).netloc:
                raise CalendarNotFound(f"is not on the practice's CalDAV server {urlsplit(str(home)).netloc}")
            return ref
        wanted = ref.strip().strip("/").casefold()
        calendars = self._calendars()
        by_path = [url for url in calendars if unquote(url.rstrip("/").rsplit("/", 1)[-1]).casefold() == wanted]
        by_name = [url for url, shown in calendars.items() if shown.casefold() == wanted]
        if len(by_path) == 1 or len(by_name) == 1:
            return (by_path or by_name)[0]
        if by_name:
            raise CalendarNotFound(f"{len(by_name)} calendars of {self.user!r} have that name: give its URL")
        raise CalendarNotFound(f"there is no calendar of that name for {self.user!r}")

    def busy_events(self, calendar: str, start: datetime, end: datetime) -> list[Busy]:
        """Every event (each occurrence of a repeating one) of a person's calendar between two instants."""
        url = self._find(calendar)
        with self._talking("read a busy calendar"):
            try:
                found = self.client.calendar(url=url).search(start=start, end=end, event=True, expand=True)
            except dav_error.NotFoundError:
                raise CalendarNotFound("it is not on the server") from None
            except dav_error.AuthorizationError as exc:
                if exc.status != 403:
                    raise
                raise CalendarNotFound(f"{self.user!r} may not read it") from None
        out = []
        for obj in found:
            for e in obj.icalendar_instance.walk("VEVENT"):
                out.append(_busy(e))
        return out


def _busy(e) -> Busy:
    first = e.decoded("dtstart")
    if "dtend" in e:
        last = e.decoded("dtend")
    elif "duration" in e:
        last = first + e.decoded("duration")
    else:
        last = None
    rid = e.get("recurrence-id")
    recurrence = ""
    if rid is not None:
        value = e.decoded("recurrence-id")
        recurrence = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    return Busy(uid=str(e.get("uid", "")), recurrence=recurrence, start=first, end=last,
                transparent=str(e.get("transp", "")).upper() == "TRANSPARENT",
                cancelled=str(e.get("status", "")).upper() == "CANCELLED")

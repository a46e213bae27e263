"""One feed read by six independent iCalendar parsers, each as a calendar app would take it.

Python: icalendar, recurring-ical-events (icalendar underneath, but it applies X-WR-TIMEZONE), vobject
(dateutil's zone handling) and `ical` (its own parser and zone code). Outside Python: libical, the C
library behind Evolution and khal-style clients (Debian's GObject bindings, run by the system Python),
and Mozilla's ical.js (npm; Thunderbird's calendar). The last two are the ones that read a TZID time on
the first pass of a repeated hour as the second pass.

Each reader returns {"name": calendar name, "events": {uid: Event}} with instants in UTC.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream

HERE = Path(__file__).parent
SYSTEM_PYTHON = "/usr/bin/python3"


@dataclass(frozen=True)
class Event:
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str


def _utc(value) -> datetime:
    return value.astimezone(timezone.utc)


def _icalendar(text: str) -> dict:
    cal = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]): Event(_utc(e.decoded("DTSTART")), _utc(e.decoded("DTEND")), str(e["SUMMARY"]),
                                   str(e["LOCATION"]), str(e["DESCRIPTION"]))
              for e in cal.walk("VEVENT")}
    return {"name": str(cal["X-WR-CALNAME"]), "events": events}


def _recurring(text: str) -> dict:
    cal = icalendar.Calendar.from_ical(text)
    found = recurring_ical_events.of(cal).between(datetime(1990, 1, 1), datetime(2100, 1, 1))
    events = {str(e["UID"]): Event(_utc(e["DTSTART"].dt), _utc(e["DTEND"].dt), str(e["SUMMARY"]),
                                   str(e["LOCATION"]), str(e["DESCRIPTION"]))
              for e in found}
    return {"name": str(cal["X-WR-CALNAME"]), "events": events}


def _vobject(text: str) -> dict:
    cal = vobject.readOne(text)
    events = {e.uid.value: Event(_utc(e.dtstart.value), _utc(e.dtend.value), e.summary.value, e.location.value,
                                 e.description.value)
              for e in cal.contents.get("vevent", [])}
    return {"name": cal.contents["x-wr-calname"][0].value, "events": events}


def _ical(text: str) -> dict:
    cal = IcsCalendarStream.calendar_from_ics(text)
    events = {e.uid: Event(_utc(e.dtstart), _utc(e.dtend), e.summary, e.location, e.description)
              for e in cal.events}
    names = cal.name if isinstance(cal.name, list) else [cal.name]  # RFC 7986's NAME; it has no X-WR-CALNAME
    return {"name": names[0] if names else None, "events": events}


def _outside(command: list[str], text: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".ics", encoding="utf-8", delete=False) as f:
        f.write(text)
    try:
        done = subprocess.run([*command, f.name], capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(f.name)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)

    def when(seconds: int) -> datetime:
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds)

    events = {uid: Event(when(e["start"]), when(e["end"]), e["summary"], e["location"], e["description"])
              for uid, e in out["events"].items()}
    return {"name": out["name"], "events": events}


def _libical(text: str) -> dict:
    return _outside([SYSTEM_PYTHON, str(HERE / "read_libical.py")], text)


def _icaljs(text: str) -> dict:
    return _outside([shutil.which("node") or "node", str(HERE / "read_icaljs.mjs")], text)


def _missing(parser: str) -> str:
    """Why a parser from outside Python cannot run here, or ''."""
    if parser == "libical":
        probe = [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0')"]
        if not Path(SYSTEM_PYTHON).exists() or subprocess.run(probe, capture_output=True).returncode != 0:
            return "libical needs Debian's python3-gi and gir1.2-ical-3.0 (.ci/run installs them)"
    if parser == "ical.js":
        if not shutil.which("node") or not (HERE / "node_modules" / "ical.js").is_dir():
            return "ical.js needs node and 'npm ci --prefix tests/parsers' (make test runs it)"
    return ""


READERS = {"icalendar": _icalendar, "recurring-ical-events": _recurring, "vobject": _vobject, "ical": _ical,
           "libical": _libical, "ical.js": _icaljs}


def read(parser: str, text: str) -> dict:
    """What `parser` read. A parser from outside Python that is not installed skips the test (with the
    reason), except in CI, where it fails it: CI installs them all."""
    why = _missing(parser)
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return READERS[parser](text)

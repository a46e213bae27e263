"""Reads an iCalendar file with libical (the C library, through its GObject bindings) and prints, as JSON,
the calendar's name and per UID the start and end instants (seconds since 1970) and the texts.

Run with the system Python that has python3-gi and gir1.2-ical-3.0 (Debian packages), not the venv's.
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as ICal  # noqa: E402


def instant(t) -> int:
    return t.as_timet_with_zone(t.get_timezone())


calendar = ICal.Component.new_from_string(open(sys.argv[1], encoding="utf-8").read())
events = {}
part = calendar.get_first_component(ICal.ComponentKind.VEVENT_COMPONENT)
while part is not None:
    events[part.get_uid()] = {"start": instant(part.get_dtstart()), "end": instant(part.get_dtend()),
                              "summary": part.get_summary(), "location": part.get_location(),
                              "description": part.get_description()}
    part = calendar.get_next_component(ICal.ComponentKind.VEVENT_COMPONENT)
name = calendar.get_first_property(ICal.PropertyKind.X_PROPERTY)
while name is not None and name.get_x_name() != "X-WR-CALNAME":
    name = calendar.get_next_property(ICal.PropertyKind.X_PROPERTY)
print(json.dumps({"name": name.get_value_as_string() if name else None, "events": events}))

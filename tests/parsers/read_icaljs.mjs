// Reads an iCalendar file with Mozilla's ical.js and prints what a calendar app would take from it, as
// JSON: the calendar's name and, per UID, the start and end instants (seconds since 1970) and the texts.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const calendar = new ICAL.Component(ICAL.parse(readFileSync(process.argv[2], "utf8")));
// a TZID is resolved through the zones registered here, as a calendar app does with the file's VTIMEZONEs
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const events = {};
for (const part of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(part);
  events[event.uid] = {
    start: event.startDate.toUnixTime(),
    end: event.endDate.toUnixTime(),
    summary: event.summary,
    location: event.location,
    description: event.description,
  };
}
console.log(JSON.stringify({ name: calendar.getFirstPropertyValue("x-wr-calname"), events }));

"""Where each appointment sits on the calendar grid, and the words drawn in its cells.

Pure data, no Textual: the grid widget turns these cells into styled lines. A column is a room or a
staff member on one day; a row is one slot of the practice's grid (15 minutes).
"""

from __future__ import annotations

import math
from dataclasses import field
from datetime import date, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from ...core import clock
from ...core.closures import Closure
from ...core.hours import WeeklyHours
from ...core.model import Appointment, Kind, Status, TimeOff
from ...core.record import record
from ...core.statuses import asks_confirmation

STATUS_LETTER = {
    Status.BOOKED: "B",
    Status.ARRIVED: "A",
    Status.FULFILLED: "F",
    Status.CANCELLED: "X",
    Status.NO_SHOW: "N",
}
EDGE = "│"  # left edge of a block's lower rows: blocks stay apart without colour
TURNOVER = "░"
CLOSED = "·"  # nobody can be booked here: outside the hours, a closed day, time off (the words say which)
# after the status letter on a block's first line, so that no state is told by colour alone
CONFIRMED = "✔"  # the client confirmed this time
STRANDED = "⚠"  # booked while the therapist or provider is off, or the practice closed: to be moved
LATE = "!"  # cancelled late by the client (the practice's cancellation policy)


def note_mark(versions: int) -> str:
    """✎ a signed visit note, ✎2 one amended once (two versions); '' for none."""
    return "" if not versions else "✎" if versions == 1 else f"✎{versions}"


class Column(NamedTuple):
    """One room or one staff member: what a grid column shows."""

    id: str
    name: str
    hours: WeeklyHours  # when this room (the practice's hours) or person is there


class Cell(NamedTuple):
    """What one grid cell shows: part of an appointment block, or a room's turnover after a session."""

    appt: Appointment
    offset: int  # rows since the block's first row
    turnover: bool = False
    inner: Appointment | None = None  # spot work drawn inside this visit's row


class Away(NamedTuple):
    """A staff member's time off, drawn in their column where nothing is booked."""

    off: TimeOff
    first: bool  # the first row of this stretch on the day: where its words go


@record
class Layout:
    """Appointments placed on a period's grid: `cells[(x, row)]`, x counting day by day, column by column."""

    days: tuple[date, ...]
    columns: tuple[Column, ...]
    first_minute: int
    rows: int
    grid: int
    by_room: bool
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    closed: dict[date, Closure] = field(default_factory=dict)  # days the practice is closed
    away: dict[tuple[int, int], Away] = field(default_factory=dict)  # staff view: time off
    stranded: dict[str, str] = field(default_factory=dict)  # appointment id -> who is off then, and why
    _open: dict[tuple, bool] = field(default_factory=dict, repr=False)

    @property
    def width(self) -> int:
        return len(self.days) * len(self.columns)

    def where(self, x: int) -> tuple[date, Column]:
        return self.days[x // len(self.columns)], self.columns[x % len(self.columns)]

    def minute(self, row: int) -> int:
        return self.first_minute + row * self.grid

    def is_open(self, x: int, row: int) -> bool:
        day, column = self.where(x)
        key = (day.weekday(), column.hours, row)
        found = self._open.get(key)
        if found is None:
            start = self.minute(row)
            found = self._open[key] = column.hours.covers(day.weekday(), start, start + self.grid)
        return found

    def find(self, appt_id: str) -> tuple[int, int] | None:
        """The top-left cell of an appointment's block (a spot's row inside its visit)."""
        for (x, row), cell in sorted(self.cells.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if (cell.appt.id == appt_id and not cell.turnover) or (cell.inner and cell.inner.id == appt_id):
                return x, row
        return None


def row_bounds(hours: WeeklyHours, appts: list[Appointment], tz: ZoneInfo, grid: int) -> tuple[int, int]:
    """The first minute and the number of rows: opening hours, widened to show anything booked outside."""
    first, last = hours.day_bounds() or (8 * 60, 18 * 60)
    for a in appts:
        start, end = a.start.astimezone(tz), a.end.astimezone(tz)
        first = min(first, start.hour * 60 + start.minute)
        last = max(last, end.hour * 60 + end.minute if end.date() == start.date() else 24 * 60)
    first -= first % grid
    return first, math.ceil((last - first) / grid)


def place(days: tuple[date, ...], columns: tuple[Column, ...], appts: list[Appointment], tz: ZoneInfo,
          first_minute: int, rows: int, grid: int, by_room: bool, turnover_minutes: int,
          closed: dict[date, Closure] | None = None, time_off: dict[str, tuple[TimeOff, ...]] | None = None,
          stranded: dict[str, str] | None = None) -> Layout:
    """`time_off` is each staff column's time off (drawn in the staff view only); `stranded` the
    appointments whose therapist or provider is off then."""
    layout = Layout(days, columns, first_minute, rows, grid, by_room, closed=dict(closed or {}),
                    stranded=dict(stranded or {}))
    day_index = {d: i for i, d in enumerate(days)}
    col_index = {c.id: i for i, c in enumerate(columns)}
    shown_visits = {a.id for a in appts if a.kind == Kind.VISIT}
    # holding appointments claim their cells first; a cancellation shows only where the time is free
    ordered = sorted(appts, key=lambda a: (not a.holds_time, a.kind == Kind.SPOT, a.start))
    nested: list[Appointment] = []
    visit_cells: dict[str, list[tuple[int, int]]] = {}
    for a in ordered:
        if by_room and a.kind == Kind.SPOT and a.visit_id in shown_visits:
            nested.append(a)
            continue
        column = col_index.get(a.room_id if by_room else a.staff_id)
        day = day_index.get(clock.local_day(a.start, tz))
        if column is None or day is None:
            continue
        x = day * len(columns) + column
        top, bottom = _rows(a.start, a.end, tz, first_minute, grid)
        for row in range(max(top, 0), min(bottom, rows)):
            if layout.cells.setdefault((x, row), Cell(a, row - top)).appt is a:
                visit_cells.setdefault(a.id, []).append((x, row))
        if by_room and a.kind == Kind.SESSION and a.holds_time and turnover_minutes:
            after = a.end + timedelta(minutes=turnover_minutes)
            for row in range(max(bottom, 0), min(_rows(a.end, after, tz, first_minute, grid)[1], rows)):
                layout.cells.setdefault((x, row), Cell(a, row - top, turnover=True))
    for spot in nested:
        top, bottom = _rows(spot.start, spot.end, tz, first_minute, grid)
        for x, row in visit_cells.get(spot.visit_id or "", ()):
            cell = layout.cells[(x, row)]
            if top <= row < bottom and (cell.inner is None or spot.holds_time):
                layout.cells[(x, row)] = Cell(cell.appt, cell.offset, inner=spot)
    if not by_room and time_off:
        _place_time_off(layout, time_off, tz)
    return layout


def _place_time_off(layout: Layout, time_off: dict[str, tuple[TimeOff, ...]], tz: ZoneInfo) -> None:
    """Time off in each person's column, day by day, where nothing booked is drawn."""
    for d, day in enumerate(layout.days):
        day_start, day_end = clock.day_span(day, tz)
        for c, column in enumerate(layout.columns):
            x = d * len(layout.columns) + c
            for off in time_off.get(column.id, ()):
                start, end = max(off.start, day_start), min(off.end, day_end)
                if start >= end:
                    continue
                top, bottom = _rows(start, end, tz, layout.first_minute, layout.grid)
                first = True
                for row in range(max(top, 0), min(bottom, layout.rows)):
                    if (x, row) not in layout.cells and (x, row) not in layout.away:
                        layout.away[(x, row)] = Away(off, first)
                        first = False


def _rows(start, end, tz: ZoneInfo, first_minute: int, grid: int) -> tuple[int, int]:
    a, b = start.astimezone(tz), end.astimezone(tz)
    top = (a.hour * 60 + a.minute - first_minute) // grid
    end_minute = b.hour * 60 + b.minute if b.date() == a.date() else 24 * 60
    return top, math.ceil((end_minute - first_minute) / grid)


_TITLES = ("dr", "prof")
# how the desk shortens a modality when the whole word does not fit
MODALITY_SHORT = {"deep-tissue": "deep", "trigger-point": "trigger", "myofascial": "myofasc",
                  "lymph-drainage": "lymph", "craniosacral": "cranio", "stretching": "stretch"}


def initials(name: str) -> str:
    """"ML" for Maya Lindqvist, "SP" for Dr. Sam Patel, "TR2" for Treatment Room 2."""
    parts = name.replace(".", " ").split()
    if len(parts) > 1 and parts[0].casefold() in _TITLES:
        parts = parts[1:]
    return "".join(part[0] for part in parts if part[0].isalnum()).upper()


def short_name(name: str) -> str:
    """How the desk says a colleague's name: "Maya", "Dr. Patel"."""
    parts = name.split()
    if len(parts) > 1 and parts[0].rstrip(".").casefold() in _TITLES:
        return f"{parts[0]} {parts[-1]}"
    return parts[0] if parts else name


def name_forms(name: str, person: bool = True) -> tuple[str, ...]:
    """A name and the shorter forms a person still recognises, longest first: "Maya Lindqvist",
    "Maya L.", "Maya", "ML"; "Dr. Sam Patel", "Dr. Patel", "SP"; a room "Adjusting Room", "Adjusting", "AR".
    Never a word cut in the middle."""
    parts = name.split()
    if len(parts) < 2:
        return (name,)
    forms = [name]
    if person and parts[0].rstrip(".").casefold() in _TITLES:
        forms.append(short_name(name))
    elif person:
        forms += [f"{parts[0]} {parts[-1][0]}.", parts[0]]
    else:
        forms.append(parts[0])
    forms.append(initials(name))
    return tuple(dict.fromkeys(forms))


def labels_that_fit(names: list[str], width: int, person: bool) -> list[str]:
    """One label per column, the longest form that fits and that no other column shows too ("Treatment"
    twice becomes "TR1", "TR2")."""
    chosen = []
    for name in names:
        fitting = [f for f in name_forms(name, person) if len(f) <= width] or [initials(name)[:width]]
        clash = lambda form: any(form in name_forms(o, person) for o in names if o != name)  # noqa: E731
        chosen.append(next((f for f in fitting if not clash(f)), fitting[0]))
    return chosen


def shortest_fit(width: int, *choices: str) -> str:
    """The first (longest) wording that fits, else the last one cut to fit."""
    for text in choices:
        if len(text) <= width:
            return text.ljust(width)
    return fit(choices[-1], width)


def _client_names(name: str) -> tuple[str, ...]:
    return name_forms(name, person=True)


def fit(text: str, width: int) -> str:
    return text[:width].ljust(width)


def marks(a: Appointment, stranded: dict[str, str]) -> str:
    """What follows the status letter: confirmed, stranded by time off, cancelled late."""
    out = CONFIRMED if a.confirmed and asks_confirmation(a.kind, a.status) else ""
    if a.id in stranded:
        out += STRANDED
    if a.late_cancel and a.status == Status.CANCELLED:
        out += LATE
    return out


def block_text(cell: Cell, width: int, names: dict[str, str], by_room: bool, tz: ZoneInfo,
               stranded: dict[str, str] | None = None) -> str:
    """The words in one cell of a block: status letter (and marks) and client on top, then what and who,
    then when."""
    a = cell.appt
    if cell.turnover:
        return TURNOVER * width
    letter = STATUS_LETTER[a.status] + marks(a, stranded or {})
    client = names.get(a.client_id, "?")
    if cell.offset == 0:
        wordings = [f"{letter} {n}" for n in _client_names(client)]
        if a.kind == Kind.SPOT and not by_room:  # in its therapist's column: "(spot)", or ▸ as inside a visit
            wordings = [f"{w} (spot)" for w in wordings] + [f"{letter}▸{n}" for n in _client_names(client)]
        return shortest_fit(width, *wordings, f"{letter}{initials(client)}")
    if cell.inner is not None or width < 6:
        return fit(EDGE, width)  # a spot's own text is drawn by the grid, in its own style
    if cell.offset == 1:
        other = names.get(a.staff_id if by_room else a.room_id, "?")
        what = a.modality or str(a.kind)
        short = MODALITY_SHORT.get(what, what)
        who = name_forms(other, person=by_room)
        return shortest_fit(width, f"{EDGE}{what} · {who[0]}", f"{EDGE}{what} · {short_name(other)}",
                            f"{EDGE}{short} · {short_name(other)}", f"{EDGE}{what} · {who[-1]}",
                            f"{EDGE}{short} · {who[-1]}", EDGE + what, EDGE + short, EDGE)
    if cell.offset == 2:
        start, end = a.start.astimezone(tz), a.end.astimezone(tz)
        return shortest_fit(width, f"{EDGE}{start:%H:%M}-{end:%H:%M}", f"{EDGE}{start:%H:%M} {a.minutes}m",
                            f"{EDGE}{start:%H:%M}", EDGE)
    return fit(EDGE, width)


def spot_text(spot: Appointment, width: int, names: dict[str, str], stranded: dict[str, str] | None = None) -> str:
    """Spot work inside its visit's row: status, therapist and region."""
    name = names.get(spot.staff_id, "?")
    head = f"{STATUS_LETTER[spot.status]}{marks(spot, stranded or {})}▸"
    what = spot.region or spot.modality or ""
    return shortest_fit(width, f"{head}{short_name(name)} {what}", f"{head}{short_name(name)}", head + initials(name))


def closed_cell(closure: Closure, width: int) -> str:
    """On a closed day's empty cells, on the hour: why nobody can be booked."""
    return shortest_fit(width, f"closed: {closure.reason}" if closure.reason else "closed", "closed", CLOSED * width)


def away_cell(off: TimeOff, width: int) -> str:
    """At the start of a stretch of time off: that it is time off, and (from their own calendar) where from."""
    where = " (own calendar)" if off.source else ""
    reason = f": {off.reason}" if off.reason else ""
    return shortest_fit(width, f"off{where}{reason}", f"off{' (cal)' if off.source else ''}{reason}",
                        f"off{where}", f"off{' (cal)' if off.source else ''}", "off", CLOSED * width)

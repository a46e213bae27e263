"""The calendar grid: one line-rendered widget for a day or a week of rooms or staff.

Lines are built on demand by `render_line`, kept in an LRU cache keyed by what they show, and a cursor move
repaints only the two rows it touches. The two header lines and the time gutter are drawn by the same
widget and stay put while the body scrolls, so they can never drift out of step with it.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.model import Appointment, Kind, Status
from .blocks import CLOSED, Cell, Layout, away_cell, block_text, closed_cell, labels_that_fit, spot_text

HEADER = 2
GUTTER = 6
DAY_COLUMN_MIN = 12  # a day view shows as many rooms or staff as fit this wide; [ and ] page to the rest
WEEK_COLUMN_MIN = 10  # "B Keiko T.": a week shows fewer rooms or staff per day rather than letters

_STATUS_CLASS = {
    Status.BOOKED: "",
    Status.ARRIVED: "calendar--arrived",
    Status.FULFILLED: "calendar--fulfilled",
    Status.CANCELLED: "calendar--cancelled",
    Status.NO_SHOW: "calendar--no-show",
}


class Slot(NamedTuple):
    """The cursor's place: a day, a room or staff member, and the start of a grid row."""

    day: date
    column_id: str
    minute: int
    cell: Cell | None


# Text attributes need no theme colour: kept out of COMPONENT_CLASSES, each of which Textual styles as a node
# of its own three times before the first frame (mount, focus, screen resume)
HOUR = Style(bold=True)
CURSOR = Style(reverse=True, bold=True)
MARKED = Style(bold=True, underline=True)


class CalendarGrid(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "calendar--header",
        "calendar--today",
        "calendar--gutter",
        "calendar--now",
        "calendar--closed",
        "calendar--session",
        "calendar--visit",
        "calendar--spot",
        "calendar--arrived",
        "calendar--fulfilled",
        "calendar--cancelled",
        "calendar--no-show",
    }
    BINDINGS = [
        Binding("up", "cursor(0, -1)", "Up", show=False, id="grid.up"),
        Binding("down", "cursor(0, 1)", "Down", show=False, id="grid.down"),
        Binding("left", "cursor(-1, 0)", "Left", show=False, id="grid.left"),
        Binding("right", "cursor(1, 0)", "Right", show=False, id="grid.right"),
        Binding("pageup", "cursor(0, -8)", "Up 2 hours", show=False, id="grid.page_up"),
        Binding("pagedown", "cursor(0, 8)", "Down 2 hours", show=False, id="grid.page_down"),
        Binding("home", "cursor_row(0)", "Opening", show=False, id="grid.first_row"),
        Binding("end", "cursor_row(-1)", "Closing", show=False, id="grid.last_row"),
    ]

    cursor = reactive((0, 0), always_update=True, repaint=False)

    class CursorMoved(Message):
        def __init__(self, slot: Slot) -> None:
            self.slot = slot
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.placed: Layout | None = None
        self.names: dict[str, str] = {}
        self.tz: ZoneInfo | None = None
        self.today: date | None = None
        self.now_row: int | None = None
        self.marked: str | None = None  # an appointment being moved
        self._token = 0  # changes whenever what the lines show changes, so cached lines go stale
        self._lines: LRUCache[tuple, Strip] = LRUCache(1024)
        self._styles: dict[tuple[str, ...], Style] = {}
        self._col_x: list[int] = []
        self._col_w: list[int] = []  # 0 for a column on another page
        self._labels: list[str] = []  # column headers, shortened to fit
        self.measured_width = 0  # the width the columns were measured for
        self.first_column = 0  # the page of rooms or staff shown: columns first_column.. of each day
        self.per_page = 1

    # --- what to show ----------------------------------------------------------------------------

    def show(self, layout: Layout, names: dict[str, str], tz: ZoneInfo, now: datetime,
             cursor: tuple[int, int] | None = None) -> None:
        """Show a newly placed period; without a `cursor` it stays at the same column and time of day."""
        old = self.placed
        self.placed, self.names, self.tz = layout, names, tz
        self._set_now(now)
        self._measure()
        if cursor is not None:
            x, row = cursor
        elif old is not None:
            x, row = self.cursor
            row += (old.first_minute - layout.first_minute) // layout.grid
        else:
            x, row = 0, self._start_row()
        self._invalidate()
        self.cursor = (min(max(x, 0), layout.width - 1), min(max(row, 0), layout.rows - 1))
        self.refresh()

    def set_now(self, now: datetime) -> None:
        if self.placed is not None and self._set_now(now):
            self._invalidate()
            self.refresh()

    def _set_now(self, now: datetime) -> bool:
        """Mark today and the row of "now"; True when that changed what is drawn."""
        local = now.astimezone(self.tz)
        minute = local.hour * 60 + local.minute - self.placed.first_minute
        row = minute // self.placed.grid if 0 <= minute < self.placed.rows * self.placed.grid else None
        changed = (local.date(), row) != (self.today, self.now_row)
        self.today, self.now_row = local.date(), row
        return changed

    def mark(self, appt_id: str | None) -> None:
        self.marked = appt_id
        self._invalidate()
        self.refresh()

    def _invalidate(self) -> None:
        self._token += 1
        self._lines.clear()
        self._styles.clear()

    def _start_row(self) -> int:
        """Open a period at "now" when it is on screen, else at the start of the day."""
        return self.now_row if self.now_row is not None and self.today in self.placed.days else 0

    @property
    def paged(self) -> bool:
        """Not every room or staff member of a day fits: [ and ] show the others."""
        return self.placed is not None and self.per_page < len(self.placed.columns)

    def _measure(self) -> None:
        """Column widths from the space there is. Columns too many to read at that width are shown a page
        at a time, never squeezed to letters or scrolled sideways (a sideways scrollbar hid the cursor)."""
        layout = self.placed
        per_day, days = len(layout.columns), len(layout.days)
        # before its first layout (the first period is shown on mount) the grid takes the screen's width, as
        # it will: the first frame then shows the columns right instead of waiting for the next refresh
        self.measured_width = self.size.width or self.app.size.width
        room = max(self.measured_width - GUTTER, 1)
        if days == 1:
            self.per_page = max(1, min(per_day, room // (DAY_COLUMN_MIN + 1)))
            width = max(room // self.per_page - 1, 1)  # 1 before the first layout gives a size
        else:
            self.per_page = max(1, min(per_day, (room // days) // (WEEK_COLUMN_MIN + 1)))
            width = max((room // days) // self.per_page - 1, 1)
        self.first_column = min(max(self.first_column, 0), per_day - self.per_page)
        shown = range(self.first_column, self.first_column + self.per_page)
        self._col_x, self._col_w, x = [], [], 0
        for _ in layout.days:
            for c in range(per_day):
                self._col_x.append(x)
                self._col_w.append(width if c in shown else 0)
                if c in shown:
                    x += width + 1  # a rule after each room, dotted between the rooms of a week's day
        self._labels = labels_that_fit([c.name for c in layout.columns], width, person=not layout.by_room)
        self.virtual_size = Size(GUTTER + x, HEADER + layout.rows)

    def page(self, step: int) -> None:
        """Show the next (or previous) rooms or staff, the cursor moving along on the same day and time;
        past the last page comes the first again."""
        if self.placed is None:
            return
        per_day = len(self.placed.columns)
        x, row = self.cursor
        last = max(per_day - self.per_page, 0)
        first = self.first_column + step * self.per_page
        if first > last:
            first = 0 if self.first_column == last else last
        elif first < 0:
            first = last if self.first_column == 0 else 0
        column = min(max(x % per_day + first - self.first_column, first), first + self.per_page - 1)
        self.first_column = first
        self._remeasure()
        self.cursor = (x - x % per_day + column, row)

    def _reveal(self, x: int) -> None:
        """Turn to the page that holds column x."""
        column = x % len(self.placed.columns)
        if not self.first_column <= column < self.first_column + self.per_page:
            self.first_column = column - column % self.per_page
            self._remeasure()

    def _remeasure(self) -> None:
        self._measure()
        self._invalidate()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self.placed is not None:
            if self.measured_width != self.size.width:  # the first layout gives the width measured on mount
                self._measure()
                self._invalidate()
            self._reveal(self.cursor[0])
            self.scroll_to_cursor()

    # --- the cursor ------------------------------------------------------------------------------

    @property
    def slot(self) -> Slot | None:
        if self.placed is None:
            return None
        x, row = self.cursor
        day, column = self.placed.where(x)
        return Slot(day, column.id, self.placed.minute(row), self.placed.cells.get((x, row)))

    def appointment_at_cursor(self) -> Appointment | None:
        """The appointment under the cursor: the spot work drawn in a visit's row, else the block."""
        slot = self.slot
        if slot is None or slot.cell is None or slot.cell.turnover:
            return None
        return slot.cell.inner or slot.cell.appt

    def watch_cursor(self, old: tuple[int, int], new: tuple[int, int]) -> None:
        if self.placed is None:
            return
        self._reveal(new[0])  # the cursor was put on a room or person of another page
        for row in {old[1], new[1]}:
            self.refresh(Region(0, HEADER + row - round(self.scroll_y), self.size.width, 1))
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(self.slot))

    def scroll_to_cursor(self) -> None:
        if self.placed is None or not self._col_x:
            return
        x, row = self.cursor
        self.scroll_to_region(Region(GUTTER + self._col_x[x], HEADER + row, self._col_w[x], 1),
                              spacing=Spacing(HEADER, 0, 0, GUTTER), animate=False, force=True)

    def action_cursor(self, dx: int, dy: int) -> None:
        """Up and down through the day; left and right through the columns shown, on to the next day."""
        if self.placed is None:
            return
        x, row = self.cursor
        per_day = len(self.placed.columns)
        day, column = divmod(x, per_day)
        column += dx
        if column >= self.first_column + self.per_page:
            day, column = day + 1, self.first_column
        elif column < self.first_column:
            day, column = day - 1, self.first_column + self.per_page - 1
        if not 0 <= day < len(self.placed.days):
            day, column = divmod(x, per_day)
        self.cursor = (day * per_day + column, min(max(row + dy, 0), self.placed.rows - 1))

    def action_cursor_row(self, row: int) -> None:
        if self.placed is not None:
            self.cursor = (self.cursor[0], row % self.placed.rows)

    def move_cursor_to(self, appt_id: str) -> bool:
        found = self.placed.find(appt_id) if self.placed else None
        if found:
            self.cursor = found
        return found is not None

    def on_click(self, event: events.Click) -> None:
        if self.placed is None or event.y < HEADER or event.x < GUTTER:
            return
        at = event.x - GUTTER + round(self.scroll_x)
        x = bisect_right(self._col_x, at) - 1
        while x > 0 and self._col_w[x] == 0:  # columns on another page take no room
            x -= 1
        row = event.y - HEADER + round(self.scroll_y)
        if 0 <= x < self.placed.width and self._col_w[x] and 0 <= row < self.placed.rows:
            self.cursor = (x, row)

    # --- drawing ---------------------------------------------------------------------------------

    def _style(self, *names: str) -> Style:
        style = self._styles.get(names)
        if style is None:
            style = Style()
            for name in names:
                if name:
                    style += self.get_component_rich_style(name, partial=True)
            self._styles[names] = style
        return style

    @property
    def _base(self) -> Style:
        """The widget's own style, under every line: Textual works it out afresh at each `rich_style`, from
        the widget and its ancestors, so it is kept with the component styles (and forgotten with them)."""
        style = self._styles.get(())
        if style is None:
            style = self._styles[()] = self.rich_style
        return style

    def notify_style_update(self) -> None:
        """A new theme or stylesheet: every cached line and style is stale."""
        super().notify_style_update()
        self._invalidate()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self.placed is None:
            return Strip.blank(width, self._base)
        left = round(self.scroll_x)  # 0 but on a terminal too narrow for one column
        if y < HEADER:
            return self._cached(("head", y, left), lambda: self._fitted(self._header_line(y), left))
        row = y - HEADER + round(self.scroll_y)
        if row >= self.placed.rows:
            return Strip.blank(width, self._base)
        on_row = self.cursor[0] if self.cursor[1] == row else None
        return self._cached(("row", row, on_row, left), lambda: self._fitted(self._row_line(row, on_row), left))

    def _fitted(self, full: Strip, left: int) -> Strip:
        """A whole line cut to the widget: the time gutter stays, the rest from the horizontal offset."""
        width = self.size.width
        if left:
            full = Strip.join([full.crop(0, GUTTER), full.crop(GUTTER + left, GUTTER + left + width)])
        return full.crop_extend(0, width, self._base)

    def _cached(self, key: tuple, build) -> Strip:
        key = (self._token, self.size.width, *key)
        line = self._lines.get(key)
        if line is None:
            line = build()
            self._lines[key] = line
        return line

    def _header_line(self, y: int) -> Strip:
        layout = self.placed
        head = self._style("calendar--header")
        today = head + self._style("calendar--today")
        segments = [Segment(" " * GUTTER, self._style("calendar--gutter"))]
        per_day = len(layout.columns)
        for d, day in enumerate(layout.days):
            style = today if day == self.today else head
            xs = [x for x in range(d * per_day, (d + 1) * per_day) if self._col_w[x]]
            span = self._col_x[xs[-1]] + self._col_w[xs[-1]] - self._col_x[xs[0]]
            if y == 0:
                mark = "•" if day == self.today else ""
                labels = ((f"{day:%A %d %B %Y}", f"{day:%a %d %b}") if len(layout.days) == 1
                          else (f"{day:%a %d %b}", f"{day:%a %d}", f"{day:%a}", f"{day:%d}"))
                closure = layout.closed.get(day)
                if closure is not None:  # said where the day is named, whatever the scroll
                    why = f": {closure.reason}" if closure.reason else ""
                    labels = (*(f"{t} · closed{why}" for t in labels[:2]), *(f"{t} closed" for t in labels),
                              *(f"{t} ✖" for t in labels))
                label = next((t for t in labels if len(t) + len(mark) <= span), labels[-1][:span])
                segments.append(Segment((label + mark).center(span)[:span], style))
            else:
                for x in xs:
                    w = self._col_w[x]
                    segments.append(Segment(self._labels[x % per_day].ljust(w)[:w], style))
                    if x != xs[-1]:
                        segments.append(Segment(" ", style))
            segments.append(Segment(" ", head))
        return Strip(segments)

    def _row_line(self, row: int, cursor_x: int | None) -> Strip:
        layout = self.placed
        minute = layout.minute(row)
        gutter_style = self._style("calendar--gutter") + (HOUR if minute % 60 == 0 else Style())
        label = f"{minute // 60:02d}:{minute % 60:02d}" if minute % 60 == 0 else f"  :{minute % 60:02d}"
        is_now = row == self.now_row and self.today in layout.days
        if is_now:
            gutter_style += self._style("calendar--now")
        segments = [Segment(label + ("▶" if is_now else " "), gutter_style)]
        rule = self._style("calendar--gutter")
        per_day = len(layout.columns)
        last = self.first_column + self.per_page - 1
        for x in range(layout.width):
            if not self._col_w[x]:
                continue
            segments.extend(self._cell(x, row, cursor_x == x, is_now and layout.where(x)[0] == self.today))
            segments.append(Segment("│" if len(layout.days) == 1 or x % per_day == last else "┊", rule))
        return Strip(segments).simplify()

    def _cell(self, x: int, row: int, under_cursor: bool, now_line: bool) -> list[Segment]:
        width = self._col_w[x]
        cell = self.placed.cells.get((x, row))
        cursor = CURSOR if under_cursor else Style()
        if cell is None:
            if under_cursor:
                return [Segment("▸".ljust(width), cursor)]
            return [self._empty(x, row, width, now_line)]
        layout = self.placed
        style = self._block_style(cell.appt, cell.turnover) + cursor
        text = block_text(cell, width, self.names, layout.by_room, self.tz, layout.stranded)
        if cell.inner is None or width < 3:
            return [Segment(text, style)]
        inner = self._block_style(cell.inner, False) + cursor
        return [Segment(text[0], style), Segment(spot_text(cell.inner, width - 1, self.names, layout.stranded), inner)]

    def _empty(self, x: int, row: int, width: int, now_line: bool) -> Segment:
        """A cell with nothing booked: free, outside the hours, a closed day or time off (the words of
        those two on the hour, and time off's at its start too, so that they show however it is scrolled)."""
        layout = self.placed
        closed_style = self._style("calendar--closed", "calendar--now" if now_line else "")
        closure = layout.closed.get(layout.where(x)[0])
        on_the_hour = layout.minute(row) % 60 == 0
        if closure is not None:
            return Segment(closed_cell(closure, width) if on_the_hour else CLOSED * width, closed_style)
        away = layout.away.get((x, row))
        if away is not None:
            said = away.first or on_the_hour
            return Segment(away_cell(away.off, width) if said else CLOSED * width, closed_style)
        closed = not layout.is_open(x, row)
        style = self._style("calendar--closed" if closed else "", "calendar--now" if now_line else "")
        return Segment((CLOSED if closed else "─" if now_line else " ") * width, style)

    def _block_style(self, appt: Appointment, turnover: bool) -> Style:
        if turnover:
            return self._style("calendar--closed")
        kind = {Kind.SESSION: "calendar--session", Kind.VISIT: "calendar--visit", Kind.SPOT: "calendar--spot"}
        style = self._style(kind[appt.kind], _STATUS_CLASS[appt.status])
        return style + MARKED if appt.id == self.marked else style

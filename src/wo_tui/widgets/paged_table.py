"""A table that holds only the rows on screen, fetched from the database on demand.

Textual's ``DataTable`` keeps every row in Python (100,000 rows take about 16 s to
first paint), so this is a line-API ``ScrollView`` in the manner of toolong's
``log_lines.py``: the virtual height is the row count the source reports, so the
scrollbar tells the truth, and ``render_line`` draws from a cache of the rows near
the viewport. Missing rows are fetched in a thread; until they arrive the line is
drawn blank. Fetches name a neighbour's key whenever one is loaded (keyset paging:
a few index seeks wherever the window is) and fall back to an offset only for a
jump into the unknown middle.

The cursor and the marks are kept by row identity (``ident``), not position, so a
refresh that moves the row (its due date changed, rows were added above it) keeps
the cursor on the same work order.

One refresh runs at a time. A refresh asked for while one is running (a key typed
into a filter, a change elsewhere) waits for it, and the older result is dropped
unseen: typing costs one query at a time, never a queue of them, and a list never
shows the rows of a filter that was already replaced. Row fetches belong to the
snapshot they extend: none starts before its refresh has landed, and one that lands
after a newer refresh began is dropped (it would put another list's rows, or another
moment's, into this one).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.events import Click, Resize
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import get_current_worker

from wo_tui.errors import Interrupted, WoError
from wo_tui.text import one_line


class RowSource(Protocol):
    """Where the rows come from. Every method runs in a worker thread.

    A row has ``key`` (its place in the order, for keyset paging) and ``ident`` (what
    stays the same when it moves, for the cursor and the marks).
    """

    def count(self) -> int: ...

    def fetch(self, offset: int, limit: int, after: Any, before: Any) -> list[Any]:
        """``limit`` rows starting at row ``offset``; ``after`` is the key of the row
        just above (or ``before`` the key of the row just below) when known."""
        ...

    def last(self, limit: int) -> list[Any]: ...

    def interrupt(self) -> None:
        """Stop the reads in progress: this source's answers are no longer wanted.
        A source whose reads cannot be stopped does nothing."""
        ...

    def locate(self, row: Any) -> tuple[int, Any] | None:
        """Where ``row`` is now, and its fresh copy; ``None`` when it left the list."""
        ...


@dataclass(frozen=True)
class Column:
    """``width`` 0 takes the room left; ``hide_below`` drops the column on narrow tables;
    ``grow`` is how much wider the column gets once the flexible one is comfortable;
    ``short`` is a shorter way to say a value that does not fit."""

    label: str
    width: int
    value: Callable[[Any], str]
    style: Callable[[Any], str] | None = None
    hide_below: int = 0
    align_right: bool = False
    grow: int = 0
    short: Callable[[Any], str] | None = None


COMFORTABLE = 48
"""Columns of room the flexible column (the title) gets before the others grow."""


@dataclass
class _Snapshot:
    """What a refresh fetched, applied in one go on the UI thread."""

    generation: int
    total: int
    rows: dict[int, Any]
    cursor: int


class PagedTable(ScrollView, can_focus=True):
    """Rows from a ``RowSource``; j/k/g/G/pgup/pgdn move, space marks, enter selects.

    Every key is kept out of the footer (they are the same on every list, and the
    footer's room goes to what the row allows); help and the palette list them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", id="table_down", show=False),
        Binding("up,k", "cursor_up", "Up", id="table_up", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", id="table_page_down", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", id="table_page_up", show=False),
        Binding("home,g", "top", "Top", id="table_top", show=False),
        Binding("end,G", "bottom", "Bottom", id="table_bottom", show=False),
        Binding("space", "toggle_mark", "Mark", id="table_mark", show=False),
        Binding("enter", "select", "Open", id="table_open", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--marked",
        "paged-table--alert",
        "paged-table--placeholder",
    }
    DEFAULT_CSS = """
    PagedTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
    }
    PagedTable > .paged-table--header {
        text-style: bold;
        background: $panel;
    }
    PagedTable > .paged-table--cursor {
        background: $block-cursor-blurred-background;
    }
    PagedTable:focus > .paged-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    PagedTable > .paged-table--marked {
        color: $accent;
        text-style: bold;
    }
    PagedTable > .paged-table--alert {
        color: $error;
        text-style: bold;
    }
    PagedTable > .paged-table--placeholder {
        color: $text-muted;
    }
    """
    MAX_FETCH = 300
    SCROLL_SETTLE = 0.03
    CACHE_LIMIT = 3000

    cursor: reactive[int] = reactive(0, always_update=False, repaint=False)

    class CursorMoved(Message):
        def __init__(self, table: PagedTable, row: Any | None) -> None:
            super().__init__()
            self.table = table
            self.row = row

    class Selected(Message):
        def __init__(self, table: PagedTable, row: Any) -> None:
            super().__init__()
            self.table = table
            self.row = row

    class Loaded(Message):
        """A refresh finished: ``total`` rows in the list now."""

        def __init__(self, table: PagedTable, total: int) -> None:
            super().__init__()
            self.table = table
            self.total = total

    def __init__(
        self,
        columns: Iterable[Column],
        *,
        alert: Callable[[Any], bool] | None = None,
        empty: str = "Nothing to show.",
        markable: bool = True,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.markable = markable
        """Whether ``space`` marks rows (a list whose screen has no bulk action says no)."""
        self._alert = alert
        self._empty = empty
        self._source: RowSource | None = None
        self._rows: dict[int, Any] = {}
        self._total = 0
        self._generation = 0
        """The newest refresh asked for."""
        self._applied = 0
        """The refresh whose snapshot is on screen; row fetches wait until it is the newest."""
        self._refresh_running = False
        self._reset_pending = False
        self._loading: set[int] = set()
        self._marks: dict[Hashable, Any] = {}
        self._loaded_once = False
        self._heal_pending = False
        self._scroll_timer: Timer | None = None
        self._styles: dict[str, Style] = {}
        self._strips: dict[tuple[Any, ...], Strip] = {}
        self.minute: Callable[[], int] = lambda: 0
        """Rendered rows are cached for as long as this returns the same value (the
        screens pass the current minute, so 'in 5m' labels tick)."""

    # ------------------------------------------------------------ public

    @property
    def total(self) -> int:
        return self._total

    @property
    def loaded(self) -> bool:
        """At least one refresh has finished (tests wait for this)."""
        return self._loaded_once

    @property
    def current(self) -> Any | None:
        return self._rows.get(self.cursor)

    @property
    def marked(self) -> list[Any]:
        return list(self._marks.values())

    def clear_marks(self) -> None:
        self._marks.clear()
        self.refresh()

    def rows_loaded(self) -> list[Any]:
        """The cached rows in order (what is on and near the screen)."""
        return [self._rows[i] for i in sorted(self._rows)]

    @property
    def refreshing(self) -> bool:
        """A refresh asked for has not landed yet."""
        return self._applied != self._generation

    def set_source(self, source: RowSource, *, reset_cursor: bool = True) -> None:
        """Show another list (a new filter): start at its top unless told otherwise.

        The rows shown stay until the new list's first rows replace them in one go; a
        read still running for the old list is stopped (its answer would be thrown away)."""
        if self._source is not None and self._source is not source:
            self._source.interrupt()
        self._source = source
        self._reset_pending = self._reset_pending or reset_cursor
        self.reload()

    def reload(self) -> None:
        """Fetch the count and the rows around the cursor again, keeping the cursor on
        the same row wherever it moved. Rows already shown stay until the new ones come;
        while a refresh runs, this one waits for it."""
        if self._source is None:
            return
        self._generation += 1
        self._loading.clear()
        if not self._refresh_running:
            self._start_refresh()

    def _start_refresh(self) -> None:
        assert self._source is not None
        self._refresh_running = True
        height = self._visible_rows if self.size.height > 1 else self.app.size.height
        if self._reset_pending:
            row, cursor, top = None, 0, 0
        else:
            row, cursor, top = self.current, self.cursor, self._top
        self._refresh_worker(self._source, self._generation, row, cursor, top, height)

    # ------------------------------------------------------------ fetching (threads)

    @work(thread=True, group="paged-table-refresh", exit_on_error=False)
    def _refresh_worker(
        self, source: RowSource, generation: int, row: Any, cursor: int, top: int, height: int
    ) -> None:
        try:
            snapshot = self._snapshot(source, generation, row, cursor, top, height)
        except Exception as exc:
            self.app.call_from_thread(self._refresh_failed, exc)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._apply, snapshot)

    def _snapshot(
        self, source: RowSource, generation: int, row: Any, cursor: int, top: int, height: int
    ) -> _Snapshot:
        total = source.count()
        rows: dict[int, Any] = {}
        found = None
        # A change committed between the reads of ``locate`` (the row moved while it
        # was being found) loses the row; one more try finds where it went.
        for _attempt in range(2 if row is not None else 0):
            found = source.locate(row)
            if found is not None:
                break
        if found is not None:
            cursor, fresh = found
            above = min(cursor, 2 * height)
            rows[cursor] = fresh
            before = source.fetch(max(cursor - above, 0), above, None, fresh.key) if above else []
            for i, r in enumerate(before):
                rows[cursor - len(before) + i] = r
            after = source.fetch(cursor + 1, 2 * height, fresh.key, None)
            for i, r in enumerate(after):
                rows[cursor + 1 + i] = r
        else:
            cursor = max(min(cursor, total - 1), 0)
            start = max(min(top, total - height), 0)
            if total and start + 2 * height >= total:
                start = max(total - 2 * height, 0)
                chunk = source.last(total - start)
            else:
                chunk = source.fetch(start, 2 * height, None, None)
            for i, r in enumerate(chunk):
                rows[start + i] = r
        return _Snapshot(generation, total, rows, cursor)

    @work(thread=True, group="paged-table-fetch", exit_on_error=False)
    def _fetch_worker(
        self,
        source: RowSource,
        generation: int,
        total: int,
        start: int,
        limit: int,
        after: Any,
        before: Any,
    ) -> None:
        """``total`` is the count of the snapshot this fetch extends (the table's own
        may belong to a newer refresh by the time this thread runs)."""
        try:
            if before is None and after is None and start + limit >= total:
                rows = source.last(limit)
            else:
                rows = source.fetch(start, limit, after, before)
        except Exception as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._apply_range, generation, start, limit, rows)

    # ------------------------------------------------------------ applying (UI thread)

    def _failed(self, error: Exception) -> None:
        """A failed read leaves the rows blank and says why; the next refresh retries."""
        self._loading.clear()
        if isinstance(error, Interrupted):
            return
        if isinstance(error, WoError):
            message = error.message
        else:
            self.app.log.error(repr(error))
            message = f"Could not read the list ({type(error).__name__}): {error}"
        self.app.notify(message, severity="error", markup=False)

    def _refresh_failed(self, error: Exception) -> None:
        self._refresh_running = False
        self._failed(error)
        if self.refreshing:
            self._start_refresh()

    def _apply(self, snap: _Snapshot) -> None:
        self._refresh_running = False
        if snap.generation != self._generation:
            self._start_refresh()
            return
        self._applied = snap.generation
        self._reset_pending = False
        self._total = snap.total
        self._rows = snap.rows
        self._loaded_once = True
        self.virtual_size = Size(self.size.width, snap.total + 1)
        marks = {self._rows[i].ident: self._rows[i] for i in self._rows}
        self._marks = {k: marks.get(k, v) for k, v in self._marks.items()}
        self._set_cursor(snap.cursor, announce=True, force=True)
        self.refresh()
        self._ensure_visible()
        self.post_message(self.Loaded(self, snap.total))

    def _apply_range(self, generation: int, start: int, limit: int, rows: list[Any]) -> None:
        self._loading.difference_update(range(start, start + limit))
        if generation != self._generation:
            self._ensure_visible()
            return
        for i, r in enumerate(rows):
            self._rows[start + i] = r
        self._evict()
        self.refresh()
        self._ensure_visible()
        if self.cursor in range(start, start + limit):
            self.post_message(self.CursorMoved(self, self.current))

    def _heal(self) -> None:
        """A blank line was drawn with nothing on its way: ask for it (a fetch whose
        result was dropped by a refresh leaves such a gap)."""
        self._heal_pending = False
        self._ensure_visible()

    def _evict(self) -> None:
        if len(self._rows) <= self.CACHE_LIMIT:
            return
        keep = range(self._top - self.CACHE_LIMIT // 3, self._top + self.CACHE_LIMIT // 3)
        self._rows = {i: r for i, r in self._rows.items() if i in keep or i == self.cursor}

    def _ensure_visible(self) -> None:
        """Fetch missing rows of the viewport and two screens either side.

        A run whose neighbour is still on its way waits for it (this is called again
        when it lands), so that the run can be read by key rather than by offset."""
        if self._source is None or not self._loaded_once or self.refreshing:
            return
        height = max(self.scrollable_content_region.height - 1, 1)
        lo = max(self._top - 2 * height, 0)
        hi = min(self._top + 3 * height, self._total)
        missing = [i for i in range(lo, hi) if i not in self._rows and i not in self._loading]
        if not missing:
            return
        runs: list[tuple[int, int]] = []
        for i in missing:
            if runs and runs[-1][1] == i and runs[-1][1] - runs[-1][0] < self.MAX_FETCH:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
        for a, b in runs:
            after = self._rows[a - 1].key if a - 1 in self._rows else None
            before = self._rows[b].key if after is None and b in self._rows else None
            if after is None and before is None and (a - 1 in self._loading or b in self._loading):
                continue
            self._loading.update(range(a, b))
            self._fetch_worker(self._source, self._generation, self._total, a, b - a, after, before)

    # ------------------------------------------------------------ cursor and scrolling

    @property
    def _top(self) -> int:
        return round(self.scroll_offset.y)

    @property
    def _visible_rows(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _set_cursor(self, index: int, *, announce: bool = True, force: bool = False) -> None:
        index = max(0, min(index, self._total - 1)) if self._total else 0
        changed = index != self.cursor
        self.cursor = index
        top, rows = self._top, self._visible_rows
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + rows:
            self.scroll_to(y=index - rows + 1, animate=False, immediate=True)
        self.refresh()
        self._ensure_visible()
        if announce and (changed or force):
            self.post_message(self.CursorMoved(self, self.current))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """A dragged scrollbar passes thousands of rows: fetch where it stops."""
        super().watch_scroll_y(old_value, new_value)
        if self._scroll_timer is not None:
            self._scroll_timer.stop()
        self._scroll_timer = self.set_timer(self.SCROLL_SETTLE, self._ensure_visible)

    def on_resize(self, event: Resize) -> None:
        self.virtual_size = Size(event.size.width, self._total + 1)
        self._ensure_visible()

    def action_cursor_down(self) -> None:
        self._set_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._set_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        step = self._visible_rows
        self.scroll_to(y=self._top + step, animate=False, immediate=True)
        self._set_cursor(self.cursor + step)

    def action_page_up(self) -> None:
        step = self._visible_rows
        self.scroll_to(y=max(self._top - step, 0), animate=False, immediate=True)
        self._set_cursor(self.cursor - step)

    def action_top(self) -> None:
        self._set_cursor(0)

    def action_bottom(self) -> None:
        self._set_cursor(self._total - 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_mark":
            return self.markable
        return True

    def action_toggle_mark(self) -> None:
        row = self.current
        if row is None:
            return
        if row.ident in self._marks:
            del self._marks[row.ident]
        else:
            self._marks[row.ident] = row
        self._set_cursor(self.cursor + 1, force=True)

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self, self.current))

    def on_click(self, event: Click) -> None:
        if event.y >= 1:
            self._set_cursor(self._top + event.y - 1)
            if event.chain == 2:
                self.action_select()

    # ------------------------------------------------------------ drawing

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(f"paged-table--{name}")
        return style

    def _widths(self, width: int) -> list[tuple[Column, int]]:
        """Fixed columns at their width; the flexible ones share the rest. Room beyond a
        comfortable title goes to the columns that can grow, in their order."""
        shown = [c for c in self.columns if width >= c.hide_below]
        fixed = sum(c.width for c in shown if c.width) + 2 + len(shown) - 1
        flex = [c for c in shown if not c.width]
        room = max(width - fixed, 8 * len(flex))
        spare = max(room - COMFORTABLE * len(flex), 0) if flex else room
        extra: dict[int, int] = {}
        for i, c in enumerate(shown):
            if c.width and c.grow and spare:
                extra[i] = min(c.grow, spare)
                spare -= extra[i]
        room -= sum(extra.values())
        each = room // len(flex) if flex else 0
        return [(c, c.width + extra.get(i, 0) if c.width else each) for i, c in enumerate(shown)]

    def _line(
        self, cells: list[Text], width: int, base: Style | None = None, top: Style | None = None
    ) -> Strip:
        """One line: the widget's colours under ``base`` under the cells under ``top``."""
        text = Text.assemble(*cells, no_wrap=True, overflow="crop")
        under = self.rich_style + base if base is not None else self.rich_style
        segments = Segment.apply_style(text.render(self.app.console), under, top)
        return Strip(list(segments)).adjust_cell_length(width, under)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        header_style = self._style("header")
        layout = self._widths(width)
        if y == 0:
            cells = [Text("  ")]
            for c, w in layout:
                cells.append(Text(c.label[:w].rjust(w) if c.align_right else c.label[:w].ljust(w)))
                cells.append(Text(" "))
            return self._line(cells, width, top=header_style)
        index = self._top + y - 1
        if index >= self._total:
            if index == 0 and self._loaded_once and not self.refreshing:
                return self._line([Text(" " + self._empty)], width, top=self._style("placeholder"))
            return Strip.blank(width, self.rich_style)
        row = self._rows.get(index)
        if row is None:
            if index not in self._loading and not self._heal_pending:
                self._heal_pending = True
                self.call_later(self._heal)
            return self._line([Text("  …")], width, top=self._style("placeholder"))
        marked = row.ident in self._marks
        key = (row, width, index == self.cursor, marked, self.has_focus, self.minute())
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 4 * self.CACHE_LIMIT:
                self._strips.clear()
            strip = self._strips[key] = self._row_strip(row, index, layout, width, marked)
        return strip

    def _row_strip(
        self, row: Any, index: int, layout: list[tuple[Column, int]], width: int, marked: bool
    ) -> Strip:
        base = Style()
        if self._alert is not None and self._alert(row):
            base = self._style("alert")
        cells: list[Text] = [Text("● " if marked else "  ", style=self._style("marked"))]
        for column, w in layout:
            full = column.value(row)
            if column.short is not None and len(full) > w:
                full = column.short(row)
            value = one_line(full, w)
            value = value.rjust(w) if column.align_right else value.ljust(w)
            style = column.style(row) if column.style is not None else ""
            cells.append(Text(value, style=style))
            cells.append(Text(" "))
        top = self._style("cursor") if index == self.cursor else None
        return self._line(cells, width, base, top)

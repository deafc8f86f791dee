"""The windowed table against a million-row source: only what is near the screen is
ever fetched, paging is by key, and the cursor follows its row across refreshes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from textual.app import App, ComposeResult

from wo_tui.widgets.paged_table import Column, PagedTable


@dataclass(frozen=True)
class Row:
    key: int
    title: str

    @property
    def ident(self) -> str:
        return self.title


@dataclass
class Million:
    """Rows ``shift .. shift+size``; ``shift`` moves every row down (rows inserted above)."""

    size: int = 1_000_000
    shift: int = 0
    fetched: int = 0
    offsets: list[int] = field(default_factory=list)

    def _row(self, i: int) -> Row:
        return Row(i, f"row {i - self.shift}")

    def count(self) -> int:
        return self.size

    def fetch(self, offset: int, limit: int, after: Any, before: Any) -> list[Row]:
        if after is not None:
            start = after + 1
        elif before is not None:
            start = max(before - limit, 0)
            limit = before - start
        else:
            self.offsets.append(offset)
            start = offset
        rows = [self._row(i) for i in range(start, min(start + limit, self.size))]
        self.fetched += len(rows)
        return rows

    def last(self, limit: int) -> list[Row]:
        rows = [self._row(i) for i in range(self.size - limit, self.size)]
        self.fetched += len(rows)
        return rows

    def locate(self, row: Row) -> tuple[int, Row] | None:
        index = int(row.title.split()[1]) + self.shift
        return (index, self._row(index)) if index < self.size else None

    def interrupt(self) -> None:
        """Nothing to stop: the rows are made, not read."""


class TableApp(App[None]):
    def __init__(self, source: Million) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        yield PagedTable([Column("Title", 0, lambda r: r.title)], id="t")

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.set_source(self.source)
        table.focus()


async def wait(pilot, table: PagedTable) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        if (
            table.loaded
            and not table.refreshing
            and table.current is not None
            and not table._loading
        ):
            return
    raise AssertionError("the table never settled")


async def test_a_million_rows_fetch_only_a_window() -> None:
    source = Million()
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(PagedTable)
        await wait(pilot, table)
        assert table.total == 1_000_000
        assert table.virtual_size.height == 1_000_001
        await pilot.press("G")
        await wait(pilot, table)
        assert table.cursor == 999_999 and table.current.title == "row 999999"
        for _ in range(5):
            await pilot.press("pageup")
        await wait(pilot, table)
        await pilot.press("g", "j", "j", "space")
        await wait(pilot, table)
        assert table.current.title == "row 3"
        assert [r.title for r in table.marked] == ["row 2"]
        assert source.fetched < 2_000
        assert source.offsets == [0]


async def test_cursor_follows_its_row_when_rows_are_added_above() -> None:
    source = Million(size=10_000)
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(PagedTable)
        await wait(pilot, table)
        for _ in range(30):
            await pilot.press("j")
        assert table.current.title == "row 30"
        source.shift = 7
        table.reload()
        await wait(pilot, table)
        assert table.current.title == "row 30"
        assert table.cursor == 37
        rendered = [table.render_line(y).text.strip() for y in range(1, table.size.height)]
        assert "row 30" in rendered


@dataclass
class Gated(Million):
    """A source whose reads wait until the test lets them through, so the order in
    which results land is the test's, not the scheduler's."""

    counts: list[int] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    last_gate: threading.Event = field(default_factory=threading.Event)

    def count(self) -> int:
        self.counts.append(self.size)
        self.gate.wait(5)
        return self.size

    def last(self, limit: int) -> list[Row]:
        self.last_gate.wait(5)
        return super().last(limit)


async def test_a_new_list_never_shows_a_row_fetched_for_the_old_one() -> None:
    """The audit's race: a one-row filter cleared, a fetch for "the last row" of the
    old one-row count started before the new list's first rows came, and the big
    list's last row landed at the top."""
    one = Million(size=1)
    app = TableApp(one)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(PagedTable)
        await wait(pilot, table)
        big = Gated(size=300)
        big.gate.set()
        table.set_source(big)
        table._rows.pop(0, None)
        table._ensure_visible()
        table.refresh()
        await pilot.pause(0.1)
        for _ in range(50):
            await pilot.pause(0.02)
            if table.total == 300:
                break
        big.last_gate.set()
        await wait(pilot, table)
        assert table.rows_loaded()[0].title == "row 0"
        assert table.current.title == "row 0"
        await pilot.press("G", "g")
        await wait(pilot, table)
        assert table.rows_loaded()[0].title == "row 0"


async def test_refreshes_asked_for_while_one_runs_are_coalesced() -> None:
    """Keys typed into a filter while its query runs make one more query, with the
    newest filter; the rows of a filter already replaced are never shown."""
    first = Gated(size=10)
    first.gate.set()
    first.last_gate.set()
    app = TableApp(first)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(PagedTable)
        await wait(pilot, table)
        slow, skipped, newest = Gated(size=5), Gated(size=6), Gated(size=7)
        for source in (slow, skipped, newest):
            source.last_gate.set()
        newest.gate.set()
        skipped.gate.set()
        table.set_source(slow)
        await pilot.pause(0.05)
        table.set_source(skipped)
        table.set_source(newest)
        shown: list[int] = []
        table.watch(table, "virtual_size", lambda size: shown.append(size.height - 1))
        slow.gate.set()
        await wait(pilot, table)
        assert table.total == 7
        assert (slow.counts, skipped.counts, newest.counts) == ([5], [], [7])
        assert 5 not in shown

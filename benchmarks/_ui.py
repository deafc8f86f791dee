"""Key-to-repaint latency on the board, and search as you type; run in a fresh process
per database by ``run.py`` (prints JSON).

    python benchmarks/_ui.py DB [--runs 5] [--size 120x40]

The app runs headless with ``App.run_test`` at a fixed size, as the user of the OS
account (the demo made them an admin, whose home is the board). A key is sent the
way the terminal driver sends it; the clock stops at the end of the first screen
refresh that began after the data the key asked for had arrived (a page of rows
applied to the table, the detail read). Headless, a refresh renders every dirty
line but writes no escape sequences, so a real terminal adds the cost of writing
them. Textual repaints on a timer of 1/60 s, so a key whose data is already at hand
still waits for the next frame; that wait is part of what the user sees and is
included.

Search is timed twice: ``store.search.search_work_orders`` on its own (1, 3 and 8
characters of "pump service"), and through the board's filter box, from the last
keystroke to the filtered rows painted (this includes the filter's debounce).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import log, summary

QUERY = "pump service"
SEARCH_LENGTHS = (1, 3, 8)
TIMEOUT = 10.0
EVENTS: list[tuple[str, float, float]] = []
"""("data" | "paint_start" | "paint_end", wall clock, process CPU time), recorded by the
hooks below."""
POLL = 0.001


def _hook(cls: type, name: str, before: str | None, after: str | None) -> None:
    original = getattr(cls, name)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if before:
            EVENTS.append((before, time.perf_counter(), time.process_time()))
        try:
            return original(self, *args, **kwargs)
        finally:
            if after:
                EVENTS.append((after, time.perf_counter(), time.process_time()))

    setattr(cls, name, wrapper)


def install_hooks() -> None:
    """Note when data reaches a screen and when a refresh of the screen starts and ends."""
    from textual.screen import Screen

    from wo_tui.screens.detail import DetailScreen
    from wo_tui.widgets.paged_table import PagedTable

    _hook(Screen, "_compositor_refresh", "paint_start", "paint_end")
    _hook(PagedTable, "_apply", None, "data")
    _hook(PagedTable, "_apply_range", None, "data")
    _hook(DetailScreen, "_show", None, "data")

    original_apply = PagedTable._apply

    def apply(self: Any, snap: Any) -> None:
        original_apply(self, snap)
        self.bench_applied = snap.generation

    PagedTable._apply = apply  # type: ignore[method-assign]


def table_complete(table: Any) -> bool:
    """Every row of the viewport is loaded (no '…' placeholder drawn)."""
    if not table.loaded or getattr(table, "bench_applied", None) != table._generation:
        return False
    top = round(table.scroll_offset.y)
    height = max(table.scrollable_content_region.height - 1, 1)
    return all(i in table._rows for i in range(top, min(top + height, table.total)))


Timing = tuple[float, float]
"""Milliseconds of wall clock and of this process's CPU time (all threads)."""
MISSED: Timing = (float("nan"), float("nan"))


async def timed_key(app: Any, key: str, char: str | None, ready: Callable[[], bool]) -> Timing:
    """From the key sent to the end of the first refresh that began once ``ready()``
    held; NaN when that never happened within the timeout.

    CPU time is reported next to the wall clock because on a shared, overloaded
    machine the wall clock mostly measures the other processes; CPU time is the work
    this key cost (it includes the harness's polling, a few per cent)."""
    from textual import events

    mark = len(EVENTS)
    began = time.perf_counter()
    began_cpu = time.process_time()
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)
    deadline = began + TIMEOUT
    while not ready():
        if time.perf_counter() > deadline:
            log(f"{key}: what it waits for never happened; {_state(app)}")
            return MISSED
        await asyncio.sleep(POLL)
    data = [t for kind, t, _ in EVENTS[mark:] if kind == "data"]
    since = max(data, default=began)
    while True:
        starts = [i for i in range(mark, len(EVENTS)) if EVENTS[i][0] == "paint_start"]
        for i in starts:
            if EVENTS[i][1] >= since:
                ends = [(t, cpu) for kind, t, cpu in EVENTS[i:] if kind == "paint_end"]
                if ends:
                    return (ends[0][0] - began) * 1000, (ends[0][1] - began_cpu) * 1000
        if time.perf_counter() > deadline:
            log(f"{key}: no refresh after the data arrived; {_state(app)}")
            return MISSED
        await asyncio.sleep(POLL)


def _state(app: Any) -> str:
    table = getattr(app.screen, "table", None)
    if table is None:
        return f"screen {type(app.screen).__name__}"
    top = round(table.scroll_offset.y)
    height = max(table.scrollable_content_region.height - 1, 1)
    missing = [i for i in range(top, min(top + height, table.total)) if i not in table._rows]
    return (
        f"cursor {table.cursor} of {table.total}, top {top}, height {height}, "
        f"generation {table._generation} applied {getattr(table, 'bench_applied', None)}, "
        f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, loading {len(table._loading)}"
        f" {sorted(table._loading)[:3]}..., workers "
        + ", ".join(f"{w.group}:{w.state.name}" for w in app.workers)
    )


async def settle(app: Any, table: Any) -> None:
    deadline = time.perf_counter() + TIMEOUT
    while not table_complete(table) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.15)


async def board_keys(app: Any, runs: int) -> dict[str, list[Timing]]:
    from wo_tui.screens.board import BoardScreen
    from wo_tui.screens.detail import DetailScreen

    board = app.screen
    assert isinstance(board, BoardScreen), f"home screen is {type(board).__name__}"
    table = board.table
    times: dict[str, list[Timing]] = {
        k: []
        for k in (
            "cursor_down",
            "page_down",
            "end",
            "home",
            "open_detail",
            "back",
            "filter_overdue",
            "clear_filter",
        )
    }
    for _ in range(runs):
        await settle(app, table)
        for name, key in (("cursor_down", "down"), ("page_down", "pagedown")):
            for _ in range(3):
                want = min(
                    table.cursor + (1 if key == "down" else table._visible_rows), table.total - 1
                )
                times[name].append(
                    await timed_key(
                        app,
                        key,
                        None,
                        lambda want=want: table.cursor == want and table_complete(table),
                    )
                )
                await asyncio.sleep(0.05)
        times["end"].append(
            await timed_key(
                app,
                "end",
                None,
                lambda: table.cursor == table.total - 1 and table_complete(table),
            )
        )
        await settle(app, table)
        row = table.current
        if row is None or row.is_request:
            times["open_detail"].append(MISSED)
            times["back"].append(MISSED)
        else:
            times["open_detail"].append(
                await timed_key(
                    app,
                    "enter",
                    None,
                    lambda number=row.number: (
                        isinstance(app.screen, DetailScreen)
                        and app.screen.detail is not None
                        and app.screen.detail.number == number
                    ),
                )
            )
            await asyncio.sleep(0.2)
            times["back"].append(
                await timed_key(
                    app, "escape", None, lambda: app.screen is board and table_complete(table)
                )
            )
        await asyncio.sleep(0.1)
        times["home"].append(
            await timed_key(app, "home", None, lambda: table.cursor == 0 and table_complete(table))
        )
        await asyncio.sleep(0.1)
        times["filter_overdue"].append(
            await timed_key(app, "o", "o", lambda: board.flt.overdue and table_complete(table))
        )
        await asyncio.sleep(0.1)
        times["clear_filter"].append(
            await timed_key(
                app, "escape", None, lambda: not board.flt.active and table_complete(table)
            )
        )
        await asyncio.sleep(0.1)
    return times


async def board_search(app: Any, runs: int) -> dict[str, list[Timing]]:
    """The board's filter box: type the first n-1 characters, then time the n-th key
    to the filtered rows painted."""
    board = app.screen
    table = board.table
    times: dict[str, list[Timing]] = {f"board_filter_{n}": [] for n in SEARCH_LENGTHS}
    for _ in range(runs):
        for n in SEARCH_LENGTHS:
            typed = QUERY[:n]
            await timed_key(app, "slash", "/", lambda: board.query_one("#filter").has_focus)
            for ch in typed[:-1]:
                await timed_key(app, _key(ch), ch, lambda: True)
            last = typed[-1]
            times[f"board_filter_{n}"].append(
                await timed_key(
                    app,
                    _key(last),
                    last,
                    lambda typed=typed: board.flt.text == typed.strip() and table_complete(table),
                )
            )
            await asyncio.sleep(0.05)
            await timed_key(
                app, "escape", None, lambda: not board.flt.active and table_complete(table)
            )
            await asyncio.sleep(0.1)
    return times


def summaries(times: dict[str, list[Timing]]) -> dict[str, dict[str, Any]]:
    return {
        name: {"wall": summary([w for w, _ in got]), "cpu": summary([c for _, c in got])}
        for name, got in times.items()
    }


def _key(ch: str) -> str:
    return "space" if ch == " " else ch


def direct_search(store: Any, runs: int) -> dict[str, list[Timing]]:
    from wo_tui.store.search import search_work_orders

    times: dict[str, list[Timing]] = {f"search_{n}": [] for n in SEARCH_LENGTHS}
    for _ in range(runs):
        for n in SEARCH_LENGTHS:
            began, began_cpu = time.perf_counter(), time.process_time()
            search_work_orders(store, QUERY[:n])
            times[f"search_{n}"].append(
                ((time.perf_counter() - began) * 1000, (time.process_time() - began_cpu) * 1000)
            )
    return times


async def main_async(db: Path, runs: int, size: tuple[int, int]) -> dict[str, Any]:
    install_hooks()
    from wo_tui.app import make_app
    from wo_tui.cli import CliState

    state = CliState(db=str(db))
    ctx = state.ctx()
    app = make_app(state.settings, ctx.store, ctx.actor)
    began = time.perf_counter()
    out: dict[str, Any] = {}
    async with app.run_test(size=size) as pilot:
        table = app.screen.table
        while not table_complete(table):
            if time.perf_counter() - began > TIMEOUT:
                raise RuntimeError("the board never loaded")
            await asyncio.sleep(0.001)
        data = [t for kind, t, _ in EVENTS if kind == "data"]
        paints = [t for kind, t, _ in EVENTS if kind == "paint_end" and t >= data[-1]]
        while not paints:
            await asyncio.sleep(POLL)
            paints = [t for kind, t, _ in EVENTS if kind == "paint_end" and t >= data[-1]]
        out["first_page_ms"] = (paints[0] - began) * 1000
        out["board_rows"] = table.total
        keys = await board_keys(app, runs)
        search = await board_search(app, max(1, runs // 2))
        await pilot.pause()
    out["keys"] = summaries(keys)
    out["keys_all"] = summaries({"all": [x for v in keys.values() for x in v]})["all"]
    out["keys_missed"] = sum(1 for v in keys.values() for w, _ in v if w != w)
    out["board_search"] = summaries(search)
    out["search"] = summaries(direct_search(ctx.store, max(5, runs * 2)))
    ctx.store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="120x40")
    args = parser.parse_args(argv)
    cols, rows = (int(v) for v in args.size.split("x"))
    result = asyncio.run(main_async(args.db.resolve(), args.runs, (cols, rows)))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

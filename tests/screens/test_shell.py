"""The shell: home screen by role, help, palette, live refresh, hostile text."""

from __future__ import annotations

import importlib.util
import itertools
import os

import pytest
from sqlalchemy import event, text, update
from sqlmodel import select
from textual.widgets import Input, Select
from textual.widgets._footer import FooterKey

from tests.screens.conftest import AppFor
from tests.screens.test_board import board, goto, settle
from wo_tui.app import make_app
from wo_tui.commands import ActionCommands
from wo_tui.domain import services as sv
from wo_tui.screens.board import BoardScreen
from wo_tui.screens.help import HelpScreen
from wo_tui.screens.queue import QueueScreen
from wo_tui.store import db
from wo_tui.store.models import Note, WorkOrder, WorkRequest

BOARD_KEYS = (
    "Approve",
    "Reject",
    "Duplicate",
    "Assign",
    "Priority",
    "Close",
    "Send back",
    "Cancel",
    "Filter",
    "Filters",
)

HOSTILE = [
    "[/]",
    "[@click=app.quit]x[/]",
    "[link=https://x]y[/link]",
    "\x1b]52;c;Zm9v\x07",
    "\x1b[2J",
]


def screen_text(pilot) -> str:  # type: ignore[no-untyped-def]
    table = board(pilot)
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


async def test_home_screen_by_role(board_site, app_for: AppFor) -> None:
    site, _ = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, BoardScreen)
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, QueueScreen)
        await pilot.press("1")
        assert isinstance(pilot.app.screen, QueueScreen)
    async with app_for(site.requester).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "IntakeScreen"


async def test_help_lists_the_screens_keys(board_site, app_for: AppFor) -> None:
    site, _ = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        entries = {what: (keys, on, why) for keys, what, on, why in pilot.app.screen.entries}
        for what in (*BOARD_KEYS, "Open", "Mark", "Down", "Quit", "Help", "Board", "Reports"):
            assert what in entries, what
        assert entries["Approve"] == ("a", True, None)
        keys, enabled, why = entries["Close"]
        assert (keys, enabled) == ("c", False) and "is a request" in why
        assert entries["Quit"][:2] == ("q", True)
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, BoardScreen)
        offered = {
            hit.text: hit for hit in [h async for h in ActionCommands(pilot.app.screen).discover()]
        }
        assert set(BOARD_KEYS) <= set(offered)
        assert "not now: REQ-000004 is a request" in str(offered["Close"].help)
        offered["Close"].command()
        await pilot.pause()
        messages = [str(m.message) for m in pilot.app._notifications]
        assert any(m.startswith("Close: REQ-000004 is a request") for m in messages)


async def test_keymap_rebinds_a_key(board_site, app_for: AppFor) -> None:
    site, n = board_site
    app = app_for(site.dispatcher)
    app.ctx.settings.keys["board_approve"] = "A"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, "REQ-000003")
        await pilot.press("A")
        await settle(pilot)
    with site.store.read() as s:
        assert s.get(WorkRequest, n["req_new"]).status == "approved"


async def test_change_elsewhere_appears_and_cursor_stays(board_site, app_for: AppFor) -> None:
    site, n = board_site
    label = f"WO-{n['on_hold']:06d}"
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, label)
        before = board(pilot).cursor
        req = sv.submit_request(
            site.requester, requester="Vic", description="Door sticks", urgency=2, impact=2
        )
        for _ in range(30):
            await pilot.pause(0.1)
            if any(r.number == req.number for r in board(pilot).rows_loaded() if r.is_request):
                break
        else:
            raise AssertionError("the new request never appeared")
        await settle(pilot)
        assert board(pilot).current.label == label
        assert board(pilot).cursor == before + 1


async def test_hostile_text_is_shown_literally(board_site, app_for: AppFor) -> None:
    site, _ = board_site
    numbers = [
        sv.create_work_order(site.dispatcher, title=f"t{i}", description="x").number
        for i in range(len(HOSTILE))
    ]
    with site.store.write() as s:
        for i, (number, text) in enumerate(zip(numbers, HOSTILE, strict=True)):
            s.execute(
                update(WorkOrder)
                .where(WorkOrder.number == number)
                .values(title=f"H{i} {text} end", description=text + "d" * 100_000)
            )
    async with app_for(site.dispatcher).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        shown = screen_text(pilot)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "H0 [/] end" in shown
        assert "H1 [@click=app.quit]x[/] end" in shown
        assert "H2 [link=https://x]y[/link] end" in shown
        assert "H3 ]52;c;Zm9v end" in shown
        assert "H4 [2J end" in shown
        for y in range(3, 30):
            await pilot.click("#board", offset=(30, y))
        await pilot.press("slash", *"[/]", "enter")
        await settle(pilot)
        await pilot.pause(0.4)
        await settle(pilot)
        assert pilot.app.is_running
        titles = [r.title for r in board(pilot).rows_loaded()]
        assert titles == ["H0 [/] end", "H1 [@click=app.quit]x[/] end"]


async def test_palette_opens_a_work_order_by_number(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*f"WO-{n['on_hold']:06d}")
        for _ in range(20):
            await pilot.pause(0.1)
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert type(screen).__name__ == "DetailScreen"
        assert screen.number == n["on_hold"]


async def test_q_quits_from_the_board(board_site, app_for: AppFor) -> None:
    site, _ = board_site
    app = app_for(site.dispatcher)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


def footer_keys(pilot) -> set[str]:  # type: ignore[no-untyped-def]
    """The footer's keys a person can read: inside the screen, not under another."""
    width = pilot.app.size.width
    shown: list[tuple[int, int, str]] = []
    for key in pilot.app.screen.query(FooterKey):
        region = key.region
        if region.width and region.right <= width:
            shown.append((region.x, region.right, key.description))
    shown.sort()
    for (_, right, what), (x, _, other) in itertools.pairwise(shown):
        assert right <= x, f"{what} and {other} overlap in the footer"
    return {what for *_, what in shown}


async def test_footer_shows_what_the_row_allows_and_always_help(board_site, app_for) -> None:  # type: ignore[no-untyped-def]
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(0.3)
        keys = footer_keys(pilot)
        assert {"Approve", "Reject", "Duplicate", "Priority", "Filter", "Filters"} <= keys
        assert {"Help", "Quit"} <= keys
        assert not keys & {"Close", "Send back", "Cancel", "Assign", "Mark", "Open"}
        await goto(pilot, f"WO-{n['completed']:06d}")
        await pilot.pause(0.3)
        keys = footer_keys(pilot)
        assert {"Close", "Send back", "Filter", "Help", "Quit"} <= keys
        assert not keys & {"Approve", "Cancel", "Assign"}
    async with app_for(site.dispatcher).run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.pause(0.3)
        assert {"Help", "Quit", "palette"} <= footer_keys(pilot)
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto_queue(pilot, f"WO-{n['in_progress']:06d}")
        await pilot.pause(0.3)
        keys = footer_keys(pilot)
        want = {"Hold", "Note", "Time", "Part", "Complete", "Checklist", "History", "Help", "Quit"}
        assert want <= keys, want - keys


async def goto_queue(pilot, label: str) -> None:  # type: ignore[no-untyped-def]
    from tests.screens.test_queue import goto as queue_goto

    await queue_goto(pilot, label)


async def test_a_key_that_does_not_apply_says_why(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c", "b", "x")
        await settle(pilot)
        messages = [str(m.message) for m in pilot.app._notifications]
        assert len([m for m in messages if "is a request: approve it (a) first" in m]) == 3
        await goto(pilot, f"WO-{n['open']:06d}")
        await pilot.press("c")
        await settle(pilot)
        messages = [str(m.message) for m in pilot.app._notifications]
        assert any("must be completed before it can be closed" in m for m in messages)
        assert isinstance(pilot.app.screen, BoardScreen)


async def test_the_queue_has_no_marks(board_site, app_for: AppFor) -> None:
    """Every queue key acts on one job; space neither marks nor pretends to."""
    site, _ = board_site
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        assert pilot.app.screen.table.marked == []


async def test_asset_column_at_80_columns(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = board(pilot)
        header = table.render_line(0).text
        assert "Asset" in header and "Assignee" in header
        await goto(pilot, f"WO-{n['in_progress']:06d}")
        line = table.render_line(table.cursor - round(table.scroll_offset.y) + 1).text
        assert "AHU-01" in line and "Alice F." in line
    async with app_for(site.dispatcher).run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "Team" in board(pilot).render_line(0).text


async def test_requester_can_leave_intake(site, app_for: AppFor) -> None:  # type: ignore[no-untyped-def]
    app = app_for(site.requester)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.check_action("back", ()) is False
        assert pilot.app.check_action("quit_now", ()) is True
        await pilot.press("escape", "q")
        await settle(pilot)
        assert pilot.app.is_running and pilot.app.screen is screen
        assert screen.query_one("#requester", Input).value == "q"
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running


async def test_digits_are_typed_in_forms_and_escape_goes_home(site, app_for: AppFor) -> None:  # type: ignore[no-untyped-def]
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        intake = pilot.app.screen
        assert type(intake).__name__ == "IntakeScreen"
        intake.query_one("#source", Select).focus()
        await pilot.press("5", "1", "4")
        await settle(pilot)
        assert pilot.app.screen is intake
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BoardScreen)
        assert pilot.app.screen.check_action("back", ()) is False
        await pilot.press("f4")
        await settle(pilot)
        assert pilot.app.screen is intake


async def test_back_to_an_unchanged_board_reads_nothing_again(board_site, app_for: AppFor) -> None:
    """Escape from a work order's detail: the board's rows are still right, so the
    database is not asked again (at a million work orders that read cost 60 ms)."""
    site, _ = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)  # the app's first look at the database has come back
        source = pilot.app.screen.source
        counted: list[int] = []
        original = source.count
        source.count = lambda: counted.append(1) or original()  # type: ignore[method-assign]
        await pilot.press("G")
        await settle(pilot)
        assert not pilot.app.screen.table.current.is_request
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, BoardScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.pause(0.5)
        assert isinstance(pilot.app.screen, BoardScreen) and counted == []


async def test_a_section_shown_again_has_caught_up(board_site, app_for: AppFor) -> None:
    """A change made while the board was in the background (here: a request typed in
    intake) is on the board the moment it is shown again."""
    site, _ = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = board(pilot).total
        await pilot.press("3")
        await settle(pilot)
        req = sv.submit_request(
            site.requester, requester="Vic", description="Door sticks", urgency=2, impact=2
        )
        token = pilot.app.data_token
        for _ in range(30):
            await pilot.pause(0.1)
            if pilot.app.data_token != token:
                break
        await pilot.press("f2")
        await settle(pilot)
        assert board(pilot).total == before + 1
        assert req.number in {r.number for r in board(pilot).rows_loaded() if r.is_request}


@pytest.mark.skipif(
    importlib.util.find_spec("wo_tui.screens.request_detail") is None,
    reason="wo_tui.screens.request_detail (RequestDetailScreen) is being written elsewhere",
)
async def test_enter_on_a_request_opens_its_detail(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, f"REQ-{n['req_new']:06d}")
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert type(screen).__name__ == "RequestDetailScreen"
        assert screen.number == n["req_new"]


@pytest.mark.sqlite_only
async def test_read_only_database_has_a_banner_on_every_screen(
    board_site, app_for: AppFor, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """As an account without write permission opens it (root ignores chmod, so the
    permission check is what is faked; SQLite itself then opens the file mode=ro)."""
    site, n = board_site
    real_access = os.access
    monkeypatch.setattr(
        db.os, "access", lambda p, mode: False if mode == os.W_OK else real_access(p, mode)
    )
    store = db.open_store(str(site.store.path))
    assert store.read_only
    try:
        app = make_app(site.settings, store, site.dispatcher.actor)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for key in ("f2", "f3", "f4"):
                await pilot.press(key)
                await settle(pilot)
                banner = pilot.app.screen.query_one("#read-only-banner")
                assert banner.region.height == 1 and banner.region.y <= 1  # under a Header
                assert "READ-ONLY" in str(banner.render())
            await pilot.press("f2")
            await settle(pilot)
            await goto(pilot, f"REQ-{n['req_new']:06d}")
            await pilot.press("a")
            await settle(pilot)
            assert pilot.app.is_running
            messages = [str(m.message) for m in pilot.app._notifications]
            assert any("read-only" in m for m in messages), messages
    finally:
        store.close()
    with site.store.read() as s:
        assert s.get(WorkRequest, n["req_new"]).status == "new"


@pytest.mark.sqlite_only
async def test_disk_full_says_so_once_and_keeps_earlier_work(board_site, app_for: AppFor) -> None:
    site, n = board_site
    store = site.store
    label = f"WO-{n['in_progress']:06d}"
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto_queue(pilot, label)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Before the disk filled", "enter")
        await settle(pilot)
        with store.engine.connect() as conn:
            pages = int(conn.execute(text("PRAGMA page_count")).scalar_one())

        def cap(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

        event.listen(store.engine, "connect", cap)
        store.engine.dispose()
        try:
            await goto_queue(pilot, label)
            await pilot.press("n")
            await settle(pilot)
            pilot.app.screen.query_one(Input).value = "Long measurement log " * 2000
            await pilot.press("enter")
            await settle(pilot)
            assert pilot.app.is_running
            messages = [str(m.message) for m in pilot.app._notifications]
            full = [m for m in messages if "disk holding the database is full" in m]
            assert len(full) == 1 and "\n" not in full[0], messages
            assert not any("Unexpected" in m for m in messages)
        finally:
            event.remove(store.engine, "connect", cap)
            store.engine.dispose()
    with store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == n["in_progress"])).one()
        bodies = [x.body for x in s.exec(select(Note).where(Note.work_order_id == wo.id)).all()]
        integrity = s.exec(text("PRAGMA integrity_check")).one()[0]
    assert bodies == ["Before the disk filled"]
    assert integrity == "ok"

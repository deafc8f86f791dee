"""The triage board, driven by keystrokes; the database is checked after each step."""

from __future__ import annotations

import contextlib

from sqlmodel import select
from textual import events
from textual.worker import WorkerCancelled

from tests.conftest import Site
from tests.screens.conftest import AppFor
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.screens.board import BoardScreen
from wo_tui.store.models import User, WorkOrder, WorkRequest
from wo_tui.widgets.paged_table import PagedTable


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their results land (they may start more workers), and a
    table on the screen finish its first load; gives up after about 5 s."""
    for _ in range(100):
        await pilot.pause()
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        tables = pilot.app.screen.query(PagedTable)
        busy = any(w.is_running for w in pilot.app.workers if w.group != "poll")
        if not busy and all(t.loaded and not t.refreshing for t in tables):
            return
        await pilot.pause(0.05)


def board(pilot) -> PagedTable:  # type: ignore[no-untyped-def]
    return pilot.app.screen.query_one("#board", PagedTable)


async def goto(pilot, label: str) -> None:  # type: ignore[no-untyped-def]
    table = board(pilot)
    await pilot.press("g")
    for _ in range(table.total):
        if table.current is not None and table.current.label == label:
            return
        await pilot.press("j")
    raise AssertionError(f"{label} not on the board: {[r.label for r in table.rows_loaded()]}")


def request(site: Site, number: int) -> WorkRequest:
    with site.store.read() as s:
        return s.exec(select(WorkRequest).where(WorkRequest.number == number)).one()


def work_order(site: Site, number: int) -> WorkOrder:
    with site.store.read() as s:
        return s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()


async def test_board_lists_requests_then_work_by_breach(board_site, app_for: AppFor) -> None:
    site, _ = board_site
    app = app_for(site.dispatcher)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = [r.label for r in board(pilot).rows_loaded()]
        assert labels[:2] == ["REQ-000004", "REQ-000003"]
        assert len(labels) == 2 + 6
        dues = [r.due_at for r in board(pilot).rows_loaded()[2:]]
        assert dues == sorted(dues)


async def test_approve_then_assign(board_site, app_for: AppFor) -> None:
    site, n = board_site
    app = app_for(site.dispatcher)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, "REQ-000003")
        await pilot.press("a")
        await settle(pilot)
        req = request(site, n["req_new"])
        assert req.status == lc.REQ_APPROVED and req.work_order_id is not None
        with site.store.read() as s:
            wo = s.get(WorkOrder, req.work_order_id)
        assert wo is not None and wo.status == lc.OPEN
        await goto(pilot, f"WO-{wo.number:06d}")
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*"bob", "enter")
        await settle(pilot)
        wo = work_order(site, wo.number)
        with site.store.read() as s:
            bob = s.exec(select(User).where(User.login == "bob")).one()
        assert wo.status == lc.ASSIGNED and wo.assignee_id == bob.id


async def test_reject_needs_a_reason(board_site, app_for: AppFor) -> None:
    site, n = board_site
    app = app_for(site.dispatcher)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, "REQ-000003")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert request(site, n["req_new"]).status == lc.REQ_NEW
        await pilot.press(*"Bulb is on the landlord", "enter")
        await settle(pilot)
        req = request(site, n["req_new"])
        assert req.status == lc.REQ_REJECTED and req.reject_reason == "Bulb is on the landlord"


async def test_duplicate_of_picked_work_order(board_site, app_for: AppFor) -> None:
    site, n = board_site
    app = app_for(site.dispatcher)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, "REQ-000004")
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("ctrl+u", *str(n["open"]))
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        req = request(site, n["req_dup"])
        assert req.status == lc.REQ_DUPLICATE
        assert req.work_order_id == work_order(site, n["open"]).id


async def test_close_and_send_back(board_site, app_for: AppFor) -> None:
    site, n = board_site
    app = app_for(site.dispatcher)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, f"WO-{n['completed']:06d}")
        await pilot.press("b")
        await settle(pilot)
        await pilot.press(*"Motor still hot", "enter")
        await settle(pilot)
        wo = work_order(site, n["completed"])
        assert wo.status == lc.IN_PROGRESS and wo.send_back_reason == "Motor still hot"
        sv.complete(
            site.tech,
            wo.number,
            sv.Closeout(
                resolution="Cooled",
                cause_code="UNK",
                remedy_code="NONE",
                no_parts_used=True,
                follow_up=False,
            ),
        )
        await pilot.pause(0.5)
        await settle(pilot)
        await goto(pilot, f"WO-{n['completed']:06d}")
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert work_order(site, n["completed"]).status == lc.COMPLETED
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert work_order(site, n["completed"]).status == lc.CLOSED


async def test_cancel_needs_reason_and_confirmation(board_site, app_for: AppFor) -> None:
    site, n = board_site
    app = app_for(site.dispatcher)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, f"WO-{n['open']:06d}")
        await pilot.press("x")
        await settle(pilot)
        await pilot.press(*"Raised twice", "enter")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert work_order(site, n["open"]).status == lc.OPEN
        await pilot.press("x")
        await settle(pilot)
        await pilot.press(*"Raised twice", "enter", "y")
        await settle(pilot)
        wo = work_order(site, n["open"])
        assert wo.status == lc.CANCELLED and wo.cancel_reason == "Raised twice"


async def test_bulk_approve_then_bulk_assign(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("g", "space", "space")
        assert len(board(pilot).marked) == 2
        await pilot.press("a")
        await settle(pilot)
        reqs = [request(site, n["req_new"]), request(site, n["req_dup"])]
        assert [r.status for r in reqs] == [lc.REQ_APPROVED, lc.REQ_APPROVED]
        assert board(pilot).marked == []
        numbers = []
        for req in reqs:
            with site.store.read() as s:
                numbers.append(s.get(WorkOrder, req.work_order_id).number)
        for number in numbers:
            await goto(pilot, f"WO-{number:06d}")
            await pilot.press("space")
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*"team el", "enter")
        await settle(pilot)
        for number in numbers:
            wo = work_order(site, number)
            assert wo.status == lc.ASSIGNED and wo.assignee_id is None and wo.team_id == 2


async def test_set_urgency_and_impact(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, f"WO-{n['in_progress']:06d}")
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("up", "up", "tab", "up", "enter")
        await settle(pilot)
        wo = work_order(site, n["in_progress"])
        assert (wo.urgency, wo.impact, wo.priority) == (1, 2, 2)
        assert board(pilot).current.label == f"WO-{n['in_progress']:06d}"


async def test_stale_edit_is_refused_and_reloaded(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, f"WO-{n['completed']:06d}")
        sv.send_back(site.admin, n["completed"], "Check again")
        sv.complete(
            site.tech,
            n["completed"],
            sv.Closeout(
                resolution="Rechecked",
                cause_code="UNK",
                remedy_code="NONE",
                no_parts_used=True,
                follow_up=False,
            ),
        )
        assert board(pilot).current.version < work_order(site, n["completed"]).version
        await pilot.press("c", "y")
        await settle(pilot)
        assert work_order(site, n["completed"]).status == lc.COMPLETED
        messages = [str(m.message) for m in pilot.app._notifications]
        assert any("was changed by" in m for m in messages)


async def test_quick_filters_and_escape_clears(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*["down"] * 5, "enter")
        await settle(pilot)
        rows = board(pilot).rows_loaded()
        assert rows and all(r.team_id == 1 and not r.is_request for r in rows)
        await pilot.press("h")
        await settle(pilot)
        assert [r.number for r in board(pilot).rows_loaded()] == [n["on_hold"]]
        await pilot.press("escape")
        await settle(pilot)
        assert board(pilot).total == 8
        await pilot.press("slash", *"filter bank", "enter")
        await settle(pilot)
        assert [r.number for r in board(pilot).rows_loaded()] == [n["in_progress"]]
        await pilot.press("escape")
        await settle(pilot)
        assert board(pilot).total == 8


async def test_keys_typed_ahead_after_slash_are_filter_text(board_site, app_for: AppFor) -> None:
    """Keys that arrive together (a paste, typing ahead over SSH) go into the box:
    the digits of ``WO-000005`` must not switch section."""
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for char in "/WO-000005":
            key = "slash" if char == "/" else ("minus" if char == "-" else char)
            event = events.Key(key, char)
            event.set_sender(pilot.app)
            pilot.app._driver.send_message(event)
        await pilot.pause(0.2)
        await settle(pilot)
        assert isinstance(pilot.app.screen, BoardScreen)
        assert pilot.app.screen.flt.text == "WO-000005", pilot.app.screen.flt
        assert [r.number for r in board(pilot).rows_loaded()] == [n["completed"]]
        await pilot.press("escape")
        await settle(pilot)
        assert board(pilot).total == 8

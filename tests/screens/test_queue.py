"""The technician's queue by keystrokes: start, hold, resume, note, time, part."""

from __future__ import annotations

from sqlmodel import select

from tests.conftest import Site
from tests.screens.conftest import AppFor
from tests.screens.test_board import settle, work_order
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.screens.queue import QueueScreen
from wo_tui.store.models import LabourEntry, Note, PartUsage
from wo_tui.widgets.paged_table import PagedTable


def queue(pilot) -> PagedTable:  # type: ignore[no-untyped-def]
    return pilot.app.screen.query_one("#queue", PagedTable)


async def goto(pilot, label: str) -> None:  # type: ignore[no-untyped-def]
    table = queue(pilot)
    await pilot.press("g")
    for _ in range(table.total):
        if table.current is not None and table.current.label == label:
            return
        await pilot.press("j")
    raise AssertionError(f"{label} not in the queue: {[r.label for r in table.rows_loaded()]}")


async def test_queue_shows_mine_then_team(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = [r.number for r in queue(pilot).rows_loaded()]
        assert set(labels) == {n["assigned"], n["in_progress"], n["completed"], n["team"]}
        assert labels[-1] == n["team"]


async def test_work_a_job_by_keys(board_site, app_for: AppFor) -> None:
    site, n = board_site
    number = n["assigned"]
    label = f"WO-{number:06d}"
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, label)
        await pilot.press("s")
        await settle(pilot)
        assert work_order(site, number).status == lc.IN_PROGRESS
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        wo = work_order(site, number)
        assert wo.status == lc.ON_HOLD and wo.hold_reason == "waiting vendor"
        await goto(pilot, label)
        await pilot.press("r")
        await settle(pilot)
        assert work_order(site, number).status == lc.IN_PROGRESS
        await goto(pilot, label)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Belt guard [/] loose", "enter")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*"1:15", "enter")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press(*"seal", "tab", "ctrl+u", "2", "enter")
        await settle(pilot)
        wo_id = work_order(site, number).id
        with site.store.read() as s:
            notes = s.exec(select(Note).where(Note.work_order_id == wo_id)).all()
            labour = s.exec(select(LabourEntry).where(LabourEntry.work_order_id == wo_id)).all()
            parts = s.exec(select(PartUsage).where(PartUsage.work_order_id == wo_id)).all()
        assert [x.body for x in notes] == ["Belt guard [/] loose"]
        assert [x.minutes for x in labour] == [75]
        assert [(x.quantity, x.unit_cost_cents) for x in parts] == [(2, 8900)]


async def test_technician_cannot_start_others_work(board_site, app_for: AppFor) -> None:
    site, _ = board_site
    async with app_for(site.other_team_tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert queue(pilot).total == 0
        assert pilot.app.screen.check_action("start", ()) is False


async def test_dispatcher_opens_someones_queue(board_site, app_for: AppFor, site: Site) -> None:
    site, n = board_site
    sv.assign(site.dispatcher, n["open"], assignee="bob")
    app = app_for(site.dispatcher)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press(*"bob", "enter")
        await settle(pilot)
        numbers = {r.number for r in queue(pilot).rows_loaded()}
        assert n["open"] in numbers and n["on_hold"] in numbers


async def test_complete_opens_the_closeout_form(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, f"WO-{n['assigned']:06d}")
        assert pilot.app.screen.check_action("complete", ()) is False
        await goto(pilot, f"WO-{n['in_progress']:06d}")
        await pilot.press("c")
        await settle(pilot)
        screen = pilot.app.screen
        assert type(screen).__name__ == "CloseoutScreen"
        assert screen.number == n["in_progress"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, QueueScreen)

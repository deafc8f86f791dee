"""Roles through the app's own keys: what a role may not do is greyed out, and pressing
the key anyway changes nothing (the services refuse too; this checks the screens)."""

from __future__ import annotations

from tests.conftest import Site
from tests.screens.conftest import AppFor
from tests.screens.test_board import settle, work_order
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.screens.detail import DetailScreen


def _in_progress_for_bob(site: Site) -> int:
    wo = sv.create_work_order(site.dispatcher, title="Bob's job", asset_tag="P-101")
    sv.assign(site.dispatcher, wo.number, assignee="bob")
    sv.start(site.tech2, wo.number)
    return wo.number


def _closed(site: Site) -> int:
    wo = sv.create_work_order(site.dispatcher, title="Done job", kind=lc.PREVENTIVE)
    sv.assign(site.dispatcher, wo.number, assignee="alice")
    sv.start(site.tech, wo.number)
    closeout = sv.Closeout(resolution="ok", no_parts_used=True, follow_up=False)
    closeout.labour.append(sv.LabourInput(30))
    sv.complete(site.tech, wo.number, closeout)
    sv.close(site.dispatcher, wo.number)
    return wo.number


async def test_requester_stays_on_intake(site: Site, app_for: AppFor) -> None:
    async with app_for(site.requester).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in ("f2", "f3", "f5", "f6"):
            await pilot.press(key)
            await settle(pilot)
            assert type(pilot.app.screen).__name__ == "IntakeScreen"


async def test_technician_cannot_touch_someone_elses_work(site: Site, app_for: AppFor) -> None:
    number = _in_progress_for_bob(site)
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("1")  # no board for a technician
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "QueueScreen"
        pilot.app.open_work_order(number)
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DetailScreen)
        for action in ("start", "hold", "resume", "complete", "close", "send_back", "reopen"):
            assert not screen.check_action(action, ()), action
        await pilot.press("h", "c", "b", "o")
        await settle(pilot)
    wo = work_order(site, number)
    assert (wo.status, wo.version) == (lc.IN_PROGRESS, 3)


async def test_only_an_admin_reopens_closed_work(site: Site, app_for: AppFor) -> None:
    number = _closed(site)
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.open_work_order(number)
        await settle(pilot)
        assert not pilot.app.screen.check_action("reopen", ())
        await pilot.press("o")
        await settle(pilot)
    assert work_order(site, number).status == lc.CLOSED
    async with app_for(site.admin).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.open_work_order(number)
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press(*"Leak", "space", *"again", "enter")
        await settle(pilot)
    assert work_order(site, number).status == lc.ASSIGNED

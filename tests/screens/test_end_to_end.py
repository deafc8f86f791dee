"""One job from request to close, by keystrokes only, each person in their own app
(as they would be, each in their own SSH session), the database checked after every step."""

from __future__ import annotations

from sqlmodel import select

from tests.conftest import Site
from tests.screens.conftest import AppFor
from tests.screens.test_board import settle
from wo_tui.domain import lifecycle as lc
from wo_tui.store.models import LabourEntry, Note, PartUsage, WorkOrder, WorkRequest


def _request(site: Site) -> WorkRequest:
    with site.store.read() as s:
        return s.exec(select(WorkRequest)).one()


def _work_order(site: Site) -> WorkOrder:
    with site.store.read() as s:
        return s.exec(select(WorkOrder)).one()


def _count(site: Site, model: type) -> int:
    with site.store.read() as s:
        return len(s.exec(select(model)).all())


async def test_request_to_close_by_keys(site: Site, app_for: AppFor) -> None:
    async with app_for(site.requester).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"Rita", "tab", *"x2231", "tab", "tab")
        await pilot.press(*"feed", "enter")
        await settle(pilot)
        await pilot.press(*"Pump leaking", "enter", *"under the skid")
        await pilot.press("ctrl+s")
        await settle(pilot)
    req = _request(site)
    assert (req.status, req.title, req.requester) == (lc.REQ_NEW, "Pump leaking", "Rita")

    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert _request(site).status == lc.REQ_APPROVED
        assert _work_order(site).status == lc.OPEN
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*"alice", "enter")
        await settle(pilot)
    wo = _work_order(site)
    assert (wo.status, wo.assignee_id) == (lc.ASSIGNED, site.tech.actor.id)

    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert _work_order(site).status == lc.IN_PROGRESS
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Seal", "space", *"worn", "enter")
        await settle(pilot)
        assert _count(site, Note) == 1
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*"1:15", "enter")
        await settle(pilot)
        assert _count(site, LabourEntry) == 1
        await pilot.press("p")
        await settle(pilot)
        await pilot.press(*"SEAL-25", "enter")
        await settle(pilot)
        assert _count(site, PartUsage) == 1
        await pilot.press("c")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "CloseoutScreen"
        await pilot.press(*"Replaced", "space", *"seal", "tab")
        await pilot.press(*"LEAK", "enter")
        await settle(pilot)
        await pilot.press(*"REPL", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    wo = _work_order(site)
    assert (wo.status, wo.cause_code, wo.remedy_code) == (lc.COMPLETED, "LEAK", "REPL")
    assert wo.resolution == "Replaced seal" and wo.follow_up == "none"

    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c", "y")
        await settle(pilot)
    assert _work_order(site).status == lc.CLOSED

"""A request's record by keystrokes: everything a dispatcher needs before deciding, and
the decisions made from it, checked in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from formkit import SIZE, settle, shown
from sqlmodel import select

from tests.conftest import FROZEN
from wo_tui import clock
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.screens.detail import DetailScreen
from wo_tui.screens.request_detail import RequestDetailScreen
from wo_tui.store.models import WorkRequest
from wo_tui.widgets.pickers import ConfirmDialog

HOSTILE = "[/] [@click=app.quit]x[/] [link=https://x]y[/link] \x1b]52;c;Zm9v\x07 \x1b[2J"


def request(site: Any, description: str, *, hours_ago: float = 0, **kw: Any) -> int:
    clock.freeze(FROZEN - timedelta(hours=hours_ago))
    try:
        options = {"requester": "Rita Reception", "urgency": 2, "impact": 2, **kw}
        return sv.submit_request(site.requester, description=description, **options).number
    finally:
        clock.freeze(FROZEN)


async def open_request(app: Any, pilot: Any, number: int) -> None:
    await settle(pilot)
    app.push_screen(RequestDetailScreen(number))
    await settle(pilot)


def stored(site: Any, number: int) -> WorkRequest:
    with site.store.read() as s:
        return s.exec(select(WorkRequest).where(WorkRequest.number == number)).one()


async def test_everything_about_the_request_is_shown(site: Any, make: Any) -> None:
    earlier = request(site, "Pump noisy", asset_tag="P-101")
    work = sv.approve_request(site.dispatcher, earlier)
    other = request(site, "Pump dripping", asset_tag="P-101")
    tail = "A" * 100_000
    number = request(
        site,
        f"Feed pump leaking {HOSTILE}\n{tail}",
        hours_ago=3,
        contact="x2231 [b]",
        source="tenant",
        asset_tag="P-101",
        urgency=1,
    )
    sv.set_request_priority(site.dispatcher, number, 1, 2)
    app = make(site.dispatcher)
    async with app.run_test(size=SIZE) as pilot:
        await open_request(app, pilot, number)
        fields = shown(app, "#fields")
        for expected in (
            "waiting for triage",
            "P2 urgent",
            "urgency high",
            "impact medium",
            "Asked by Rita Reception",
            "contact x2231 [b]",
            "Source tenant",
            "Asset P-101 Feed pump 1",
            "North Plant / Building A",
            "Submitted by rita at Mon 02 Mar 2026 06:00",
        ):
            assert expected in fields
        assert "Respond by Mon 02 Mar 2026 10:00  (in 1h 00m)" in shown(app, "#clock")
        description = shown(app, "#description")
        assert "[@click=app.quit]x[/]" in description and "\x1b" not in description
        assert description.count("A") >= 100_000
        duplicates = app.screen.query_one("#duplicates")
        listed = [str(duplicates.get_option_at_index(i).prompt) for i in range(2)]
        assert duplicates.option_count == 2
        assert f"WO-{work.number:06d}" in listed[0] and f"REQ-{other:06d}" in listed[1]
        timeline = shown(app, "#timeline")
        assert "submit" in timeline and "set priority" in timeline
        assert "Priority: 1 -> 2" not in timeline and "Priority: 2 -> 2" not in timeline
        await pilot.press("tab", "enter")  # the first possible duplicate opens
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.number == work.number
        await pilot.press("escape", "pagedown", "end", "j", "k")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, RequestDetailScreen)


async def test_triage_from_the_record(site: Any, make: Any) -> None:
    original = sv.approve_request(site.dispatcher, request(site, "Pump noisy", asset_tag="P-101"))
    to_prioritise = request(site, "Light out")
    to_reject = request(site, "Paint the office")
    to_duplicate = request(site, "Pump noisy again", asset_tag="P-101")
    to_approve = request(site, "Door sticks")
    app = make(site.dispatcher)
    async with app.run_test(size=SIZE) as pilot:
        await open_request(app, pilot, to_prioritise)
        await pilot.press("u", "up", "tab", "up", "enter")  # urgency 1, impact 1
        await settle(pilot)
        assert "P1 emergency" in shown(app, "#fields")
        await pilot.press("escape")
        await open_request(app, pilot, to_reject)
        await pilot.press("r", "enter")  # an empty reason is refused
        await pilot.press(*"Not maintenance [/]", "enter")
        await settle(pilot)
        assert "Rejected: Not maintenance [/]" in shown(app, "#outcome")
        await pilot.press("a")  # nothing left to decide
        await settle(pilot)
        await pilot.press("escape")
        await open_request(app, pilot, to_duplicate)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("enter")  # the picker starts on the asset's work
        await settle(pilot)
        assert f"Duplicate of WO-{original.number:06d}" in shown(app, "#outcome")
        await pilot.press("escape")
        await open_request(app, pilot, to_approve)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        approved_as = app.screen.number
    assert (stored(site, to_prioritise).priority, stored(site, to_prioritise).urgency) == (1, 1)
    assert stored(site, to_reject).status == lc.REQ_REJECTED
    assert stored(site, to_reject).reject_reason == "Not maintenance [/]"
    assert stored(site, to_duplicate).status == lc.REQ_DUPLICATE
    assert stored(site, to_approve).status == lc.REQ_APPROVED
    assert approved_as == original.number + 1


async def test_requester_sees_their_request_without_triage_or_others_work(
    site: Any, make: Any
) -> None:
    sv.approve_request(site.dispatcher, request(site, "Pump noisy", asset_tag="P-101"))
    number = request(site, "Pump dripping", asset_tag="P-101")
    app = make(site.requester)
    async with app.run_test(size=SIZE) as pilot:
        await open_request(app, pilot, number)
        assert "Pump dripping" in shown(app, "#title")
        assert not app.screen.query_one("#duplicates").display
        await pilot.press("a", "r")
        await settle(pilot)
        assert isinstance(app.screen, RequestDetailScreen)
    assert stored(site, number).status == lc.REQ_NEW


async def test_a_decision_made_elsewhere_appears_without_a_keypress(site: Any, make: Any) -> None:
    number = request(site, "Fan noisy")
    app = make(site.dispatcher)
    async with app.run_test(size=SIZE) as pilot:
        await open_request(app, pilot, number)
        sv.reject_request(site.admin, number, "Done by the landlord")
        for _ in range(40):
            await pilot.pause(0.1)
            if "landlord" in shown(app, "#outcome"):
                break
        assert "Rejected: Done by the landlord" in shown(app, "#outcome")
        assert "triaged in time" in shown(app, "#clock")
        await pilot.press("r")  # no longer offered
        await settle(pilot)
        assert isinstance(app.screen, RequestDetailScreen)

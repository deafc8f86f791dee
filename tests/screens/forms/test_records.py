"""Detail and asset history by keystrokes: hostile text shown literally, stale edits refused."""

from __future__ import annotations

import dataclasses
from typing import Any

from formkit import SIZE, settle, shown
from sqlmodel import select

from wo_tui.app import make_app
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.screens.asset_history import AssetHistoryScreen
from wo_tui.screens.detail import DetailScreen
from wo_tui.screens.request_detail import RequestDetailScreen
from wo_tui.store.models import Note, WorkOrder

HOSTILE = "[/] [@click=app.quit]x[/] [link=https://x]y[/link] \x1b]52;c;Zm9v\x07 \x1b[2J"


def completed_work(site: Any, description: str = "Pump leaking") -> int:
    req = sv.submit_request(
        site.requester,
        requester="Rita",
        description=description,
        urgency=2,
        impact=2,
        asset_tag="P-101",
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    sv.assign(site.dispatcher, wo.number, assignee="alice")
    sv.start(site.tech, wo.number)
    sv.add_note(site.tech, wo.number, "Seal worn")
    sv.complete(
        site.tech,
        wo.number,
        sv.Closeout(
            resolution="Replaced seal",
            cause_code="WEAR",
            remedy_code="REPL",
            follow_up=False,
            labour=[sv.LabourInput(90)],
            parts=[sv.PartInput("SEAL-25", 1)],
        ),
    )
    return wo.number


def write_raw(site: Any, number: int, description: str, note: str) -> None:
    """Bypass the services' cleaning: data may come from another tool."""
    with site.store.write() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()
        wo.description = description
        s.add(wo)
        first = s.exec(select(Note).where(Note.work_order_id == wo.id)).first()
        assert first is not None
        first.body = note
        s.add(first)


async def test_hostile_text_is_shown_literally_and_nothing_fires(site: Any, make: Any) -> None:
    number = completed_work(site)
    long_tail = "A" * 100_000
    write_raw(site, number, HOSTILE + "\n" + long_tail, HOSTILE)
    app = make(site.dispatcher)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(number))
        await settle(pilot)
        description = shown(app, "#description")
        for literal in ("[/]", "[@click=app.quit]x[/]", "[link=https://x]y[/link]", "]52;c;Zm9v"):
            assert literal in description
            assert literal in shown(app, "#timeline")
        assert "\x1b" not in description and "\x07" not in description
        assert description.count("A") >= 100_000
        description_widget = app.screen.query_one("#description")
        await pilot.click(description_widget, offset=(6, 0))
        await pilot.click(description_widget, offset=(26, 0))
        await pilot.press("tab", "tab", "pagedown", "pagedown", "end", "home")
        await pilot.press("j", "k")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, DetailScreen)
        assert app.return_code is None


async def test_stale_close_is_refused_and_fresh_state_shown(site: Any) -> None:
    number = completed_work(site)
    quiet = dataclasses.replace(site.settings, refresh_seconds=3600)
    app = make_app(quiet, site.store, site.dispatcher.actor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(number))
        await settle(pilot)
        assert "completed" in shown(app, "#fields")
        sv.send_back(site.admin, number, "Still dripping")
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any(
            m.startswith("WO-000001 was changed by root at") and m.endswith("- reloaded.")
            for m in messages
        ), messages
        assert "in progress" in shown(app, "#fields")
        assert "Still dripping" in shown(app, "#fields")
    with site.store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()
    assert wo.status == lc.IN_PROGRESS


async def test_close_from_detail(site: Any, make: Any) -> None:
    number = completed_work(site)
    app = make(site.dispatcher)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(number))
        await settle(pilot)
        await pilot.press("c", "y")
        await settle(pilot)
        assert "closed" in shown(app, "#fields")
    with site.store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()
    assert wo.status == lc.CLOSED


async def test_asset_history_lists_newest_first_and_opens_work(site: Any, make: Any) -> None:
    first = completed_work(site, "Pump leaking")
    second = completed_work(site, "Pump noisy")
    app = make(site.dispatcher)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(AssetHistoryScreen("P-101"))
        await settle(pilot)
        summary = shown(app, "#summary")
        assert "2 work orders" in summary and "Failures 2" in summary
        assert "labour 3:00" in summary
        table = app.screen.query_one("#history")
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [
            f"WO-{second:06d}",
            f"WO-{first:06d}",
        ]
        await pilot.press("j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.number == first


async def test_technician_starts_holds_and_resumes_from_detail(site: Any, make: Any) -> None:
    req = sv.submit_request(
        site.requester, requester="Rita", description="Fan noisy", urgency=2, impact=2
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    sv.assign(site.dispatcher, wo.number, assignee="alice")
    app = make(site.tech)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(wo.number))
        await settle(pilot)
        await pilot.press("c")  # not allowed while assigned: nothing happens
        await pilot.press("s")
        await settle(pilot)
        assert "in progress" in shown(app, "#fields")
        await pilot.press("h", "enter")  # first reason: waiting parts
        await settle(pilot)
        assert "on hold" in shown(app, "#fields") and "waiting parts" in shown(app, "#fields")
        await pilot.press("r")
        await settle(pilot)
        assert "in progress" in shown(app, "#fields")
        assert "resume" in shown(app, "#timeline")
    with site.store.read() as s:
        row = s.exec(select(WorkOrder).where(WorkOrder.number == wo.number)).one()
    assert row.status == lc.IN_PROGRESS and row.hold_reason == ""


async def test_dispatcher_assigns_reprioritises_and_cancels_from_detail(
    site: Any, make: Any
) -> None:
    req = sv.submit_request(
        site.requester, requester="Rita", description="Door sticks", urgency=3, impact=3
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    app = make(site.dispatcher)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(wo.number))
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*"alice", "enter")
        await settle(pilot)
        assert "assigned" in shown(app, "#fields")
        await pilot.press("u", "enter")  # the chooser opens on 3/3; enter keeps it
        await settle(pilot)
        await pilot.press("x", *"Duplicate of a call", "enter", "y")
        await settle(pilot)
        assert "cancelled" in shown(app, "#fields")
    with site.store.read() as s:
        row = s.exec(select(WorkOrder).where(WorkOrder.number == wo.number)).one()
    assert row.status == lc.CANCELLED and row.cancel_reason == "Duplicate of a call"
    assert row.assignee_id == site.tech.actor.id


async def test_change_elsewhere_appears_without_a_keypress(site: Any, make: Any) -> None:
    number = completed_work(site)
    app = make(site.dispatcher)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(number))
        await settle(pilot)
        assert "completed" in shown(app, "#fields")
        sv.add_note(site.admin, number, "Vendor says the seal batch was faulty")
        for _ in range(40):
            await pilot.pause(0.1)
            if "seal batch" in shown(app, "#timeline"):
                break
        assert "seal batch was faulty" in shown(app, "#timeline")


async def test_send_back_with_reason_and_note_from_detail(site: Any, make: Any) -> None:
    number = completed_work(site)
    app = make(site.dispatcher)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(number))
        await settle(pilot)
        await pilot.press("b", "enter")  # an empty reason is not accepted
        await settle(pilot)
        await pilot.press(*"Still dripping at the gland", "enter")
        await settle(pilot)
        assert "in progress" in shown(app, "#fields")
        assert "Sent back: Still dripping at the gland" in shown(app, "#fields")
        await pilot.press("n", *"Spare gland packing is in store 3 [/]", "enter")
        await settle(pilot)
        assert "Spare gland packing is in store 3 [/]" in shown(app, "#timeline")
    with site.store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()
        notes = s.exec(select(Note).where(Note.work_order_id == wo.id)).all()
    assert wo.status == lc.IN_PROGRESS and wo.send_back_reason == "Still dripping at the gland"
    assert notes[-1].body == "Spare gland packing is in store 3 [/]"


async def test_parent_and_follow_up_open_by_keys(site: Any, make: Any) -> None:
    number = completed_work(site)
    follow_up = sv.create_work_order(
        site.dispatcher, title="Check alignment", description="After the seal", parent=number
    )
    app = make(site.dispatcher)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(number))
        await settle(pilot)
        linked = app.screen.query_one("#linked")
        assert "request REQ-000001  approved  by Rita" in str(linked.get_option_at_index(0).prompt)
        assert "follow-up WO-000002" in str(linked.get_option_at_index(1).prompt)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestDetailScreen) and app.screen.number == 1
        await pilot.press("escape", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.number == follow_up.number
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.number == number
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.number == number


async def test_contact_and_timeline_in_words_for_the_technician(site: Any, make: Any) -> None:
    req = sv.submit_request(
        site.requester,
        requester="Rita",
        contact="x2231 [b]",
        description="Pump leaking",
        urgency=2,
        impact=2,
        asset_tag="P-101",
    )
    parent = sv.approve_request(site.dispatcher, req.number)
    sv.assign(site.dispatcher, parent.number, assignee="alice")
    follow_up = sv.create_work_order(
        site.dispatcher, title="Check alignment", asset_tag="P-101", parent=parent.number
    )
    sv.assign(site.dispatcher, follow_up.number, assignee="alice")
    app = make(site.tech)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(parent.number))
        await settle(pilot)
        assert "Asked by Rita  contact x2231 [b]" in shown(app, "#fields")
        timeline = shown(app, "#timeline")
        assert "Asset: - -> P-101" in timeline and "Triaged by: - -> dana" in timeline
        assert "Status: open -> assigned" in timeline and "Urgency: - -> medium" in timeline
        app.push_screen(DetailScreen(follow_up.number))
        await settle(pilot)
        timeline = shown(app, "#timeline")
        assert "Parent: - -> WO-000001" in timeline
        assert "- -> -" not in timeline and "_id" not in timeline
        assert "contact -" in shown(app, "#fields")

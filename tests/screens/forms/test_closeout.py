"""Closeout by keystrokes: every missing thing listed at once, input kept; a full one saves it all."""

from __future__ import annotations

from typing import Any

from formkit import SIZE, settle, shown
from sqlmodel import col, select

from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.screens.closeout import CloseoutScreen
from wo_tui.store.models import LabourEntry, Part, PartUsage, WorkOrder
from wo_tui.widgets.pickers import ConfirmDialog


def started_work(site: Any) -> int:
    req = sv.submit_request(
        site.requester,
        requester="Rita",
        description="Pump leaking",
        urgency=2,
        impact=2,
        asset_tag="P-101",
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    sv.assign(site.dispatcher, wo.number, assignee="alice")
    sv.start(site.tech, wo.number)
    return wo.number


async def open_closeout(app: Any, pilot: Any, number: int) -> None:
    await settle(pilot)
    app.push_screen(CloseoutScreen(number))
    await settle(pilot)


async def test_missing_fields_are_listed_together_and_input_is_kept(site: Any, make: Any) -> None:
    number = started_work(site)
    app = make(site.tech)
    async with app.run_test(size=SIZE) as pilot:
        await open_closeout(app, pilot, number)
        await pilot.press("tab", *"wear", "enter")  # resolution left empty, cause picked
        await pilot.press("ctrl+s")
        await settle(pilot)
        problems = shown(app, "#problems")
        for expected in (
            "Resolution notes: say what was done.",
            "Labour: log at least one time entry.",
            "Parts: add the parts used, or tick 'no parts used'.",
            "Remedy code: pick one from the list.",
        ):
            assert expected in problems
        assert "Cause code" not in problems
        assert app.screen.query_one("#cause").text == "wear"
        assert isinstance(app.screen, CloseoutScreen)
    with site.store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()
    assert wo.status == lc.IN_PROGRESS


async def test_bad_time_is_listed_with_the_rest(site: Any, make: Any) -> None:
    number = started_work(site)
    app = make(site.tech)
    async with app.run_test(size=SIZE) as pilot:
        await open_closeout(app, pilot, number)
        await pilot.press(*"Fixed", "tab", "tab", "tab", "tab", *"9x")
        await pilot.press("ctrl+s")
        await settle(pilot)
        problems = shown(app, "#problems")
        assert "Labour: '9x' is not a duration" in problems
        assert "Cause code: pick one from the list." in problems
        assert app.screen.query_one("#minutes").value == "9x"
        assert app.screen.query_one("#resolution").text == "Fixed"


async def test_full_closeout_completes_with_labour_parts_codes_and_follow_up(
    site: Any, make: Any
) -> None:
    number = started_work(site)
    app = make(site.tech)
    async with app.run_test(size=SIZE) as pilot:
        await open_closeout(app, pilot, number)
        await pilot.press(*"Replaced seal", "enter", *"aligned coupling")
        await pilot.press("tab", *"wear", "enter", *"repl", "enter")
        await pilot.press("tab", *"1:30", "enter")  # from the labour list to the time
        await pilot.press("tab", "tab", "tab", *"seal", "enter")
        await settle(pilot)  # the part catalogue is searched as one types
        await pilot.press(*"2", "enter")
        await pilot.press("tab", "tab", "tab", "space")  # quantity, no parts, follow-up
        await pilot.press("tab", *"Replace coupling at shutdown")
        await pilot.press("tab", "enter", "up", "enter")  # follow-up urgency 1
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, CloseoutScreen)
    with site.store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()
        labour = s.exec(select(LabourEntry).where(LabourEntry.work_order_id == wo.id)).all()
        parts = s.exec(
            select(PartUsage, Part)
            .join(Part, col(Part.id) == col(PartUsage.part_id))
            .where(PartUsage.work_order_id == wo.id)
        ).all()
        follow = s.exec(select(WorkOrder).where(WorkOrder.parent_id == wo.id)).one()
    assert wo.status == lc.COMPLETED
    assert wo.resolution == "Replaced seal\naligned coupling"
    assert (wo.cause_code, wo.remedy_code, wo.follow_up) == ("WEAR", "REPL", "needed")
    assert [e.minutes for e in labour] == [90]
    assert [(p.number, u.quantity) for u, p in parts] == [("SEAL-25", 2.0)]
    assert follow.kind == lc.FOLLOW_UP and follow.asset_id == wo.asset_id
    assert follow.title == "Replace coupling at shutdown" and follow.urgency == 1


async def test_saved_labour_is_removed_only_by_delete_after_a_yes(site: Any, make: Any) -> None:
    number = started_work(site)
    sv.log_labour(site.tech, number, 30)
    app = make(site.tech)
    async with app.run_test(size=SIZE) as pilot:
        await open_closeout(app, pilot, number)
        assert "0:30" in str(app.screen.query_one("#labour").get_option_at_index(0).prompt)
        await pilot.press("tab", "tab", "tab", "backspace")  # resolution, cause, remedy, labour
        await settle(pilot)
        assert isinstance(app.screen, CloseoutScreen)
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        with site.store.read() as s:
            assert len(s.exec(select(LabourEntry)).all()) == 1
        await pilot.press("delete", "y")
        await settle(pilot)
        labour = app.screen.query_one("#labour")
        assert "no time logged yet" in str(labour.get_option_at_index(0).prompt)
        messages = [n.message for n in app._notifications]
        assert f"Removed 0:30 by alice on 2026-03-02 from WO-{number:06d}." in messages
        await pilot.press("tab", *"45", "enter", "shift+tab", "delete")  # a new one: no question
        await settle(pilot)
        assert isinstance(app.screen, CloseoutScreen)
        assert "Removed 0:45 (it was not saved yet)." in [n.message for n in app._notifications]
    with site.store.read() as s:
        assert s.exec(select(LabourEntry)).first() is None


async def test_escape_keeps_a_draft_that_comes_back(site: Any, make: Any) -> None:
    number = started_work(site)
    app = make(site.tech)
    async with app.run_test(size=SIZE) as pilot:
        await open_closeout(app, pilot, number)
        await pilot.press(*"Half done", "tab", *"wear", "enter", "tab", "tab", *"1:15", "enter")
        await pilot.press(*"20")  # typed, not added
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, CloseoutScreen)
        assert any("kept as a draft" in n.message for n in app._notifications)
        app.push_screen(CloseoutScreen(number))
        await settle(pilot)
        form = app.screen
        assert form.query_one("#resolution").text == "Half done"
        assert form.query_one("#cause").text == "wear"
        assert form.query_one("#minutes").value == "20"
        assert "1:15" in str(form.query_one("#labour").get_option_at_index(0).prompt)
        await pilot.press("ctrl+r", "y", "escape")
        await settle(pilot)
        app.push_screen(CloseoutScreen(number))
        await settle(pilot)
        assert app.screen.query_one("#resolution").text == ""
        assert app.screen.new_labour == []


async def test_problems_follow_the_form_as_it_is_filled(site: Any, make: Any) -> None:
    number = started_work(site)
    app = make(site.tech)
    async with app.run_test(size=SIZE) as pilot:
        await open_closeout(app, pilot, number)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Cause code: pick one from the list." in shown(app, "#problems")
        await pilot.press(*"Fixed", "tab", *"wear", "enter", *"repl", "enter")
        await settle(pilot)
        problems = shown(app, "#problems")
        assert "Resolution" not in problems and "Cause" not in problems
        assert "Remedy" not in problems and "Labour: log at least one" in problems
        await pilot.press("tab", *"30", "enter")
        await settle(pilot)
        assert "Labour" not in shown(app, "#problems")
        app.screen.query_one("#no-parts").focus()
        await pilot.press("space", "tab", "space")
        await settle(pilot)
        assert "Follow-up: describe" in shown(app, "#problems")
        await pilot.press("space")
        await settle(pilot)
        assert not app.screen.query_one("#problems").display


async def test_stale_closeout_is_refused_keeps_the_form_and_goes_through_after(
    site: Any, make: Any
) -> None:
    number = started_work(site)
    sv.log_labour(site.tech, number, 30)
    app = make(site.tech)
    async with app.run_test(size=SIZE) as pilot:
        await open_closeout(app, pilot, number)
        await pilot.press(*"Tightened gland", "tab", *"leak", "enter", *"adj", "enter")
        await pilot.press(*["tab"] * 6, "space")  # past labour and parts: no parts used
        sv.set_priority(site.dispatcher, number, 1, 1)
        await pilot.press("ctrl+s")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith(f"WO-{number:06d} was changed by dana at") for m in messages)
        assert isinstance(app.screen, CloseoutScreen)
        assert app.screen.query_one("#resolution").text == "Tightened gland"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, CloseoutScreen)
    with site.store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()
    assert wo.status == lc.COMPLETED and wo.no_parts_used and wo.remedy_code == "ADJ"

"""Intake by keystrokes: what is typed ends up in the database, and the form says what is wrong."""

from __future__ import annotations

from typing import Any

from formkit import SIZE, settle, shown
from sqlmodel import select

from wo_tui.screens.intake import IntakeScreen
from wo_tui.store.models import Asset, Location, WorkRequest


async def test_request_typed_is_saved_and_form_resets(site: Any, make: Any) -> None:
    app = make(site.requester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press(*"Rita", "tab", *"x2231", "tab")
        await pilot.press("tab")  # source stays operator
        await pilot.press(*"feed", "enter")  # takes the first match: P-101
        await settle(pilot)
        await pilot.press(*"Pump leaking", "enter", *"under the skid")
        await pilot.press("tab", "enter", "up", "enter")  # urgency 2 -> 1
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "REQ-000001" in shown(app, "#result")
        assert app.screen.query_one("#requester").value == ""
        assert app.screen.query_one("#description").text == ""
    with site.store.read() as s:
        req = s.exec(select(WorkRequest)).one()
        asset = s.exec(select(Asset).where(Asset.tag == "P-101")).one()
    assert req.requester == "Rita" and req.contact == "x2231" and req.source == "operator"
    assert req.asset_id == asset.id and req.location_id == asset.location_id
    assert req.title == "Pump leaking" and req.description == "Pump leaking\nunder the skid"
    assert (req.urgency, req.impact, req.priority) == (1, 2, 2)


async def test_priority_and_due_follow_urgency_and_impact(site: Any, make: Any) -> None:
    app = make(site.requester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "P3 high" in shown(app, "#priority")
        assert "resolve by Thu 05 Mar 09:00" in shown(app, "#priority")
        app.screen.query_one("#urgency").focus()
        await pilot.press("enter", "up", "enter")
        assert "P2 urgent" in shown(app, "#priority")
        await pilot.press("tab", "enter", "up", "enter")
        assert "P1 emergency" in shown(app, "#priority")
        assert "respond by Mon 02 Mar 10:00" in shown(app, "#priority")
        assert "resolve by Mon 02 Mar 13:00" in shown(app, "#priority")
        assert fits(app, "#priority")


def fits(app: Any, selector: str) -> bool:
    """Every line of the widget's text is inside the widget, and the widget on screen."""
    widget = app.screen.query_one(selector)
    width = widget.content_size.width
    lines = str(widget.render()).splitlines()
    return widget.region.right <= SIZE[0] and all(len(line) <= width for line in lines)


async def test_several_matches_say_what_enter_does_within_80_columns(site: Any, make: Any) -> None:
    app = make(site.requester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab", "tab", "tab", "1")
        await settle(pilot)
        hint = app.screen.query_one("#asset .hint")
        text = str(hint.render())
        end = text.index("enter takes the first") + len("enter takes the first")
        assert end <= hint.content_size.width and hint.region.right <= SIZE[0]


async def test_empty_form_lists_every_problem(site: Any, make: Any) -> None:
    app = make(site.requester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab", "tab", "tab", *"nothing-like-this", "ctrl+s")
        await settle(pilot)
        problems = shown(app, "#problems")
        assert "Requester is empty" in problems
        assert "Description is empty" in problems
        assert "Asset: nothing matches 'nothing-like-this'" in problems
    with site.store.read() as s:
        assert s.exec(select(WorkRequest)).first() is None


async def test_open_work_on_the_asset_is_shown_before_submit(site: Any, make: Any) -> None:
    from wo_tui.domain import services as sv

    sv.submit_request(
        site.requester,
        requester="Ann",
        description="Pump noisy",
        urgency=2,
        impact=2,
        asset_tag="P-101",
    )
    app = make(site.requester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab", "tab", "tab", *"P-101")
        await settle(pilot)
        duplicates = shown(app, "#duplicates")
        assert "Possible duplicate" in duplicates and "REQ-000001" in duplicates
        assert "Pump noisy" in duplicates
        assert "North Plant / Building A" in shown(app, "#location-from")


async def test_intake_problems_follow_the_typing(site: Any, make: Any) -> None:
    app = make(site.requester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Requester is empty" in shown(app, "#problems")
        assert app.screen.query_one("#requester").has_class("-invalid")
        await pilot.press(*"Rita")
        await settle(pilot)
        assert "Requester is empty" not in shown(app, "#problems")
        assert "Description is empty" in shown(app, "#problems")
        assert not app.screen.query_one("#requester").has_class("-invalid")


async def test_location_alone_when_there_is_no_asset(site: Any, make: Any) -> None:
    app = make(site.requester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"Rita", "tab", "tab", "tab", "tab")  # to the location
        await pilot.press("enter", "down", "enter")
        await pilot.press("tab", *"Lights out in the corridor", "ctrl+s")
        await settle(pilot)
        assert "REQ-000001" in shown(app, "#result")
    with site.store.read() as s:
        req = s.exec(select(WorkRequest)).one()
        location = s.exec(select(Location)).one()
    assert req.asset_id is None and req.location_id == location.id
    assert req.site_id == location.site_id


async def test_hostile_asset_name_is_shown_literally(site: Any, make: Any) -> None:
    from wo_tui.domain import admin

    hostile = "[@click=app.quit]Pump[/] [link=https://x]y[/link] [/]"
    admin.add_asset(site.dispatcher, "X-1", hostile)
    app = make(site.requester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab", "tab", "tab", *"X-1")
        await settle(pilot)
        hint = str(app.screen.query_one("#asset .hint").render())
        assert hostile in hint
        await pilot.click(app.screen.query_one("#asset .hint"), offset=(8, 0))
        await settle(pilot)
        assert app.is_running and app.return_code is None

"""Keys typed ahead (a slow SSH link delivers them in one burst) land in the field
the user meant: tab moves focus the moment it arrives."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input, TextArea

from tests.conftest import Site
from tests.screens.conftest import AppFor
from tests.screens.test_board import settle
from wo_tui.domain import services as sv
from wo_tui.screens.closeout import CloseoutScreen


async def test_a_burst_across_tab_fills_both_fields(site: Site, app_for: AppFor) -> None:
    async with app_for(site.requester).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = pilot.app.focused
        assert isinstance(first, Input)
        for key, char in [("a", "a"), ("b", "b"), ("tab", "\t"), ("c", "c"), ("d", "d")]:
            pilot.app.post_message(events.Key(key, char))
        await settle(pilot)
        second = pilot.app.focused
        assert isinstance(second, Input) and second is not first
        assert (first.value, second.value) == ("ab", "cd")


async def test_function_keys_leave_a_form(site: Site, app_for: AppFor) -> None:
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "IntakeScreen"
        await pilot.press("1")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "IntakeScreen"
        await pilot.press("f2")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "BoardScreen"


def burst(app: Any, text: str) -> None:
    """Keys as a slow link delivers them: all at once, before any is handled."""
    names = {"\t": "tab", "\r": "enter", " ": "space"}
    for char in text:
        app.post_message(events.Key(names.get(char, char), char))


async def test_a_burst_across_enter_in_a_picker_fills_the_next_field(
    site: Site, app_for: AppFor
) -> None:
    async with app_for(site.requester).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(pilot.app, "Rita\t\t\tfeed\rPump leaking")
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.query_one("#asset").choice.key == "P-101"
        assert screen.query_one("#description", TextArea).text == "Pump leaking"


async def test_a_burst_through_the_closeout_codes(site: Site, app_for: AppFor) -> None:
    req = sv.submit_request(
        site.requester, requester="Rita", description="Pump leaking", urgency=2, impact=2
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    sv.assign(site.dispatcher, wo.number, assignee="alice")
    sv.start(site.tech, wo.number)
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.push_screen(CloseoutScreen(wo.number))
        await settle(pilot)
        burst(pilot.app, "Fixed\twear\rrepl\r\t45\r")  # remedy, labour list, time
        await settle(pilot)
        screen = pilot.app.screen
        assert (screen.query_one("#cause").text, screen.query_one("#remedy").text) == (
            "wear",
            "repl",
        )
        assert [entry.minutes for entry in screen.new_labour] == [45]

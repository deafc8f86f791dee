"""Keys typed ahead (a slow SSH link delivers them in one burst) land in the field
the user meant: tab moves focus the moment it arrives."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from tests.conftest import Site
from tests.screens.conftest import AppFor
from tests.screens.test_board import settle


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

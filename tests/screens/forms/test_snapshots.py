"""Snapshots of the forms and record screens at a phone's size and a wide terminal.

Fixed data made through the services under the frozen clock; cursors do not blink,
so the pictures only change when the screens do. Update with ``--snapshot-update``
and look at every changed picture before committing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from formkit import SIZE, WIDE, settle
from textual.pilot import Pilot
from textual.screen import Screen

from tests.conftest import FROZEN
from wo_tui import clock
from wo_tui.domain import services as sv
from wo_tui.screens.asset_history import AssetHistoryScreen
from wo_tui.screens.closeout import CloseoutScreen
from wo_tui.screens.detail import DetailScreen
from wo_tui.screens.request_detail import RequestDetailScreen

SIZES = pytest.mark.parametrize("size", [SIZE, WIDE], ids=["80x24", "120x40"])


def seed(site: Any) -> dict[str, int]:
    """A completed work order with a follow-up, and one in progress with time logged."""
    req = sv.submit_request(
        site.requester,
        requester="Rita Reception",
        contact="x2231",
        description="Feed pump leaking at the seal\nPuddle under the skid, getting worse.",
        urgency=1,
        impact=2,
        asset_tag="P-101",
    )
    done = sv.approve_request(site.dispatcher, req.number)
    sv.assign(site.dispatcher, done.number, assignee="alice")
    sv.start(site.tech, done.number)
    sv.add_note(site.tech, done.number, "Seal face is scored [/] - ordering a new one.")
    sv.complete(
        site.tech,
        done.number,
        sv.Closeout(
            resolution="Replaced the mechanical seal and checked alignment.",
            cause_code="WEAR",
            remedy_code="REPL",
            follow_up=True,
            follow_up_work=sv.FollowUpInput("Replace coupling at next shutdown", 3, 2),
            labour=[sv.LabourInput(90)],
            parts=[sv.PartInput("SEAL-25", 1), sv.PartInput("BRG-6204", 2)],
        ),
    )
    req2 = sv.submit_request(
        site.requester,
        requester="Rita Reception",
        description="Pump vibrates on start-up",
        urgency=2,
        impact=2,
        asset_tag="P-101",
    )
    busy = sv.approve_request(site.dispatcher, req2.number)
    sv.assign(site.dispatcher, busy.number, assignee="alice")
    sv.start(site.tech, busy.number)
    sv.log_labour(site.tech, busy.number, 45)
    return {"done": done.number, "busy": busy.number}


def steady(
    screen_for: Callable[[], Screen[Any] | None], *keys: str
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        screen = screen_for()
        if screen is not None:
            pilot.app.push_screen(screen)
            await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@SIZES
def test_intake(site: Any, make: Any, snap_compare: Any, size: tuple[int, int]) -> None:
    seed(site)
    keys = (*"Rita Reception", "tab", *"x2231", "tab", "tab", *"P-101", "tab")
    keys += (*"Pump noisy again", "tab", "enter", "up", "enter")
    app = make(site.requester)
    assert snap_compare(app, terminal_size=size, run_before=steady(lambda: None, *keys))


@SIZES
def test_closeout(site: Any, make: Any, snap_compare: Any, size: tuple[int, int]) -> None:
    numbers = seed(site)
    keys = (*"Loose mounting bolts", "tab", *"wear", "enter", "ctrl+s")
    app = make(site.tech)
    screen = lambda: CloseoutScreen(numbers["busy"])  # noqa: E731
    assert snap_compare(app, terminal_size=size, run_before=steady(screen, *keys))


@SIZES
def test_detail(site: Any, make: Any, snap_compare: Any, size: tuple[int, int]) -> None:
    numbers = seed(site)
    app = make(site.dispatcher)
    screen = lambda: DetailScreen(numbers["done"])  # noqa: E731
    assert snap_compare(app, terminal_size=size, run_before=steady(screen))


@SIZES
def test_asset_history(site: Any, make: Any, snap_compare: Any, size: tuple[int, int]) -> None:
    seed(site)
    app = make(site.dispatcher)
    screen = lambda: AssetHistoryScreen("P-101")  # noqa: E731
    assert snap_compare(app, terminal_size=size, run_before=steady(screen))


def seed_request(site: Any) -> int:
    """A request waiting for triage on an asset with open work (a possible duplicate)."""
    seed(site)
    clock.freeze(FROZEN - timedelta(hours=2))
    try:
        number = sv.submit_request(
            site.requester,
            requester="Sam Shift",
            contact="radio ch 4",
            source="tenant",
            description="Feed pump dripping again\nSame place as last week, under the skid.",
            urgency=1,
            impact=2,
            asset_tag="P-101",
        ).number
    finally:
        clock.freeze(FROZEN)
    return number


@SIZES
def test_request_detail(site: Any, make: Any, snap_compare: Any, size: tuple[int, int]) -> None:
    number = seed_request(site)
    app = make(site.dispatcher)
    screen = lambda: RequestDetailScreen(number)  # noqa: E731
    assert snap_compare(app, terminal_size=size, run_before=steady(screen))


DIALOGS = {
    "reason": ("r", *"Not ours"),
    "confirm": ("a",),
    "typeahead": ("d",),
    "priority": ("u", "down"),
}


@SIZES
@pytest.mark.parametrize("dialog", list(DIALOGS))
def test_dialog(
    site: Any, make: Any, snap_compare: Any, size: tuple[int, int], dialog: str
) -> None:
    """The main dialogs, each over the request record it was asked from."""
    number = seed_request(site)
    app = make(site.dispatcher)
    screen = lambda: RequestDetailScreen(number)  # noqa: E731
    assert snap_compare(app, terminal_size=size, run_before=steady(screen, *DIALOGS[dialog]))

"""Screen tests: a real database, a small site with fixed data, the app at 80x24.

Work is created through the services (as the people themselves would), with the
clock frozen so due dates, breach labels and snapshots never move.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.conftest import FROZEN, Site, build_site
from wo_tui import clock
from wo_tui.app import WoApp, make_app
from wo_tui.config import Settings
from wo_tui.domain import services as sv
from wo_tui.domain.services import Ctx
from wo_tui.store.db import Store

AppFor = Callable[[Ctx], WoApp]


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Screens are about the app, not the database: they run on SQLite only. The
    store, domain, CLI, import, reports and concurrency tests cover PostgreSQL, and
    running every Pilot flow twice cost the suite a minute and a half."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    clock.freeze(FROZEN)
    yield
    clock.freeze(None)


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """pytest-textual-snapshot's compare, with every text cursor held still.

    A cursor blinks every half second; a screen that took longer than that to
    settle on a busy machine was caught with its cursor off and failed the compare."""

    def compare(app: Any, *args: Any, run_before: Any = None, **kwargs: Any) -> bool:
        async def still(pilot: Pilot[Any]) -> None:
            if run_before is not None:
                result = run_before(pilot)
                if isinstance(result, Awaitable):
                    await result
            for screen in pilot.app.screen_stack:
                for widget in screen.query("Input, TextArea"):
                    widget.cursor_blink = False  # type: ignore[attr-defined]
            await pilot.pause()

        return snap_compare(app, *args, run_before=still, **kwargs)

    return compare


@pytest.fixture
def site(store: Store) -> Site:
    """Polls every 0.2 s so live-refresh tests stay quick."""
    return build_site(store, Settings(refresh_seconds=0.2))


@pytest.fixture
def app_for(site: Site) -> AppFor:
    """The app as one of the site's people (dispatcher, technician, ...)."""

    def build(ctx: Ctx) -> WoApp:
        return make_app(site.settings, site.store, ctx.actor)

    return build


def seed_board(site: Site) -> dict[str, int]:
    """Two requests waiting and work orders in every board status, at fixed times."""
    d, t = site.dispatcher, site.tech
    numbers: dict[str, int] = {}
    clock.freeze(FROZEN - timedelta(hours=30))
    leak = sv.submit_request(
        site.requester,
        requester="Rita",
        description="Pump P-101 leaking at the seal",
        urgency=1,
        impact=2,
        asset_tag="P-101",
    )
    numbers["req_leak"] = leak.number
    wo = sv.approve_request(d, leak.number)
    numbers["open"] = wo.number
    clock.freeze(FROZEN - timedelta(hours=20))
    noise = sv.submit_request(
        site.requester,
        requester="Rita",
        description="Air handler rattles",
        urgency=2,
        impact=2,
        asset_tag="AHU-01",
    )
    wo = sv.approve_request(d, noise.number)
    sv.assign(d, wo.number, assignee="alice")
    numbers["assigned"] = wo.number
    clock.freeze(FROZEN - timedelta(hours=10))
    wo = sv.create_work_order(
        d, title="Replace filter bank", asset_tag="AHU-01", urgency=3, impact=3
    )
    sv.assign(d, wo.number, assignee="alice")
    sv.start(t, wo.number)
    numbers["in_progress"] = wo.number
    wo = sv.create_work_order(d, title="Grease bearings", asset_tag="P-101", urgency=2, impact=3)
    sv.assign(d, wo.number, assignee="bob")
    sv.start(site.tech2, wo.number)
    sv.hold(site.tech2, wo.number, "parts", "bearing on order")
    numbers["on_hold"] = wo.number
    wo = sv.create_work_order(
        d, title="Check motor current", asset_tag="P-101", urgency=2, impact=2
    )
    sv.assign(d, wo.number, assignee="alice")
    sv.start(t, wo.number)
    sv.log_labour(t, wo.number, 45)
    sv.complete(
        t,
        wo.number,
        sv.Closeout(
            resolution="Within limits",
            cause_code="UNK",
            remedy_code="NONE",
            no_parts_used=True,
            follow_up=False,
        ),
    )
    numbers["completed"] = wo.number
    wo = sv.create_work_order(d, title="Team job: inspect valves", urgency=3, impact=2)
    sv.assign(d, wo.number, team="Mechanical")
    numbers["team"] = wo.number
    clock.freeze(FROZEN - timedelta(hours=2))
    numbers["req_new"] = sv.submit_request(
        site.requester,
        requester="Rita",
        description="Light out in corridor B\nnear the stairs",
        urgency=3,
        impact=3,
    ).number
    numbers["req_dup"] = sv.submit_request(
        site.requester,
        requester="Sam",
        description="Pump 101 dripping again",
        urgency=2,
        impact=2,
        asset_tag="P-101",
    ).number
    clock.freeze(FROZEN)
    return numbers


@pytest.fixture
def board_site(site: Site) -> tuple[Site, dict[str, int]]:
    return site, seed_board(site)

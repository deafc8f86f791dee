"""Snapshots of the PM schedules and Reports screens at 80x24 and 120x40 (frozen
clock, fixed data).

Regenerate with ``pytest tests/screens/test_snapshots_pm_reports.py --snapshot-update``
and look at the SVGs before committing them.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.conftest import build_history
from tests.screens.conftest import AppFor
from tests.screens.test_board import settle
from wo_tui.app import make_app
from wo_tui.config import Settings
from wo_tui.domain import identity, pm

SIZES = [(80, 24), (120, 40)]


def _goto(key: str):  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)

    return before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pm_snapshot(site, app_for: AppFor, snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    d = site.dispatcher
    monthly = pm.create_schedule(
        d,
        pm.ScheduleInput(
            title="Grease pump bearings",
            asset_tag="P-101",
            team="Mechanical",
            instructions="EP2 grease, three strokes per bearing.",
            interval_value=1,
            interval_unit="month",
            starts_on=date(2026, 2, 2),
        ),
    )
    pm.create_schedule(
        d,
        pm.ScheduleInput(
            title="Air handler service",
            asset_tag="AHU-01",
            meter="running_hours",
            meter_every=500,
            interval_value=3,
            interval_unit="month",
            starts_on=date(2026, 6, 1),
        ),
    )
    pm.record_reading(site.tech, "AHU-01", "running_hours", 320)
    pm.run(d)  # Feb 2 (overdue) and Mar 2 (today) generated
    assert monthly.id is not None
    pm.skip_next(d, monthly.id, "Shutdown week")
    app = app_for(d)
    assert snap_compare(app, terminal_size=size, run_before=_goto("4"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reports_snapshot(store, snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    build_history(store)  # leaves the clock at 2026-04-10 12:00
    settings = Settings(refresh_seconds=0.2, pm_on_start=False)
    app = make_app(settings, store, identity.actor_for(store, "dana"))
    assert snap_compare(app, terminal_size=size, run_before=_goto("5"))

"""The Reports screen: choose a report by keys, set the period, see table, bars, formula."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import DataTable, Static

from tests.reports.conftest import build_history
from tests.screens.test_board import settle
from wo_tui.app import make_app
from wo_tui.config import Settings
from wo_tui.domain import identity
from wo_tui.errors import ValidationError
from wo_tui.screens.reports import ReportsScreen, bars, parse_period


async def test_pick_report_and_period(store) -> None:
    build_history(store)  # the reports fixture; leaves the clock at 2026-04-10 12:00
    settings = Settings(refresh_seconds=0.2, pm_on_start=False)
    app = make_app(settings, store, identity.actor_for(store, "dana"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ReportsScreen)
        assert screen.report is not None and screen.report.name == "backlog"
        table = screen.query_one("#report-table", DataTable)
        assert table.row_count == len(screen.report.rows) == 5
        # At 80x24 the formula is on screen whole, under the report, above the footer.
        formula = screen.query_one("#report-formula", Static)
        assert "Crew-weeks = backlog hours" in str(formula.render())
        assert formula.region.height >= 3 and formula.region.bottom <= 23
        assert table.region.height <= 24 * 0.4
        summary = str(screen.query_one("#report-summary", Static).render())
        assert "Mechanical: 2 h backlog = 0.01 crew-weeks" in summary
        # c scrolls to the chart and summary.
        await pilot.press("c")
        await settle(pilot)
        body = screen.query_one("#report-body")
        assert body.has_focus and body.scroll_y == body.max_scroll_y > 0
        # s: the site, from a list.
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # All sites, NORTH, SOUTH
        await settle(pilot)
        assert screen.report.period.site == "SOUTH" and table.row_count == 0
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.report.period.site is None
        screen.query_one("#reports-list").focus()
        # Down to "Maintenance cost" (the 7th) and open it.
        await pilot.press(*["down"] * 6, "enter")
        await settle(pilot)
        assert screen.report.name == "cost"
        await pilot.press("p")
        await settle(pilot)
        await pilot.press(*"2026-03-01..2026-03-31", "enter")
        await settle(pilot)
        assert screen.report.period.since.date() == date(2026, 3, 1)
        assert table.row_count == 3
        formula = str(screen.query_one("#report-formula", Static).render())
        assert "Labour cost = sum(minutes" in formula
        summary = str(screen.query_one("#report-summary", Static).render())
        assert "total cents: 516.50" in summary


def test_parse_period_and_bars() -> None:
    today = date(2026, 4, 10)
    assert parse_period("30", today) == (date(2026, 3, 12), today)
    assert parse_period("2026-03-01..2026-03-31", today) == (date(2026, 3, 1), date(2026, 3, 31))
    assert parse_period("2026-03-01..", today) == (date(2026, 3, 1), today)
    with pytest.raises(ValidationError):
        parse_period("March", today)
    grid = bars([("2026-01", 50.0), ("2026-02", 100.0)], "cost by month", width=10)
    assert grid.row_count == 2

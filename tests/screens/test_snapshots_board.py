"""Snapshots of the board, the queue and help at 80x24 and 120x40 (frozen clock, fixed data).

Regenerate with ``pytest tests/screens/test_snapshots_board.py --snapshot-update`` and
look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest

from tests.screens.conftest import AppFor
from tests.screens.test_board import settle

SIZES = [(80, 24), (120, 40)]


async def _ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.pause(0.3)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_board_snapshot(board_site, app_for: AppFor, snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    site, _ = board_site
    assert snap_compare(app_for(site.dispatcher), terminal_size=size, run_before=_ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_queue_snapshot(board_site, app_for: AppFor, snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    site, _ = board_site
    assert snap_compare(app_for(site.tech), terminal_size=size, run_before=_ready)


def test_board_marked_and_filtered_snapshot(board_site, app_for: AppFor, snap_compare) -> None:  # type: ignore[no-untyped-def]
    site, _ = board_site

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        await pilot.press("o")
        await _ready(pilot)
        await pilot.press("space")
        await _ready(pilot)

    assert snap_compare(app_for(site.dispatcher), terminal_size=(80, 24), run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_snapshot(board_site, app_for: AppFor, snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    """The board's help: every key, the ones that do not apply to the row dimmed with why."""
    site, _ = board_site

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        await pilot.press("question_mark")
        await _ready(pilot)

    assert snap_compare(app_for(site.dispatcher), terminal_size=size, run_before=before)

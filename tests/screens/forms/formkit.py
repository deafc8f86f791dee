"""Helpers shared by the forms tests (a plain module: the tests folder is not a package)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerCancelled

SIZE = (80, 24)
WIDE = (120, 40)


async def settle(pilot: Pilot[Any]) -> None:
    """Let database workers finish and their results reach the screen.

    A newer read cancels an older one of the same group (exclusive workers); that
    cancellation is expected here, not a failure."""
    for _ in range(3):
        await pilot.pause()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
    await pilot.pause()


def shown(app: Any, selector: str) -> str:
    """The plain text a Static on the current screen shows."""
    return str(app.screen.query_one(selector, Static).render())

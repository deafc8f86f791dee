"""The questions triage asks, the same wherever a dispatcher decides: on the board and
on a request's record. Each pushes its dialog and calls ``then`` with the answer
(never when escaped); the caller runs the service and says what was done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wo_tui.domain import lifecycle as lc
from wo_tui.widgets.pickers import (
    PriorityChoice,
    PriorityChooser,
    ReasonPrompt,
    WorkOrderPicker,
    ask,
)

DUPLICATE_STATUSES = (*lc.BOARD, lc.CLOSED)
"""What a request can duplicate: open or finished work (a cancelled job cannot be)."""


def ask_reject(screen: Any, label: str, then: Callable[[str], None]) -> None:
    ask(screen, ReasonPrompt(f"Reject {label}", "Reason for rejecting"), then)


def ask_duplicate_of(screen: Any, label: str, asset_tag: str, then: Callable[[int], None]) -> None:
    """The picker starts on the open work of the request's asset: the likely original."""
    picker = WorkOrderPicker(
        f"{label} duplicates which work order?",
        statuses=DUPLICATE_STATUSES,
        asset_tag=asset_tag,
    )
    ask(screen, picker, then)


def ask_priority(
    screen: Any, label: str, urgency: int, impact: int, then: Callable[[PriorityChoice], None]
) -> None:
    ask(screen, PriorityChooser(f"Urgency and impact of {label}", urgency, impact), then)

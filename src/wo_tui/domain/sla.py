"""Priority and service targets.

Urgency and impact are each 1 (high), 2 (medium) or 3 (low); priority is the
standard matrix ``urgency + impact - 1``: P1 (emergency) .. P5 (low). The SLA
clock starts when the request was made; ``due_at`` is that moment plus the
priority's resolution target, and a response is met when work starts within the
response target.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from wo_tui.config import SlaPolicy
from wo_tui.errors import ValidationError

LEVELS = {1: "high", 2: "medium", 3: "low"}
PRIORITY_LABELS = {1: "P1 emergency", 2: "P2 urgent", 3: "P3 high", 4: "P4 normal", 5: "P5 low"}


def check_level(name: str, value: int) -> int:
    if value not in LEVELS:
        raise ValidationError(f"{name} must be 1 (high), 2 (medium) or 3 (low), not {value}.")
    return value


def priority(urgency: int, impact: int) -> int:
    check_level("Urgency", urgency)
    check_level("Impact", impact)
    return urgency + impact - 1


def due_dates(requested_at: datetime, prio: int, policy: SlaPolicy) -> tuple[datetime, datetime]:
    """(response due, resolution due) for work requested at ``requested_at``."""
    return requested_at + policy.response(prio), requested_at + policy.resolution(prio)


def time_to_breach(due_at: datetime | None, now: datetime) -> timedelta | None:
    """Negative once overdue; what the board sorts by."""
    return None if due_at is None else due_at - now


def response_met(started_at: datetime | None, response_due_at: datetime | None) -> bool | None:
    if response_due_at is None or started_at is None:
        return None
    return started_at <= response_due_at


def resolution_met(completed_at: datetime | None, due_at: datetime | None) -> bool | None:
    if due_at is None or completed_at is None:
        return None
    return completed_at <= due_at


def format_span(delta: timedelta) -> str:
    """Compact ``2d 3h`` / ``45m`` for a board cell."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if days < 10 else f"{days}d"
    if hours:
        return f"{hours}h {mins:02d}m"
    return f"{mins}m"


def breach_label(due_at: datetime | None, now: datetime) -> str:
    ttb = time_to_breach(due_at, now)
    if ttb is None:
        return "-"
    if ttb.total_seconds() < 0:
        return f"{format_span(ttb)} late"
    return f"in {format_span(ttb)}"

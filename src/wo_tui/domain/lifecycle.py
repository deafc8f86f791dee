"""The work order lifecycle, written down once.

Screens grey out keys with ``allowed(action, status)``; services refuse with
``check(action, number, status)``. Nothing else decides what may happen next.
"""

from __future__ import annotations

from wo_tui.errors import InvalidTransition

# Work order statuses
OPEN = "open"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
ON_HOLD = "on_hold"
COMPLETED = "completed"
CLOSED = "closed"
CANCELLED = "cancelled"

STATUSES = (OPEN, ASSIGNED, IN_PROGRESS, ON_HOLD, COMPLETED, CLOSED, CANCELLED)
ACTIVE = (OPEN, ASSIGNED, IN_PROGRESS, ON_HOLD)
"""Work still to be done: these count towards overdue and the technician's load."""
BOARD = (*ACTIVE, COMPLETED)
"""What the dispatcher's board shows (completed work awaits review)."""
FINISHED = (COMPLETED, CLOSED, CANCELLED)

STATUS_LABELS = {
    OPEN: "open",
    ASSIGNED: "assigned",
    IN_PROGRESS: "in progress",
    ON_HOLD: "on hold",
    COMPLETED: "completed",
    CLOSED: "closed",
    CANCELLED: "cancelled",
}

# Request statuses
REQ_NEW = "new"
REQ_APPROVED = "approved"
REQ_REJECTED = "rejected"
REQ_DUPLICATE = "duplicate"
REQUEST_STATUSES = (REQ_NEW, REQ_APPROVED, REQ_REJECTED, REQ_DUPLICATE)

# Kinds
REACTIVE = "reactive"
CORRECTIVE = "corrective"
PREVENTIVE = "preventive"
FOLLOW_UP = "follow_up"
KINDS = (REACTIVE, CORRECTIVE, PREVENTIVE, FOLLOW_UP)

NOT_YET_DONE: dict[str, object] = {
    "assignee_id": None,
    "team_id": None,
    "started_at": None,
    "completed_at": None,
    "closed_at": None,
    "cancelled_at": None,
    "resolution": "",
    "cause_code": "",
    "remedy_code": "",
    "no_parts_used": False,
    "follow_up": "",
    "hold_reason": "",
    "cancel_reason": "",
    "send_back_reason": "",
}
"""A new work order's fields that only the lifecycle fills in (assignment, work,
closeout, the reasons): what the audit replay starts from, and what the demo's rows
start as."""
NEEDS_CAUSE = (REACTIVE, CORRECTIVE)
"""Kinds that repair a failure and so need cause and remedy codes at closeout."""

SOURCES = ("operator", "tenant", "inspection", "alert")
HOLD_REASONS = {
    "parts": "waiting parts",
    "access": "waiting access",
    "vendor": "waiting vendor",
    "other": "other",
}

# action -> (statuses it is allowed from, status it leads to; None = decided by the service)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "assign": ((OPEN, ASSIGNED, ON_HOLD), ASSIGNED),
    "start": ((ASSIGNED,), IN_PROGRESS),
    "hold": ((IN_PROGRESS,), ON_HOLD),
    "resume": ((ON_HOLD,), IN_PROGRESS),
    "complete": ((IN_PROGRESS,), COMPLETED),
    "send_back": ((COMPLETED,), IN_PROGRESS),
    "close": ((COMPLETED,), CLOSED),
    "cancel": (ACTIVE, CANCELLED),
    "reopen": ((CLOSED, CANCELLED), None),
    "set_priority": (ACTIVE, None),
    "add_note": ((*ACTIVE, COMPLETED), None),
    "log_labour": ((ASSIGNED, IN_PROGRESS, ON_HOLD, COMPLETED), None),
    "use_part": ((ASSIGNED, IN_PROGRESS, ON_HOLD, COMPLETED), None),
    "edit_closeout": ((IN_PROGRESS, ON_HOLD), None),
}

_HINTS: dict[tuple[str, str], str] = {
    (ON_HOLD, "complete"): "resume it before completing",
    (ASSIGNED, "complete"): "start it before completing",
    (OPEN, "complete"): "assign and start it before completing",
    (OPEN, "start"): "assign it before starting",
    (IN_PROGRESS, "start"): "it is already started",
    (ON_HOLD, "start"): "resume it instead",
    (COMPLETED, "start"): "it awaits review: send it back to reopen the work",
    (IN_PROGRESS, "assign"): "put it on hold before reassigning",
    (IN_PROGRESS, "close"): "it must be completed before it can be closed",
    (ASSIGNED, "close"): "it must be completed before it can be closed",
    (OPEN, "close"): "it must be completed before it can be closed",
    (ON_HOLD, "close"): "it must be completed before it can be closed",
    (COMPLETED, "cancel"): "completed work is closed or sent back, not cancelled",
    (COMPLETED, "hold"): "it awaits review",
}


def allowed(action: str, status: str) -> bool:
    sources, _ = TRANSITIONS[action]
    return status in sources


def target(action: str) -> str | None:
    return TRANSITIONS[action][1]


def check(action: str, label: str, status: str) -> None:
    """Refuse ``action`` on a work order in ``status`` with a sentence a dispatcher understands."""
    if allowed(action, status):
        return
    verb = action.replace("_", " ")
    if status == CLOSED:
        hint = "closed work is history: an admin can reopen it"
    elif status == CANCELLED:
        hint = "it was cancelled: an admin can reopen it"
    else:
        hint = _HINTS.get((status, action), f"cannot {verb} it now")
    raise InvalidTransition(f"{label} is {STATUS_LABELS[status]}: {hint}.")

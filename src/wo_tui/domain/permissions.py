"""Who may do what, enforced by the services (screens only ask, to grey out keys).

A technician works on work orders assigned to them, or to their team while no one
in particular holds them; a dispatcher triages, assigns, reviews, keeps the sites,
assets and parts catalogue, and may record work on anyone's behalf; only an admin
reopens closed work or manages users. An action's name is also the end of the
refusal ("alice is a technician and may not manage parts."), so it reads as a verb.
"""

from __future__ import annotations

from dataclasses import dataclass

from wo_tui.errors import PermissionDenied

REQUESTER = "requester"
TECHNICIAN = "technician"
DISPATCHER = "dispatcher"
ADMIN = "admin"
ROLES = (REQUESTER, TECHNICIAN, DISPATCHER, ADMIN)

WORK_VERBS = frozenset(
    {"start", "hold", "resume", "add_note", "log_labour", "use_part", "complete", "checklist"}
)
TRIAGE_VERBS = frozenset(
    {
        "approve_request",
        "reject_request",
        "mark_duplicate",
        "set_priority",
        "assign",
        "cancel",
        "close",
        "send_back",
        "create_work_order",
        "view_all_requests",
        "view_all_work",
        "manage_pm",
        "manage_sites",
        "manage_assets",
        "manage_parts",
        "view_users",
        "record_meter",
        "import",
    }
)

MATRIX: dict[str, frozenset[str]] = {
    REQUESTER: frozenset({"submit_request"}),
    TECHNICIAN: frozenset({"submit_request", "view_all_work", "record_meter"}) | WORK_VERBS,
    DISPATCHER: frozenset({"submit_request"}) | WORK_VERBS | TRIAGE_VERBS,
    ADMIN: frozenset({"submit_request", "reopen", "manage_users", "settings", "verify_audit"})
    | WORK_VERBS
    | TRIAGE_VERBS,
}

_ROLE_PHRASE = {
    REQUESTER: "a requester",
    TECHNICIAN: "a technician",
    DISPATCHER: "a dispatcher",
    ADMIN: "an admin",
}


@dataclass(frozen=True)
class Actor:
    """The person acting, resolved once from the OS account at start."""

    id: int
    login: str
    display_name: str
    role: str
    team_id: int | None = None


def may(actor: Actor, action: str) -> bool:
    return action in MATRIX.get(actor.role, frozenset())


def require(actor: Actor, action: str, what: str = "") -> None:
    if not may(actor, action):
        verb = action.replace("_", " ")
        target = f" {what}" if what else ""
        raise PermissionDenied(
            f"{actor.login} is {_ROLE_PHRASE.get(actor.role, actor.role)} and may not {verb}{target}."
        )


def may_work_on(actor: Actor, assignee_id: int | None, team_id: int | None) -> bool:
    """Technicians only touch their own work, or their team's while unclaimed."""
    if actor.role in (DISPATCHER, ADMIN):
        return True
    if actor.role != TECHNICIAN:
        return False
    if assignee_id is not None:
        return assignee_id == actor.id
    return team_id is not None and team_id == actor.team_id


def require_work(
    actor: Actor, action: str, label: str, assignee_id: int | None, team_id: int | None
) -> None:
    require(actor, action, label)
    if not may_work_on(actor, assignee_id, team_id):
        raise PermissionDenied(
            f"{label} is not assigned to {actor.login} or their team: ask a dispatcher to assign it."
        )

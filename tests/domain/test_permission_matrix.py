"""Who may do what: each role against each verb, enforced by the services.

A refusal is one sentence naming the person, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from wo_factory import audit_count, each, good_closeout, load, make_wo

from wo_tui.domain import admin
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain import services as sv
from wo_tui.errors import PermissionDenied


@dataclass
class Target:
    wo: int
    req: int | None = None


VERBS: dict[str, tuple[str | None, Callable[[sv.Ctx, Target], Any]]] = {
    "submit_request": (
        None,
        lambda ctx, t: sv.submit_request(
            ctx, requester="Rita", description="Door sticks", urgency=2, impact=2
        ),
    ),
    "approve_request": ("req", lambda ctx, t: sv.approve_request(ctx, t.req)),
    "reject_request": ("req", lambda ctx, t: sv.reject_request(ctx, t.req, "Not ours.")),
    "mark_duplicate": ("req", lambda ctx, t: sv.mark_duplicate(ctx, t.req, t.wo)),
    "set_request_priority": ("req", lambda ctx, t: sv.set_request_priority(ctx, t.req, 1, 1)),
    "create_work_order": (None, lambda ctx, t: sv.create_work_order(ctx, title="Lamp out")),
    "set_priority": (lc.OPEN, lambda ctx, t: sv.set_priority(ctx, t.wo, 1, 1)),
    "assign": (lc.OPEN, lambda ctx, t: sv.assign(ctx, t.wo, assignee="bob")),
    "start": (lc.ASSIGNED, lambda ctx, t: sv.start(ctx, t.wo)),
    "hold": (lc.IN_PROGRESS, lambda ctx, t: sv.hold(ctx, t.wo, "parts")),
    "resume": (lc.ON_HOLD, lambda ctx, t: sv.resume(ctx, t.wo)),
    "add_note": (lc.IN_PROGRESS, lambda ctx, t: sv.add_note(ctx, t.wo, "Checked.")),
    "log_labour": (lc.IN_PROGRESS, lambda ctx, t: sv.log_labour(ctx, t.wo, 30)),
    "use_part": (lc.IN_PROGRESS, lambda ctx, t: sv.use_part(ctx, t.wo, "BRG-6204", 1)),
    "complete": (
        lc.IN_PROGRESS,
        lambda ctx, t: sv.complete(ctx, t.wo, good_closeout(labour=[sv.LabourInput(30)])),
    ),
    "send_back": (lc.COMPLETED, lambda ctx, t: sv.send_back(ctx, t.wo, "No photo.")),
    "close": (lc.COMPLETED, lambda ctx, t: sv.close(ctx, t.wo)),
    "cancel": (lc.OPEN, lambda ctx, t: sv.cancel(ctx, t.wo, "Not needed.")),
    "reopen": (lc.CLOSED, lambda ctx, t: sv.reopen(ctx, t.wo, "It failed again.")),
}
WORK = {"start", "hold", "resume", "add_note", "log_labour", "use_part", "complete"}
ALLOWED = {
    perm.REQUESTER: {"submit_request"},
    perm.TECHNICIAN: {"submit_request"} | WORK,
    perm.DISPATCHER: set(VERBS) - {"reopen"},
    perm.ADMIN: set(VERBS),
}
ROLE_CTX = {
    perm.REQUESTER: "requester",
    perm.TECHNICIAN: "tech",
    perm.DISPATCHER: "dispatcher",
    perm.ADMIN: "admin",
}


def _target(site, verb: str, **assignment: Any) -> Target:
    setup, _call = VERBS[verb]
    if setup is None:
        return Target(0)
    if setup == "req":
        wo = make_wo(site, lc.OPEN)
        req = sv.submit_request(
            site.requester, requester="Rita", description="Leak", urgency=2, impact=2
        )
        return Target(wo, req.number)
    return Target(make_wo(site, setup, **assignment))


def _refused(site, ctx: sv.Ctx, verb: str, target: Target) -> str:
    before = load(site.store, target.wo).model_dump() if target.wo else None
    events = audit_count(site.store)
    with pytest.raises(PermissionDenied) as err:
        VERBS[verb][1](ctx, target)
    assert audit_count(site.store) == events
    if before is not None:
        assert load(site.store, target.wo).model_dump() == before
    message = str(err.value)
    assert "\n" not in message and message.endswith(".")
    assert message.startswith(ctx.actor.login) or message.startswith("WO-")
    return message


def _check_role(site, role: str, verb: str) -> None:
    ctx = getattr(site, ROLE_CTX[role])
    target = _target(site, verb)
    if verb in ALLOWED[role]:
        VERBS[verb][1](ctx, target)
        return
    message = _refused(site, ctx, verb, target)
    article = "an" if role == perm.ADMIN else "a"
    assert message.startswith(f"{ctx.actor.login} is {article} {role} and may not ")


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_every_role_against_the_verb(site, verb: str) -> None:
    """The technician acts on work assigned to them (alice); the others on the same work."""
    each(perm.ROLES, lambda role: _check_role(site, role, verb))


def test_technician_may_not_touch_a_teammates_work(site) -> None:
    def check(verb: str) -> None:
        target = _target(site, verb, assignee="bob")
        message = _refused(site, site.tech, verb, target)
        assert message == (
            f"WO-{target.wo:06d} is not assigned to alice or their team: "
            "ask a dispatcher to assign it."
        )

    each(sorted(WORK), check)


def test_technician_may_not_touch_another_teams_work(site) -> None:
    each(
        sorted(WORK),
        lambda verb: _refused(site, site.tech, verb, _target(site, verb, assignee="erin")),
    )


def test_technician_may_take_unclaimed_team_work(site) -> None:
    def check(verb: str) -> None:
        n = make_wo(site, lc.ASSIGNED, assignee=None, team="Mechanical")
        VERBS[verb][1](site.tech, Target(n))
        _refused(site, site.other_team_tech, verb, Target(n))

    each(["start", "add_note", "log_labour", "use_part"], check)


def test_starting_unclaimed_team_work_claims_it(site) -> None:
    n = make_wo(site, lc.ASSIGNED, assignee=None, team="Mechanical")
    sv.start(site.tech2, n)
    wo = load(site.store, n)
    assert wo.assignee_id == site.tech2.actor.id
    _refused(site, site.tech, "hold", Target(n))


def test_technician_may_not_touch_unassigned_work(site) -> None:
    n = make_wo(site, lc.OPEN)
    _refused(site, site.tech, "add_note", Target(n))


def test_dispatcher_works_on_anyones_behalf(site) -> None:
    n = make_wo(site, lc.IN_PROGRESS, assignee="erin")
    entry = sv.log_labour(site.dispatcher, n, 45, login="erin")
    assert entry.user_id == site.other_team_tech.actor.id
    assert entry.rate_cents == 5000
    assert entry.created_by_id == site.dispatcher.actor.id


def test_technician_may_not_log_time_for_someone_else(site) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    events = audit_count(site.store)
    with pytest.raises(PermissionDenied, match=r"^alice is a technician and may not assign time"):
        sv.log_labour(site.tech, n, 45, login="bob")
    assert audit_count(site.store) == events


def test_requester_may_not_be_assigned_work(site) -> None:
    n = make_wo(site, lc.OPEN)
    with pytest.raises(Exception, match="rita is a requester and cannot be assigned work"):
        sv.assign(site.dispatcher, n, assignee="rita")


def test_admin_only_actions() -> None:
    for role in perm.ROLES:
        actor = perm.Actor(1, "x", "X", role)
        for action in ("manage_users", "settings", "reopen", "verify_audit"):
            assert perm.may(actor, action) == (role == perm.ADMIN), (role, action)


def test_admin_manages_users_and_others_may_not(site) -> None:
    admin.add_user(site.admin, "zed", "technician", team="Electrical")
    for ctx in (site.dispatcher, site.tech, site.requester):
        with pytest.raises(PermissionDenied, match=r"may not manage users\.$"):
            admin.add_user(ctx, "yan", "admin")

"""Every service leaves one audit row naming who, when, what, and each changed
field's old and new value, written in the same transaction as the change."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import SQLModel, col, select
from wo_factory import changes_of, each, good_closeout, last_audit, load, make_wo

from wo_tui.domain import admin
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.store.models import (
    AuditEvent,
    LabourEntry,
    Part,
    PartUsage,
    Team,
    User,
    WorkOrder,
    WorkRequest,
)

BOOKKEEPING = {"version", "updated_at", "updated_by_id"}


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(store, model: type[SQLModel], **where: Any) -> dict[str, Any]:
    with store.read() as s:
        stmt = select(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return {k: _json(v) for k, v in s.exec(stmt).one().model_dump().items()}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        k: [before[k], after[k]] for k in after if k not in BOOKKEEPING and before[k] != after[k]
    }


def _events_since(store, last_id: int) -> list[AuditEvent]:
    with store.read() as s:
        return list(
            s.exec(
                select(AuditEvent).where(AuditEvent.id > last_id).order_by(col(AuditEvent.id))
            ).all()
        )


def _last_id(store) -> int:
    with store.read() as s:
        row = s.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
        return row.id if row else 0


WO_VERBS: dict[str, tuple[str, Callable[[Any, int], Any]]] = {
    "set_priority": (lc.OPEN, lambda site, n: sv.set_priority(site.dispatcher, n, 1, 3)),
    "assign": (lc.OPEN, lambda site, n: sv.assign(site.dispatcher, n, assignee="bob")),
    "start": (lc.ASSIGNED, lambda site, n: sv.start(site.tech, n)),
    "hold": (lc.IN_PROGRESS, lambda site, n: sv.hold(site.tech, n, "vendor", "Pump OEM")),
    "resume": (lc.ON_HOLD, lambda site, n: sv.resume(site.tech, n)),
    "complete": (
        lc.IN_PROGRESS,
        lambda site, n: sv.complete(site.tech, n, good_closeout(labour=[sv.LabourInput(30)])),
    ),
    "send_back": (lc.COMPLETED, lambda site, n: sv.send_back(site.dispatcher, n, "No photo.")),
    "close": (lc.COMPLETED, lambda site, n: sv.close(site.dispatcher, n)),
    "cancel": (lc.OPEN, lambda site, n: sv.cancel(site.dispatcher, n, "Duplicate.")),
    "reopen": (lc.CLOSED, lambda site, n: sv.reopen(site.admin, n, "Leak is back.")),
}


def test_work_order_verbs_audit_every_changed_field(site, frozen_clock) -> None:
    each(sorted(WO_VERBS), lambda verb: _check_wo_verb(site, frozen_clock, verb))


def _check_wo_verb(site, frozen_clock, verb: str) -> None:
    status, call = WO_VERBS[verb]
    n = make_wo(site, status)
    before = _row(site.store, WorkOrder, number=n)
    last = _last_id(site.store)
    call(site, n)
    after = _row(site.store, WorkOrder, number=n)
    events = [e for e in _events_since(site.store, last) if e.action == verb]
    assert len(events) == 1
    event = events[0]
    assert (event.entity, event.entity_id, event.work_order_id) == (
        "work_order",
        after["id"],
        after["id"],
    )
    assert event.at == frozen_clock
    assert event.actor_id == after["updated_by_id"]
    expected = _diff(before, after)
    if verb == "reopen":
        expected["reason"] = [None, "Leak is back."]
    assert changes_of(event) == expected
    if after["status"] != before["status"]:
        assert changes_of(event)["status"] == [before["status"], after["status"]]
    assert after["version"] == before["version"] + 1


ENTRY_VERBS: dict[str, tuple[Callable[[Any, int], Any], str]] = {
    "add_note": (lambda site, n: sv.add_note(site.tech, n, "Checked it"), "note"),
    "log_labour": (lambda site, n: sv.log_labour(site.tech, n, 40), "labour_entry"),
    "use_part": (lambda site, n: sv.use_part(site.tech, n, "SEAL-25", 1), "part_usage"),
}


def test_entry_verbs_audit_what_was_added(site, frozen_clock) -> None:
    each(sorted(ENTRY_VERBS), lambda verb: _check_entry_verb(site, frozen_clock, verb))


def _check_entry_verb(site, frozen_clock, verb: str) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    last = _last_id(site.store)
    call, key = ENTRY_VERBS[verb]
    row = call(site, n)
    [event] = _events_since(site.store, last)
    assert event.action == verb and event.actor_id == site.tech.actor.id
    assert event.at == frozen_clock
    assert changes_of(event)[key] == [None, row.id]


def test_labour_and_part_audits_record_the_entry(site, frozen_clock) -> None:
    """Who worked, when, how long and at what rate; which part, how many, at what cost:
    enough for the replay to notice any of them edited later."""
    n = make_wo(site, lc.IN_PROGRESS)
    entry = sv.log_labour(site.dispatcher, n, 75, login="bob")
    usage = sv.use_part(site.tech, n, "BRG-6204", 2)
    *_, labour, part = _events_since(site.store, 0)
    day = frozen_clock.astimezone().date().isoformat()
    assert changes_of(labour) == {
        "labour_entry": [None, entry.id],
        "user_id": [None, site.tech2.actor.id],
        "work_date": [None, day],
        "minutes": [None, 75],
        "rate_cents": [None, 4000],
    }
    assert labour.actor_id == site.dispatcher.actor.id
    assert changes_of(part) == {
        "part_usage": [None, usage.id],
        "part_id": [None, usage.part_id],
        "quantity": [None, 2],
        "unit_cost_cents": [None, 1250],
    }


def test_a_note_audit_keeps_its_digest(site) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    note = sv.add_note(site.tech, n, "Coupling checked")
    [event] = _events_since(site.store, _last_id(site.store) - 1)
    assert changes_of(event) == {
        "note": [None, note.id],
        "body_sha256": [None, sv.note_digest("Coupling checked")],
    }


REMOVALS = [
    (LabourEntry, sv.remove_labour, lambda site, n: sv.log_labour(site.tech, n, 10)),
    (PartUsage, sv.remove_part_usage, lambda site, n: sv.use_part(site.tech, n, "SEAL-25", 1)),
]


def test_removing_an_entry_is_audited(site) -> None:
    def check(case: tuple[Any, Any, Any]) -> None:
        model, remove, add = case
        n = make_wo(site, lc.IN_PROGRESS)
        row = add(site, n)
        last = _last_id(site.store)
        added = changes_of(_events_since(site.store, last - 1)[0])
        remove(site.tech, n, row.id)
        [event] = _events_since(site.store, last)
        assert event.action.startswith("remove_")
        assert changes_of(event) == {k: [new, old] for k, (old, new) in added.items()}
        with site.store.read() as s:
            assert s.get(model, row.id) is None

    each(REMOVALS, check)


def test_submit_request_is_audited(site, frozen_clock) -> None:
    last = _last_id(site.store)
    req = sv.submit_request(
        site.requester, requester="Rita", description="Door sticks", urgency=2, impact=3
    )
    [event] = _events_since(site.store, last)
    assert (event.entity, event.entity_id, event.action) == ("work_request", req.id, "submit")
    assert event.actor_id == site.requester.actor.id
    row = _row(site.store, WorkRequest, id=req.id)
    assert changes_of(event) == {k: [None, v] for k, v in row.items() if k != "id"}


REQUEST_VERBS: dict[str, Callable[[Any, int, int], Any]] = {
    "approve": lambda site, r, wo: sv.approve_request(site.dispatcher, r),
    "reject": lambda site, r, wo: sv.reject_request(site.dispatcher, r, "Not ours."),
    "duplicate": lambda site, r, wo: sv.mark_duplicate(site.dispatcher, r, wo),
    "set_priority": lambda site, r, wo: sv.set_request_priority(site.dispatcher, r, 1, 1),
}


def test_request_verbs_audit_every_changed_field(site, frozen_clock) -> None:
    each(sorted(REQUEST_VERBS), lambda verb: _check_request_verb(site, verb))


def _check_request_verb(site, verb: str) -> None:
    wo = make_wo(site, lc.OPEN)
    req = sv.submit_request(
        site.requester, requester="Rita", description="Door sticks", urgency=3, impact=3
    ).number
    before = _row(site.store, WorkRequest, number=req)
    last = _last_id(site.store)
    REQUEST_VERBS[verb](site, req, wo)
    after = _row(site.store, WorkRequest, number=req)
    [event] = [e for e in _events_since(site.store, last) if e.entity == "work_request"]
    assert event.action == verb and event.entity_id == after["id"]
    assert event.actor_id == site.dispatcher.actor.id
    assert changes_of(event) == _diff(before, after)


def test_approval_also_audits_the_new_work_order(site) -> None:
    req = sv.submit_request(
        site.requester, requester="Rita", description="Leak", urgency=1, impact=1
    )
    last = _last_id(site.store)
    wo = sv.approve_request(site.dispatcher, req.number)
    create = [e for e in _events_since(site.store, last) if e.action == "create"]
    assert len(create) == 1 and create[0].entity_id == wo.id
    changes = changes_of(create[0])
    assert changes["number"] == [None, wo.number]
    assert changes["status"] == [None, lc.OPEN]
    assert changes["due_at"] == [None, wo.due_at.isoformat()]


def test_create_work_order_audits_every_field(site) -> None:
    """requested_at drives the SLA, so it is in the snapshot like everything else."""
    last = _last_id(site.store)
    wo = sv.create_work_order(
        site.dispatcher,
        title="Lamp out",
        description="Bay 3",
        asset_tag="P-101",
        estimated_minutes=30,
    )
    [event] = _events_since(site.store, last)
    assert (event.action, event.entity_id, event.work_order_id) == ("create", wo.id, wo.id)
    row = _row(site.store, WorkOrder, id=wo.id)
    assert changes_of(event) == {
        k: [None, v] for k, v in row.items() if k not in BOOKKEEPING | {"id"}
    }
    for name in ("requested_at", "response_due_at", "approved_at", "site_id", "requester"):
        assert changes_of(event)[name][1] not in (None, ""), name


def test_audit_rolls_back_with_a_refused_change(site) -> None:
    """The audit row and the change share one transaction: a refusal leaves neither."""
    n = make_wo(site, lc.IN_PROGRESS)
    last = _last_id(site.store)
    with pytest.raises(Exception, match="no part"):
        sv.complete(
            site.tech,
            n,
            good_closeout(
                no_parts_used=False, labour=[sv.LabourInput(5)], parts=[sv.PartInput("X", 1)]
            ),
        )
    assert _events_since(site.store, last) == []


# ---------------------------------------------------------------- admin


def _admin_case(site, entity: str, model: type[SQLModel], key: dict[str, Any], call) -> None:
    before = _row(site.store, model, **key)
    last = _last_id(site.store)
    call()
    after = _row(site.store, model, **key)
    [event] = _events_since(site.store, last)
    assert (event.entity, event.entity_id) == (entity, after["id"])
    assert event.actor_id == site.admin.actor.id
    changes = changes_of(event)
    for name, (old, new) in _diff(before, after).items():
        assert [old, new] in changes.values() or changes.get(name) == [old, new], (name, changes)


def test_user_update_audits_old_and_new(site) -> None:
    _admin_case(
        site,
        "user",
        User,
        {"login": "alice"},
        lambda: admin.add_user(
            site.admin,
            "alice",
            "dispatcher",
            display_name="Alice Lead",
            team="Electrical",
            rate_cents=4700,
        ),
    )


def test_part_update_audits_old_and_new(site) -> None:
    _admin_case(
        site,
        "part",
        Part,
        {"number": "BRG-6204"},
        lambda: admin.add_part(site.admin, "BRG-6204", "Bearing 6204-2RS", 1300, unit="pc"),
    )


def test_team_update_audits_old_and_new(site) -> None:
    _admin_case(
        site,
        "team",
        Team,
        {"name": "Mechanical"},
        lambda: admin.add_team(site.admin, "Mechanical", 60),
    )


def test_deactivate_user_is_audited(site) -> None:
    _admin_case(
        site, "user", User, {"login": "bob"}, lambda: admin.deactivate_user(site.admin, "bob")
    )


CREATIONS = [
    ("user", lambda site: admin.add_user(site.admin, "zed", "technician", team="Mechanical")),
    ("team", lambda site: admin.add_team(site.admin, "Civil", 100)),
    ("site", lambda site: admin.add_site(site.admin, "SOUTH", "South Plant")),
    ("location", lambda site: admin.add_location(site.admin, "NORTH", "Building B")),
    ("asset", lambda site: admin.add_asset(site.admin, "C-1", "Conveyor 1")),
    ("part", lambda site: admin.add_part(site.admin, "OIL-1", "Gear oil", 900)),
]


def test_admin_creations_are_audited(site) -> None:
    def check(case: tuple[str, Any]) -> None:
        entity, call = case
        last = _last_id(site.store)
        row = call(site)
        [event] = _events_since(site.store, last)
        assert (event.entity, event.entity_id, event.actor_id) == (
            entity,
            row.id,
            site.admin.actor.id,
        )
        changes = changes_of(event)
        assert changes and all(old is None for old, _new in changes.values())

    each(CREATIONS, check)


def test_bootstrap_admin_is_audited(store) -> None:
    user = admin.bootstrap_admin(store, "root", "Root")
    with store.read() as s:
        [event] = s.exec(select(AuditEvent)).all()
    assert (event.entity, event.entity_id, event.actor_id, event.action) == (
        "user",
        user.id,
        user.id,
        "bootstrap",
    )
    assert json.loads(event.changes) == {
        "login": [None, "root"],
        "display_name": [None, "Root"],
        "role": [None, "admin"],
        "team_id": [None, None],
        "hourly_rate_cents": [None, 0],
        "active": [None, True],
    }


def test_names_are_matched_after_cleaning(site) -> None:
    """ " alice" and "Mechanical " are the existing user and team, not new ones."""
    last = _last_id(site.store)
    admin.add_user(site.admin, " alice ", "technician", team="Mechanical ", rate_cents=4600)
    admin.add_team(site.admin, " Electrical", 60)
    user_event, team_event = _events_since(site.store, last)
    assert user_event.action == "update"
    assert changes_of(user_event) == {"hourly_rate_cents": [4500, 4600]}
    assert (team_event.entity, changes_of(team_event)) == (
        "team",
        {"weekly_capacity_minutes": [3 * 38 * 60, 60]},
    )


def test_reopen_keeps_its_reason_in_its_event(site) -> None:
    """Not in send_back_reason: the work order was not sent back."""
    n = make_wo(site, lc.CLOSED)
    sv.reopen(site.admin, n, "Leak is back.")
    wo = load(site.store, n)
    assert wo.send_back_reason == "" and wo.status == lc.ASSIGNED
    event = last_audit(site.store)
    assert event.action == "reopen" and changes_of(event)["reason"] == [None, "Leak is back."]

"""Work orders in a chosen state, reached only through the services.

Tests of refusals need work in every status; building it through the verbs (not by
writing rows) means the factory itself exercises the lifecycle it sets up.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlmodel import col, func, select

from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.store.db import Store
from wo_tui.store.models import AuditEvent, WorkOrder

T = TypeVar("T")


def good_closeout(**overrides: Any) -> sv.Closeout:
    values: dict[str, Any] = {
        "resolution": "Replaced the worn seal and tested for leaks.",
        "cause_code": "WEAR",
        "remedy_code": "REPL",
        "no_parts_used": True,
        "follow_up": False,
    }
    values.update(overrides)
    return sv.Closeout(**values)


def make_wo(
    site: Any,
    status: str = lc.OPEN,
    *,
    assignee: str | None = "alice",
    team: str | None = None,
    kind: str = lc.CORRECTIVE,
    asset_tag: str | None = "P-101",
) -> int:
    """A work order in ``status``; returns its number. Work is done by the admin so
    the factory never trips over the permission rules under test."""
    wo = sv.create_work_order(
        site.dispatcher,
        title="Pump noisy",
        description="Bearing noise on the drive end.",
        kind=kind,
        asset_tag=asset_tag,
    )
    n = wo.number
    if status == lc.OPEN:
        return n
    if status == lc.CANCELLED:
        sv.cancel(site.dispatcher, n, "Raised twice by mistake.")
        return n
    sv.assign(site.dispatcher, n, assignee=assignee, team=team)
    if status == lc.ASSIGNED:
        return n
    sv.start(site.admin, n)
    if status == lc.IN_PROGRESS:
        return n
    if status == lc.ON_HOLD:
        sv.hold(site.admin, n, "parts")
        return n
    sv.log_labour(site.admin, n, 30)
    sv.complete(site.admin, n, good_closeout())
    if status == lc.COMPLETED:
        return n
    sv.close(site.dispatcher, n)
    assert status == lc.CLOSED
    return n


def load(store: Store, number: int) -> WorkOrder:
    with store.read() as s:
        return s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()


def audit_count(store: Store) -> int:
    with store.read() as s:
        return int(s.exec(select(func.count()).select_from(AuditEvent)).one())


def last_audit(store: Store) -> AuditEvent:
    with store.read() as s:
        return s.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()


def changes_of(event: AuditEvent) -> dict[str, list[Any]]:
    return json.loads(event.changes)


def each(cases: Iterable[T], check: Callable[[T], None]) -> None:
    """Run ``check`` for every case against one site, naming the case that fails.

    Table-driven tests loop inside one test rather than parametrize: every test gets
    a database of its own, which on PostgreSQL costs far more than the cases do.
    """
    for case in cases:
        try:
            check(case)
        except Exception as exc:
            raise AssertionError(f"case {case!r}: {type(exc).__name__}: {exc}") from exc

"""Checking that the audit trail explains every work order.

Every service writes a work order's change and its ``AuditEvent`` in one
transaction: ``create`` (and ``import``) events carry ``[null, value]`` snapshots,
later events ``[old, new]``. Replaying them in order must therefore give the row
as it is now. A field that differs was changed behind the app's back (another
tool, a raw ``UPDATE``), and an event whose ``old`` differs from the replay so
far means the trail itself was edited or lost a row.

Work orders are checked in pages, so a large database costs memory for one page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from wo_tui.domain.refs import wo_label
from wo_tui.store.db import Store
from wo_tui.store.models import AuditEvent, WorkOrder
from wo_tui.store.types import UTCDateTime

PAGE = 500
SNAPSHOT_ACTIONS = ("create", "import")

_COLUMNS = {c.name: c for c in WorkOrder.__table__.columns}  # type: ignore[attr-defined]
_DATETIMES = {name for name, c in _COLUMNS.items() if isinstance(c.type, UTCDateTime)}
_UNAUDITED = {"id", "version", "updated_at", "updated_by_id"}
"""Bookkeeping columns that change with every write and are not in the events."""

FRESH: dict[str, Any] = {
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
"""What ``create`` leaves unset: any later value must come from an event. An
``import`` may bring finished work, so its rows start from its snapshot alone."""


@dataclass(frozen=True)
class Mismatch:
    """One field the trail does not explain."""

    work_order: str
    field: str
    expected: Any
    actual: Any
    problem: str

    def sentence(self) -> str:
        """One line; values are ``repr``-quoted, so control characters in data show escaped."""
        return (
            f"{self.work_order} {self.field}: {self.problem} "
            f"(audit says {_short(self.expected)}, found {_short(self.actual)})."
        )


@dataclass
class AuditReport:
    work_orders: int = 0
    events: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _short(value: Any, width: int = 60) -> str:
    shown = repr(value)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _canon(name: str, value: Any) -> Any:
    """One representation per value, so JSON text and column values compare equal."""
    if value is None:
        return None
    if name in _DATETIMES:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _show(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _replay(label: str, events: list[AuditEvent], report: AuditReport) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if events and events[0].action == "create":
        state.update(FRESH)
    for event in events:
        try:
            changes = json.loads(event.changes or "{}")
        except ValueError:
            report.mismatches.append(
                Mismatch(label, "-", "JSON", event.changes[:40], f"event #{event.id} is unreadable")
            )
            continue
        if not isinstance(changes, dict):
            continue
        for name, pair in changes.items():
            if name not in _COLUMNS or name in _UNAUDITED:
                continue
            if not isinstance(pair, list) or len(pair) != 2:
                continue
            old, new = _canon(name, pair[0]), _canon(name, pair[1])
            if event.action not in SNAPSHOT_ACTIONS and name in state and state[name] != old:
                report.mismatches.append(
                    Mismatch(
                        label,
                        name,
                        _show(state[name]),
                        _show(old),
                        f"event #{event.id} ({event.action}) starts from a value the "
                        "trail never recorded",
                    )
                )
            state[name] = new
    return state


def _pages(s: Session) -> Iterator[list[WorkOrder]]:
    last = 0
    while True:
        rows = list(
            s.exec(
                select(WorkOrder)
                .where(col(WorkOrder.id) > last)
                .order_by(col(WorkOrder.id))
                .limit(PAGE)
            )
        )
        if not rows:
            return
        yield rows
        last = rows[-1].id or last


def verify(store: Store) -> AuditReport:
    """Replay every work order's events and compare the result with its row."""
    report = AuditReport()
    with store.read() as s:
        for rows in _pages(s):
            ids = [wo.id for wo in rows]
            events: dict[int, list[AuditEvent]] = {}
            for event in s.exec(
                select(AuditEvent)
                .where(AuditEvent.entity == "work_order", col(AuditEvent.entity_id).in_(ids))
                .order_by(col(AuditEvent.id))
            ):
                events.setdefault(event.entity_id, []).append(event)
            for wo in rows:
                assert wo.id is not None
                label = wo_label(wo.number)
                mine = events.get(wo.id, [])
                report.work_orders += 1
                report.events += len(mine)
                if not mine or mine[0].action not in SNAPSHOT_ACTIONS:
                    report.mismatches.append(
                        Mismatch(
                            label,
                            "-",
                            "create",
                            mine[0].action if mine else None,
                            "has no creation event",
                        )
                    )
                state = _replay(label, mine, report)
                for name, expected in state.items():
                    actual = _canon(name, getattr(wo, name))
                    if actual != expected:
                        report.mismatches.append(
                            Mismatch(
                                label,
                                name,
                                _show(expected),
                                _show(actual),
                                "the row differs from the replay of its events",
                            )
                        )
        known = select(WorkOrder.id)
        for entity_id, count in s.exec(
            select(AuditEvent.entity_id, func.count())
            .where(AuditEvent.entity == "work_order", col(AuditEvent.entity_id).not_in(known))
            .group_by(col(AuditEvent.entity_id))
        ):
            report.events += count
            report.mismatches.append(
                Mismatch(
                    f"work order #{entity_id}",
                    "-",
                    f"{count} events",
                    None,
                    "has audit events but no row: it was deleted",
                )
            )
    return report

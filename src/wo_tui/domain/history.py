"""Asset history and the reliability numbers it shares with the reports.

Definitions (the reports print the same ones as their formulas):

- labour cost = sum(minutes x rate at the time / 60), parts cost = sum(quantity x
  unit cost at the time); money is integer cents, rounded once at the end;
- a **failure** is a corrective or reactive work order that was completed
  (status completed or closed), dated by its completion;
- **MTTR** (repair) = mean hours from start of work to completion over failures;
  **MTTR request-to-close** = mean hours from request to close over closed failures;
- **MTBF** = operating hours / failures, where operating hours = hours of the period
  that have happened (it ends at the earlier of its end and now) less the repair hours
  of those failures that fall inside it; **availability** = MTBF / (MTBF + MTTR).

Everything is computed by SQL aggregates, so an asset with years of work costs a
few indexed lookups, not a walk over its rows in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, case, cast, func, literal, literal_column
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.operators import custom_op
from sqlmodel import Session, col, select

from wo_tui import clock
from wo_tui.domain import lifecycle as lc
from wo_tui.domain.services import _asset_by_tag
from wo_tui.store.db import Store
from wo_tui.store.models import Asset, LabourEntry, PartUsage, WorkOrder
from wo_tui.store.types import UTCDateTime

DONE = (lc.COMPLETED, lc.CLOSED)
FAILURE_KINDS = lc.NEEDS_CAUSE

# ---------------------------------------------------------------- SQL helpers shared with reports


def hours_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    """Hours from ``start`` to ``end`` as a SQL expression (SQLite stores text times)."""
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24.0
    return func.extract("epoch", end - start) / 3600.0


def month_of(dialect: str, column: Any, *, is_date: bool = False) -> ColumnElement[str]:
    """``YYYY-MM`` (UTC) of a timestamp (or, with ``is_date``, a date) column.

    The format is literal SQL, not a parameter: PostgreSQL only accepts the
    expression in GROUP BY when it is textually the one selected."""
    if dialect == "sqlite":
        return func.strftime(literal_column("'%Y-%m'"), column)
    value = column if is_date else func.timezone(literal_column("'UTC'"), column)
    return func.to_char(value, literal_column("'YYYY-MM'"))


def scan(dialect: str, column: Any) -> Any:
    """``column`` for a period-wide filter or grouping.

    On SQLite it is wrapped in a no-op unary plus so the planner cannot use an index
    for it: for a filter that keeps most rows (status completed or closed, a year of
    dates) walking the index and fetching rows in random order measured 8 s at a
    million work orders, the plain table scan 1 s."""
    if dialect != "sqlite":
        return column
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def labour_cents_expr() -> ColumnElement[float]:
    return cast(LabourEntry.minutes, Float) * LabourEntry.rate_cents / 60.0


def parts_cents_expr() -> ColumnElement[float]:
    return cast(PartUsage.quantity, Float) * PartUsage.unit_cost_cents


def is_failure(dialect: str = "", *, scanning: bool = False) -> ColumnElement[bool]:
    """A completed corrective or reactive work order (``scanning``: see ``scan``)."""
    status = scan(dialect, WorkOrder.status) if scanning else col(WorkOrder.status)
    return col(WorkOrder.kind).in_(FAILURE_KINDS) & status.in_(DONE)


def cents(value: float | None) -> int:
    return round(value or 0)


def hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# ---------------------------------------------------------------- reliability


@dataclass(frozen=True)
class Reliability:
    asset_id: int | None
    tag: str
    name: str
    failures: int
    mttr_hours: float | None
    mttr_close_hours: float | None
    downtime_hours: float
    operating_hours: float
    period_hours: float

    @property
    def mtbf_hours(self) -> float | None:
        return None if self.failures == 0 else self.operating_hours / self.failures

    @property
    def availability(self) -> float | None:
        """MTBF / (MTBF + MTTR), as a fraction."""
        mtbf = self.mtbf_hours
        if mtbf is None or self.mttr_hours is None or mtbf + self.mttr_hours == 0:
            return None
        return mtbf / (mtbf + self.mttr_hours)


def elapsed_hours(since: datetime, until: datetime) -> float:
    """Hours of ``[since, until)`` that have already happened."""
    return max((min(until, clock.now()) - since).total_seconds() / 3600.0, 0.0)


def reliability(
    s: Session,
    dialect: str,
    since: datetime,
    until: datetime,
    *,
    asset_id: int | None = None,
    site_id: int | None = None,
) -> list[Reliability]:
    """Failures, MTTR, MTBF and availability per asset with a failure completed in
    [since, until), most failures first."""
    repair = hours_between(dialect, WorkOrder.started_at, WorkOrder.completed_at)
    # Downtime counts from the later of the start of work and the start of the period:
    # the hours of a repair begun before the period were never the period's to operate.
    started = case(
        (col(WorkOrder.started_at) < since, literal(since, UTCDateTime())),
        else_=col(WorkOrder.started_at),
    )
    downtime = hours_between(dialect, started, WorkOrder.completed_at)
    to_close = hours_between(dialect, WorkOrder.requested_at, WorkOrder.closed_at)
    completed = (
        scan(dialect, WorkOrder.completed_at) if asset_id is None else col(WorkOrder.completed_at)
    )
    # Joined through ``scan`` so SQLite scans work orders once and looks assets up,
    # instead of walking the asset index and fetching each asset's rows at random.
    asset_key = scan(dialect, WorkOrder.asset_id) if asset_id is None else col(WorkOrder.asset_id)
    q = (
        select(
            asset_key,
            Asset.tag,
            Asset.name,
            func.count(),
            func.avg(repair),
            func.avg(to_close),
            func.coalesce(func.sum(downtime), 0.0),
        )
        .join(Asset, col(Asset.id) == asset_key)
        .where(
            is_failure(dialect, scanning=asset_id is None),
            completed >= since,
            completed < until,
        )
        .group_by(asset_key, Asset.tag, Asset.name)
        .order_by(func.count().desc(), Asset.tag)
    )
    if asset_id is not None:
        q = q.where(col(WorkOrder.asset_id) == asset_id)
    if site_id is not None:
        q = q.where(col(WorkOrder.site_id) == site_id)
    period = elapsed_hours(since, until)
    return [
        Reliability(
            asset_id=aid,
            tag=tag,
            name=name,
            failures=int(n),
            mttr_hours=mttr,
            mttr_close_hours=close,
            downtime_hours=float(down or 0.0),
            operating_hours=max(period - float(down or 0.0), 0.0),
            period_hours=period,
        )
        for aid, tag, name, n, mttr, close, down in s.exec(q).all()
    ]


# ---------------------------------------------------------------- asset history


@dataclass(frozen=True)
class HistoryRow:
    number: int
    title: str
    kind: str
    status: str
    requested_at: datetime
    completed_at: datetime | None
    labour_minutes: int
    labour_cents: int
    parts_cents: int

    @property
    def cost_cents(self) -> int:
        return self.labour_cents + self.parts_cents


@dataclass(frozen=True)
class AssetHistory:
    tag: str
    name: str
    rows: list[HistoryRow]
    """Newest first; at most ``limit`` of them (the totals cover every work order)."""
    work_orders: int
    labour_minutes: int
    labour_cents: int
    parts_cents: int
    reliability: Reliability

    @property
    def cost_cents(self) -> int:
        return self.labour_cents + self.parts_cents


def asset_history(store: Store, tag: str, *, limit: int = 500) -> AssetHistory:
    """Every work order of an asset newest first, with cost, and its reliability
    since it entered service (or since its first work order)."""
    now = clock.now()
    with store.read() as s:
        asset = _asset_by_tag(s, tag)
        wo_id = col(WorkOrder.id)
        labour_min = (
            select(func.coalesce(func.sum(LabourEntry.minutes), 0))
            .where(col(LabourEntry.work_order_id) == wo_id)
            .scalar_subquery()
        )
        labour_cost = (
            select(func.coalesce(func.sum(labour_cents_expr()), 0.0))
            .where(col(LabourEntry.work_order_id) == wo_id)
            .scalar_subquery()
        )
        parts_cost = (
            select(func.coalesce(func.sum(parts_cents_expr()), 0.0))
            .where(col(PartUsage.work_order_id) == wo_id)
            .scalar_subquery()
        )
        rows = [
            HistoryRow(n, t, k, st, req, done, int(lm), cents(lc_), cents(pc))
            for n, t, k, st, req, done, lm, lc_, pc in s.exec(
                select(
                    WorkOrder.number,
                    WorkOrder.title,
                    WorkOrder.kind,
                    WorkOrder.status,
                    WorkOrder.requested_at,
                    WorkOrder.completed_at,
                    labour_min,
                    labour_cost,
                    parts_cost,
                )
                .where(WorkOrder.asset_id == asset.id)
                .order_by(col(WorkOrder.requested_at).desc(), wo_id.desc())
                .limit(limit)
            ).all()
        ]
        count, first = s.exec(
            select(func.count(), func.min(WorkOrder.requested_at)).where(
                WorkOrder.asset_id == asset.id
            )
        ).one()
        minutes, labour = s.exec(
            select(
                func.coalesce(func.sum(LabourEntry.minutes), 0),
                func.coalesce(func.sum(labour_cents_expr()), 0.0),
            )
            .join(WorkOrder, col(WorkOrder.id) == col(LabourEntry.work_order_id))
            .where(WorkOrder.asset_id == asset.id)
        ).one()
        parts = s.exec(
            select(func.coalesce(func.sum(parts_cents_expr()), literal(0.0)))
            .join(WorkOrder, col(WorkOrder.id) == col(PartUsage.work_order_id))
            .where(WorkOrder.asset_id == asset.id)
        ).one()
        since = asset.in_service_at or first or now
        # A microsecond past now, so work completed this instant counts.
        until = now + timedelta(microseconds=1)
        rel = reliability(s, store.dialect, since, until, asset_id=asset.id)
    period = max((now - since).total_seconds() / 3600.0, 0.0)
    return AssetHistory(
        tag=asset.tag,
        name=asset.name,
        rows=rows,
        work_orders=int(count),
        labour_minutes=int(minutes),
        labour_cents=cents(labour),
        parts_cents=cents(parts),
        reliability=rel[0]
        if rel
        else Reliability(asset.id, asset.tag, asset.name, 0, None, None, 0.0, period, period),
    )

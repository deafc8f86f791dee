"""The reports a maintenance supervisor decides from.

Each report is a function ``(store, period) -> Report`` built from SQL aggregates
(GROUP BY in the database, never a walk over every row in Python), so it costs
about the same scan with a thousand or a million work orders. Each carries its
``formula`` in words, printed in the CLI help, the table footer and the JSON.

Periods are half-open ``[since, until)`` in UTC; the CLI turns ``--until DATE``
into the end of that day. Snapshot reports (backlog, overdue, workload's open
work) describe the moment the report runs.

Columns are stable and documented in ``REPORTS``: CSV and JSON use the column
names; money is integer cents, durations are hours (2 decimals), shares are
percentages (1 decimal), and an undefined value (no data) is empty / null.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, case, cast, func, literal, literal_column, select, union_all
from sqlalchemy.orm import Session
from sqlmodel import col

from wo_tui import clock
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain.history import (
    cents,
    elapsed_hours,
    hours,
    hours_between,
    is_failure,
    labour_cents_expr,
    month_of,
    parts_cents_expr,
    reliability,
    scan,
)
from wo_tui.domain.pm import on_time_expr, pending_expr
from wo_tui.domain.refs import wo_label
from wo_tui.domain.services import Ctx
from wo_tui.errors import NotFound, ValidationError
from wo_tui.store.db import Store
from wo_tui.store.models import (
    Asset,
    LabourEntry,
    PartUsage,
    PMOccurrence,
    PMSchedule,
    Site,
    Team,
    User,
    WorkOrder,
)

DEFAULT_DAYS = 365
AGE_BUCKETS = (("0-7", 8), ("8-30", 31), ("31-90", 91), (">90", None))
"""Age bucket label and the first whole day of age that no longer belongs to it."""
PLANNED_KINDS = (lc.PREVENTIVE, lc.CORRECTIVE, lc.FOLLOW_UP)
READY = (lc.OPEN, lc.ASSIGNED, lc.IN_PROGRESS)
"""Backlog that can be worked now: everything open except work on hold."""
TOP = 10


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime
    site: str | None = None

    @classmethod
    def of(
        cls, since: date | None = None, until: date | None = None, site: str | None = None
    ) -> Period:
        """Whole UTC days: ``until`` is included; the default is the last 365 days."""
        end_day = until or clock.now().astimezone(UTC).date()
        start_day = since or end_day - timedelta(days=DEFAULT_DAYS - 1)
        if start_day > end_day:
            raise ValidationError(f"--since {start_day} is after --until {end_day}.")
        start = datetime(start_day.year, start_day.month, start_day.day, tzinfo=UTC)
        end = datetime(end_day.year, end_day.month, end_day.day, tzinfo=UTC) + timedelta(days=1)
        return cls(start, end, site)

    @property
    def as_of(self) -> datetime:
        """The moment open-ended questions (is it late yet?) are asked at."""
        return min(self.until, clock.now())


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    """text | int | hours | pct | cents | datetime; in summaries also num (2 decimals)
    and list (of objects)"""
    help: str


@dataclass
class Report:
    name: str
    title: str
    formula: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    period: Period
    summary: dict[str, Any] = field(default_factory=dict)
    series: list[tuple[str, float]] = field(default_factory=list)
    """(label, value) points of the trend a chart shows, oldest first; may be empty."""
    series_label: str = ""

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip((c.name for c in self.columns), row, strict=True)) for row in self.rows]


def _pct(part: float, whole: float) -> float | None:
    return None if not whole else round(100.0 * part / whole, 1)


def _site_id(s: Session, period: Period) -> int | None:
    if not period.site:
        return None
    site_id = s.execute(select(Site.id).where(Site.code == period.site)).scalar()
    if site_id is None:
        raise NotFound(f"There is no site {period.site!r}.")
    return int(site_id)


def _on_site(q: Any, site_id: int | None) -> Any:
    return q if site_id is None else q.where(col(WorkOrder.site_id) == site_id)


def _count_if(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0))


# ---------------------------------------------------------------- backlog

BACKLOG_FORMULA = (
    "Open work = status open, assigned, in progress or on hold, now. Age = whole days since "
    "requested, bucketed 0-7, 8-30, 31-90, >90. Backlog hours = sum of estimated hours; ready "
    "backlog excludes work on hold. Crew-weeks = backlog hours / net weekly capacity of the crew "
    "(sum of team capacities). Trend: work open at each month end = requested by then minus "
    "completed or cancelled by then."
)
BACKLOG_COLUMNS = (
    Column("status", "text", "work order status"),
    Column("priority", "text", "P1..P5"),
    Column("age_bucket", "text", "0-7 | 8-30 | 31-90 | >90 days since requested"),
    Column("work_orders", "int", "open work orders"),
    Column("estimated_hours", "hours", "sum of their estimated hours"),
)
BACKLOG_SUMMARY = (
    Column("work_orders", "int", "open work orders"),
    Column("backlog_hours", "hours", "estimated hours of all open work"),
    Column("ready_hours", "hours", "estimated hours of open work not on hold"),
    Column("weekly_capacity_hours", "hours", "sum of the teams' net weekly capacity"),
    Column("crew_weeks", "num", "backlog_hours / weekly_capacity_hours"),
    Column("ready_crew_weeks", "num", "ready_hours / weekly_capacity_hours"),
    Column(
        "teams",
        "list",
        "per team (the team of the work; '(no team)' for none): team, backlog_hours, "
        "ready_hours, weekly_capacity_hours, crew_weeks, ready_crew_weeks",
    ),
)


def backlog(store: Store, period: Period) -> Report:
    now = clock.now()
    with store.read() as s:
        site_id = _site_id(s, period)
        age_days = hours_between(store.dialect, WorkOrder.requested_at, literal(now)) / 24.0
        bucket = case(
            *((age_days < limit, label) for label, limit in AGE_BUCKETS if limit is not None),
            else_=AGE_BUCKETS[-1][0],
        )
        est_h = func.coalesce(func.sum(WorkOrder.estimated_minutes), 0) / 60.0
        q = (
            select(WorkOrder.status, WorkOrder.priority, bucket, func.count(), est_h)
            .where(col(WorkOrder.status).in_(lc.ACTIVE))
            .group_by(WorkOrder.status, WorkOrder.priority, bucket)
        )
        grouped = s.execute(_on_site(q, site_id)).all()
        per_team = s.execute(
            _on_site(
                select(
                    WorkOrder.team_id,
                    func.sum(WorkOrder.estimated_minutes),
                    func.sum(
                        case(
                            (col(WorkOrder.status).in_(READY), WorkOrder.estimated_minutes),
                            else_=0,
                        )
                    ),
                )
                .where(col(WorkOrder.status).in_(lc.ACTIVE))
                .group_by(WorkOrder.team_id),
                site_id,
            )
        ).all()
        teams = {
            tid: (name, cap)
            for tid, name, cap in s.execute(
                select(Team.id, Team.name, Team.weekly_capacity_minutes).order_by(Team.name)
            ).all()
        }
        series = _backlog_trend(s, store.dialect, period, site_id)
    status_order = {st: i for i, st in enumerate(lc.STATUSES)}
    bucket_order = {label: i for i, (label, _) in enumerate(AGE_BUCKETS)}
    rows = sorted(
        ((st, f"P{p}", b, int(n), hours(h)) for st, p, b, n, h in grouped),
        key=lambda r: (status_order[r[0]], r[1], bucket_order[r[2]]),
    )
    total_h = sum(r[4] or 0 for r in rows)
    ready_h = sum(r[4] or 0 for r in rows if r[0] in READY)
    capacity_h = sum(cap for _, cap in teams.values()) / 60.0
    team_rows = []
    for tid, total_m, ready_m in per_team:
        name, cap = teams.get(tid, ("(no team)", 0))
        team_rows.append(
            {
                "team": name,
                "backlog_hours": hours((total_m or 0) / 60.0),
                "ready_hours": hours((ready_m or 0) / 60.0),
                "weekly_capacity_hours": hours(cap / 60.0),
                "crew_weeks": round((total_m or 0) / cap, 2) if cap else None,
                "ready_crew_weeks": round((ready_m or 0) / cap, 2) if cap else None,
            }
        )
    team_rows.sort(key=lambda t: t["team"])
    summary = {
        "work_orders": sum(r[3] for r in rows),
        "backlog_hours": hours(total_h),
        "ready_hours": hours(ready_h),
        "weekly_capacity_hours": hours(capacity_h),
        "crew_weeks": round(total_h / capacity_h, 2) if capacity_h else None,
        "ready_crew_weeks": round(ready_h / capacity_h, 2) if capacity_h else None,
        "teams": team_rows,
    }
    return Report(
        "backlog",
        "Backlog",
        BACKLOG_FORMULA,
        BACKLOG_COLUMNS,
        rows,
        period,
        summary,
        series,
        "open at month end",
    )


def _month_ends(period: Period) -> list[str]:
    months = []
    y, m = period.since.year, period.since.month
    last = (period.until - timedelta(microseconds=1)).strftime("%Y-%m")
    while True:
        label = f"{y:04d}-{m:02d}"
        months.append(label)
        if label >= last:
            return months
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _backlog_trend(
    s: Session, dialect: str, period: Period, site_id: int | None
) -> list[tuple[str, float]]:
    """Open work at each month end, from one scan grouped by (month requested, month
    finished), with everything before the first month folded into 'before'."""
    start = datetime(period.since.year, period.since.month, 1, tzinfo=UTC)
    finished_at = func.coalesce(WorkOrder.completed_at, WorkOrder.cancelled_at)
    before, still_open = literal_column("'before'"), literal_column("'open'")
    requested = scan(dialect, WorkOrder.requested_at)
    req_month = case((requested < start, before), else_=month_of(dialect, WorkOrder.requested_at))
    fin_month = case(
        (finished_at.is_(None) | (finished_at >= period.until), still_open),
        (finished_at < start, before),
        else_=month_of(dialect, finished_at),
    )
    q = (
        select(req_month, fin_month, func.count())
        .where(requested < period.until)
        # By position: PostgreSQL matches GROUP BY expressions textually, parameters included.
        .group_by(literal_column("1"), literal_column("2"))
    )
    opened: dict[str, int] = {}
    finished: dict[str, int] = {}
    open_at_start = 0
    for req, fin, n in s.execute(_on_site(q, site_id)).all():
        if req == "before":
            open_at_start += 0 if fin == "before" else n
        else:
            opened[req] = opened.get(req, 0) + n
        if fin not in ("before", "open"):
            finished[fin] = finished.get(fin, 0) + n
    series = []
    open_now = open_at_start
    for m in _month_ends(period):
        open_now += opened.get(m, 0) - finished.get(m, 0)
        series.append((m, float(open_now)))
    return series


# ---------------------------------------------------------------- overdue

OVERDUE_FORMULA = (
    "Overdue = status open, assigned, in progress or on hold and due date passed, now. "
    "Hours late = now - due date. Preventive work is due on its PM date."
)
OVERDUE_COLUMNS = (
    Column("work_order", "text", "WO number"),
    Column("title", "text", "title"),
    Column("kind", "text", "reactive | corrective | preventive | follow_up"),
    Column("priority", "text", "P1..P5"),
    Column("status", "text", "status"),
    Column("asset", "text", "asset tag"),
    Column("assignee", "text", "technician login"),
    Column("due_at", "datetime", "due date (UTC)"),
    Column("hours_late", "hours", "hours since the due date"),
)
OVERDUE_SUMMARY = (
    Column("work_orders", "int", "overdue work orders"),
    Column("mean_hours_late", "hours", "mean of hours_late"),
)


def overdue(store: Store, period: Period) -> Report:
    now = clock.now()
    late = hours_between(store.dialect, WorkOrder.due_at, literal(now))
    with store.read() as s:
        site_id = _site_id(s, period)
        q = (
            select(
                WorkOrder.number,
                WorkOrder.title,
                WorkOrder.kind,
                WorkOrder.priority,
                WorkOrder.status,
                Asset.tag,
                User.login,
                WorkOrder.due_at,
                late,
            )
            .join(Asset, col(Asset.id) == col(WorkOrder.asset_id), isouter=True)
            .join(User, col(User.id) == col(WorkOrder.assignee_id), isouter=True)
            .where(col(WorkOrder.status).in_(lc.ACTIVE), col(WorkOrder.due_at) < now)
            .order_by(col(WorkOrder.due_at), col(WorkOrder.id))
        )
        rows = [
            (wo_label(n), t, k, f"P{p}", st, tag or "", login or "", due, hours(h))
            for n, t, k, p, st, tag, login, due, h in s.execute(_on_site(q, site_id)).all()
        ]
    summary = {
        "work_orders": len(rows),
        "mean_hours_late": hours(sum(r[8] for r in rows) / len(rows)) if rows else None,
    }
    return Report(
        "overdue", "Overdue work", OVERDUE_FORMULA, OVERDUE_COLUMNS, rows, period, summary
    )


# ---------------------------------------------------------------- SLA compliance

SLA_FORMULA = (
    "Work orders requested in the period, not preventive, not cancelled, by month requested. "
    "Response met = work started by the response target; resolution met = completed by the due "
    "date. % = met / decided, where decided = started (completed) or the target has passed."
)
SLA_COLUMNS = (
    Column("month", "text", "YYYY-MM requested, or 'all'"),
    Column("priority", "text", "P1..P5, or 'all'"),
    Column("work_orders", "int", "work orders counted"),
    Column("response_met", "int", "started within the response target"),
    Column("response_decided", "int", "started, or response target passed"),
    Column("response_pct", "pct", "response_met / response_decided"),
    Column("resolution_met", "int", "completed by the due date"),
    Column("resolution_decided", "int", "completed, or due date passed"),
    Column("resolution_pct", "pct", "resolution_met / resolution_decided"),
)
SLA_SUMMARY = (
    Column("work_orders", "int", "work orders counted"),
    Column("response_pct", "pct", "response met / decided, all months and priorities"),
    Column("resolution_pct", "pct", "resolution met / decided, all months and priorities"),
)


def sla(store: Store, period: Period) -> Report:
    as_of = period.as_of
    started = col(WorkOrder.started_at).is_not(None)
    completed = col(WorkOrder.completed_at).is_not(None)
    resp_met = started & (col(WorkOrder.started_at) <= col(WorkOrder.response_due_at))
    resp_dec = started | (col(WorkOrder.response_due_at) <= as_of)
    reso_met = completed & (col(WorkOrder.completed_at) <= col(WorkOrder.due_at))
    reso_dec = completed | (col(WorkOrder.due_at) <= as_of)
    month = month_of(store.dialect, WorkOrder.requested_at)
    with store.read() as s:
        site_id = _site_id(s, period)
        q = (
            select(
                month,
                WorkOrder.priority,
                func.count(),
                _count_if(resp_met),
                _count_if(resp_dec),
                _count_if(reso_met),
                _count_if(reso_dec),
            )
            .where(
                scan(store.dialect, WorkOrder.requested_at) >= period.since,
                scan(store.dialect, WorkOrder.requested_at) < period.until,
                col(WorkOrder.kind) != lc.PREVENTIVE,
                col(WorkOrder.status) != lc.CANCELLED,
            )
            .group_by(month, WorkOrder.priority)
        )
        grouped = [
            (m, p, *(int(v or 0) for v in vals))
            for m, p, *vals in s.execute(_on_site(q, site_id)).all()
        ]

    def row(m: str, p: str, counts: list[int]) -> tuple[Any, ...]:
        n, rm, rd, sm, sd = counts
        return (m, p, n, rm, rd, _pct(rm, rd), sm, sd, _pct(sm, sd))

    def total(items: list[tuple[Any, ...]]) -> list[int]:
        return [sum(r[i] for r in items) for i in range(2, 7)]

    rows: list[tuple[Any, ...]] = []
    months = sorted({g[0] for g in grouped})
    for m in months:
        in_month = sorted((g for g in grouped if g[0] == m), key=lambda g: g[1])
        rows.extend(row(m, f"P{g[1]}", list(g[2:])) for g in in_month)
        rows.append(row(m, "all", total(in_month)))
    for p in sorted({g[1] for g in grouped}):
        rows.append(row("all", f"P{p}", total([g for g in grouped if g[1] == p])))
    overall = row("all", "all", total(grouped))
    rows.append(overall)
    summary = {
        "work_orders": overall[2],
        "response_pct": overall[5],
        "resolution_pct": overall[8],
    }
    series = [(r[0], r[8] or 0.0) for r in rows if r[1] == "all" and r[0] != "all"]
    return Report(
        "sla",
        "SLA compliance",
        SLA_FORMULA,
        SLA_COLUMNS,
        rows,
        period,
        summary,
        series,
        "resolution met %",
    )


# ---------------------------------------------------------------- MTTR / MTBF

RELIABILITY_FORMULA = (
    "Failure = corrective or reactive work order completed in the period (corrective work is "
    "also planned work in the planned report). MTTR (repair) = mean hours from start of work to "
    "completion; MTTR request-to-close = mean hours from request to close (closed failures). "
    "MTBF = operating hours / failures, operating hours = period hours so far (to the earlier of "
    "the period's end and now) - repair hours inside the period. Availability = MTBF / (MTBF + "
    "MTTR). Assets with no failure are not listed."
)
RELIABILITY_COLUMNS = (
    Column("asset", "text", "asset tag"),
    Column("name", "text", "asset name"),
    Column("failures", "int", "failures completed in the period"),
    Column("mttr_hours", "hours", "mean start-to-completion hours"),
    Column("mttr_request_to_close_hours", "hours", "mean request-to-close hours"),
    Column("operating_hours", "hours", "period hours so far - repair hours inside the period"),
    Column("mtbf_hours", "hours", "operating_hours / failures"),
    Column("availability_pct", "pct", "MTBF / (MTBF + MTTR)"),
)
RELIABILITY_SUMMARY = (
    Column("failures", "int", "failures completed in the period, every asset"),
    Column("mttr_hours", "hours", "mean start-to-completion hours of those failures"),
    Column("mttr_request_to_close_hours", "hours", "mean request-to-close hours (closed ones)"),
    Column(
        "period_hours",
        "hours",
        "hours of the period so far (it ends at the earlier of its end and now)",
    ),
)


def mttr_mtbf(store: Store, period: Period) -> Report:
    with store.read() as s:
        site_id = _site_id(s, period)
        per_asset = reliability(s, store.dialect, period.since, period.until, site_id=site_id)
        q = select(
            func.count(),
            func.avg(hours_between(store.dialect, WorkOrder.started_at, WorkOrder.completed_at)),
            func.avg(hours_between(store.dialect, WorkOrder.requested_at, WorkOrder.closed_at)),
        ).where(
            is_failure(store.dialect, scanning=True),
            scan(store.dialect, WorkOrder.completed_at) >= period.since,
            scan(store.dialect, WorkOrder.completed_at) < period.until,
        )
        n, mttr, to_close = s.execute(_on_site(q, site_id)).one()
    rows = [
        (
            r.tag,
            r.name,
            r.failures,
            hours(r.mttr_hours),
            hours(r.mttr_close_hours),
            hours(r.operating_hours),
            hours(r.mtbf_hours),
            None if r.availability is None else round(100.0 * r.availability, 1),
        )
        for r in per_asset
    ]
    summary = {
        "failures": int(n or 0),
        "mttr_hours": hours(mttr),
        "mttr_request_to_close_hours": hours(to_close),
        "period_hours": hours(elapsed_hours(period.since, period.until)),
    }
    return Report(
        "mttr-mtbf",
        "MTTR, MTBF and availability",
        RELIABILITY_FORMULA,
        RELIABILITY_COLUMNS,
        rows,
        period,
        summary,
    )


# ---------------------------------------------------------------- PM compliance

PM_FORMULA = (
    "Preventive work orders due in the period (with or without a schedule), by month due. On "
    "time = completed no later than due date + 10% of the schedule's interval (day 1, week 7, "
    "month 30, year 365 days; meter-only schedules and work without a schedule get no grace). "
    "Late = completed after that; pending = open and its grace window (due date + grace) not "
    "yet closed now; not done = open past its grace window, or cancelled. Compliance = on time "
    "/ (due - pending). Skipped occurrences have no work order and are counted apart."
)
PM_COLUMNS = (
    Column("month", "text", "YYYY-MM due, or 'all'"),
    Column("due", "int", "PM work orders due"),
    Column("on_time", "int", "completed within 10% of the interval after due"),
    Column("late", "int", "completed later than that"),
    Column("not_done", "int", "open past the grace window, or cancelled"),
    Column("pending", "int", "open, grace window (due date + grace) not closed yet"),
    Column("compliance_pct", "pct", "on_time / (due - pending)"),
)
PM_SUMMARY = (
    Column("due", "int", "PM work orders due in the period"),
    Column("on_time", "int", "of which on time"),
    Column("late", "int", "of which late"),
    Column("not_done", "int", "of which not done"),
    Column("pending", "int", "of which pending"),
    Column("compliance_pct", "pct", "on_time / (due - pending)"),
    Column("skipped", "int", "occurrences due in the period recorded as skipped or missed"),
)


def pm_compliance(store: Store, period: Period) -> Report:
    month = month_of(store.dialect, WorkOrder.due_at)
    on_time = on_time_expr(store.dialect)
    done = col(WorkOrder.completed_at).is_not(None)
    pending = pending_expr(store.dialect, clock.now())
    with store.read() as s:
        site_id = _site_id(s, period)
        q = (
            select(month, func.count(), _count_if(on_time), _count_if(done), _count_if(pending))
            .join(PMSchedule, col(PMSchedule.id) == col(WorkOrder.pm_schedule_id), isouter=True)
            .where(
                col(WorkOrder.kind) == lc.PREVENTIVE,
                scan(store.dialect, WorkOrder.due_at) >= period.since,
                scan(store.dialect, WorkOrder.due_at) < period.until,
            )
            .group_by(month)
            .order_by(month)
        )
        grouped = [
            (m, *(int(v or 0) for v in counts))
            for m, *counts in s.execute(_on_site(q, site_id)).all()
        ]
        skip_q = (
            select(func.count())
            .select_from(PMOccurrence)
            .join(PMSchedule, col(PMSchedule.id) == col(PMOccurrence.schedule_id))
            .where(
                col(PMOccurrence.status) == "skipped",
                col(PMOccurrence.due_at) >= period.since,
                col(PMOccurrence.due_at) < period.until,
            )
        )
        if site_id is not None:
            skip_q = skip_q.where(col(PMSchedule.site_id) == site_id)
        skipped = int(s.execute(skip_q).scalar() or 0)

    def row(m: str, n: int, ok: int, d: int, p: int) -> tuple[Any, ...]:
        return (m, n, ok, d - ok, n - d - p, p, _pct(ok, n - p))

    rows = [row(*g) for g in grouped]
    overall = row("all", *(sum(g[i] for g in grouped) for i in range(1, 5)))
    rows.append(overall)
    summary = {
        "due": overall[1],
        "on_time": overall[2],
        "late": overall[3],
        "not_done": overall[4],
        "pending": overall[5],
        "compliance_pct": overall[6],
        "skipped": skipped,
    }
    series = [(r[0], r[6] or 0.0) for r in rows[:-1]]
    return Report(
        "pm-compliance",
        "PM compliance",
        PM_FORMULA,
        PM_COLUMNS,
        rows,
        period,
        summary,
        series,
        "compliance %",
    )


# ---------------------------------------------------------------- planned vs reactive

PLANNED_FORMULA = (
    "Labour hours logged in the period (by work date), by work order kind. Planned = preventive, "
    "corrective and follow-up work: corrective work is the scheduled repair of a defect already "
    "found, so it is planned, and it also counts as a failure in MTBF. Unplanned = reactive. "
    "Planned share = planned hours / all hours."
)
PLANNED_COLUMNS = (
    Column("kind", "text", "work order kind"),
    Column("planned", "text", "yes | no"),
    Column("labour_hours", "hours", "hours logged"),
    Column("share_pct", "pct", "labour_hours / all hours"),
)
PLANNED_SUMMARY = (
    Column("labour_hours", "hours", "all hours logged in the period"),
    Column("planned_hours", "hours", "on preventive, corrective and follow-up work"),
    Column("unplanned_hours", "hours", "on reactive work"),
    Column("planned_pct", "pct", "planned_hours / labour_hours"),
)


def _work_day_range(dialect: str, period: Period) -> tuple[Any, Any]:
    """Labour in the period, read by scanning labour in the order it was logged (the
    work orders it joins then come in nearly the same order)."""
    day = scan(dialect, LabourEntry.work_date)
    return day >= period.since.date(), day < period.until.date()


def planned_vs_reactive(store: Store, period: Period) -> Report:
    with store.read() as s:
        site_id = _site_id(s, period)
        q = (
            select(WorkOrder.kind, func.sum(LabourEntry.minutes))
            .join(WorkOrder, col(WorkOrder.id) == col(LabourEntry.work_order_id))
            .where(*_work_day_range(store.dialect, period))
            .group_by(WorkOrder.kind)
        )
        by_kind = {k: int(m or 0) for k, m in s.execute(_on_site(q, site_id)).all()}
    total = sum(by_kind.values())
    rows = [
        (k, "yes" if k in PLANNED_KINDS else "no", hours(m / 60.0), _pct(m, total))
        for k, m in sorted(by_kind.items(), key=lambda kv: lc.KINDS.index(kv[0]))
    ]
    planned = sum(m for k, m in by_kind.items() if k in PLANNED_KINDS)
    summary = {
        "labour_hours": hours(total / 60.0),
        "planned_hours": hours(planned / 60.0),
        "unplanned_hours": hours((total - planned) / 60.0),
        "planned_pct": _pct(planned, total),
    }
    return Report(
        "planned", "Planned vs reactive", PLANNED_FORMULA, PLANNED_COLUMNS, rows, period, summary
    )


# ---------------------------------------------------------------- cost

COST_FORMULA = (
    "Labour cost = sum(minutes x hourly rate at the time / 60), dated by work date; parts cost = "
    "sum(quantity x unit cost at the time), dated when used. Grouped by month, site and asset "
    "of the work order. Money in cents."
)
COST_COLUMNS = (
    Column("month", "text", "YYYY-MM"),
    Column("site", "text", "site code"),
    Column("asset", "text", "asset tag ('' = no asset)"),
    Column("labour_cents", "cents", "labour cost"),
    Column("parts_cents", "cents", "parts cost"),
    Column("total_cents", "cents", "labour + parts"),
)
COST_SUMMARY = (
    Column("labour_cents", "cents", "labour cost in the period"),
    Column("parts_cents", "cents", "parts cost in the period"),
    Column("total_cents", "cents", "labour + parts"),
)


def _no_month(dialect: str, column: Any, *, is_date: bool = False) -> Any:
    """A constant in place of the month, for totals over the whole period."""
    return literal_column("''")


def _cost_lines(dialect: str, period: Period, site_id: int | None, *, monthly: bool = True) -> Any:
    """Labour and parts as one union of (month, site_id, asset_id, labour, parts), each
    side already summed per month (or, not ``monthly``, over the period), site and
    asset: the callers then group a few thousand lines, not every entry of the period
    (at a million work orders the cost report took 2.1 s grouping 1.6 million entries
    joined to names, 1.6 s so; bad actors 1.45 s, 1.35 s)."""
    by_position = tuple(literal_column(n) for n in ("1", "2", "3")[0 if monthly else 1 :])
    month_or_not = month_of if monthly else _no_month
    labour = _on_site(
        select(
            month_or_not(dialect, LabourEntry.work_date, is_date=True).label("month"),
            WorkOrder.site_id.label("site_id"),  # type: ignore[attr-defined]
            WorkOrder.asset_id.label("asset_id"),  # type: ignore[attr-defined]
            func.sum(labour_cents_expr()).label("labour"),
            cast(literal(0.0), Float).label("parts"),
        )
        .join(WorkOrder, col(WorkOrder.id) == col(LabourEntry.work_order_id))
        .where(*_work_day_range(dialect, period)),
        site_id,
    ).group_by(*by_position)
    parts = _on_site(
        select(
            month_or_not(dialect, PartUsage.created_at).label("month"),
            WorkOrder.site_id.label("site_id"),  # type: ignore[attr-defined]
            WorkOrder.asset_id.label("asset_id"),  # type: ignore[attr-defined]
            cast(literal(0.0), Float).label("labour"),
            func.sum(parts_cents_expr()).label("parts"),
        )
        .join(WorkOrder, col(WorkOrder.id) == col(PartUsage.work_order_id))
        .where(col(PartUsage.created_at) >= period.since, col(PartUsage.created_at) < period.until),
        site_id,
    ).group_by(*by_position)
    return union_all(labour, parts).subquery("cost_line")


def cost(store: Store, period: Period) -> Report:
    with store.read() as s:
        site_id = _site_id(s, period)
        line = _cost_lines(store.dialect, period, site_id)
        q = (
            select(
                line.c.month,
                func.coalesce(Site.code, ""),
                func.coalesce(Asset.tag, ""),
                func.sum(line.c.labour),
                func.sum(line.c.parts),
            )
            .join(Site, Site.id == line.c.site_id, isouter=True)
            .join(Asset, Asset.id == line.c.asset_id, isouter=True)
            .group_by(line.c.month, Site.code, Asset.tag)
            .order_by(line.c.month, Site.code, Asset.tag)
        )
        grouped = s.execute(q).all()
    rows = [
        (m, site, tag, cents(lab), cents(par), cents(lab) + cents(par))
        for m, site, tag, lab, par in grouped
    ]
    by_month: dict[str, int] = {}
    for r in rows:
        by_month[r[0]] = by_month.get(r[0], 0) + r[5]
    summary = {
        "labour_cents": sum(r[3] for r in rows),
        "parts_cents": sum(r[4] for r in rows),
        "total_cents": sum(r[5] for r in rows),
    }
    series = [(m, v / 100.0) for m, v in sorted(by_month.items())]
    return Report(
        "cost",
        "Maintenance cost",
        COST_FORMULA,
        COST_COLUMNS,
        rows,
        period,
        summary,
        series,
        "cost by month",
    )


# ---------------------------------------------------------------- bad actors

BAD_ACTORS_FORMULA = (
    f"The top {TOP} assets by maintenance cost in the period (labour + parts, as in the cost "
    f"report) and the top {TOP} by failures (corrective or reactive work completed in the "
    "period). Ties are broken by asset tag."
)
BAD_ACTORS_COLUMNS = (
    Column("ranking", "text", "cost | failures"),
    Column("rank", "int", "1 = worst"),
    Column("asset", "text", "asset tag"),
    Column("name", "text", "asset name"),
    Column("total_cents", "cents", "labour + parts cost in the period"),
    Column("failures", "int", "failures completed in the period"),
)


def bad_actors(store: Store, period: Period) -> Report:
    """Cost and failures are each one GROUP BY over every asset (a few hundred grouped
    rows); the top ten are picked from those, so each big scan runs once."""
    with store.read() as s:
        site_id = _site_id(s, period)
        line = _cost_lines(store.dialect, period, site_id, monthly=False)
        cost_of = {
            a: cents(total)
            for a, total in s.execute(
                select(line.c.asset_id, func.sum(line.c.labour + line.c.parts))
                .where(line.c.asset_id.is_not(None))
                .group_by(line.c.asset_id)
            ).all()
        }
        fail_q = (
            select(scan(store.dialect, WorkOrder.asset_id), func.count())
            .where(
                is_failure(store.dialect, scanning=True),
                scan(store.dialect, WorkOrder.asset_id).is_not(None),
                scan(store.dialect, WorkOrder.completed_at) >= period.since,
                scan(store.dialect, WorkOrder.completed_at) < period.until,
            )
            .group_by(scan(store.dialect, WorkOrder.asset_id))
        )
        fails_of = {a: int(n) for a, n in s.execute(_on_site(fail_q, site_id)).all()}
        ids = set(cost_of) | set(fails_of)
        names = {
            a: (tag, name)
            for a, tag, name in s.execute(
                select(Asset.id, Asset.tag, Asset.name).where(col(Asset.id).in_(ids))
            ).all()
        }
    by_cost = sorted(cost_of, key=lambda a: (-cost_of[a], names[a][0]))[:TOP]
    by_failures = sorted(fails_of, key=lambda a: (-fails_of[a], names[a][0]))[:TOP]
    rows: list[tuple[Any, ...]] = []
    for ranking, ranked in (("cost", by_cost), ("failures", by_failures)):
        for i, a in enumerate(ranked, start=1):
            tag, name = names[a]
            rows.append((ranking, i, tag, name, cost_of.get(a, 0), fails_of.get(a, 0)))
    return Report("bad-actors", "Bad actors", BAD_ACTORS_FORMULA, BAD_ACTORS_COLUMNS, rows, period)


# ---------------------------------------------------------------- workload

WORKLOAD_FORMULA = (
    "Open work = status open, assigned, in progress or on hold, now: per technician the work "
    "assigned to them; per team (technician '*') the work assigned to the team, whoever holds "
    "it. Logged hours = labour logged in the period (by work date) by the technician, or by the "
    "team's members."
)
WORKLOAD_COLUMNS = (
    Column("team", "text", "team name ('' = no team)"),
    Column("technician", "text", "login, or '*' for the team as a whole"),
    Column("open_work_orders", "int", "open work orders"),
    Column("open_estimated_hours", "hours", "their estimated hours"),
    Column("logged_hours", "hours", "labour hours logged in the period"),
    Column("weekly_capacity_hours", "hours", "team's net weekly capacity (team rows)"),
)
WORKLOAD_SUMMARY = (
    Column("open_work_orders_assigned", "int", "open work assigned to a technician"),
    Column("logged_hours", "hours", "labour hours logged in the period by the people listed"),
)


def workload(store: Store, period: Period) -> Report:
    active = col(WorkOrder.status).in_(lc.ACTIVE)
    with store.read() as s:
        site_id = _site_id(s, period)
        users = s.execute(select(User.id, User.login, User.team_id, User.role, User.active)).all()
        teams = {
            t: (name, cap)
            for t, name, cap in s.execute(
                select(Team.id, Team.name, Team.weekly_capacity_minutes)
            ).all()
        }
        open_by_user = {
            u: (int(n), int(m or 0))
            for u, n, m in s.execute(
                _on_site(
                    select(
                        WorkOrder.assignee_id, func.count(), func.sum(WorkOrder.estimated_minutes)
                    )
                    .where(active, col(WorkOrder.assignee_id).is_not(None))
                    .group_by(WorkOrder.assignee_id),
                    site_id,
                )
            ).all()
        }
        open_by_team = {
            t: (int(n), int(m or 0))
            for t, n, m in s.execute(
                _on_site(
                    select(WorkOrder.team_id, func.count(), func.sum(WorkOrder.estimated_minutes))
                    .where(active, col(WorkOrder.team_id).is_not(None))
                    .group_by(WorkOrder.team_id),
                    site_id,
                )
            ).all()
        }
        user = scan(store.dialect, LabourEntry.user_id)
        logged_q = (
            select(user, func.sum(LabourEntry.minutes))
            .where(*_work_day_range(store.dialect, period))
            .group_by(user)
        )
        if site_id is not None:
            logged_q = logged_q.join(
                WorkOrder, col(WorkOrder.id) == col(LabourEntry.work_order_id)
            ).where(col(WorkOrder.site_id) == site_id)
        logged = {u: int(m or 0) for u, m in s.execute(logged_q).all()}
    people: list[tuple[str, str, int, int, int]] = []
    team_logged: dict[int | None, int] = {}
    for uid, login, team_id, role, is_active in users:
        n, est = open_by_user.get(uid, (0, 0))
        mins = logged.get(uid, 0)
        team_logged[team_id] = team_logged.get(team_id, 0) + mins
        if (role == "technician" and is_active) or n or mins:
            team = teams[team_id][0] if team_id in teams else ""
            people.append((team, login, n, est, mins))
    rows: list[tuple[Any, ...]] = []
    for tid, (name, cap) in sorted(teams.items(), key=lambda t: t[1][0]):
        n, est = open_by_team.get(tid, (0, 0))
        rows.append(
            (
                name,
                "*",
                n,
                hours(est / 60.0),
                hours(team_logged.get(tid, 0) / 60.0),
                hours(cap / 60.0),
            )
        )
        rows.extend(
            (t, login, pn, hours(pe / 60.0), hours(pm / 60.0), None)
            for t, login, pn, pe, pm in sorted(people)
            if t == name
        )
    rows.extend(
        (t, login, pn, hours(pe / 60.0), hours(pm / 60.0), None)
        for t, login, pn, pe, pm in sorted(people)
        if t == ""
    )
    summary = {
        "open_work_orders_assigned": sum(p[2] for p in people),
        "logged_hours": hours(sum(p[4] for p in people) / 60.0),
    }
    return Report(
        "workload", "Technician workload", WORKLOAD_FORMULA, WORKLOAD_COLUMNS, rows, period, summary
    )


# ---------------------------------------------------------------- registry


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    formula: str
    columns: tuple[Column, ...]
    build: Callable[[Store, Period], Report]
    summary: tuple[Column, ...] = ()
    """The keys of ``Report.summary``, in order (CSV and JSON print exactly these)."""


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "backlog", "Backlog", BACKLOG_FORMULA, BACKLOG_COLUMNS, backlog, BACKLOG_SUMMARY
        ),
        ReportSpec(
            "overdue", "Overdue work", OVERDUE_FORMULA, OVERDUE_COLUMNS, overdue, OVERDUE_SUMMARY
        ),
        ReportSpec("sla", "SLA compliance", SLA_FORMULA, SLA_COLUMNS, sla, SLA_SUMMARY),
        ReportSpec(
            "mttr-mtbf",
            "MTTR, MTBF and availability",
            RELIABILITY_FORMULA,
            RELIABILITY_COLUMNS,
            mttr_mtbf,
            RELIABILITY_SUMMARY,
        ),
        ReportSpec(
            "pm-compliance", "PM compliance", PM_FORMULA, PM_COLUMNS, pm_compliance, PM_SUMMARY
        ),
        ReportSpec(
            "planned",
            "Planned vs reactive",
            PLANNED_FORMULA,
            PLANNED_COLUMNS,
            planned_vs_reactive,
            PLANNED_SUMMARY,
        ),
        ReportSpec("cost", "Maintenance cost", COST_FORMULA, COST_COLUMNS, cost, COST_SUMMARY),
        ReportSpec("bad-actors", "Bad actors", BAD_ACTORS_FORMULA, BAD_ACTORS_COLUMNS, bad_actors),
        ReportSpec(
            "workload",
            "Technician workload",
            WORKLOAD_FORMULA,
            WORKLOAD_COLUMNS,
            workload,
            WORKLOAD_SUMMARY,
        ),
    )
}


def build(store: Store, name: str, period: Period) -> Report:
    spec = REPORTS.get(name)
    if spec is None:
        raise NotFound(f"There is no report {name!r}; try one of {', '.join(REPORTS)}.")
    return spec.build(store, period)


def run_report(ctx: Ctx, name: str, period: Period) -> Report:
    """A report for a person: everyone who may see all work may see the reports."""
    perm.require(ctx.actor, "view_all_work", "reports")
    return build(ctx.store, name, period)

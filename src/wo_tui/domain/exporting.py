"""Exporting work orders to CSV or JSON, one row per work order.

Columns, in order (times are ISO 8601 UTC, money is in the site's currency with
two decimals, durations in minutes):

number, title, description, kind, status, priority (P1..P5), urgency, impact,
source, requester, site, location, asset, asset_name, assignee, team, parent,
requested_at, approved_at, response_due_at, due_at, started_at, completed_at,
closed_at, cancelled_at, resolution, cause_code, remedy_code, no_parts_used,
follow_up, hold_reason, cancel_reason, labour_minutes, labour_cost, parts_cost,
total_cost, updated_at

``since`` keeps work orders changed (``updated_at``) on or after that moment, for
incremental exports. Rows are read in id pages, so a million work orders cost
memory for one page.

Every text cell is cleaned of control characters (tab and newline stay) in both
formats: data written behind the app's back (another tool, a raw ``UPDATE``) may hold
``ESC]52;...`` or a C1 ``CSI``, and an export is often read in a terminal.
Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage
return as a formula (CSV injection); in CSV such text cells get a leading single
quote, after cleaning, so a control character cannot hide a formula from the check.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from wo_tui.domain import permissions as perm
from wo_tui.domain.refs import wo_label
from wo_tui.domain.services import Ctx
from wo_tui.errors import ValidationError
from wo_tui.store.db import Store
from wo_tui.store.models import (
    Asset,
    LabourEntry,
    Location,
    PartUsage,
    Site,
    Team,
    User,
    WorkOrder,
)
from wo_tui.text import clean

PAGE = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    "number",
    "title",
    "description",
    "kind",
    "status",
    "priority",
    "urgency",
    "impact",
    "source",
    "requester",
    "site",
    "location",
    "asset",
    "asset_name",
    "assignee",
    "team",
    "parent",
    "requested_at",
    "approved_at",
    "response_due_at",
    "due_at",
    "started_at",
    "completed_at",
    "closed_at",
    "cancelled_at",
    "resolution",
    "cause_code",
    "remedy_code",
    "no_parts_used",
    "follow_up",
    "hold_reason",
    "cancel_reason",
    "labour_minutes",
    "labour_cost",
    "parts_cost",
    "total_cost",
    "updated_at",
)
_TIMES = (
    "requested_at",
    "approved_at",
    "response_due_at",
    "due_at",
    "started_at",
    "completed_at",
    "closed_at",
    "cancelled_at",
    "updated_at",
)


_TEXTS = (
    "title",
    "description",
    "kind",
    "status",
    "source",
    "requester",
    "site",
    "location",
    "asset",
    "asset_name",
    "assignee",
    "team",
    "resolution",
    "cause_code",
    "remedy_code",
    "follow_up",
    "hold_reason",
    "cancel_reason",
)
"""The cells that come from stored text (the rest are numbers, times and labels
made here)."""


def neutralise(value: Any) -> Any:
    """Make text safe to open in a spreadsheet: a formula-like start gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _money(cents: float) -> str:
    whole = round(cents)
    return f"{whole / 100:.2f}"


def rows(store: Store, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Every work order as a dict keyed by ``COLUMNS``, oldest id first."""
    parent = aliased(WorkOrder)
    wo_id = col(WorkOrder.id)
    labour_minutes = (
        select(func.coalesce(func.sum(LabourEntry.minutes), 0))
        .where(col(LabourEntry.work_order_id) == wo_id)
        .scalar_subquery()
    )
    labour_cents = (
        select(
            func.coalesce(
                func.sum(cast(LabourEntry.minutes, Float) * LabourEntry.rate_cents) / 60.0, 0.0
            )
        )
        .where(col(LabourEntry.work_order_id) == wo_id)
        .scalar_subquery()
    )
    parts_cents = (
        select(func.coalesce(func.sum(PartUsage.quantity * PartUsage.unit_cost_cents), 0.0))
        .where(col(PartUsage.work_order_id) == wo_id)
        .scalar_subquery()
    )
    base = (
        select(
            WorkOrder,
            Site.code,
            Location.path,
            Asset.tag,
            Asset.name,
            User.login,
            Team.name,
            parent.number,
            labour_minutes,
            labour_cents,
            parts_cents,
        )
        .join(Site, col(Site.id) == col(WorkOrder.site_id), isouter=True)
        .join(Location, col(Location.id) == col(WorkOrder.location_id), isouter=True)
        .join(Asset, col(Asset.id) == col(WorkOrder.asset_id), isouter=True)
        .join(User, col(User.id) == col(WorkOrder.assignee_id), isouter=True)
        .join(Team, col(Team.id) == col(WorkOrder.team_id), isouter=True)
        .join(parent, col(parent.id) == col(WorkOrder.parent_id), isouter=True)
    )
    if since is not None:
        base = base.where(col(WorkOrder.updated_at) >= since)
    last = 0
    while True:
        with store.read() as s:
            page = s.execute(base.where(wo_id > last).order_by(wo_id).limit(PAGE)).all()
        if not page:
            return
        for wo, site, path, tag, asset_name, login, team, parent_no, lm, lc_, pc in page:
            row: dict[str, Any] = {
                "number": wo_label(wo.number),
                "title": wo.title,
                "description": wo.description,
                "kind": wo.kind,
                "status": wo.status,
                "priority": f"P{wo.priority}",
                "urgency": wo.urgency,
                "impact": wo.impact,
                "source": wo.source,
                "requester": wo.requester,
                "site": site or "",
                "location": path or "",
                "asset": tag or "",
                "asset_name": asset_name or "",
                "assignee": login or "",
                "team": team or "",
                "parent": wo_label(parent_no) if parent_no else "",
                "resolution": wo.resolution,
                "cause_code": wo.cause_code,
                "remedy_code": wo.remedy_code,
                "no_parts_used": wo.no_parts_used,
                "follow_up": wo.follow_up,
                "hold_reason": wo.hold_reason,
                "cancel_reason": wo.cancel_reason,
                "labour_minutes": int(lm or 0),
                "labour_cost": _money(lc_ or 0.0),
                "parts_cost": _money(pc or 0.0),
                "total_cost": _money(round(lc_ or 0.0) + round(pc or 0.0)),
            }
            for name in _TEXTS:
                row[name] = clean(row[name])
            for name in _TIMES:
                value = getattr(wo, name)
                row[name] = value.isoformat() if value else ""
            yield {name: row[name] for name in COLUMNS}
        last = page[-1][0].id


def write_csv(store: Store, out: IO[str], since: datetime | None = None) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows(store, since):
        writer.writerow([neutralise(row[c]) for c in COLUMNS])
        count += 1
    return count


def write_json(store: Store, out: IO[str], since: datetime | None = None) -> int:
    """A JSON array written one object at a time (never built whole in memory)."""
    count = 0
    out.write("[")
    for row in rows(store, since):
        out.write(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


FORMATS = ("csv", "json")


def export(ctx: Ctx, out: IO[str], *, fmt: str = "csv", since: datetime | None = None) -> int:
    """Write every work order (changed since ``since``) to ``out``; return how many.

    Anyone who may see all work may export it; a requester sees only their own
    requests and so may not.
    """
    perm.require(ctx.actor, "view_all_work", "(export)")
    if fmt not in FORMATS:
        raise ValidationError(f"Export format must be csv or json, not {fmt!r}.")
    writer = write_csv if fmt == "csv" else write_json
    return writer(ctx.store, out, since)

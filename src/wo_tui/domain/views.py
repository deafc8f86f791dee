"""Read models: what a person sees of a work order or a request.

The CLI's ``show`` and ``list`` and the app's detail screen print the same facts, so
they are gathered once here. The dataclasses hold plain values (never ORM objects),
so a screen can keep one after its session has closed, and they are frozen so a
worker thread can hand them over safely.

Money is integer cents, rounded once after summing: labour = sum(minutes x rate at
the time) / 60, parts = sum(quantity x unit cost at the time).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from wo_tui import clock
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain import sla
from wo_tui.domain.permissions import Actor
from wo_tui.domain.refs import parse_req, parse_wo, req_label, wo_label
from wo_tui.errors import NotFound
from wo_tui.store.db import Store
from wo_tui.store.models import (
    Asset,
    AuditEvent,
    LabourEntry,
    Location,
    Note,
    Part,
    PartUsage,
    Site,
    Team,
    User,
    WorkOrder,
    WorkRequest,
)

PAGE_SIZE = 50
MAX_PAGE = 1000
FOLLOW_UP_LIMIT = 200
TIMELINE_LIMIT = 5000
"""A work order with more events than this shows the newest ones (a pathological
import or a runaway script should not make ``show`` take minutes)."""


@dataclass(frozen=True)
class LinkedWork:
    number: int
    label: str
    title: str
    status: str


@dataclass(frozen=True)
class LinkedRequest:
    number: int
    label: str
    status: str
    requester: str
    submitted_at: datetime


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class TimelineEntry:
    """An audit event or a note: who did what when, and what changed."""

    at: datetime
    who: str
    action: str
    changes: tuple[Change, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class LabourLine:
    id: int
    login: str
    name: str
    work_date: date
    minutes: int
    rate_cents: int
    cost_cents: int


@dataclass(frozen=True)
class PartLine:
    id: int
    part_number: str
    name: str
    unit: str
    quantity: float
    unit_cost_cents: int
    cost_cents: int


@dataclass(frozen=True)
class WorkOrderDetail:
    id: int
    number: int
    label: str
    title: str
    description: str
    kind: str
    source: str
    requester: str
    urgency: int
    impact: int
    priority: int
    status: str
    site: str
    asset_tag: str
    asset_name: str
    location: str
    assignee_login: str
    assignee_name: str
    team: str
    requested_at: datetime
    approved_at: datetime | None
    response_due_at: datetime | None
    due_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    resolution: str
    cause_code: str
    remedy_code: str
    no_parts_used: bool
    follow_up: str
    hold_reason: str
    cancel_reason: str
    send_back_reason: str
    estimated_minutes: int
    pm_schedule_id: int | None
    updated_at: datetime
    updated_by: str
    version: int
    request: LinkedRequest | None
    parent: LinkedWork | None
    follow_ups: tuple[LinkedWork, ...]
    timeline: tuple[TimelineEntry, ...]
    labour: tuple[LabourLine, ...]
    parts: tuple[PartLine, ...]
    labour_minutes: int
    labour_cents: int
    parts_cents: int
    response_met: bool | None
    resolution_met: bool | None
    overdue: bool
    assignee_id: int | None = None
    team_id: int | None = None

    @property
    def total_cents(self) -> int:
        return self.labour_cents + self.parts_cents

    @property
    def status_label(self) -> str:
        return lc.STATUS_LABELS.get(self.status, self.status)

    @property
    def priority_label(self) -> str:
        return sla.PRIORITY_LABELS.get(self.priority, f"P{self.priority}")


@dataclass(frozen=True)
class RequestDetail:
    id: int
    number: int
    label: str
    title: str
    description: str
    requester: str
    contact: str
    source: str
    site: str
    asset_tag: str
    asset_name: str
    location: str
    urgency: int
    impact: int
    priority: int
    status: str
    submitted_by: str
    submitted_at: datetime
    triaged_by: str
    triaged_at: datetime | None
    reject_reason: str
    work_order: LinkedWork | None
    timeline: tuple[TimelineEntry, ...]


@dataclass(frozen=True)
class WorkOrderRow:
    """One line of a list: enough to choose, not the whole record."""

    id: int
    number: int
    label: str
    title: str
    kind: str
    status: str
    priority: int
    asset_tag: str
    assignee: str
    team: str
    requested_at: datetime
    due_at: datetime | None
    overdue: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.label,
            "title": self.title,
            "kind": self.kind,
            "status": self.status,
            "priority": f"P{self.priority}",
            "asset": self.asset_tag or None,
            "assignee": self.assignee or None,
            "team": self.team or None,
            "requested_at": self.requested_at.isoformat(),
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class WorkOrderPage:
    rows: list[WorkOrderRow] = field(default_factory=list)
    next_after: int | None = None
    """Pass as ``after`` to get the next page; ``None`` when this was the last."""


def _cents(value: float) -> int:
    return round(value)


def _is_overdue(status: str, due_at: datetime | None, now: datetime) -> bool:
    return due_at is not None and due_at < now and status in lc.ACTIVE


def _logins(s: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = s.exec(
        select(User.id, User.login, User.display_name).where(col(User.id).in_(sorted(ids)))
    )
    return {uid: (login, name) for uid, login, name in rows if uid is not None}


def _changes(raw: str) -> tuple[Change, ...]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return (Change("?", None, raw[:200]),)
    if not isinstance(data, dict):
        return ()
    out = []
    for name, pair in data.items():
        if isinstance(pair, list) and len(pair) == 2:
            out.append(Change(str(name), pair[0], pair[1]))
        else:
            out.append(Change(str(name), None, pair))
    return tuple(out)


_REFERENCES: dict[str, tuple[Any, Any, Any]] = {
    "assignee_id": (User, User.id, User.login),
    "updated_by_id": (User, User.id, User.login),
    "triaged_by_id": (User, User.id, User.login),
    "submitted_by_id": (User, User.id, User.login),
    "team_id": (Team, Team.id, Team.name),
    "asset_id": (Asset, Asset.id, Asset.tag),
    "location_id": (Location, Location.id, Location.path),
    "site_id": (Site, Site.id, Site.code),
    "parent_id": (WorkOrder, WorkOrder.id, WorkOrder.number),
    "work_order_id": (WorkOrder, WorkOrder.id, WorkOrder.number),
    "user_id": (User, User.id, User.login),
    "part_id": (Part, Part.id, Part.number),
}
"""Audit events store ids; a person reads names. Field -> (table, id, what to show)."""


def _named(s: Session, changes: list[Change]) -> list[Change]:
    """The same changes with ids replaced by logins, tags, paths and numbers (one query
    per table)."""
    wanted: dict[Any, set[int]] = {}
    for change in changes:
        model = _REFERENCES[change.field][0]
        for value in (change.old, change.new):
            if isinstance(value, int) and not isinstance(value, bool):
                wanted.setdefault(model, set()).add(value)
    names: dict[Any, dict[int, str]] = {}
    for model, ids in wanted.items():
        _, id_col, label_col = next(r for r in _REFERENCES.values() if r[0] is model)
        rows = s.exec(select(id_col, label_col).where(col(id_col).in_(sorted(ids))))
        names[model] = {
            i: wo_label(v) if model is WorkOrder else str(v) for i, v in rows if i is not None
        }
    out = []
    for change in changes:
        known = names.get(_REFERENCES[change.field][0], {})
        out.append(
            Change(
                change.field,
                known.get(change.old, change.old) if isinstance(change.old, int) else change.old,
                known.get(change.new, change.new) if isinstance(change.new, int) else change.new,
            )
        )
    return out


def _resolve(s: Session, entries: list[tuple[datetime, int, TimelineEntry]]) -> None:
    """Show names instead of ids in every entry's changes."""
    refs = [c for *_, e in entries for c in e.changes if c.field in _REFERENCES]
    if not refs:
        return
    named = iter(_named(s, refs))
    for i, (at, order, entry) in enumerate(entries):
        if any(c.field in _REFERENCES for c in entry.changes):
            changes = tuple(next(named) if c.field in _REFERENCES else c for c in entry.changes)
            entries[i] = (at, order, replace(entry, changes=changes))


def _timeline(s: Session, events: list[AuditEvent], notes: list[Note]) -> tuple[TimelineEntry, ...]:
    """Events and notes in the order they happened; a note takes the place of its
    bare ``add_note`` event (events written in one instant keep their id order)."""
    users = _logins(
        s,
        {e.actor_id for e in events if e.actor_id is not None} | {n.author_id for n in notes},
    )
    noted = {n.id for n in notes}
    note_slot: dict[int, tuple[datetime, int]] = {}
    entries: list[tuple[datetime, int, TimelineEntry]] = []
    for e in events:
        changes = _changes(e.changes)
        note_ids = [c.new for c in changes if e.action == "add_note" and c.new in noted]
        if note_ids:
            note_slot[note_ids[0]] = (e.at, e.id or 0)
            continue
        who = users.get(e.actor_id, ("system", ""))[0] if e.actor_id is not None else "system"
        entries.append((e.at, e.id or 0, TimelineEntry(e.at, who, e.action, changes)))
    for n in notes:
        at, order = note_slot.get(n.id or 0, (n.created_at, 0))
        who = users.get(n.author_id, ("?", ""))[0]
        entries.append((at, order, TimelineEntry(n.created_at, who, "note", note=n.body)))
    _resolve(s, entries)
    entries.sort(key=lambda item: (item[0], item[1]))
    return tuple(entry for *_, entry in entries)


def _linked(wo: WorkOrder) -> LinkedWork:
    return LinkedWork(wo.number, wo_label(wo.number), wo.title, wo.status)


def work_order_detail(store: Store, ref: str | int, *, actor: Actor) -> WorkOrderDetail:
    """Everything about one work order, read in one short session. Requesters see
    what became of their requests (``request_detail``), not the work orders."""
    perm.require(actor, "view_all_work", "(show work orders)")
    number = parse_wo(ref)
    now = clock.now()
    with store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).first()
        if wo is None or wo.id is None:
            raise NotFound(f"There is no work order {wo_label(number)}.")
        asset = s.get(Asset, wo.asset_id) if wo.asset_id is not None else None
        loc = s.get(Location, wo.location_id) if wo.location_id is not None else None
        site = s.get(Site, wo.site_id) if wo.site_id is not None else None
        team = s.get(Team, wo.team_id) if wo.team_id is not None else None
        people = _logins(s, {i for i in (wo.assignee_id, wo.updated_by_id) if i is not None})
        parent = s.get(WorkOrder, wo.parent_id) if wo.parent_id is not None else None
        follow_ups = s.exec(
            select(WorkOrder)
            .where(WorkOrder.parent_id == wo.id)
            .order_by(col(WorkOrder.id))
            .limit(FOLLOW_UP_LIMIT)
        ).all()
        req = s.exec(
            select(WorkRequest)
            .where(WorkRequest.work_order_id == wo.id, WorkRequest.status == lc.REQ_APPROVED)
            .order_by(col(WorkRequest.id))
        ).first()
        events = list(
            s.exec(
                select(AuditEvent)
                .where(AuditEvent.work_order_id == wo.id)
                .order_by(col(AuditEvent.id).desc())
                .limit(TIMELINE_LIMIT)
            )
        )
        notes = list(
            s.exec(
                select(Note)
                .where(Note.work_order_id == wo.id)
                .order_by(col(Note.created_at).desc())
                .limit(TIMELINE_LIMIT)
            )
        )
        timeline = _timeline(s, events, notes)
        labour_rows = s.exec(
            select(LabourEntry, User.login, User.display_name)
            .join(User, col(User.id) == col(LabourEntry.user_id))
            .where(LabourEntry.work_order_id == wo.id)
            .order_by(col(LabourEntry.work_date), col(LabourEntry.id))
        ).all()
        part_rows = s.exec(
            select(PartUsage, Part.number, Part.name, Part.unit)
            .join(Part, col(Part.id) == col(PartUsage.part_id))
            .where(PartUsage.work_order_id == wo.id)
            .order_by(col(PartUsage.id))
        ).all()
    labour = tuple(
        LabourLine(
            e.id or 0,
            login,
            name,
            e.work_date,
            e.minutes,
            e.rate_cents,
            _cents(e.minutes * e.rate_cents / 60),
        )
        for e, login, name in labour_rows
    )
    parts = tuple(
        PartLine(
            u.id or 0,
            pnum,
            pname,
            unit,
            u.quantity,
            u.unit_cost_cents,
            _cents(u.quantity * u.unit_cost_cents),
        )
        for u, pnum, pname, unit in part_rows
    )
    assignee = people.get(wo.assignee_id, ("", "")) if wo.assignee_id is not None else ("", "")
    return WorkOrderDetail(
        id=wo.id,
        number=wo.number,
        label=wo_label(wo.number),
        title=wo.title,
        description=wo.description,
        kind=wo.kind,
        source=wo.source,
        requester=wo.requester,
        urgency=wo.urgency,
        impact=wo.impact,
        priority=wo.priority,
        status=wo.status,
        site=f"{site.code} {site.name}" if site else "",
        asset_tag=asset.tag if asset else "",
        asset_name=asset.name if asset else "",
        location=loc.path if loc else "",
        assignee_login=assignee[0],
        assignee_name=assignee[1],
        team=team.name if team else "",
        assignee_id=wo.assignee_id,
        team_id=wo.team_id,
        requested_at=wo.requested_at,
        approved_at=wo.approved_at,
        response_due_at=wo.response_due_at,
        due_at=wo.due_at,
        started_at=wo.started_at,
        completed_at=wo.completed_at,
        closed_at=wo.closed_at,
        cancelled_at=wo.cancelled_at,
        resolution=wo.resolution,
        cause_code=wo.cause_code,
        remedy_code=wo.remedy_code,
        no_parts_used=wo.no_parts_used,
        follow_up=wo.follow_up,
        hold_reason=wo.hold_reason,
        cancel_reason=wo.cancel_reason,
        send_back_reason=wo.send_back_reason,
        estimated_minutes=wo.estimated_minutes,
        pm_schedule_id=wo.pm_schedule_id,
        updated_at=wo.updated_at,
        updated_by=people.get(wo.updated_by_id, ("", ""))[0]
        if wo.updated_by_id is not None
        else "",
        version=wo.version,
        request=LinkedRequest(
            req.number, req_label(req.number), req.status, req.requester, req.submitted_at
        )
        if req
        else None,
        parent=_linked(parent) if parent else None,
        follow_ups=tuple(_linked(f) for f in follow_ups),
        timeline=timeline,
        labour=labour,
        parts=parts,
        labour_minutes=sum(e.minutes for e in labour),
        labour_cents=_cents(sum(e.minutes * e.rate_cents for e in labour) / 60),
        parts_cents=_cents(sum(p.quantity * p.unit_cost_cents for p in parts)),
        response_met=sla.response_met(wo.started_at, wo.response_due_at),
        resolution_met=sla.resolution_met(wo.completed_at, wo.due_at),
        overdue=_is_overdue(wo.status, wo.due_at, now),
    )


def request_detail(store: Store, ref: str | int, *, actor: Actor) -> RequestDetail:
    """One request; a requester may see only their own."""
    number = parse_req(ref)
    with store.read() as s:
        req = s.exec(select(WorkRequest).where(WorkRequest.number == number)).first()
        if req is None or req.id is None:
            raise NotFound(f"There is no request {req_label(number)}.")
        if req.submitted_by_id != actor.id:
            perm.require(actor, "view_all_requests", "(other people's requests)")
        asset = s.get(Asset, req.asset_id) if req.asset_id is not None else None
        loc = s.get(Location, req.location_id) if req.location_id is not None else None
        site = s.get(Site, req.site_id) if req.site_id is not None else None
        wo = s.get(WorkOrder, req.work_order_id) if req.work_order_id is not None else None
        people = _logins(s, {i for i in (req.submitted_by_id, req.triaged_by_id) if i is not None})
        events = list(
            s.exec(
                select(AuditEvent)
                .where(AuditEvent.entity == "work_request", AuditEvent.entity_id == req.id)
                .order_by(col(AuditEvent.id))
                .limit(TIMELINE_LIMIT)
            )
        )
        timeline = _timeline(s, events, [])
    return RequestDetail(
        id=req.id,
        number=req.number,
        label=req_label(req.number),
        title=req.title,
        description=req.description,
        requester=req.requester,
        contact=req.contact,
        source=req.source,
        site=f"{site.code} {site.name}" if site else "",
        asset_tag=asset.tag if asset else "",
        asset_name=asset.name if asset else "",
        location=loc.path if loc else "",
        urgency=req.urgency,
        impact=req.impact,
        priority=req.priority,
        status=req.status,
        submitted_by=people.get(req.submitted_by_id, ("", ""))[0]
        if req.submitted_by_id is not None
        else "",
        submitted_at=req.submitted_at,
        triaged_by=people.get(req.triaged_by_id, ("", ""))[0]
        if req.triaged_by_id is not None
        else "",
        triaged_at=req.triaged_at,
        reject_reason=req.reject_reason,
        work_order=_linked(wo) if wo else None,
        timeline=timeline,
    )


def list_work_orders(
    store: Store,
    *,
    actor: Actor,
    status: str | tuple[str, ...] | None = None,
    priority: int | None = None,
    assignee: str | None = None,
    asset: str | None = None,
    overdue: bool = False,
    limit: int = PAGE_SIZE,
    after: int | None = None,
) -> WorkOrderPage:
    """Newest first, one page at a time.

    Keyset paging on the primary key: the next page starts below the last id seen,
    so page 1,000 costs what page 1 costs and a concurrent insert never shifts rows
    between pages the way ``OFFSET`` does.
    """
    perm.require(actor, "view_all_work", "(list work orders)")
    limit = max(1, min(limit, MAX_PAGE))
    now = clock.now()
    assignee_user = aliased(User)
    with store.read() as s:
        q = (
            select(
                WorkOrder.id,
                WorkOrder.number,
                WorkOrder.title,
                WorkOrder.kind,
                WorkOrder.status,
                WorkOrder.priority,
                Asset.tag,
                assignee_user.login,
                Team.name,
                WorkOrder.requested_at,
                WorkOrder.due_at,
            )
            .join(Asset, col(Asset.id) == col(WorkOrder.asset_id), isouter=True)
            .join(
                assignee_user,
                col(assignee_user.id) == col(WorkOrder.assignee_id),
                isouter=True,
            )
            .join(Team, col(Team.id) == col(WorkOrder.team_id), isouter=True)
        )
        # Status and assignee match a large share of all work (most of it is closed;
        # one technician holds an eighth), so sorting every match by id would cost
        # seconds at a million rows. Their indexes are kept out of the plan (an
        # expression on the column) and the primary key is walked newest first,
        # which fills a page after a few hundred rows. An asset filter uses the asset
        # index and an overdue filter the board index (status, due date): both narrow.
        status_col = col(WorkOrder.status)
        by_status = status_col if overdue and not asset else status_col + ""
        if status:
            statuses = (status,) if isinstance(status, str) else status
            q = q.where(by_status.in_(statuses))
        if priority is not None:
            q = q.where(WorkOrder.priority == priority)
        if assignee:
            user_id = s.exec(select(User.id).where(User.login == assignee)).first()
            if user_id is None:
                raise NotFound(f"There is no user {assignee!r}.")
            q = q.where(col(WorkOrder.assignee_id) + 0 == user_id)
        if asset:
            asset_id = s.exec(select(Asset.id).where(Asset.tag == asset.strip())).first()
            if asset_id is None:
                raise NotFound(f"There is no asset tagged {asset!r}.")
            q = q.where(WorkOrder.asset_id == asset_id)
        if overdue:
            q = q.where(col(WorkOrder.due_at) < now, by_status.in_(lc.ACTIVE))
        if after is not None:
            q = q.where(col(WorkOrder.id) < after)
        rows = s.exec(q.order_by(col(WorkOrder.id).desc()).limit(limit + 1)).all()
    page = [
        WorkOrderRow(
            id=wid,
            number=num,
            label=wo_label(num),
            title=title,
            kind=kind,
            status=st,
            priority=prio,
            asset_tag=tag or "",
            assignee=login or "",
            team=team or "",
            requested_at=requested,
            due_at=due,
            overdue=_is_overdue(st, due, now),
        )
        for wid, num, title, kind, st, prio, tag, login, team, requested, due in rows[:limit]
    ]
    more = len(rows) > limit
    return WorkOrderPage(page, page[-1].id if more and page else None)

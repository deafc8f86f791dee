"""The verbs. Each is one transaction: check permission, check the transition,
write the change and its ``AuditEvent`` together, or refuse with a ``DomainError``
whose sentence a dispatcher understands.

Screens pass the ``version`` they displayed as ``expected_version``; if someone
else changed the work order since, the action is refused with who and when and
nothing is written.

Audit events carry enough to rebuild what they describe (``wo_tui.domain.audit``
replays them): a new work order or request records every field, a labour entry,
part usage or note its id and values (a note its body's digest), a removal the
values removed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, update
from sqlmodel import Session, col, select

from wo_tui import clock
from wo_tui.config import Settings
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain import sla
from wo_tui.domain.permissions import Actor
from wo_tui.domain.refs import parse_req, parse_wo, req_label, wo_label
from wo_tui.domain.units import check_minutes
from wo_tui.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleEdit,
    ValidationError,
)
from wo_tui.store.db import Store
from wo_tui.store.models import (
    Asset,
    AuditEvent,
    ChecklistItem,
    Counter,
    LabourEntry,
    Location,
    Note,
    Part,
    PartUsage,
    Team,
    User,
    WorkOrder,
    WorkRequest,
)
from wo_tui.text import MAX_TEXT, MAX_TITLE, clean, clean_line

MAX_QUANTITY = 100_000
EARLIEST_DATE = date(2000, 1, 1)

BOOKKEEPING = frozenset({"id", "version", "updated_at", "updated_by_id"})
"""Columns that change with every write and are not audited as fields."""
LABOUR_FIELDS = ("user_id", "work_date", "minutes", "rate_cents")
PART_FIELDS = ("part_id", "quantity", "unit_cost_cents")
"""What a labour entry's or part usage's audit records besides its id: what it costs."""


@dataclass(frozen=True)
class Ctx:
    """Everything a verb needs: where, who, and the site's rules."""

    store: Store
    actor: Actor
    settings: Settings = field(default_factory=Settings)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction that first makes sure, inside it, that the actor is
        still who they were when this process resolved them: an app left open after
        an admin deactivated its user, or changed their role or team, must not go on
        saving with the old rights."""
        with self.store.write() as s:
            changed = _changed_since_start(s, self.actor)
            if changed is not None:
                raise PermissionDenied(changed.refusal)
            yield s


@dataclass(frozen=True)
class Changed:
    """An admin changed this process's user after it resolved them."""

    login: str
    deactivated: bool

    @property
    def why(self) -> str:
        if self.deactivated:
            return f"{self.login} was deactivated after wo-tui started"
        return f"{self.login}'s role or team changed after wo-tui started"

    @property
    def refusal(self) -> str:
        if self.deactivated:
            return f"{self.why}: nothing was saved."
        return f"{self.why}: nothing was saved; start wo-tui again to work with the new one."


def standing(ctx: Ctx) -> Changed | None:
    """Whether this process's user is still who they started as (None) or not.

    The app asks whenever the data changed, so a session an admin deactivated or
    re-roled stops showing work as well as saving it."""
    with ctx.store.read() as s:
        return _changed_since_start(s, ctx.actor)


def _changed_since_start(s: Session, actor: Actor) -> Changed | None:
    """Reads columns, not the User object: a verb that locks users before reading them
    (admin's ``_active_admins``) must not find its own row already loaded unlocked."""
    user = s.exec(select(User.active, User.role, User.team_id).where(User.id == actor.id)).first()
    if user is None or not user.active:
        return Changed(actor.login, deactivated=True)
    if (user.role, user.team_id) != (actor.role, actor.team_id):
        return Changed(actor.login, deactivated=False)
    return None


@dataclass
class LabourInput:
    minutes: int
    work_date: date | None = None
    login: str | None = None


@dataclass
class PartInput:
    part_number: str
    quantity: float


@dataclass
class FollowUpInput:
    description: str
    urgency: int = 2
    impact: int = 2
    title: str = ""


@dataclass
class Closeout:
    """What the technician enters to complete; the form keeps it until it is accepted."""

    resolution: str = ""
    cause_code: str = ""
    remedy_code: str = ""
    no_parts_used: bool = False
    follow_up: bool | None = None
    follow_up_work: FollowUpInput | None = None
    labour: list[LabourInput] = field(default_factory=list)
    parts: list[PartInput] = field(default_factory=list)


# ---------------------------------------------------------------- helpers


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _audit(
    s: Session,
    actor: Actor,
    entity: str,
    entity_id: int,
    action: str,
    changes: dict[str, list[Any]],
    work_order_id: int | None = None,
) -> None:
    s.add(
        AuditEvent(
            at=clock.now(),
            actor_id=actor.id,
            entity=entity,
            entity_id=entity_id,
            work_order_id=work_order_id,
            action=action,
            changes=json.dumps(
                {k: [_json_value(a), _json_value(b)] for k, (a, b) in changes.items()},
                ensure_ascii=False,
            ),
        )
    )


def _set(obj: Any, **values: Any) -> dict[str, list[Any]]:
    """Assign fields and return ``{field: [old, new]}`` for those that changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [old, new]
            setattr(obj, name, new)
    return changes


def _wo_change(
    s: Session,
    ctx: Ctx,
    wo: WorkOrder,
    action: str,
    *,
    audit_only: dict[str, Any] | None = None,
    **values: Any,
) -> None:
    """Change ``values`` of ``wo`` and audit them; ``audit_only`` goes into the event
    as ``[null, value]`` without being a field (a reason with no column of its own)."""
    now = clock.now()
    changes = _set(wo, **values)
    for name, value in (audit_only or {}).items():
        changes[name] = [None, value]
    wo.updated_at = now
    wo.updated_by_id = ctx.actor.id
    s.add(wo)
    s.flush()
    assert wo.id is not None
    _audit(s, ctx.actor, "work_order", wo.id, action, changes, wo.id)


def snapshot(row: Any) -> dict[str, list[Any]]:
    """Every column of a new row as ``[null, value]``: a creation event the audit
    replay can rebuild the row from."""
    return {
        c.name: [None, getattr(row, c.name)]
        for c in type(row).__table__.columns
        if c.name not in BOOKKEEPING
    }


def note_digest(body: str) -> str:
    """What a note's audit keeps of its text: enough to show it was not edited."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def next_number(s: Session, series: str) -> int:
    """Bump a counter inside the caller's transaction (row lock on PostgreSQL,
    the write lock on SQLite): numbers never repeat across writers. Rows written
    with explicit numbers (an import) move it on: it never hands out a number
    below the largest in the table (one step down the unique index)."""
    table = WorkOrder if series == "WO" else WorkRequest
    largest = select(func.coalesce(func.max(table.number), 0)).scalar_subquery()
    result = s.execute(
        update(Counter)
        .where(col(Counter.name) == series)
        .values(value=case((largest > Counter.value, largest), else_=Counter.value) + 1)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        start = s.exec(select(func.coalesce(func.max(table.number), 0))).one()
        s.add(Counter(name=series, value=start + 1))
        s.flush()
        return int(start) + 1
    return int(s.exec(select(Counter.value).where(Counter.name == series)).one())


def _text(value: str, what: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = clean(value or "").strip()
    if required and not value:
        raise ValidationError(f"{what} is empty: write what is needed.")
    if len(value) > limit:
        raise ValidationError(
            f"{what} is {len(value):,} characters; the limit is {limit:,}. Attach long logs elsewhere."
        )
    return value


def _title_from(description: str) -> str:
    first = clean_line(description.split("\n", 1)[0])
    return first if len(first) <= 80 else first[:79] + "…"


def _load_wo(s: Session, ref: str | int) -> WorkOrder:
    """Load and lock the work order for this transaction.

    On PostgreSQL two verbs on one work order then run one after the other, and the
    second sees the first's result (a status it can refuse by name) instead of
    failing on the version column; notes and entries added at once stop racing in
    the search index triggers. SQLite's write lock already serialises everything.
    """
    number = parse_wo(ref)
    wo = s.exec(select(WorkOrder).where(WorkOrder.number == number).with_for_update()).first()
    if wo is None:
        raise NotFound(f"There is no work order {wo_label(number)}.")
    return wo


def _load_req(s: Session, ref: str | int) -> WorkRequest:
    number = parse_req(ref)
    req = s.exec(select(WorkRequest).where(WorkRequest.number == number)).first()
    if req is None:
        raise NotFound(f"There is no request {req_label(number)}.")
    return req


def _check_version(s: Session, wo: WorkOrder, expected: int | None) -> None:
    """Refuse a save based on an old copy. Who and when come from the work order's
    own ``updated_by``/``updated_at``: notes, labour and parts are audited against the
    work order too but do not change it, so the newest audit row may name the wrong
    person."""
    if expected is None or wo.version == expected:
        return
    editor = s.get(User, wo.updated_by_id) if wo.updated_by_id is not None else None
    who = editor.login if editor is not None else "someone"
    local = wo.updated_at.astimezone()
    today = clock.now().astimezone().date()
    when = local.strftime("%H:%M") if local.date() == today else local.strftime("%Y-%m-%d %H:%M")
    raise StaleEdit(f"{wo_label(wo.number)} was changed by {who} at {when} - reloaded.")


def _user_by_login(s: Session, login: str) -> User:
    user = s.exec(select(User).where(User.login == login)).first()
    if user is None or not user.active:
        raise NotFound(f"There is no active user {login!r}.")
    return user


def _team_by_name(s: Session, name: str) -> Team:
    team = s.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        raise NotFound(f"There is no team {name!r}.")
    return team


def _asset_by_tag(s: Session, tag: str) -> Asset:
    asset = s.exec(select(Asset).where(Asset.tag == tag.strip())).first()
    if asset is None:
        raise NotFound(f"There is no asset tagged {tag!r}.")
    return asset


def _locate(
    s: Session, asset_tag: str | None, location_id: int | None
) -> tuple[Asset | None, int | None, int | None]:
    """(asset, location id, site id): the location comes from the asset when there is one."""
    if asset_tag:
        asset = _asset_by_tag(s, asset_tag)
        return asset, asset.location_id, asset.site_id
    if location_id is not None:
        loc = s.get(Location, location_id)
        if loc is None:
            raise NotFound(f"There is no location #{location_id}.")
        return None, loc.id, loc.site_id
    return None, None, None


def _new_work_order(
    s: Session,
    ctx: Ctx,
    *,
    title: str,
    description: str,
    kind: str,
    urgency: int,
    impact: int,
    requested_at: datetime,
    asset_id: int | None,
    location_id: int | None,
    site_id: int | None,
    requester: str = "",
    source: str = "operator",
    parent_id: int | None = None,
    pm_schedule_id: int | None = None,
    estimated_minutes: int = 0,
    priority: int | None = None,
) -> WorkOrder:
    if kind not in lc.KINDS:
        raise ValidationError(f"Kind must be one of {', '.join(lc.KINDS)}, not {kind!r}.")
    prio = priority if priority is not None else sla.priority(urgency, impact)
    response_due, due = sla.due_dates(requested_at, prio, ctx.settings.sla)
    now = clock.now()
    wo = WorkOrder(
        number=next_number(s, "WO"),
        title=title,
        description=description,
        kind=kind,
        source=source,
        requester=requester,
        urgency=urgency,
        impact=impact,
        priority=prio,
        status=lc.OPEN,
        site_id=site_id,
        asset_id=asset_id,
        location_id=location_id,
        parent_id=parent_id,
        pm_schedule_id=pm_schedule_id,
        estimated_minutes=estimated_minutes,
        requested_at=requested_at,
        approved_at=now,
        response_due_at=response_due,
        due_at=due,
        updated_at=now,
        updated_by_id=ctx.actor.id,
    )
    s.add(wo)
    s.flush()
    assert wo.id is not None
    _audit(s, ctx.actor, "work_order", wo.id, "create", snapshot(wo), wo.id)
    return wo


# ---------------------------------------------------------------- requests


def submit_request(
    ctx: Ctx,
    *,
    requester: str,
    description: str,
    urgency: int,
    impact: int,
    contact: str = "",
    source: str = "operator",
    asset_tag: str | None = None,
    location_id: int | None = None,
    title: str = "",
) -> WorkRequest:
    perm.require(ctx.actor, "submit_request")
    problems: list[str] = []
    requester = clean_line(requester or "")
    if not requester:
        problems.append("Requester is empty: say who is asking.")
    try:
        description = _text(description, "Description")
    except ValidationError as exc:
        problems.append(exc.message)
    if source not in lc.SOURCES:
        problems.append(f"Source must be one of {', '.join(lc.SOURCES)}.")
    for name, value in (("Urgency", urgency), ("Impact", impact)):
        try:
            sla.check_level(name, value)
        except ValidationError as exc:
            problems.append(exc.message)
    if problems:
        raise ValidationError(problems[0] if len(problems) == 1 else "; ".join(problems), problems)
    title = clean_line(title)[:MAX_TITLE] or _title_from(description)
    with ctx.write() as s:
        asset, location, site = _locate(s, asset_tag, location_id)
        req = WorkRequest(
            number=next_number(s, "REQ"),
            requester=requester[:200],
            contact=clean_line(contact)[:200],
            source=source,
            site_id=site,
            asset_id=asset.id if asset else None,
            location_id=location,
            title=title,
            description=description,
            urgency=urgency,
            impact=impact,
            priority=sla.priority(urgency, impact),
            status=lc.REQ_NEW,
            submitted_by_id=ctx.actor.id,
            submitted_at=clock.now(),
        )
        s.add(req)
        s.flush()
        assert req.id is not None
        _audit(s, ctx.actor, "work_request", req.id, "submit", snapshot(req))
    return req


def _open_request(s: Session, ref: str | int) -> WorkRequest:
    req = _load_req(s, ref)
    if req.status != lc.REQ_NEW:
        raise InvalidTransition(f"{req_label(req.number)} is already {req.status}.")
    return req


def approve_request(
    ctx: Ctx, ref: str | int, *, kind: str = lc.REACTIVE, title: str = ""
) -> WorkOrder:
    perm.require(ctx.actor, "approve_request")
    with ctx.write() as s:
        req = _open_request(s, ref)
        wo = _new_work_order(
            s,
            ctx,
            title=clean_line(title)[:MAX_TITLE] or req.title,
            description=req.description,
            kind=kind,
            urgency=req.urgency,
            impact=req.impact,
            requested_at=req.submitted_at,
            asset_id=req.asset_id,
            location_id=req.location_id,
            site_id=req.site_id,
            requester=req.requester,
            source=req.source,
        )
        changes = _set(
            req,
            status=lc.REQ_APPROVED,
            work_order_id=wo.id,
            triaged_by_id=ctx.actor.id,
            triaged_at=clock.now(),
        )
        s.add(req)
        assert req.id is not None
        _audit(s, ctx.actor, "work_request", req.id, "approve", changes, wo.id)
    return wo


def reject_request(ctx: Ctx, ref: str | int, reason: str) -> WorkRequest:
    perm.require(ctx.actor, "reject_request")
    reason = _text(reason, "The reason for rejecting")
    with ctx.write() as s:
        req = _open_request(s, ref)
        changes = _set(
            req,
            status=lc.REQ_REJECTED,
            reject_reason=reason,
            triaged_by_id=ctx.actor.id,
            triaged_at=clock.now(),
        )
        s.add(req)
        assert req.id is not None
        _audit(s, ctx.actor, "work_request", req.id, "reject", changes)
    return req


def mark_duplicate(ctx: Ctx, ref: str | int, of_work_order: str | int) -> WorkRequest:
    perm.require(ctx.actor, "mark_duplicate")
    with ctx.write() as s:
        req = _open_request(s, ref)
        wo = _load_wo(s, of_work_order)
        if wo.status == lc.CANCELLED:
            raise InvalidTransition(
                f"{wo_label(wo.number)} was cancelled: approve the request instead."
            )
        changes = _set(
            req,
            status=lc.REQ_DUPLICATE,
            work_order_id=wo.id,
            triaged_by_id=ctx.actor.id,
            triaged_at=clock.now(),
        )
        s.add(req)
        assert req.id is not None
        _audit(s, ctx.actor, "work_request", req.id, "duplicate", changes, wo.id)
    return req


def set_request_priority(ctx: Ctx, ref: str | int, urgency: int, impact: int) -> WorkRequest:
    perm.require(ctx.actor, "set_priority")
    prio = sla.priority(urgency, impact)
    with ctx.write() as s:
        req = _open_request(s, ref)
        changes = _set(req, urgency=urgency, impact=impact, priority=prio)
        s.add(req)
        assert req.id is not None
        _audit(s, ctx.actor, "work_request", req.id, "set_priority", changes)
    return req


# ---------------------------------------------------------------- work orders


def create_work_order(
    ctx: Ctx,
    *,
    title: str,
    description: str = "",
    kind: str = lc.CORRECTIVE,
    urgency: int = 2,
    impact: int = 2,
    asset_tag: str | None = None,
    location_id: int | None = None,
    estimated_minutes: int = 0,
    parent: str | int | None = None,
) -> WorkOrder:
    """Raise work directly (a dispatcher's own finding), without a request."""
    perm.require(ctx.actor, "create_work_order")
    title = _text(title, "Title", limit=MAX_TITLE)
    title = clean_line(title)
    description = _text(description, "Description", required=False)
    if estimated_minutes < 0:
        raise ValidationError("Estimated time cannot be negative.")
    with ctx.write() as s:
        parent_wo = _load_wo(s, parent) if parent is not None else None
        asset, location, site = _locate(s, asset_tag, location_id)
        if parent_wo is not None and asset is None and location is None:
            asset_id, location, site = parent_wo.asset_id, parent_wo.location_id, parent_wo.site_id
        else:
            asset_id = asset.id if asset else None
        return _new_work_order(
            s,
            ctx,
            title=title,
            description=description,
            kind=kind,
            urgency=urgency,
            impact=impact,
            requested_at=clock.now(),
            asset_id=asset_id,
            location_id=location,
            site_id=site,
            requester=ctx.actor.display_name,
            parent_id=parent_wo.id if parent_wo else None,
            estimated_minutes=estimated_minutes,
        )


def _begin(
    s: Session, ctx: Ctx, ref: str | int, action: str, expected_version: int | None
) -> WorkOrder:
    """Load, check freshness, check the transition: the common start of a verb."""
    wo = _load_wo(s, ref)
    _check_version(s, wo, expected_version)
    lc.check(action, wo_label(wo.number), wo.status)
    return wo


def set_priority(
    ctx: Ctx, ref: str | int, urgency: int, impact: int, *, expected_version: int | None = None
) -> WorkOrder:
    perm.require(ctx.actor, "set_priority")
    prio = sla.priority(urgency, impact)
    with ctx.write() as s:
        wo = _begin(s, ctx, ref, "set_priority", expected_version)
        response_due, due = sla.due_dates(wo.requested_at, prio, ctx.settings.sla)
        _wo_change(
            s,
            ctx,
            wo,
            "set_priority",
            urgency=urgency,
            impact=impact,
            priority=prio,
            response_due_at=response_due,
            due_at=due,
        )
    return wo


def assign(
    ctx: Ctx,
    ref: str | int,
    *,
    assignee: str | None = None,
    team: str | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    perm.require(ctx.actor, "assign")
    if not assignee and not team:
        raise ValidationError("Assign to a technician, a team, or both.")
    with ctx.write() as s:
        wo = _begin(s, ctx, ref, "assign", expected_version)
        user = _user_by_login(s, assignee) if assignee else None
        if user is not None and user.role == perm.REQUESTER:
            raise ValidationError(f"{user.login} is a requester and cannot be assigned work.")
        team_row = _team_by_name(s, team) if team else None
        team_id = team_row.id if team_row else (user.team_id if user else None)
        _wo_change(
            s,
            ctx,
            wo,
            "assign",
            assignee_id=user.id if user else None,
            team_id=team_id,
            status=lc.ASSIGNED,
            hold_reason="",
        )
    return wo


def start(ctx: Ctx, ref: str | int, *, expected_version: int | None = None) -> WorkOrder:
    with ctx.write() as s:
        wo = _load_wo(s, ref)
        perm.require_work(ctx.actor, "start", wo_label(wo.number), wo.assignee_id, wo.team_id)
        _check_version(s, wo, expected_version)
        lc.check("start", wo_label(wo.number), wo.status)
        values: dict[str, Any] = {"status": lc.IN_PROGRESS}
        if wo.started_at is None:
            values["started_at"] = clock.now()
        if wo.assignee_id is None:
            values["assignee_id"] = ctx.actor.id
        _wo_change(s, ctx, wo, "start", **values)
    return wo


def hold(
    ctx: Ctx,
    ref: str | int,
    reason_code: str,
    detail: str = "",
    *,
    expected_version: int | None = None,
) -> WorkOrder:
    if reason_code not in lc.HOLD_REASONS:
        raise ValidationError(
            f"Hold reason must be one of {', '.join(lc.HOLD_REASONS)}, not {reason_code!r}."
        )
    detail = clean_line(detail)[:150]
    if reason_code == "other" and not detail:
        raise ValidationError("Say why the work is on hold.")
    reason = lc.HOLD_REASONS[reason_code] + (f": {detail}" if detail else "")
    with ctx.write() as s:
        wo = _load_wo(s, ref)
        perm.require_work(ctx.actor, "hold", wo_label(wo.number), wo.assignee_id, wo.team_id)
        _check_version(s, wo, expected_version)
        lc.check("hold", wo_label(wo.number), wo.status)
        _wo_change(s, ctx, wo, "hold", status=lc.ON_HOLD, hold_reason=reason)
    return wo


def resume(ctx: Ctx, ref: str | int, *, expected_version: int | None = None) -> WorkOrder:
    with ctx.write() as s:
        wo = _load_wo(s, ref)
        perm.require_work(ctx.actor, "resume", wo_label(wo.number), wo.assignee_id, wo.team_id)
        _check_version(s, wo, expected_version)
        lc.check("resume", wo_label(wo.number), wo.status)
        _wo_change(s, ctx, wo, "resume", status=lc.IN_PROGRESS, hold_reason="")
    return wo


def _checked_labour(entry: LabourInput) -> tuple[int, date]:
    """Minutes and date of a labour entry, or the ``ValidationError`` a form shows;
    no database needed, so closeout can list these with its other problems."""
    minutes = check_minutes(entry.minutes)
    today = clock.now().astimezone().date()
    work_date = entry.work_date or today
    if work_date > today:
        raise ValidationError(f"Labour date {work_date} is in the future.")
    if work_date < EARLIEST_DATE:
        raise ValidationError(f"Labour date {work_date} is too far in the past.")
    return minutes, work_date


def _check_quantity(quantity: float) -> None:
    if not math.isfinite(quantity) or quantity <= 0:
        raise ValidationError("Quantity used must be more than zero.")
    if quantity > MAX_QUANTITY:
        raise ValidationError(f"Quantity {quantity:g} is not believable (limit {MAX_QUANTITY:,}).")


def _add_labour(s: Session, ctx: Ctx, wo: WorkOrder, entry: LabourInput) -> LabourEntry:
    minutes, work_date = _checked_labour(entry)
    if entry.login and entry.login != ctx.actor.login:
        perm.require(ctx.actor, "assign", "time for someone else")
        worker = _user_by_login(s, entry.login)
    else:
        worker = s.get(User, ctx.actor.id)
        assert worker is not None
    assert worker.id is not None and wo.id is not None
    row = LabourEntry(
        work_order_id=wo.id,
        user_id=worker.id,
        work_date=work_date,
        minutes=minutes,
        rate_cents=worker.hourly_rate_cents,
        created_at=clock.now(),
        created_by_id=ctx.actor.id,
    )
    s.add(row)
    s.flush()
    _audit(s, ctx.actor, "work_order", wo.id, "log_labour", _entry(row, LABOUR_FIELDS), wo.id)
    return row


def _add_part(s: Session, ctx: Ctx, wo: WorkOrder, item: PartInput) -> PartUsage:
    _check_quantity(item.quantity)
    part = s.exec(select(Part).where(Part.number == item.part_number.strip())).first()
    if part is None or not part.active:
        raise NotFound(f"There is no part {item.part_number!r} in the catalogue.")
    assert part.id is not None and wo.id is not None
    row = PartUsage(
        work_order_id=wo.id,
        part_id=part.id,
        quantity=item.quantity,
        unit_cost_cents=part.unit_cost_cents,
        created_at=clock.now(),
        created_by_id=ctx.actor.id,
    )
    s.add(row)
    s.flush()
    _audit(s, ctx.actor, "work_order", wo.id, "use_part", _entry(row, PART_FIELDS), wo.id)
    return row


def _entry(row: LabourEntry | PartUsage, fields: tuple[str, ...]) -> dict[str, list[Any]]:
    """A new entry's audit: ``{table: [null, id], field: [null, value], ...}``."""
    values = {name: [None, getattr(row, name)] for name in fields}
    return {str(type(row).__tablename__): [None, row.id], **values}


def _workable(
    s: Session, ctx: Ctx, ref: str | int, action: str, expected_version: int | None = None
) -> WorkOrder:
    wo = _load_wo(s, ref)
    perm.require_work(ctx.actor, action, wo_label(wo.number), wo.assignee_id, wo.team_id)
    _check_version(s, wo, expected_version)
    lc.check(action, wo_label(wo.number), wo.status)
    return wo


def add_note(ctx: Ctx, ref: str | int, body: str, *, expected_version: int | None = None) -> Note:
    body = _text(body, "The note")
    with ctx.write() as s:
        wo = _load_wo(s, ref)
        if ctx.actor.role == perm.TECHNICIAN:
            perm.require_work(
                ctx.actor, "add_note", wo_label(wo.number), wo.assignee_id, wo.team_id
            )
        else:
            perm.require(ctx.actor, "add_note")
        _check_version(s, wo, expected_version)
        lc.check("add_note", wo_label(wo.number), wo.status)
        assert wo.id is not None
        note = Note(work_order_id=wo.id, author_id=ctx.actor.id, created_at=clock.now(), body=body)
        s.add(note)
        s.flush()
        _audit(
            s,
            ctx.actor,
            "work_order",
            wo.id,
            "add_note",
            {"note": [None, note.id], "body_sha256": [None, note_digest(body)]},
            wo.id,
        )
    return note


def log_labour(
    ctx: Ctx,
    ref: str | int,
    minutes: int,
    *,
    work_date: date | None = None,
    login: str | None = None,
    expected_version: int | None = None,
) -> LabourEntry:
    with ctx.write() as s:
        wo = _workable(s, ctx, ref, "log_labour", expected_version)
        return _add_labour(s, ctx, wo, LabourInput(minutes, work_date, login))


def use_part(
    ctx: Ctx,
    ref: str | int,
    part_number: str,
    quantity: float,
    *,
    expected_version: int | None = None,
) -> PartUsage:
    with ctx.write() as s:
        wo = _workable(s, ctx, ref, "use_part", expected_version)
        return _add_part(s, ctx, wo, PartInput(part_number, quantity))


def _remove_entry(
    ctx: Ctx,
    ref: str | int,
    model: type[LabourEntry] | type[PartUsage],
    entry_id: int,
    expected_version: int | None,
) -> None:
    """Delete an entry; its audit keeps the values removed, so the trail still says
    what was booked and by whom."""
    labour = model is LabourEntry
    what = "labour" if labour else "part"
    with ctx.write() as s:
        wo = _workable(s, ctx, ref, "log_labour" if labour else "use_part", expected_version)
        if wo.status == lc.COMPLETED:
            raise InvalidTransition(f"{wo_label(wo.number)} is completed: entries are frozen.")
        row = s.get(model, entry_id)
        if row is None or row.work_order_id != wo.id:
            raise NotFound(f"{wo_label(wo.number)} has no {what} entry #{entry_id}.")
        assert wo.id is not None
        removed = {
            k: [new, old]
            for k, (old, new) in _entry(row, LABOUR_FIELDS if labour else PART_FIELDS).items()
        }
        _audit(s, ctx.actor, "work_order", wo.id, f"remove_{what}", removed, wo.id)
        s.delete(row)


def remove_labour(
    ctx: Ctx, ref: str | int, entry_id: int, *, expected_version: int | None = None
) -> None:
    _remove_entry(ctx, ref, LabourEntry, entry_id, expected_version)


def remove_part_usage(
    ctx: Ctx, ref: str | int, usage_id: int, *, expected_version: int | None = None
) -> None:
    _remove_entry(ctx, ref, PartUsage, usage_id, expected_version)


def closeout_counts(s: Session, work_order_id: int) -> tuple[int, int, int]:
    """(labour entries, part usages, checklist items not yet ticked) already saved."""

    def count(model: Any, *where: Any) -> int:
        query = select(func.count()).select_from(model).where(*where)
        return int(s.exec(query).one())

    return (
        count(LabourEntry, LabourEntry.work_order_id == work_order_id),
        count(PartUsage, PartUsage.work_order_id == work_order_id),
        count(
            ChecklistItem,
            ChecklistItem.work_order_id == work_order_id,
            ChecklistItem.result == "",
        ),
    )


def closeout_problems(
    ctx: Ctx,
    wo: WorkOrder,
    c: Closeout,
    labour_count: int,
    parts_count: int,
    unticked: int = 0,
) -> list[str]:
    """Everything missing, all at once, so the form can list it."""
    problems = []
    if unticked:
        problems.append(
            f"Checklist: {unticked} item{'s' if unticked > 1 else ''} not ticked "
            "(mark each pass, fail or n/a)."
        )
    resolution = clean(c.resolution).strip()
    if not resolution:
        problems.append("Resolution notes: say what was done.")
    elif len(resolution) > MAX_TEXT:
        problems.append(f"Resolution notes are longer than {MAX_TEXT:,} characters.")
    if labour_count + len(c.labour) == 0:
        problems.append("Labour: log at least one time entry.")
    for entry in c.labour:
        try:
            _checked_labour(entry)
        except ValidationError as exc:
            problems.append(f"Labour: {exc.message}")
    for item in c.parts:
        try:
            _check_quantity(item.quantity)
        except ValidationError as exc:
            problems.append(f"Parts: {item.part_number}: {exc.message}")
    if parts_count + len(c.parts) == 0 and not c.no_parts_used:
        problems.append("Parts: add the parts used, or tick 'no parts used'.")
    if parts_count + len(c.parts) > 0 and c.no_parts_used:
        problems.append("Parts: parts are listed, so 'no parts used' cannot be ticked.")
    if wo.kind in lc.NEEDS_CAUSE:
        if c.cause_code not in ctx.settings.cause_codes:
            problems.append("Cause code: pick one from the list.")
        if c.remedy_code not in ctx.settings.remedy_codes:
            problems.append("Remedy code: pick one from the list.")
    else:
        if c.cause_code and c.cause_code not in ctx.settings.cause_codes:
            problems.append(f"Cause code {c.cause_code!r} is not in the list.")
        if c.remedy_code and c.remedy_code not in ctx.settings.remedy_codes:
            problems.append(f"Remedy code {c.remedy_code!r} is not in the list.")
    if c.follow_up is None:
        problems.append("Follow-up: decide whether more work is needed.")
    elif c.follow_up:
        fu = c.follow_up_work
        if fu is None or not clean(fu.description).strip():
            problems.append("Follow-up: describe the work that is still needed.")
        elif len(clean(fu.description).strip()) > MAX_TEXT:
            problems.append(f"Follow-up: the description is longer than {MAX_TEXT:,} characters.")
        elif fu.urgency not in sla.LEVELS or fu.impact not in sla.LEVELS:
            problems.append("Follow-up: urgency and impact must be 1, 2 or 3.")
    return problems


def complete(
    ctx: Ctx, ref: str | int, closeout: Closeout, *, expected_version: int | None = None
) -> WorkOrder:
    with ctx.write() as s:
        wo = _load_wo(s, ref)
        label = wo_label(wo.number)
        perm.require_work(ctx.actor, "complete", label, wo.assignee_id, wo.team_id)
        _check_version(s, wo, expected_version)
        lc.check("complete", label, wo.status)
        assert wo.id is not None
        problems = closeout_problems(ctx, wo, closeout, *closeout_counts(s, wo.id))
        if problems:
            raise ValidationError(
                f"{label} cannot be completed yet: {len(problems)} thing"
                f"{'s' if len(problems) > 1 else ''} missing.",
                problems,
            )
        for entry in closeout.labour:
            _add_labour(s, ctx, wo, entry)
        for item in closeout.parts:
            _add_part(s, ctx, wo, item)
        _wo_change(
            s,
            ctx,
            wo,
            "complete",
            status=lc.COMPLETED,
            completed_at=clock.now(),
            resolution=clean(closeout.resolution).strip(),
            cause_code=closeout.cause_code,
            remedy_code=closeout.remedy_code,
            no_parts_used=closeout.no_parts_used,
            follow_up="needed" if closeout.follow_up else "none",
            send_back_reason="",
        )
        fu = closeout.follow_up_work
        if closeout.follow_up and fu is not None:
            description = _text(fu.description, "Follow-up description")
            _new_work_order(
                s,
                ctx,
                title=clean_line(fu.title)[:MAX_TITLE] or _title_from(description),
                description=description,
                kind=lc.FOLLOW_UP,
                urgency=fu.urgency,
                impact=fu.impact,
                requested_at=clock.now(),
                asset_id=wo.asset_id,
                location_id=wo.location_id,
                site_id=wo.site_id,
                requester=ctx.actor.display_name,
                parent_id=wo.id,
            )
    return wo


def send_back(
    ctx: Ctx, ref: str | int, reason: str, *, expected_version: int | None = None
) -> WorkOrder:
    perm.require(ctx.actor, "send_back")
    reason = _text(reason, "The reason for sending it back")
    with ctx.write() as s:
        wo = _begin(s, ctx, ref, "send_back", expected_version)
        _wo_change(
            s,
            ctx,
            wo,
            "send_back",
            status=lc.IN_PROGRESS,
            completed_at=None,
            send_back_reason=reason,
        )
    return wo


def close(ctx: Ctx, ref: str | int, *, expected_version: int | None = None) -> WorkOrder:
    perm.require(ctx.actor, "close")
    with ctx.write() as s:
        wo = _begin(s, ctx, ref, "close", expected_version)
        _wo_change(s, ctx, wo, "close", status=lc.CLOSED, closed_at=clock.now())
    return wo


def cancel(
    ctx: Ctx, ref: str | int, reason: str, *, expected_version: int | None = None
) -> WorkOrder:
    perm.require(ctx.actor, "cancel")
    reason = _text(reason, "The reason for cancelling")
    with ctx.write() as s:
        wo = _begin(s, ctx, ref, "cancel", expected_version)
        _wo_change(
            s,
            ctx,
            wo,
            "cancel",
            status=lc.CANCELLED,
            cancelled_at=clock.now(),
            cancel_reason=reason,
        )
    return wo


def reopen(
    ctx: Ctx, ref: str | int, reason: str, *, expected_version: int | None = None
) -> WorkOrder:
    perm.require(ctx.actor, "reopen")
    reason = _text(reason, "The reason for reopening")
    with ctx.write() as s:
        wo = _begin(s, ctx, ref, "reopen", expected_version)
        status = lc.ASSIGNED if (wo.assignee_id or wo.team_id) else lc.OPEN
        _wo_change(
            s,
            ctx,
            wo,
            "reopen",
            audit_only={"reason": reason},
            status=status,
            closed_at=None,
            cancelled_at=None,
            completed_at=None,
        )
    return wo

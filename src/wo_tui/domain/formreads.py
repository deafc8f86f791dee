"""Reads the forms and records need besides ``views``: type-ahead searches, the
locations, open work on an asset, the requester's contact, and the work order being
closed with what is already logged on it.

Kept apart from ``store.queries`` (the board's paged reads); the screens may not
import SQL, so these small reads live in the domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain.permissions import Actor
from wo_tui.domain.refs import parse_wo, req_label, wo_label
from wo_tui.domain.services import Closeout, Ctx, closeout_counts, closeout_problems
from wo_tui.errors import NotFound
from wo_tui.store.db import Store
from wo_tui.store.models import (
    Asset,
    LabourEntry,
    Location,
    Part,
    PartUsage,
    User,
    WorkOrder,
    WorkRequest,
)

CHOICE_LIMIT = 20_000
"""Locations are listed whole in a select; a site has far fewer than this."""
LOOKUP_LIMIT = 50
"""Matches fetched per keystroke of a type-ahead: enough to pick from, cheap to read."""


@dataclass(frozen=True)
class Choice:
    """One entry of a type-ahead list: the key that is saved and words to match and show."""

    key: str
    name: str
    detail: str = ""


@dataclass(frozen=True)
class OpenWork:
    """Work already raised on an asset: the intake form and a request's record warn of
    a possible duplicate (and the record opens it)."""

    label: str
    status: str
    title: str
    number: int = 0
    is_request: bool = False


@dataclass(frozen=True)
class LoggedLabour:
    id: int
    login: str
    work_date: date
    minutes: int


@dataclass(frozen=True)
class LoggedPart:
    id: int
    part_number: str
    name: str
    quantity: float


@dataclass(frozen=True)
class CloseoutTarget:
    """The work order a closeout form completes, with what is already logged on it."""

    number: int
    label: str
    title: str
    kind: str
    status: str
    version: int
    asset: str
    labour: list[LoggedLabour] = field(default_factory=list)
    parts: list[LoggedPart] = field(default_factory=list)


MAX_WORDS = 5


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _every_word(text: str, *columns: Any) -> ColumnElement[bool]:
    """Each word typed appears in one of ``columns`` (``mech seal`` finds "Mechanical seal")."""
    words = text.split()[:MAX_WORDS] or [""]
    return and_(*(or_(*(col(c).ilike(_like(w), escape="\\") for c in columns)) for w in words))


def find_assets(store: Store, text: str, limit: int = LOOKUP_LIMIT) -> list[Choice]:
    """Assets whose tag or name holds every word of ``text``, with where they are."""
    with store.read() as s:
        rows = s.exec(
            select(Asset.tag, Asset.name, Location.path)
            .join(Location, col(Location.id) == col(Asset.location_id), isouter=True)
            .where(_every_word(text, Asset.tag, Asset.name))
            .order_by(col(Asset.tag))
            .limit(limit)
        ).all()
    return [Choice(tag, name, path or "") for tag, name, path in rows]


def location_choices(store: Store) -> list[tuple[int, str]]:
    with store.read() as s:
        rows = s.exec(
            select(Location.id, Location.path, Location.name)
            .order_by(col(Location.path), col(Location.name))
            .limit(CHOICE_LIMIT)
        ).all()
    return [(loc_id, path or name) for loc_id, path, name in rows if loc_id is not None]


def find_parts(store: Store, text: str, limit: int = LOOKUP_LIMIT) -> list[Choice]:
    """Active parts whose number or name holds every word of ``text``."""
    with store.read() as s:
        rows = s.exec(
            select(Part.number, Part.name, Part.unit)
            .where(col(Part.active).is_(True), _every_word(text, Part.number, Part.name))
            .order_by(col(Part.number))
            .limit(limit)
        ).all()
    return [Choice(number, name, unit) for number, name, unit in rows]


def open_work_for_asset(
    store: Store, tag: str, limit: int = 5, *, besides: int | None = None
) -> list[OpenWork]:
    """Active work orders and untriaged requests on the asset, newest first; ``besides``
    is a request number to leave out (the one being looked at)."""
    with store.read() as s:
        asset_id = s.exec(select(Asset.id).where(Asset.tag == tag)).first()
        if asset_id is None:
            return []
        orders = s.exec(
            select(WorkOrder.number, WorkOrder.status, WorkOrder.title)
            .where(WorkOrder.asset_id == asset_id, col(WorkOrder.status).in_(lc.ACTIVE))
            .order_by(col(WorkOrder.requested_at).desc(), col(WorkOrder.id).desc())
            .limit(limit)
        ).all()
        waiting = select(WorkRequest.number, WorkRequest.title).where(
            WorkRequest.asset_id == asset_id, WorkRequest.status == lc.REQ_NEW
        )
        if besides is not None:
            waiting = waiting.where(WorkRequest.number != besides)
        requests = s.exec(
            waiting.order_by(
                col(WorkRequest.submitted_at).desc(), col(WorkRequest.id).desc()
            ).limit(limit)
        ).all()
    found = [OpenWork(wo_label(n), lc.STATUS_LABELS[st], t, n) for n, st, t in orders]
    found += [OpenWork(req_label(n), "awaiting triage", t, n, True) for n, t in requests]
    return found[:limit]


def requester_contact(store: Store, ref: str | int, *, actor: Actor) -> str:
    """How to reach whoever asked for the work order: the technician on the job is the
    one who calls them, so whoever may read the work order gets it (the request itself
    stays the dispatcher's)."""
    perm.require(actor, "view_all_work", "(show work orders)")
    number = parse_wo(ref)
    with store.read() as s:
        contact = s.exec(
            select(WorkRequest.contact)
            .join(WorkOrder, col(WorkOrder.id) == col(WorkRequest.work_order_id))
            .where(WorkOrder.number == number, WorkRequest.status == lc.REQ_APPROVED)
            .order_by(col(WorkRequest.id))
        ).first()
    return contact or ""


def closeout_target(store: Store, ref: str | int) -> CloseoutTarget:
    number = parse_wo(ref)
    with store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).first()
        if wo is None or wo.id is None:
            raise NotFound(f"There is no work order {wo_label(number)}.")
        tag = s.exec(select(Asset.tag).where(Asset.id == wo.asset_id)).first() or ""
        labour = s.exec(
            select(LabourEntry.id, User.login, LabourEntry.work_date, LabourEntry.minutes)
            .join(User, col(User.id) == col(LabourEntry.user_id))
            .where(LabourEntry.work_order_id == wo.id)
            .order_by(col(LabourEntry.id))
        ).all()
        parts = s.exec(
            select(PartUsage.id, Part.number, Part.name, PartUsage.quantity)
            .join(Part, col(Part.id) == col(PartUsage.part_id))
            .where(PartUsage.work_order_id == wo.id)
            .order_by(col(PartUsage.id))
        ).all()
    return CloseoutTarget(
        number=wo.number,
        label=wo_label(wo.number),
        title=wo.title,
        kind=wo.kind,
        status=wo.status,
        version=wo.version,
        asset=tag,
        labour=[LoggedLabour(i, lg, d, m) for i, lg, d, m in labour if i is not None],
        parts=[LoggedPart(i, n, nm, q) for i, n, nm, q in parts if i is not None],
    )


def closeout_check(ctx: Ctx, ref: str | int, closeout: Closeout) -> list[str]:
    """What ``complete`` would refuse, without writing: the form lists it with its own."""
    with ctx.store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == parse_wo(ref))).first()
        if wo is None:
            raise NotFound(f"There is no work order {wo_label(parse_wo(ref))}.")
        assert wo.id is not None
        counts = closeout_counts(s, wo.id)
    return closeout_problems(ctx, wo, closeout, *counts)

"""Checking that the audit trail explains every row it covers.

Every service writes its change and its ``AuditEvent`` in one transaction: creation
events (``create``, ``submit``, ``bootstrap``, ``import``) carry ``[null, value]``
snapshots, later events ``[old, new]``. Replaying a work order's, a request's or a
user's events in order must therefore give the row as it is now. A field that
differs was changed behind the app's back (another tool, a raw ``UPDATE``), and an
event whose ``old`` differs from the replay so far means the trail itself was edited
or lost a row.

Labour entries, part usages and notes are audited on their work order: each one's
event names its id and records its values (a note, its body's digest), and a
removal records what was removed. So every such row must match the event that
booked it, every booked row must still be there unless removed, and a row no event
booked was added outside wo-tui. Two kinds of rows have no such event and are taken
as they are: entries that came with an imported work order (an import audits the
work order, not each entry), and entries booked before events named their ids,
as many as the work order's trail has events of that older kind.

Rows are checked in pages, so a large database costs memory for one page.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain.refs import req_label, wo_label
from wo_tui.domain.services import BOOKKEEPING, LABOUR_FIELDS, PART_FIELDS, Ctx, note_digest
from wo_tui.store.db import Store
from wo_tui.store.models import (
    AuditEvent,
    LabourEntry,
    Note,
    PartUsage,
    User,
    WorkOrder,
    WorkRequest,
)
from wo_tui.store.types import UTCDateTime

PAGE = 500

Events = dict[int, list[tuple[AuditEvent, dict[str, Any]]]]
"""Each row's events in order, with their changes read."""


@dataclass(frozen=True)
class _Kind:
    """A table whose rows are replayed from their own events."""

    model: Any
    entity: str
    created: str
    """The service action that creates a row; ``fresh`` applies after it."""
    snapshots: tuple[str, ...]
    """Actions whose ``old`` values are not checked against the replay so far."""
    fresh: dict[str, Any]
    """What ``created`` leaves unset: any later value must come from an event (an
    ``import`` may bring finished work, so its rows start from its snapshot alone)."""

    @property
    def columns(self) -> dict[str, Any]:
        return {c.name: c for c in self.model.__table__.columns}

    @property
    def datetimes(self) -> set[str]:
        return {n for n, c in self.columns.items() if isinstance(c.type, UTCDateTime)}


WORK_ORDERS = _Kind(
    WorkOrder,
    "work_order",
    "create",
    ("create", "import"),
    dict(lc.NOT_YET_DONE),
)
REQUESTS = _Kind(
    WorkRequest,
    "work_request",
    "submit",
    ("submit", "import"),
    {"triaged_by_id": None, "triaged_at": None, "reject_reason": "", "work_order_id": None},
)
USERS = _Kind(User, "user", "create", ("create", "bootstrap"), {})
"""``bootstrap`` once recorded ``[null, "admin"]`` for a user who already had a role."""


@dataclass(frozen=True)
class _Entries:
    """Rows booked on a work order by its own events."""

    model: Any
    noun: str
    add: str
    remove: str
    fields: tuple[str, ...]
    legacy: str
    """The key older events used (a description on booking, the id on removal)."""

    @property
    def key(self) -> str:
        return str(self.model.__tablename__)


ENTRIES = (
    _Entries(LabourEntry, "labour", "log_labour", "remove_labour", LABOUR_FIELDS, "labour"),
    _Entries(PartUsage, "part", "use_part", "remove_part", PART_FIELDS, "part"),
)


@dataclass(frozen=True)
class Mismatch:
    """One thing the trail does not explain."""

    subject: str
    field: str
    expected: Any
    actual: Any
    problem: str

    def sentence(self) -> str:
        """One line; values are ``repr``-quoted, so control characters in data show escaped."""
        return (
            f"{self.subject} {self.field}: {self.problem} "
            f"(audit says {_short(self.expected)}, found {_short(self.actual)})."
        )


@dataclass
class AuditReport:
    work_orders: int = 0
    requests: int = 0
    users: int = 0
    entries: int = 0
    events: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _short(value: Any, width: int = 60) -> str:
    shown = repr(value)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _canon(value: Any, as_datetime: bool = False) -> Any:
    """One representation per value, so JSON text and column values compare equal."""
    if value is None:
        return None
    if as_datetime:
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


def _pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2


def _changes(event: AuditEvent, subject: str, report: AuditReport) -> dict[str, Any]:
    try:
        changes = json.loads(event.changes or "{}")
    except ValueError:
        report.mismatches.append(
            Mismatch(subject, "-", "JSON", event.changes[:40], f"event #{event.id} is unreadable")
        )
        return {}
    return changes if isinstance(changes, dict) else {}


def _replay(
    kind: _Kind, subject: str, events: list[tuple[AuditEvent, dict[str, Any]]], report: AuditReport
) -> dict[str, Any]:
    columns, datetimes = kind.columns, kind.datetimes
    state: dict[str, Any] = {}
    if events and events[0][0].action == kind.created:
        state.update(kind.fresh)
    for event, changes in events:
        for name, pair in changes.items():
            if name not in columns or name in BOOKKEEPING or not _pair(pair):
                continue
            old, new = _canon(pair[0], name in datetimes), _canon(pair[1], name in datetimes)
            if event.action not in kind.snapshots and name in state and state[name] != old:
                report.mismatches.append(
                    Mismatch(
                        subject,
                        name,
                        _show(state[name]),
                        _show(old),
                        f"event #{event.id} ({event.action}) starts from a value the "
                        "trail never recorded",
                    )
                )
            state[name] = new
    return state


def _check_row(
    kind: _Kind,
    subject: str,
    row: Any,
    events: list[tuple[AuditEvent, dict[str, Any]]],
    report: AuditReport,
) -> None:
    """The row equals the replay of its events, which begin with its creation."""
    if not events or events[0][0].action not in kind.snapshots:
        first = events[0][0].action if events else None
        report.mismatches.append(Mismatch(subject, "-", "create", first, "has no creation event"))
    datetimes = kind.datetimes
    for name, expected in _replay(kind, subject, events, report).items():
        actual = _canon(getattr(row, name), name in datetimes)
        if actual != expected:
            report.mismatches.append(
                Mismatch(
                    subject,
                    name,
                    _show(expected),
                    _show(actual),
                    "the row differs from the replay of its events",
                )
            )


def _check_entries(
    spec: _Entries,
    label: str,
    events: list[tuple[AuditEvent, dict[str, Any]]],
    rows: list[Any],
    imported: bool,
    report: AuditReport,
) -> None:
    booked: dict[int, tuple[AuditEvent, dict[str, Any]]] = {}
    removed: dict[int, AuditEvent] = {}
    older = 0
    for event, changes in events:
        if event.action == spec.add:
            pair = changes.get(spec.key)
            if _pair(pair) and isinstance(pair[1], int):
                booked[pair[1]] = (event, changes)
            elif spec.legacy in changes:
                older += 1
        elif event.action == spec.remove:
            pair = changes.get(spec.key) or changes.get(spec.legacy)
            if _pair(pair) and isinstance(pair[0], int):
                removed[pair[0]] = event
    seen = set()
    for row in rows:
        seen.add(row.id)
        subject = f"{label} {spec.noun} #{row.id}"
        if row.id in removed:
            report.mismatches.append(
                Mismatch(
                    subject,
                    "-",
                    None,
                    "a row",
                    f"was removed by event #{removed[row.id].id} but is still there",
                )
            )
        elif row.id in booked:
            event, changes = booked[row.id]
            for name in spec.fields:
                pair = changes.get(name)
                if not _pair(pair):
                    continue
                expected, actual = _canon(pair[1]), _canon(getattr(row, name))
                if expected != actual:
                    report.mismatches.append(
                        Mismatch(
                            subject,
                            name,
                            expected,
                            actual,
                            f"the row differs from event #{event.id} ({event.action})",
                        )
                    )
        elif older:
            older -= 1
        elif not imported:
            report.mismatches.append(
                Mismatch(subject, "-", None, "a row", "has no audit event: added outside wo-tui")
            )
    for entry_id in sorted(set(booked) - seen - set(removed)):
        event = booked[entry_id][0]
        report.mismatches.append(
            Mismatch(
                f"{label} {spec.noun} #{entry_id}",
                "-",
                f"booked by event #{event.id}",
                None,
                "was deleted outside wo-tui",
            )
        )


def _check_notes(
    label: str,
    events: list[tuple[AuditEvent, dict[str, Any]]],
    rows: list[Note],
    imported: bool,
    report: AuditReport,
) -> None:
    noted: dict[int, tuple[AuditEvent, Any]] = {}
    for event, changes in events:
        pair = changes.get("note")
        if event.action == "add_note" and _pair(pair) and isinstance(pair[1], int):
            digest = changes.get("body_sha256")
            noted[pair[1]] = (event, digest[1] if _pair(digest) else None)
    for note in rows:
        subject = f"{label} note #{note.id}"
        if note.id not in noted:
            if not imported:
                report.mismatches.append(
                    Mismatch(
                        subject, "-", None, "a note", "has no audit event: added outside wo-tui"
                    )
                )
            continue
        event, digest = noted[note.id]
        if digest is not None and note_digest(note.body) != digest:
            report.mismatches.append(
                Mismatch(
                    subject,
                    "body",
                    f"the text of event #{event.id}",
                    note.body,
                    "the text was edited outside wo-tui",
                )
            )
        if note.author_id != event.actor_id:
            report.mismatches.append(
                Mismatch(
                    subject,
                    "author_id",
                    event.actor_id,
                    note.author_id,
                    f"the author differs from event #{event.id}",
                )
            )
    for note_id in sorted(set(noted) - {n.id for n in rows}):
        report.mismatches.append(
            Mismatch(
                f"{label} note #{note_id}",
                "-",
                f"added by event #{noted[note_id][0].id}",
                None,
                "was deleted outside wo-tui",
            )
        )


def _pages(s: Session, model: Any) -> Iterator[list[Any]]:
    last = 0
    while True:
        rows = list(
            s.exec(select(model).where(col(model.id) > last).order_by(col(model.id)).limit(PAGE))
        )
        if not rows:
            return
        yield rows
        last = rows[-1].id or last


def _events_of(
    s: Session, kind: _Kind, ids: list[int], subject: dict[int, str], report: AuditReport
) -> Events:
    events: Events = defaultdict(list)
    for event in s.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == kind.entity, col(AuditEvent.entity_id).in_(ids))
        .order_by(col(AuditEvent.id))
    ):
        changes = _changes(event, subject[event.entity_id], report)
        events[event.entity_id].append((event, changes))
    return events


def _by_work_order(s: Session, model: Any, ids: list[int]) -> dict[int, list[Any]]:
    rows: dict[int, list[Any]] = defaultdict(list)
    for row in s.exec(
        select(model).where(col(model.work_order_id).in_(ids)).order_by(col(model.id))
    ):
        rows[row.work_order_id].append(row)
    return rows


def _check_booked(
    s: Session, rows: list[WorkOrder], events: Events, labels: dict[int, str], report: AuditReport
) -> None:
    """The labour, parts and notes of one page of work orders against their events."""
    ids = [wo.id for wo in rows]
    entries = {spec.noun: _by_work_order(s, spec.model, ids) for spec in ENTRIES}
    notes = _by_work_order(s, Note, ids)
    for wo in rows:
        assert wo.id is not None
        mine = events.get(wo.id, [])
        imported = bool(mine) and mine[0][0].action == "import"
        for spec in ENTRIES:
            booked = entries[spec.noun].get(wo.id, [])
            report.entries += len(booked)
            _check_entries(spec, labels[wo.id], mine, booked, imported, report)
        report.entries += len(notes.get(wo.id, []))
        _check_notes(labels[wo.id], mine, notes.get(wo.id, []), imported, report)


def _check_table(s: Session, kind: _Kind, label: Any, report: AuditReport) -> int:
    """Replay every row of ``kind`` (a work order's entries and notes too); the number
    of rows checked."""
    count = 0
    for rows in _pages(s, kind.model):
        labels = {row.id: label(row) for row in rows}
        events = _events_of(s, kind, list(labels), labels, report)
        for row in rows:
            mine = events.get(row.id, [])
            count += 1
            report.events += len(mine)
            _check_row(kind, labels[row.id], row, mine, report)
        if kind is WORK_ORDERS:
            _check_booked(s, rows, events, labels, report)
    known = select(kind.model.id)
    for entity_id, events_left in s.exec(
        select(AuditEvent.entity_id, func.count())
        .where(AuditEvent.entity == kind.entity, col(AuditEvent.entity_id).not_in(known))
        .group_by(col(AuditEvent.entity_id))
    ):
        report.events += events_left
        report.mismatches.append(
            Mismatch(
                f"{kind.entity.replace('_', ' ')} #{entity_id}",
                "-",
                f"{events_left} events",
                None,
                "has audit events but no row: it was deleted",
            )
        )
    return count


def verify_as(ctx: Ctx) -> AuditReport:
    """``verify`` for a person: an admin's check, since its findings quote the values
    (rates, note text) it found."""
    perm.require(ctx.actor, "verify_audit")
    return verify(ctx.store)


def verify(store: Store) -> AuditReport:
    """Replay every work order's (with its entries and notes), request's and user's
    events and compare the result with the rows."""
    report = AuditReport()
    with store.read() as s:
        report.work_orders = _check_table(s, WORK_ORDERS, lambda w: wo_label(w.number), report)
        report.requests = _check_table(s, REQUESTS, lambda r: req_label(r.number), report)
        report.users = _check_table(s, USERS, lambda u: f"user {u.login}", report)
    return report

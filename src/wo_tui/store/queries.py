"""Read paths for the screens: small frozen rows, one page at a time.

Nothing here returns ORM objects or loads a whole table. Lists page by keyset on
the indexed columns (``ix_work_order_board`` is ``(status, due_at, id)``): the board
asks each status for the next rows after the last key it has shown and merges
them, so the first page, the next page and the last page each cost a few index
seeks whether there are a thousand open work orders or a million. A jump to an
arbitrary row (a scrollbar drag) falls back to ``OFFSET``, which walks the index
but never leaves the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased

from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain.refs import MAX_NUMBER, req_label, wo_label
from wo_tui.store.db import Store
from wo_tui.store.models import Asset, Part, Site, Team, User, WorkOrder, WorkRequest
from wo_tui.store.search import WorkOrderMatches, words
from wo_tui.text import clean_line

REQUESTS = 0
WORK = 1
Key = tuple[Any, ...]
"""A row's place in the board's order: (section, time, id)."""


@dataclass(frozen=True)
class BoardRow:
    """One line of the board or a queue: a request awaiting triage or a work order."""

    kind: str
    number: int
    priority: int
    title: str
    asset_tag: str
    status: str
    assignee: str
    due_at: datetime | None
    version: int
    row_id: int
    assignee_id: int | None = None
    team_id: int | None = None
    team: str = ""
    urgency: int = 2
    impact: int = 2
    sort: tuple[Any, ...] = ()
    submitted_at: datetime | None = None
    """When a request came in (its response clock); None for work orders."""
    completed_at: datetime | None = None
    """When work awaiting review was completed: the board says whether it was in time."""

    @property
    def is_request(self) -> bool:
        return self.kind == "request"

    @property
    def ident(self) -> tuple[str, int]:
        """What stays the same when the row moves: the cursor follows it."""
        return (self.kind, self.number)

    @property
    def label(self) -> str:
        return req_label(self.number) if self.is_request else wo_label(self.number)

    @property
    def key(self) -> Key:
        return self.sort


@dataclass(frozen=True)
class BoardFilter:
    """What the dispatcher narrowed the board to; the empty filter shows everything."""

    text: str = ""
    overdue: bool = False
    unassigned: bool = False
    urgent: bool = False
    on_hold: bool = False
    team_id: int | None = None
    team_name: str = ""
    site_id: int | None = None
    site_name: str = ""
    reply_hours: tuple[tuple[int, float], ...] | None = field(default=None, compare=False)
    """Priority -> response target in hours: requests are ordered by when their reply
    is due. Not part of what the dispatcher filtered on."""

    @property
    def active(self) -> bool:
        return self != BoardFilter()

    def describe(self) -> str:
        parts = []
        if self.text:
            parts.append(f"text '{self.text}'")
        if self.overdue:
            parts.append("overdue")
        if self.unassigned:
            parts.append("unassigned")
        if self.urgent:
            parts.append("P1-P2")
        if self.on_hold:
            parts.append("on hold")
        if self.team_id is not None:
            parts.append(f"team {self.team_name}")
        if self.site_id is not None:
            parts.append(f"site {self.site_name}")
        return ", ".join(parts)

    @property
    def shows_requests(self) -> bool:
        """Requests have no assignee, due date or hold: those filters leave them out."""
        return not (self.overdue or self.unassigned or self.on_hold or self.team_id is not None)

    @property
    def statuses(self) -> tuple[str, ...]:
        if self.on_hold:
            return (lc.ON_HOLD,)
        if self.overdue or self.unassigned:
            return lc.ACTIVE
        return lc.BOARD


@dataclass(frozen=True)
class Counts:
    """Totals the board header shows, from index-only counts."""

    requests: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.requests + sum(self.by_status.values())


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _number_in(text: str) -> int | None:
    """The work order or request number ``text`` names, if it names one that can exist.

    ASCII digits only: ``isdigit()`` also takes "²", which ``int()`` refuses, and the
    number columns are 32-bit, so anything larger is no match rather than an error.
    """
    digits = text.strip().upper().removeprefix("WO-").removeprefix("REQ-").lstrip("0")
    if not (digits.isascii() and digits.isdecimal()) or len(digits) > 12:
        return None
    number = int(digits)
    return number if number <= MAX_NUMBER else None


def _text_match(model: Any, text: str) -> ColumnElement[bool]:
    pattern = _like(text)
    asset_hit = (
        select(Asset.id)
        .where(or_(Asset.tag.ilike(pattern, escape="\\"), Asset.name.ilike(pattern, escape="\\")))
        .scalar_subquery()
    )
    if model is WorkOrder and words(text):
        # Work orders are many: the search index answers (title, asset, description,
        # notes). Only a filter with no word at all (punctuation) scans the titles.
        terms: list[ColumnElement[bool]] = [WorkOrderMatches(text)]
    else:
        terms = [
            model.title.ilike(pattern, escape="\\"),
            model.description.ilike(pattern, escape="\\"),
            model.asset_id.in_(asset_hit),
        ]
    number = _number_in(text)
    if number is not None:
        terms.append(model.number == number)
    return or_(*terms)


# ---------------------------------------------------------------- the board


def _wo_filters(flt: BoardFilter, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if flt.overdue:
        where.append(WorkOrder.due_at < now)
    if flt.unassigned:
        where.append(WorkOrder.assignee_id.is_(None))
    if flt.urgent:
        where.append(WorkOrder.priority <= 2)
    if flt.team_id is not None:
        where.append(WorkOrder.team_id == flt.team_id)
    if flt.site_id is not None:
        where.append(WorkOrder.site_id == flt.site_id)
    text = clean_line(flt.text)
    if text:
        where.append(_text_match(WorkOrder, text))
    return where


def _req_filters(flt: BoardFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [WorkRequest.status == lc.REQ_NEW]
    if flt.urgent:
        where.append(WorkRequest.priority <= 2)
    if flt.site_id is not None:
        where.append(WorkRequest.site_id == flt.site_id)
    text = clean_line(flt.text)
    if text:
        where.append(_text_match(WorkRequest, text))
    return where


def _seek(
    ts: Any, ident: Any, key: Key | None, forward: bool, section: int
) -> ColumnElement[bool] | None:
    """Rows strictly after (or before) ``key`` within one section, as an index range.

    NULL times sort first (SQLite's ascending order), so they are handled apart.
    """
    if key is None:
        return None
    k_section, k_ts, k_id = key
    if k_section != section:
        whole = section > k_section if forward else section < k_section
        return None if whole else literal(False)
    if forward:
        if k_ts is None:
            return or_(and_(ts.is_(None), ident > k_id), ts.is_not(None))
        return tuple_(ts, ident) > tuple_(k_ts, k_id)
    if k_ts is None:
        return and_(ts.is_(None), ident < k_id)
    return or_(ts.is_(None), tuple_(ts, ident) < tuple_(k_ts, k_id))


_WO_ASSIGNEE = aliased(User)


def _wo_columns() -> Select[Any]:
    return (
        select(
            WorkOrder.id,
            WorkOrder.number,
            WorkOrder.priority,
            WorkOrder.title,
            Asset.tag,
            WorkOrder.status,
            _WO_ASSIGNEE.display_name,
            Team.name,
            WorkOrder.due_at,
            WorkOrder.version,
            WorkOrder.assignee_id,
            WorkOrder.team_id,
            WorkOrder.urgency,
            WorkOrder.impact,
            WorkOrder.completed_at,
        )
        .outerjoin(Asset, Asset.id == WorkOrder.asset_id)
        .outerjoin(_WO_ASSIGNEE, _WO_ASSIGNEE.id == WorkOrder.assignee_id)
        .outerjoin(Team, Team.id == WorkOrder.team_id)
    )


def _wo_row(r: Any) -> BoardRow:
    who = r[6] or (f"({r[7]})" if r[7] else "")
    return BoardRow(
        kind="work_order",
        number=r[1],
        priority=r[2],
        title=r[3],
        asset_tag=r[4] or "",
        status=r[5],
        assignee=who,
        due_at=r[8],
        version=r[9],
        row_id=r[0],
        assignee_id=r[10],
        team_id=r[11],
        team=r[7] or "",
        urgency=r[12],
        impact=r[13],
        sort=(WORK, r[8], r[0]),
        completed_at=r[14],
    )


def _reply_due(s: Any, flt: BoardFilter) -> Any:
    """When each request's response target passes (its time to breach), as SQL; the
    submission time when no targets are given. Requests awaiting triage are few, so
    this orders them without an index."""
    if not flt.reply_hours:
        return WorkRequest.submitted_at
    seconds = case(
        *((WorkRequest.priority == p, int(h * 3600)) for p, h in flt.reply_hours), else_=0
    )
    if s.get_bind().dialect.name == "sqlite":
        return func.datetime(WorkRequest.submitted_at, func.printf("+%d seconds", seconds))
    return WorkRequest.submitted_at + func.make_interval(0, 0, 0, 0, 0, 0, seconds)


def _req_select(s: Any, flt: BoardFilter) -> tuple[Select[Any], Any]:
    due = _reply_due(s, flt)
    q = select(
        WorkRequest.id,
        WorkRequest.number,
        WorkRequest.priority,
        WorkRequest.title,
        WorkRequest.submitted_at,
        WorkRequest.urgency,
        WorkRequest.impact,
        Asset.tag,
        due.label("reply_due"),
    ).outerjoin(Asset, Asset.id == WorkRequest.asset_id)
    return q, due


def _req_row(r: Any) -> BoardRow:
    return BoardRow(
        kind="request",
        number=r.number,
        priority=r.priority,
        title=r.title,
        asset_tag=r.tag or "",
        status=lc.REQ_NEW,
        assignee="",
        due_at=None,
        version=0,
        row_id=r.id,
        urgency=r.urgency,
        impact=r.impact,
        sort=(REQUESTS, r.reply_due, r.id),
        submitted_at=r.submitted_at,
    )


def _requests_page(
    s: Any, flt: BoardFilter, limit: int, *, after: Key | None, before: Key | None, offset: int
) -> list[BoardRow]:
    if not flt.shows_requests:
        return []
    backward = before is not None and after is None
    q, due = _req_select(s, flt)
    q = q.where(*_req_filters(flt))
    seek = _seek(due, WorkRequest.id, after or before, not backward, REQUESTS)
    if seek is not None:
        q = q.where(seek)
    if backward:
        q = q.order_by(due.desc(), WorkRequest.id.desc())
    else:
        q = q.order_by(due, WorkRequest.id)
    rows = [_req_row(r) for r in s.execute(q.offset(offset).limit(limit))]
    return rows[::-1] if backward else rows


def _searched(flt: BoardFilter) -> bool:
    """Whether the filter's text goes through the search index (it has a word)."""
    return bool(words(clean_line(flt.text)))


def _work_page(
    s: Any,
    flt: BoardFilter,
    now: datetime,
    limit: int,
    *,
    after: Key | None,
    before: Key | None,
) -> list[BoardRow]:
    """The next ``limit`` work orders in (due, id) order.

    Unfiltered by text, the next (due, id) of each status are merged, one index range
    per status, and only the page that wins is joined to names (joined inside each
    arm, nine pages were joined to keep one, and building that statement cost as much
    again: a page took twice as long). With text, the ids come from one query over
    every status, then only they are joined to names: the index's matches are looked up once, not once per status,
    and only a page of them is joined (at a million work orders a one-letter filter
    took 350 ms merged by status, and 560 ms joined before sorting).
    """
    backward = before is not None and after is None
    key = before if backward else after
    seek = _seek(WorkOrder.due_at, WorkOrder.id, key, not backward, WORK)
    order = (
        (WorkOrder.due_at.desc(), WorkOrder.id.desc())
        if backward
        else (WorkOrder.due_at, WorkOrder.id)
    )
    if _searched(flt):
        ids = select(WorkOrder.id).where(WorkOrder.status.in_(flt.statuses), *_wo_filters(flt, now))
        if seek is not None:
            ids = ids.where(seek)
        q = _wo_columns().where(WorkOrder.id.in_(ids.order_by(*order).limit(limit)))
        rows = [_wo_row(r) for r in s.execute(q.order_by(*order))]
        return rows[::-1] if backward else rows
    arms = []
    for status in flt.statuses:
        q = select(WorkOrder.id, WorkOrder.due_at).where(
            WorkOrder.status == status, *_wo_filters(flt, now)
        )
        if seek is not None:
            q = q.where(seek)
        arms.append(select(q.order_by(*order).limit(limit).subquery()))
    merged = union_all(*arms).subquery()
    merged_order = (
        (merged.c.due_at.desc(), merged.c.id.desc()) if backward else (merged.c.due_at, merged.c.id)
    )
    ids = select(merged.c.id).order_by(*merged_order).limit(limit)
    q = _wo_columns().where(WorkOrder.id.in_(ids))
    rows = [_wo_row(r) for r in s.execute(q.order_by(*order))]
    return rows[::-1] if backward else rows


def _work_offset(
    s: Any, flt: BoardFilter, now: datetime, offset: int, limit: int
) -> list[BoardRow]:
    """Rows from ``offset`` on (a jump into the middle): the offset walks the covering
    board index for ids alone; only the page found is joined to names."""
    ids = (
        select(WorkOrder.id)
        .where(WorkOrder.status.in_(flt.statuses), *_wo_filters(flt, now))
        .order_by(WorkOrder.due_at, WorkOrder.id)
        .offset(offset)
        .limit(limit)
    )
    q = _wo_columns().where(WorkOrder.id.in_(ids)).order_by(WorkOrder.due_at, WorkOrder.id)
    return [_wo_row(r) for r in s.execute(q)]


def _requests_total(s: Any, flt: BoardFilter) -> int:
    """How many requests head the board (none when the filter leaves them out)."""
    if not flt.shows_requests:
        return 0
    q = select(func.count()).select_from(WorkRequest).where(*_req_filters(flt))
    return int(s.execute(q).scalar_one())


def _counts(s: Any, *where: list[ColumnElement[bool]]) -> list[int]:
    """Work orders matching each ``where``, counted in one statement: as separate
    statements, building and running them cost more than the counting (board counts at
    a thousand work orders took 2.6-3.6 ms that way, 1.4-2.1 ms this way)."""
    cells = [select(func.count()).select_from(WorkOrder).where(*w).scalar_subquery() for w in where]
    return [int(n) for n in s.execute(select(*cells)).one()]


def board_counts(store: Store, flt: BoardFilter, now: datetime) -> Counts:
    with store.read() as s:
        requests = _requests_total(s, flt)
        by_status: dict[str, int] = dict.fromkeys(flt.statuses, 0)
        overdue = 0
        if _searched(flt):
            # One grouped query: the search index's matches are looked up once (nine
            # index ranges, each with its own lookup, took 670 ms for one letter at a
            # million work orders; this 115 ms).
            late = func.sum(case((WorkOrder.due_at < now, 1), else_=0))
            grouped = s.execute(
                select(WorkOrder.status, func.count(), late)
                .where(WorkOrder.status.in_(flt.statuses), *_wo_filters(flt, now))
                .group_by(WorkOrder.status)
            ).all()
            for status, n, n_late in grouped:
                by_status[status] = int(n)
                overdue += int(n_late or 0) if status in lc.ACTIVE else 0
            return Counts(requests=requests, by_status=by_status, overdue=overdue)
        # An index range per status, and per active status its overdue part.
        filters = _wo_filters(flt, now)
        active = [status for status in lc.ACTIVE if status in flt.statuses]
        values = _counts(
            s,
            *([WorkOrder.status == status, *filters] for status in flt.statuses),
            *([WorkOrder.status == status, WorkOrder.due_at < now, *filters] for status in active),
        )
        shown = len(flt.statuses)
        by_status = dict(zip(flt.statuses, values[:shown], strict=True))
        overdue = sum(values[shown:])
    return Counts(requests=requests, by_status=by_status, overdue=overdue)


def board_page(
    store: Store,
    flt: BoardFilter,
    now: datetime,
    limit: int,
    *,
    offset: int = 0,
    after: Key | None = None,
    before: Key | None = None,
    requests_total: int | None = None,
) -> list[BoardRow]:
    """Rows of the board: after the key ``after``, before the key ``before``, or from
    row ``offset`` when neither is known (``requests_total`` tells where work orders start).
    """
    with store.read() as s:
        if after is None and before is None:
            if requests_total is None:
                requests_total = _requests_total(s, flt)
            rows: list[BoardRow] = []
            if offset < requests_total:
                rows = _requests_page(s, flt, limit, after=None, before=None, offset=offset)
            if len(rows) < limit:
                work_offset = max(offset - requests_total, 0)
                if work_offset == 0:
                    rows += _work_page(s, flt, now, limit - len(rows), after=None, before=None)
                else:
                    rows += _work_offset(s, flt, now, work_offset, limit - len(rows))
            return rows
        if after is not None:
            rows = []
            if after[0] == REQUESTS:
                rows = _requests_page(s, flt, limit, after=after, before=None, offset=0)
            if len(rows) < limit:
                rows += _work_page(s, flt, now, limit - len(rows), after=after, before=None)
            return rows
        assert before is not None
        rows = []
        if before[0] >= WORK:
            rows = _work_page(s, flt, now, limit, after=None, before=before)
        if len(rows) < limit:
            rows = (
                _requests_page(s, flt, limit - len(rows), after=None, before=before, offset=0)
                + rows
            )
        return rows


def board_last(store: Store, flt: BoardFilter, now: datetime, limit: int) -> list[BoardRow]:
    """The last ``limit`` rows (``G``): read backwards from the end, no offset walked."""
    return board_page(store, flt, now, limit, before=(WORK + 1, None, 0))


def board_position(store: Store, flt: BoardFilter, now: datetime, row: BoardRow) -> int:
    """How many rows precede ``row`` in the board's order: where the cursor goes after a
    refresh moved it."""
    with store.read() as s:
        if row.is_request:
            if not flt.shows_requests:
                return 0
            q = select(func.count()).select_from(WorkRequest).where(*_req_filters(flt))
            seek = _seek(_reply_due(s, flt), WorkRequest.id, row.key, False, REQUESTS)
            assert seek is not None
            return int(s.execute(q.where(seek)).scalar_one())
        seek = _seek(WorkOrder.due_at, WorkOrder.id, row.key, False, WORK)
        assert seek is not None
        filters = _wo_filters(flt, now)
        statuses = (
            [WorkOrder.status.in_(flt.statuses)]
            if _searched(flt)
            else [WorkOrder.status == status for status in flt.statuses]
        )
        before = _counts(s, *([status, seek, *filters] for status in statuses))
        return _requests_total(s, flt) + sum(before)


def board_row(store: Store, flt: BoardFilter, kind: str, number: int) -> BoardRow | None:
    """One row fresh from the database (to follow it after it changed)."""
    with store.read() as s:
        if kind == "request":
            q, _ = _req_select(s, flt)
            r = s.execute(
                q.where(WorkRequest.number == number, WorkRequest.status == lc.REQ_NEW)
            ).first()
            return _req_row(r) if r is not None else None
        r = s.execute(_wo_columns().where(WorkOrder.number == number)).first()
        return _wo_row(r) if r is not None else None


# ---------------------------------------------------------------- the technician queue


def _queue_query(user_id: int, team_id: int | None) -> Select[Any]:
    mine = WorkOrder.assignee_id == user_id
    section = literal(0)
    where: ColumnElement[bool] = mine
    if team_id is not None:
        team_open = and_(WorkOrder.assignee_id.is_(None), WorkOrder.team_id == team_id)
        where = or_(mine, team_open)
        section = case((mine, 0), else_=1)  # type: ignore[assignment]
    return (
        _wo_columns()
        .where(WorkOrder.status.in_((*lc.ACTIVE, lc.COMPLETED)), where)
        .order_by(section, WorkOrder.priority, WorkOrder.due_at, WorkOrder.id)
    )


def queue_count(store: Store, user_id: int, team_id: int | None, now: datetime) -> tuple[int, int]:
    """(work orders, of which overdue) in one person's queue."""
    with store.read() as s:
        sub = _queue_query(user_id, team_id).subquery()
        late = and_(sub.c.status.in_(lc.ACTIVE), sub.c.due_at < now)
        total, overdue = s.execute(
            select(func.count(), func.coalesce(func.sum(case((late, 1), else_=0)), 0)).select_from(
                sub
            )
        ).one()
        return int(total), int(overdue)


def queue_page(
    store: Store, user_id: int, team_id: int | None, offset: int, limit: int
) -> list[BoardRow]:
    """One person's work (theirs, then their team's unclaimed): tens of rows, so offsets
    over ``ix_work_order_assignee_queue`` and ``ix_work_order_team_queue`` are cheap."""
    with store.read() as s:
        q = _queue_query(user_id, team_id).offset(offset).limit(limit)
        return [_wo_row(r) for r in s.execute(q)]


# ---------------------------------------------------------------- pickers and lookups


@dataclass(frozen=True)
class Person:
    login: str
    display_name: str
    role: str
    team: str
    team_id: int | None
    user_id: int
    open_count: int
    open_minutes: int


@dataclass(frozen=True)
class TeamLoad:
    name: str
    team_id: int
    open_count: int
    open_minutes: int


@dataclass(frozen=True)
class Named:
    """A site, asset or part: what a picker lists."""

    key: str
    name: str
    row_id: int
    extra: str = ""


def technicians(store: Store) -> list[Person]:
    """Everyone who can be assigned work, with their open work (count and estimate)."""
    with store.read() as s:
        load = {
            uid: (n, m or 0)
            for uid, n, m in s.execute(
                select(
                    WorkOrder.assignee_id,
                    func.count(),
                    func.sum(WorkOrder.estimated_minutes),
                )
                .where(WorkOrder.status.in_(lc.ACTIVE), WorkOrder.assignee_id.is_not(None))
                .group_by(WorkOrder.assignee_id)
            )
        }
        people = s.execute(
            select(User.id, User.login, User.display_name, User.role, Team.name, User.team_id)
            .outerjoin(Team, Team.id == User.team_id)
            .where(User.active, User.role.in_((perm.TECHNICIAN, perm.DISPATCHER, perm.ADMIN)))
            .order_by(User.role.desc(), User.display_name)
        ).all()
    return [
        Person(
            login=r[1],
            display_name=r[2],
            role=r[3],
            team=r[4] or "",
            team_id=r[5],
            user_id=r[0],
            open_count=load.get(r[0], (0, 0))[0],
            open_minutes=int(load.get(r[0], (0, 0))[1]),
        )
        for r in people
    ]


def teams(store: Store) -> list[TeamLoad]:
    with store.read() as s:
        load = {
            tid: (n, m or 0)
            for tid, n, m in s.execute(
                select(WorkOrder.team_id, func.count(), func.sum(WorkOrder.estimated_minutes))
                .where(WorkOrder.status.in_(lc.ACTIVE), WorkOrder.team_id.is_not(None))
                .group_by(WorkOrder.team_id)
            )
        }
        rows = s.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    return [
        TeamLoad(r[1], r[0], load.get(r[0], (0, 0))[0], int(load.get(r[0], (0, 0))[1]))
        for r in rows
    ]


def sites(store: Store) -> list[Named]:
    with store.read() as s:
        rows = s.execute(select(Site.id, Site.code, Site.name).order_by(Site.code)).all()
    return [Named(r[1], r[2], r[0]) for r in rows]


def find_assets(store: Store, text: str, limit: int = 20) -> list[Named]:
    """Assets whose tag starts with, or whose name contains, ``text``."""
    text = clean_line(text)
    with store.read() as s:
        q = select(Asset.id, Asset.tag, Asset.name, Asset.category)
        if text:
            q = q.where(
                or_(
                    Asset.tag.ilike(_like(text)[1:], escape="\\"),
                    Asset.name.ilike(_like(text), escape="\\"),
                )
            )
        rows = s.execute(q.order_by(Asset.tag).limit(limit)).all()
    return [Named(r[1], r[2], r[0], r[3] or "") for r in rows]


def find_parts(store: Store, text: str, limit: int = 20) -> list[Named]:
    text = clean_line(text)
    with store.read() as s:
        q = select(Part.id, Part.number, Part.name, Part.unit).where(Part.active)
        if text:
            q = q.where(
                or_(
                    Part.number.ilike(_like(text)[1:], escape="\\"),
                    Part.name.ilike(_like(text), escape="\\"),
                )
            )
        rows = s.execute(q.order_by(Part.number).limit(limit)).all()
    return [Named(r[1], r[2], r[0], r[3]) for r in rows]


@dataclass(frozen=True)
class WorkOrderHit:
    number: int
    title: str
    status: str
    asset_tag: str

    @property
    def label(self) -> str:
        return wo_label(self.number)


def find_work_orders(
    store: Store, text: str, limit: int = 20, *, statuses: Sequence[str] | None = None
) -> list[WorkOrderHit]:
    """By number (``123``, ``WO-123``) or by words of the title, newest first.

    Uses the full-text index when the store has one, else LIKE on every word.
    """
    text = clean_line(text)
    with store.read() as s:
        q = select(WorkOrder.number, WorkOrder.title, WorkOrder.status, Asset.tag).outerjoin(
            Asset, Asset.id == WorkOrder.asset_id
        )
        if statuses:
            q = q.where(WorkOrder.status.in_(statuses))
        number = _number_in(text)
        if number is not None:
            exact = s.execute(q.where(WorkOrder.number == number)).all()
            if exact:
                return [WorkOrderHit(*r) for r in exact]
        for word in text.split():
            q = q.where(WorkOrder.title.ilike(_like(word), escape="\\"))
        rows = s.execute(q.order_by(WorkOrder.id.desc()).limit(limit)).all()
    return [WorkOrderHit(r[0], r[1], r[2], r[3] or "") for r in rows]

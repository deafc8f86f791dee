"""Importing requests, historical work orders and meter readings from CSV.

Three layouts (header names are matched without regard to case; ``--map
target=Source`` renames a file's own headers; ``*`` marks a required column):

requests
    requester*, description*, urgency* (1-3), impact* (1-3), asset (tag) or location
    (id or full path like ``North Plant / Building A``), source (operator | tenant |
    inspection | alert), contact, title, submitted_at (default: now)

history (closed work from a spreadsheet or another CMMS)
    title*, requested_at*, completed_at*, resolution*, asset or location, description,
    kind (reactive | corrective | preventive | follow_up; default corrective),
    urgency, impact (default 2), started_at, closed_at (default completed_at),
    assignee (login), team, requester, cause_code, remedy_code (from the code lists),
    labour_minutes (booked to the assignee, else the importer, at their current
    rate), parts (``PARTNO:QTY;PARTNO:QTY`` at the catalogue's current cost)

readings (meter readings, for meter-based PM)
    asset* (tag), meter* (running_hours, cycles, km...), value*, read_at (default:
    now), reset (yes when the meter was replaced; default no)

Dates are ISO (``2025-03-01`` or ``2025-03-01T14:30``) unless ``date_format`` (a
``strptime`` pattern) is given; times without a zone are local time.

The whole file is checked before anything is written, and every problem is
reported as ``file:line: column: problem``, in line order; a header that names a
column twice is refused rather than read last-wins. Unless ``skip_bad`` is set, a
file with any problem imports nothing. Requests and work orders go in one
transaction with core ``executemany`` inserts; numbers are reserved from the counter
in one step, ids in a way no concurrent writer can collide with (``reserve_ids``),
and every work order or request gets an ``import`` audit event holding every field
as ``[null, value]``, so a replay of the trail reproduces the row. Readings go
through ``pm.record_reading`` one by one, so the PM rules apply to each, all inside
one transaction.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, text, update
from sqlmodel import Session

from wo_tui import clock
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain import pm, sla
from wo_tui.domain.refs import req_label, wo_label
from wo_tui.domain.services import Ctx
from wo_tui.errors import DomainError, ValidationError, WoError
from wo_tui.store.db import Store
from wo_tui.store.models import (
    Asset,
    AuditEvent,
    Counter,
    LabourEntry,
    Location,
    Part,
    PartUsage,
    Team,
    User,
    WorkOrder,
    WorkRequest,
)
from wo_tui.text import MAX_TEXT, MAX_TITLE, clean, clean_line

REQUESTS = "requests"
HISTORY = "history"
READINGS = "readings"
KINDS = (REQUESTS, HISTORY, READINGS)

REQUEST_COLUMNS = {
    "requester": True,
    "description": True,
    "urgency": True,
    "impact": True,
    "asset": False,
    "location": False,
    "source": False,
    "contact": False,
    "title": False,
    "submitted_at": False,
}
HISTORY_COLUMNS = {
    "title": True,
    "requested_at": True,
    "completed_at": True,
    "resolution": True,
    "asset": False,
    "location": False,
    "description": False,
    "kind": False,
    "urgency": False,
    "impact": False,
    "started_at": False,
    "closed_at": False,
    "assignee": False,
    "team": False,
    "requester": False,
    "cause_code": False,
    "remedy_code": False,
    "labour_minutes": False,
    "parts": False,
}
READING_COLUMNS = {
    "asset": True,
    "meter": True,
    "value": True,
    "read_at": False,
    "reset": False,
}
LAYOUTS = {REQUESTS: REQUEST_COLUMNS, HISTORY: HISTORY_COLUMNS, READINGS: READING_COLUMNS}
YES = ("yes", "y", "true", "1")
NO = ("", "no", "n", "false", "0")

CHUNK = 5000
READING_CHUNK = 500
MAX_LABOUR_MINUTES = 100_000
EARLIEST_YEAR = 1900
MAX_PART_QUANTITY = 100_000

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: the CLI draws a bar from it."""

_TABLES: dict[str, Table] = {
    m.__tablename__: m.__table__  # type: ignore[attr-defined]
    for m in (WorkOrder, WorkRequest, AuditEvent, LabourEntry, PartUsage, Counter)
}
WO_TABLE = _TABLES["work_order"]
REQ_TABLE = _TABLES["work_request"]
AUDIT_TABLE = _TABLES["audit_event"]
LABOUR_TABLE = _TABLES["labour_entry"]
PART_USAGE_TABLE = _TABLES["part_usage"]


class ImportRefused(ValidationError):
    """The file has problems and nothing was imported; ``problems`` lists them."""


@dataclass
class ImportResult:
    kind: str
    imported: int = 0
    first: str = ""
    last: str = ""
    problems: list[str] = field(default_factory=list)
    bad_rows: int = 0
    created_assets: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- shared with demo


def reserve_numbers(s: Session, series: str, count: int) -> int:
    """Take ``count`` consecutive human numbers in one step; return the first.

    The same counter row ``services.next_number`` bumps, inside the caller's write
    transaction, so a bulk load and people working at the same time never collide.
    """
    table = WorkOrder if series == "WO" else WorkRequest
    counter = _TABLES["counter"]
    done = s.execute(
        update(counter).where(counter.c.name == series).values(value=counter.c.value + count)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        start = s.execute(select(func.coalesce(func.max(table.number), 0))).scalar_one()
        s.execute(insert(counter).values(name=series, value=int(start) + count))
        return int(start) + 1
    value = s.execute(select(counter.c.value).where(counter.c.name == series)).scalar_one()
    return int(value) - count + 1


def reserve_ids(s: Session, table: Table, count: int) -> list[int]:
    """Ids for ``count`` new rows, inside the caller's write transaction, that no
    other writer can be handed while it runs (ascending; consecutive on SQLite).

    On SQLite the transaction holds the write lock, so the ids after the largest
    are free until it commits. On PostgreSQL other sessions keep inserting and take
    their ids from the table's sequence, which no transaction isolates: the ids are
    drawn from that same sequence, so a concurrent insert gets the next one after
    them. A sequence left behind the table's largest id (rows written with explicit
    ids by another tool) is first moved past it.
    """
    if count <= 0:
        return []
    if s.get_bind().dialect.name == "sqlite":
        first = int(s.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
        return list(range(first, first + count))
    seq = s.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar_one()
    s.execute(
        text(
            f"SELECT setval(CAST(:seq AS regclass), top) FROM (SELECT max(id) AS top FROM "
            f"{table.name}) AS t WHERE top > coalesce(pg_sequence_last_value(CAST(:seq AS "
            "regclass)), 0)"
        ),
        {"seq": seq},
    )
    ids = s.execute(
        text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
        {"seq": seq, "n": count},
    ).scalars()
    return sorted(int(i) for i in ids)


def _iso(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def snapshot(row: dict[str, Any]) -> str:
    """Every field of a new row as ``[null, value]``: the ``import`` audit event."""
    return json.dumps(
        {k: [None, v] for k, v in row.items() if k != "id"},
        ensure_ascii=False,
        separators=(",", ":"),
        default=_iso,
    )


def audit_row(at: datetime, actor_id: int, entity: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": at,
        "actor_id": actor_id,
        "entity": entity,
        "entity_id": row["id"],
        "work_order_id": row["id"] if entity == "work_order" else row.get("work_order_id"),
        "action": "import",
        "changes": snapshot(row),
    }


BULK_CACHE_KIB = 256 * 1024


def bulk_cache(s: Session) -> None:
    """Give SQLite a page cache large enough to hold the indexes a bulk load touches
    (the default 2 MB makes every index insert a disk read past ~100k rows)."""
    if s.get_bind().dialect.name == "sqlite":
        s.execute(text(f"PRAGMA cache_size = -{BULK_CACHE_KIB}"))


SEARCH_TRIGGER = "wo_search_wo_insert"
_NEW_ROW = "w.id = new.id"


def insert_work_orders(s: Session, rows: list[dict[str, Any]]) -> None:
    """Insert work orders with consecutive ids, indexing them for search in one step.

    On SQLite a trigger indexes each new work order as it is inserted, which costs
    more than the insert itself. Inside this transaction the trigger is set aside,
    the rows go in, the same indexing statement runs once over the new id range,
    and the trigger is put back before commit (SQLite's DDL is transactional, so
    no other connection ever sees it missing). If the trigger is not the expected
    shape, the rows are inserted with it in place: slower, never wrong.
    """
    bulk = _search_bulk_sql(s) if rows else None
    if bulk is None:
        insert_chunks(s, WO_TABLE, rows)
        return
    create, index = bulk
    s.execute(text(f"DROP TRIGGER {SEARCH_TRIGGER}"))
    insert_chunks(s, WO_TABLE, rows)
    first, last = rows[0]["id"], rows[-1]["id"]
    s.execute(
        text(index.replace(_NEW_ROW, "w.id BETWEEN :first AND :last")),
        {"first": first, "last": last},
    )
    s.execute(text(create))


def _search_bulk_sql(s: Session) -> tuple[str, str] | None:
    """(the trigger's CREATE statement, its indexing INSERT) when it can be run in bulk."""
    if s.get_bind().dialect.name != "sqlite":
        return None
    create = s.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
        {"n": SEARCH_TRIGGER},
    ).scalar()
    if not create or "BEGIN" not in create:
        return None
    body = create[create.index("BEGIN") + len("BEGIN") : create.rindex("END")]
    statements = [part.strip() for part in body.split(";") if part.strip()]
    inserts = [st for st in statements if st.upper().startswith("INSERT INTO WO_SEARCH")]
    others = [st for st in statements if st not in inserts]
    if (
        len(inserts) != 1
        or inserts[0].count(_NEW_ROW) != 1
        or inserts[0].count("new.") != 1
        or any(not st.upper().startswith("DELETE FROM WO_SEARCH") for st in others)
    ):
        return None
    return create, inserts[0]


def insert_chunks(s: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        s.execute(insert(table), rows[i : i + CHUNK])


# ---------------------------------------------------------------- parsing


@dataclass
class _Lookups:
    assets: dict[str, tuple[int, int | None, int | None]]
    locations_by_id: dict[int, int]
    locations_by_path: dict[str, tuple[int, int]]
    users: dict[str, tuple[int, int, int | None]]
    teams: dict[str, int]
    parts: dict[str, tuple[int, int]]
    create_assets: bool = False
    new_assets: dict[str, int] = field(default_factory=dict)


def _load_lookups(s: Session) -> _Lookups:
    return _Lookups(
        assets={
            tag: (aid, loc, site)
            for aid, tag, loc, site in s.execute(
                select(Asset.id, Asset.tag, Asset.location_id, Asset.site_id)
            )
        },
        locations_by_id={
            lid: site for lid, site in s.execute(select(Location.id, Location.site_id))
        },
        locations_by_path={
            path.casefold(): (lid, site)
            for lid, site, path in s.execute(select(Location.id, Location.site_id, Location.path))
        },
        users={
            login: (uid, rate, team)
            for uid, login, rate, team, active in s.execute(
                select(User.id, User.login, User.hourly_rate_cents, User.team_id, User.active)
            )
            if active
        },
        teams={name: tid for tid, name in s.execute(select(Team.id, Team.name))},
        parts={
            number: (pid, cost)
            for pid, number, cost, active in s.execute(
                select(Part.id, Part.number, Part.unit_cost_cents, Part.active)
            )
            if active
        },
    )


class _Row:
    """One CSV record being checked: collects ``file:line: column: problem`` lines."""

    def __init__(self, name: str, line: int, values: dict[str, str]) -> None:
        self.name = name
        self.line = line
        self.values = values
        self.problems: list[str] = []

    def bad(self, column: str, problem: str) -> None:
        self.problems.append(f"{self.name}:{self.line}: {column}: {problem}")

    def text(self, column: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
        value = clean(self.values.get(column, "")).strip()
        if required and not value:
            self.bad(column, "is empty")
        elif len(value) > limit:
            self.bad(column, f"is {len(value):,} characters; the limit is {limit:,}")
        return value

    def line_text(self, column: str, *, required: bool = False, limit: int = 200) -> str:
        return clean_line(self.text(column, required=required, limit=limit * 4))[:limit]

    def level(self, column: str, default: int | None = None) -> int:
        raw = self.values.get(column, "").strip()
        if not raw and default is not None:
            return default
        if raw not in ("1", "2", "3"):
            self.bad(column, f"{raw!r} is not 1 (high), 2 (medium) or 3 (low)")
            return 2
        return int(raw)

    def choice(self, column: str, choices: Iterable[str], default: str) -> str:
        raw = self.values.get(column, "").strip()
        if not raw:
            return default
        options = tuple(choices)
        value = raw.lower() if raw.lower() in options else raw.upper()
        if value not in options:
            self.bad(column, f"unknown code {raw!r} (one of {', '.join(options)})")
            return default
        return value

    def when(
        self, column: str, fmt: str | None, now: datetime, *, required: bool = False
    ) -> datetime | None:
        raw = self.values.get(column, "").strip()
        if not raw:
            if required:
                self.bad(column, "is empty: a date is needed")
            return None
        try:
            value = datetime.strptime(raw, fmt) if fmt else datetime.fromisoformat(raw)
        except ValueError as exc:
            want = fmt or "YYYY-MM-DD or YYYY-MM-DDTHH:MM"
            reason = str(exc)
            detail = f" ({reason})" if "out of range" in reason or "must be in" in reason else ""
            self.bad(column, f"{raw!r} is not a valid date{detail}; expected {want}")
            return None
        if value.year < EARLIEST_YEAR:
            self.bad(column, f"{raw} is before {EARLIEST_YEAR}: not a believable date")
            return None
        try:
            value = value.astimezone() if value.tzinfo is None else value
        except (OverflowError, ValueError):
            self.bad(column, f"{raw} is out of range")
            return None
        if value > now:
            self.bad(column, f"{raw} is in the future")
            return None
        return value

    def count(self, column: str, limit: int) -> int:
        raw = self.values.get(column, "").strip()
        if not raw:
            return 0
        try:
            value = int(raw)
        except ValueError:
            self.bad(column, f"{raw!r} is not a whole number")
            return 0
        if value < 0:
            self.bad(column, f"{value} is negative")
            return 0
        if value > limit:
            self.bad(column, f"{value} is more than {limit:,}")
            return 0
        return value


def _header(
    name: str, header: list[str], layout: dict[str, bool], mapping: dict[str, str]
) -> dict[str, int]:
    """Target column -> position in the file; a missing required column, or a column
    read from a name the header has more than once, stops the import."""
    seen: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        seen.setdefault(clean_line(h).casefold(), []).append(i)
    positions = {name: at[0] for name, at in seen.items()}
    unknown = [t for t in mapping if t not in layout]
    if unknown:
        raise ValidationError(
            f"--map names {', '.join(unknown)}, which the layout does not have "
            f"(columns: {', '.join(layout)})."
        )
    found: dict[str, int] = {}
    missing = []
    for target, required in layout.items():
        source = mapping.get(target, target).casefold()
        if len(seen.get(source, ())) > 1:
            times = len(seen[source])
            missing.append(
                f"{name}:1: {mapping.get(target, target)}: the header names this column "
                f"{'twice' if times == 2 else f'{times} times'}"
            )
        elif source in positions:
            found[target] = positions[source]
        elif target in mapping:
            missing.append(f"{name}:1: {mapping[target]}: missing from the header (--map {target})")
        elif required:
            missing.append(f"{name}:1: {target}: missing from the header")
    if missing:
        raise ImportRefused(
            f"{name}: the header has {len(missing)} problem"
            f"{'s' if len(missing) > 1 else ''}; nothing was imported.",
            missing,
        )
    return found


def _records(
    path: Path, layout: dict[str, bool], mapping: dict[str, str]
) -> tuple[list[_Row], list[tuple[int, str]]]:
    """Every data row with its first physical line; structural problems (extra
    fields from an unquoted comma, missing fields) are reported per row, as
    (line, problem)."""
    name = path.name
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError as exc:
        raise WoError(f"{path}: no such file.") from exc
    except OSError as exc:
        raise WoError(f"Cannot read {path}: {exc.strerror}.") from exc
    rows: list[_Row] = []
    problems: list[tuple[int, str]] = []
    try:
        with handle:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration as exc:
                raise WoError(f"{name} is empty: nothing to import.") from exc
            positions = _header(name, header, layout, mapping)
            width = len(header)
            line = reader.line_num + 1
            for fields in reader:
                start, line = line, reader.line_num + 1
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                if len(fields) > width:
                    problems.append(
                        (
                            start,
                            f"{name}:{start}: {header[-1] or 'row'}: {len(fields)} fields but "
                            f"the header has {width} (an unquoted comma?)",
                        )
                    )
                    continue
                if len(fields) < width:
                    lost = [t for t, i in positions.items() if i >= len(fields)]
                    problems.append(
                        (
                            start,
                            f"{name}:{start}: {lost[0] if lost else header[len(fields)]}: "
                            f"missing (the row has {len(fields)} fields, the header {width})",
                        )
                    )
                    continue
                rows.append(_Row(name, start, {t: fields[i] for t, i in positions.items()}))
    except UnicodeDecodeError as exc:
        raise WoError(f"{name} is not UTF-8 text: save it as CSV UTF-8 and try again.") from exc
    except csv.Error as exc:
        raise WoError(f"{name}: line {reader.line_num}: {exc}.") from exc
    return rows, problems


def _place(row: _Row, lk: _Lookups) -> tuple[int | None, int | None, int | None]:
    """(asset id, location id, site id) from the asset tag or the location."""
    tag = clean_line(row.values.get("asset", ""))
    if tag:
        found = lk.assets.get(tag)
        if found is not None:
            return found
        if lk.create_assets:
            if len(tag) > 64:
                row.bad("asset", "tag is longer than 64 characters")
            lk.new_assets.setdefault(tag, 0)
            return None, None, None
        row.bad("asset", f"unknown asset {tag!r} (use --create-assets to add it)")
        return None, None, None
    raw = clean_line(row.values.get("location", ""))
    if raw:
        if raw.isascii() and raw.isdecimal() and int(raw) in lk.locations_by_id:
            return None, int(raw), lk.locations_by_id[int(raw)]
        hit = lk.locations_by_path.get(raw.casefold())
        if hit is not None:
            return None, hit[0], hit[1]
        row.bad("location", f"unknown location {raw!r}")
        return None, None, None
    row.bad("asset", "empty: give an asset tag or a location")
    return None, None, None


def _check_request(
    row: _Row, lk: _Lookups, ctx: Ctx, fmt: str | None, now: datetime
) -> dict[str, Any]:
    requester = row.line_text("requester", required=True)
    description = row.text("description", required=True)
    urgency, impact = row.level("urgency"), row.level("impact")
    asset_id, location_id, site_id = _place(row, lk)
    submitted = row.when("submitted_at", fmt, now) or now
    title = row.line_text("title", limit=MAX_TITLE) or _title(description)
    return {
        "requester": requester,
        "contact": row.line_text("contact"),
        "source": row.choice("source", lc.SOURCES, "operator"),
        "site_id": site_id,
        "asset_id": asset_id,
        "location_id": location_id,
        "title": title,
        "description": description,
        "urgency": urgency,
        "impact": impact,
        "priority": urgency + impact - 1,
        "status": lc.REQ_NEW,
        "submitted_by_id": ctx.actor.id,
        "submitted_at": submitted,
        "triaged_by_id": None,
        "triaged_at": None,
        "reject_reason": "",
        "work_order_id": None,
        "_asset_tag": clean_line(row.values.get("asset", "")),
    }


def _title(description: str) -> str:
    first = clean_line(description.split("\n", 1)[0])
    return first if len(first) <= 80 else first[:79] + "…"


def _parts(row: _Row, lk: _Lookups) -> list[tuple[int, float, int]]:
    raw = row.values.get("parts", "").strip()
    out = []
    for item in filter(None, (p.strip() for p in raw.split(";"))):
        number, sep, qty = item.rpartition(":")
        try:
            quantity = float(qty)
        except ValueError:
            quantity = float("nan")
        if not sep or not number.strip() or quantity != quantity:
            row.bad("parts", f"{item!r} is not PARTNO:QTY")
            continue
        if quantity <= 0 or quantity > MAX_PART_QUANTITY:
            row.bad(
                "parts", f"{item!r}: the quantity must be above 0 and at most {MAX_PART_QUANTITY:,}"
            )
            continue
        part = lk.parts.get(number.strip())
        if part is None:
            row.bad("parts", f"unknown part {number.strip()!r}")
            continue
        out.append((part[0], quantity, part[1]))
    return out


def _check_history(
    row: _Row, lk: _Lookups, ctx: Ctx, fmt: str | None, now: datetime
) -> dict[str, Any]:
    title = row.line_text("title", required=True, limit=MAX_TITLE)
    description = row.text("description")
    resolution = row.text("resolution", required=True)
    kind = row.choice("kind", lc.KINDS, lc.CORRECTIVE)
    urgency, impact = row.level("urgency", 2), row.level("impact", 2)
    asset_id, location_id, site_id = _place(row, lk)
    requested = row.when("requested_at", fmt, now, required=True)
    started = row.when("started_at", fmt, now)
    completed = row.when("completed_at", fmt, now, required=True)
    closed = row.when("closed_at", fmt, now) or completed
    order = [
        ("requested_at", requested),
        ("started_at", started),
        ("completed_at", completed),
        ("closed_at", closed),
    ]
    known = [(c, v) for c, v in order if v is not None]
    for (c1, v1), (c2, v2) in pairwise(known):
        if v2 < v1:
            row.bad(c2, f"is before {c1}")
    assignee = clean_line(row.values.get("assignee", ""))
    user = lk.users.get(assignee) if assignee else None
    if assignee and user is None:
        row.bad("assignee", f"unknown user {assignee!r}")
    team_name = clean_line(row.values.get("team", ""))
    team_id = lk.teams.get(team_name) if team_name else (user[2] if user else None)
    if team_name and team_id is None:
        row.bad("team", f"unknown team {team_name!r}")
    cause = row.choice("cause_code", ctx.settings.cause_codes, "")
    remedy = row.choice("remedy_code", ctx.settings.remedy_codes, "")
    minutes = row.count("labour_minutes", MAX_LABOUR_MINUTES)
    parts = _parts(row, lk)
    prio = urgency + impact - 1
    response_due = due = None
    if requested is not None and not row.problems:
        response_due, due = sla.due_dates(requested, prio, ctx.settings.sla)
    worker = user if user is not None else lk.users.get(ctx.actor.login)
    return {
        "title": title,
        "description": description,
        "kind": kind,
        "source": "operator",
        "requester": row.line_text("requester"),
        "urgency": urgency,
        "impact": impact,
        "priority": prio,
        "status": lc.CLOSED,
        "site_id": site_id,
        "asset_id": asset_id,
        "location_id": location_id,
        "assignee_id": user[0] if user else None,
        "team_id": team_id,
        "parent_id": None,
        "pm_schedule_id": None,
        "estimated_minutes": 0,
        "requested_at": requested,
        "approved_at": requested,
        "response_due_at": response_due,
        "due_at": due,
        "started_at": started,
        "completed_at": completed,
        "closed_at": closed,
        "cancelled_at": None,
        "resolution": resolution,
        "cause_code": cause,
        "remedy_code": remedy,
        "no_parts_used": not parts,
        "follow_up": "none",
        "hold_reason": "",
        "cancel_reason": "",
        "send_back_reason": "",
        "updated_at": now,
        "updated_by_id": ctx.actor.id,
        "version": 1,
        "_asset_tag": clean_line(row.values.get("asset", "")),
        "_labour": (minutes, worker) if minutes else None,
        "_parts": parts,
    }


def _check_reading(
    row: _Row, lk: _Lookups, ctx: Ctx, fmt: str | None, now: datetime
) -> dict[str, Any]:
    tag = row.line_text("asset", required=True, limit=64)
    if tag and tag not in lk.assets:
        row.bad("asset", f"unknown asset {tag!r}")
    meter = row.line_text("meter", required=True, limit=32)
    raw = row.values.get("value", "").strip()
    value = math.nan
    if not raw:
        row.bad("value", "is empty")
    else:
        with contextlib.suppress(ValueError):
            value = float(raw)
        if not math.isfinite(value):
            row.bad("value", f"{raw!r} is not a number")
    reset = row.values.get("reset", "").strip()
    if reset.lower() not in YES + NO:
        row.bad("reset", f"{reset!r} is not yes or no")
    return {
        "asset": tag,
        "meter": meter,
        "value": value,
        "at": row.when("read_at", fmt, now),
        "reset": reset.lower() in YES,
    }


CHECKS: dict[str, Callable[[_Row, _Lookups, Ctx, str | None, datetime], dict[str, Any]]] = {
    REQUESTS: _check_request,
    HISTORY: _check_history,
    READINGS: _check_reading,
}


# ---------------------------------------------------------------- writing


def _create_assets(s: Session, ctx: Ctx, tags: Iterable[str], now: datetime) -> dict[str, int]:
    table = Asset.__table__  # type: ignore[attr-defined]
    created = {}
    names = sorted(tags)
    rows = []
    for asset_id, tag in zip(reserve_ids(s, table, len(names)), names, strict=True):
        rows.append({"id": asset_id, "tag": tag, "name": tag, "category": "", "criticality": 3})
        created[tag] = asset_id
    if rows:
        insert_chunks(s, table, rows)
        insert_chunks(
            s,
            AUDIT_TABLE,
            [
                {
                    "at": now,
                    "actor_id": ctx.actor.id,
                    "entity": "asset",
                    "entity_id": r["id"],
                    "work_order_id": None,
                    "action": "import",
                    "changes": json.dumps({"tag": [None, r["tag"]]}, ensure_ascii=False),
                }
                for r in rows
            ],
        )
    return created


def _write(
    s: Session,
    ctx: Ctx,
    kind: str,
    good: list[dict[str, Any]],
    lk: _Lookups,
    now: datetime,
    progress: Progress | None,
) -> tuple[int, int]:
    created = _create_assets(s, ctx, lk.new_assets, now)
    for row in good:
        tag = row.pop("_asset_tag")
        if row["asset_id"] is None and tag in created:
            row["asset_id"] = created[tag]
    series, table, entity = (
        ("WO", WO_TABLE, "work_order") if kind == HISTORY else ("REQ", REQ_TABLE, "work_request")
    )
    first_number = reserve_numbers(s, series, len(good))
    ids = reserve_ids(s, table, len(good))
    labour: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for offset, row in enumerate(good):
        row["id"] = ids[offset]
        row["number"] = first_number + offset
        if kind == HISTORY:
            spent = row.pop("_labour")
            if spent is not None:
                minutes, worker = spent
                labour.append(
                    {
                        "work_order_id": row["id"],
                        "user_id": worker[0],
                        "work_date": row["completed_at"].astimezone().date(),
                        "minutes": minutes,
                        "rate_cents": worker[1],
                        "created_at": now,
                        "created_by_id": ctx.actor.id,
                    }
                )
            for part_id, quantity, cost in row.pop("_parts"):
                parts.append(
                    {
                        "work_order_id": row["id"],
                        "part_id": part_id,
                        "quantity": quantity,
                        "unit_cost_cents": cost,
                        "created_at": now,
                        "created_by_id": ctx.actor.id,
                    }
                )
    total = len(good)
    for i in range(0, total, CHUNK):
        chunk = good[i : i + CHUNK]
        if kind == HISTORY:
            insert_work_orders(s, chunk)
        else:
            s.execute(insert(table), chunk)
        s.execute(insert(AUDIT_TABLE), [audit_row(now, ctx.actor.id, entity, r) for r in chunk])
        if progress:
            progress("saving", min(i + CHUNK, total), total)
    insert_chunks(s, LABOUR_TABLE, labour)
    insert_chunks(s, PART_USAGE_TABLE, parts)
    return first_number, first_number + total - 1


@dataclass
class _Within(Store):
    """The store as the services see it from inside one import transaction: each
    call runs in a savepoint of it, so a refused row is undone alone, and the
    import undoes them all when the file is refused."""

    session: Session | None = None

    @classmethod
    def around(cls, store: Store, session: Session) -> _Within:
        return cls(store.url, store.engine, store.path, store.read_only, session=session)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        assert self.session is not None
        yield self.session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        assert self.session is not None
        with self.session.begin_nested():
            yield self.session


def _write_readings(
    s: Session,
    ctx: Ctx,
    good: list[tuple[_Row, dict[str, Any]]],
    now: datetime,
    progress: Progress | None,
) -> list[tuple[int, str]]:
    """Record each reading through ``pm.record_reading``, so its rules apply (a
    counting meter never runs backwards unless the row says reset); oldest first,
    so a file need not be in time order. Returns the rows it refused."""
    inner = Ctx(_Within.around(ctx.store, s), ctx.actor, ctx.settings)
    refused: list[tuple[int, str]] = []
    ordered = sorted(good, key=lambda item: item[1]["at"] or now)
    total = len(ordered)
    for n, (rec, row) in enumerate(ordered, 1):
        try:
            pm.record_reading(
                inner, row["asset"], row["meter"], row["value"], at=row["at"], reset=row["reset"]
            )
        except DomainError as exc:
            rec.bad("reset" if row["reset"] else "value", exc.message.rstrip("."))
            refused.append((rec.line, rec.problems[-1]))
        if progress and (n % READING_CHUNK == 0 or n == total):
            progress("saving", n, total)
    return refused


def import_csv(
    ctx: Ctx,
    path: Path,
    *,
    kind: str = REQUESTS,
    mapping: dict[str, str] | None = None,
    create_assets: bool = False,
    date_format: str | None = None,
    skip_bad: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row, then import the good ones in one transaction (or none)."""
    perm.require(ctx.actor, "import")
    if kind not in LAYOUTS:
        raise ValidationError(f"Import kind must be one of {', '.join(KINDS)}, not {kind!r}.")
    if kind == READINGS:
        perm.require(ctx.actor, "record_meter")
        if create_assets:
            raise ValidationError(
                "--create-assets does not go with meter readings: add the assets first."
            )
    records, found = _records(path, LAYOUTS[kind], mapping or {})
    now = clock.now()
    result = ImportResult(kind)
    bad = len(found)

    def refuse_or_keep() -> None:
        found.sort(key=lambda item: item[0])
        result.problems, result.bad_rows = [p for _, p in found], bad
        if found and not skip_bad:
            raise ImportRefused(
                f"{path.name}: {bad} bad row{'s' if bad != 1 else ''}; nothing was imported "
                "(fix them, or use --skip-bad to import the good rows).",
                result.problems,
            )

    with ctx.write() as s:
        lk = _load_lookups(s)
        lk.create_assets = create_assets
        good: list[tuple[_Row, dict[str, Any]]] = []
        check = CHECKS[kind]
        total = len(records)
        for n, rec in enumerate(records, 1):
            row = check(rec, lk, ctx, date_format, now)
            if rec.problems:
                found.extend((rec.line, p) for p in rec.problems)
                bad += 1
            else:
                good.append((rec, row))
            if progress and (n % CHUNK == 0 or n == total):
                progress("checking", n, total)
        if kind == READINGS:
            # Recorded even when the file will be refused, so that the readings the
            # PM rules refuse are listed with the rest; the refusal undoes them all.
            refused = _write_readings(s, ctx, good, now, progress)
            found.extend(refused)
            bad += len(refused)
            refuse_or_keep()
            result.imported = len(good) - len(refused)
            return result
        refuse_or_keep()
        if not good:
            return result
        rows = [row for _, row in good]
        used = {r["_asset_tag"] for r in rows}
        lk.new_assets = {t: 0 for t in lk.new_assets if t in used}
        first, last = _write(s, ctx, kind, rows, lk, now, progress)
        result.created_assets = sorted(lk.new_assets)
        result.imported = len(rows)
        label = wo_label if kind == HISTORY else req_label
        result.first, result.last = label(first), label(last)
    return result

"""Search as you type over work orders and assets, on SQLite and PostgreSQL alike.

The index is kept by triggers (migration 0002), so whoever writes keeps it right.
User text never reaches the database as query syntax: it is cut into words (runs
of letters and digits, lower-cased, the same rule the index applies), and each
word becomes a quoted prefix term; every word must match. Quotes, ``AND``,
``NEAR``, ``:*`` or markup in the input are therefore just characters.

A query that reads as a work order number (``WO-000123``, ``wo123``, ``123``)
also finds that work order first, by the unique index on ``number``; a number too
big for the column is no match. Work still to be done (not closed or cancelled)
comes before finished work: a dispatcher looking for "leaking seal" wants the job
that is open today, not the ten that were closed last year.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, String, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

from wo_tui.domain import lifecycle as lc
from wo_tui.domain.refs import MAX_NUMBER
from wo_tui.store.db import Store
from wo_tui.text import clean_line

MAX_WORDS = 8
MAX_WORD = 64
"""Longer input is cut: a search box is not a document."""
CANDIDATES = 500
"""Matches ranked per search, newest first: more precise words narrow the set, so
ranking stays exact whenever a query matches fewer work orders than this."""

_WORD = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"^\s*(?:wo-?)?0*([0-9]{1,12})\s*$", re.IGNORECASE)

SEARCH_OBJECTS = frozenset(
    {
        "wo_search",
        "asset_search",
        "ix_wo_search_doc",
        "ix_wo_search_current",
        "ix_asset_search",
        *(
            f"{table}_{shadow}"
            for table in ("wo_search", "asset_search")
            for shadow in ("data", "idx", "content", "docsize", "config")
        ),
    }
)
"""Tables and indexes of the search index, which the SQLModel metadata does not
describe (FTS5 virtual tables and their shadow tables, the tsvector table, GIN
indexes): schema comparisons leave them out."""


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: compare everything but the search index."""
    return name not in SEARCH_OBJECTS


@dataclass(frozen=True)
class SearchHit:
    number: int
    title: str
    status: str
    priority: int
    asset_tag: str | None
    rank: float
    """Relevance, higher is better; ``inf`` for the work order whose number was typed.
    Current work comes before finished work whatever its rank. Ranks order hits within
    one search; they are not comparable across backends."""


@dataclass(frozen=True)
class AssetHit:
    id: int
    tag: str
    name: str
    rank: float


def words(query: str) -> list[str]:
    """The words of a query, as the index sees them."""
    return [w[:MAX_WORD] for w in _WORD.findall(query.lower())][:MAX_WORDS]


def _fts5_query(terms: list[str]) -> str:
    return " ".join(f'"{t}"*' for t in terms)


def _tsquery(terms: list[str]) -> str:
    return " & ".join(f"'{t}':*" for t in terms)


class WorkOrderMatches(ColumnElement[bool]):
    """``work_order.id`` is among the work orders the index finds for every word of
    ``query``: what the board's filter box uses, so filtering costs an index lookup
    instead of a scan of every title and description."""

    inherit_cache = False
    type = Boolean()

    def __init__(self, query: str) -> None:
        self.terms = words(query)


def _match_sql(element: WorkOrderMatches, compiler: SQLCompiler, query: str, sql: str) -> str:
    if not element.terms:
        return "1 = 0"
    param = compiler.process(bindparam(None, query, type_=String()))
    return sql.format(param)


@compiles(WorkOrderMatches, "sqlite")
def _match_sqlite(element: WorkOrderMatches, compiler: SQLCompiler, **_: Any) -> str:
    sql = "work_order.id IN (SELECT rowid FROM wo_search WHERE wo_search MATCH {})"
    return _match_sql(element, compiler, _fts5_query(element.terms), sql)


@compiles(WorkOrderMatches, "postgresql")
def _match_postgresql(element: WorkOrderMatches, compiler: SQLCompiler, **_: Any) -> str:
    sql = (
        "work_order.id IN (SELECT work_order_id FROM wo_search "
        "WHERE doc @@ to_tsquery('simple', {}))"
    )
    return _match_sql(element, compiler, _tsquery(element.terms), sql)


def _status_filter(statuses: Collection[str] | None) -> tuple[str, dict[str, Any]]:
    if statuses is None:
        return "", {}
    return " AND w.status IN :statuses", {"statuses": list(statuses)}


def _bind(sql: str, params: dict[str, Any]) -> Any:
    stmt = text(sql)
    if "statuses" in params:
        stmt = stmt.bindparams(bindparam("statuses", expanding=True))
    return stmt


_HIT_COLUMNS = "w.number, w.title, w.status, w.priority, a.tag"


_CURRENT = ", ".join(f"'{status}'" for status in lc.BOARD)
"""Work that is not closed or cancelled, as SQL: it ranks above finished work."""
_FINISHED_LAST = f"CASE WHEN w.status IN ({_CURRENT}) THEN 0 ELSE 1 END"


def _text_hits(
    conn: Connection, terms: list[str], limit: int, statuses: Collection[str] | None
) -> list[SearchHit]:
    """Current work first (not closed or cancelled), then the best match, then the newest.

    Only the newest ``CANDIDATES`` matches of current work and as many of all work are
    ranked: a short prefix can match most of a big database, and ranking all of it would
    cost as much as the database is big. Current work is looked for apart, so old open
    jobs are not crowded out by years of closed ones that share their words.
    """
    where, params = _status_filter(statuses)
    params["limit"] = limit
    params["cap"] = CANDIDATES
    if conn.dialect.name == "sqlite":
        params["q"] = _fts5_query(terms)
        matches = (
            "SELECT wo_search.rowid AS id, -bm25(wo_search, 10.0, 5.0, 2.0, 1.0) AS score "
            "FROM wo_search"
        )
        join = " JOIN work_order w ON w.id = wo_search.rowid"
        query = "wo_search MATCH :q"
        newest = " ORDER BY wo_search.rowid DESC LIMIT :cap"
        every = matches + (join if where else "") + f" WHERE {query}{where}{newest}"
        still_to_do = f"{matches}{join} WHERE {query}{where} AND w.status IN ({_CURRENT}){newest}"
        sql = (
            "WITH c AS (SELECT id, max(score) AS score FROM "
            f"(SELECT * FROM ({every}) UNION ALL SELECT * FROM ({still_to_do})) GROUP BY id) "
            f"SELECT {_HIT_COLUMNS}, c.score FROM c "
            "JOIN work_order w ON w.id = c.id LEFT JOIN asset a ON a.id = w.asset_id "
            f"ORDER BY {_FINISHED_LAST}, c.score DESC, w.number DESC LIMIT :limit"
        )
    else:
        # Current work has a GIN index of its own (``ix_wo_search_current``, partial on
        # ``wo_search.current``): its newest matches cost what current work matches, not
        # what years of closed work do. The page is then fetched by id: joined to the
        # candidates instead, the planner hashed the whole work_order table.
        params["q"] = _tsquery(terms)
        matches = "SELECT s.work_order_id AS id FROM wo_search s"
        join = " JOIN work_order w ON w.id = s.work_order_id" if where else ""
        newest = " ORDER BY s.work_order_id DESC LIMIT :cap"
        query = "s.doc @@ to_tsquery('simple', :q)"
        every = f"{matches}{join} WHERE {query}{where}{newest}"
        still_to_do = f"{matches}{join} WHERE s.current AND {query}{where}{newest}"
        sql = (
            f"WITH c AS MATERIALIZED (({every}) UNION ({still_to_do})) "
            f"SELECT {_HIT_COLUMNS}, ts_rank(s.doc, to_tsquery('simple', :q)) AS score "
            "FROM work_order w JOIN wo_search s ON s.work_order_id = w.id "
            "LEFT JOIN asset a ON a.id = w.asset_id WHERE w.id = ANY (ARRAY(SELECT id FROM c)) "
            f"ORDER BY {_FINISHED_LAST}, score DESC, w.number DESC LIMIT :limit"
        )
    rows = conn.execute(_bind(sql, params), params).all()
    return [SearchHit(r[0], r[1], r[2], r[3], r[4], float(r[5])) for r in rows]


def _number_hit(
    conn: Connection, number: int, statuses: Collection[str] | None
) -> SearchHit | None:
    where, params = _status_filter(statuses)
    params["n"] = number
    sql = (
        f"SELECT {_HIT_COLUMNS} FROM work_order w LEFT JOIN asset a ON a.id = w.asset_id "
        f"WHERE w.number = :n{where}"
    )
    row = conn.execute(_bind(sql, params), params).first()
    return None if row is None else SearchHit(row[0], row[1], row[2], row[3], row[4], math.inf)


def search_work_orders(
    store: Store,
    query: str,
    *,
    limit: int = 50,
    statuses: Collection[str] | None = None,
) -> list[SearchHit]:
    """Work orders matching every word of ``query`` as a prefix, over number, title,
    description, notes and the asset's tag and name: the typed number first, then work
    not yet closed or cancelled, then finished work, each best match first."""
    terms = words(query)
    typed = _NUMBER.match(query)
    number = int(typed.group(1)) if typed else None
    if not terms or limit <= 0 or (statuses is not None and not statuses):
        return []
    with store.read() as session:
        conn = session.connection()
        hits: list[SearchHit] = []
        if number is not None and number <= MAX_NUMBER:
            exact = _number_hit(conn, number, statuses)
            if exact is not None:
                hits.append(exact)
        for hit in _text_hits(conn, terms, limit, statuses):
            if not hits or hit.number != hits[0].number:
                hits.append(hit)
    return hits[:limit]


def search_assets(store: Store, query: str, limit: int = 20) -> list[AssetHit]:
    """Assets whose tag or name match every word of ``query`` as a prefix; a tag
    typed in full comes first. ``P10`` and ``p-10`` both find ``P-101``."""
    terms = words(query)
    if not terms or limit <= 0:
        return []
    params: dict[str, Any] = {"limit": limit, "tag": clean_line(query)}
    with store.read() as session:
        conn = session.connection()
        if conn.dialect.name == "sqlite":
            params["q"] = _fts5_query(terms)
            sql = (
                "SELECT a.id, a.tag, a.name, "
                "CASE WHEN lower(a.tag) = lower(:tag) THEN 1e9 "
                "ELSE -bm25(asset_search, 10.0, 1.0) END AS score "
                "FROM asset_search JOIN asset a ON a.id = asset_search.rowid "
                "WHERE asset_search MATCH :q ORDER BY score DESC, a.id LIMIT :limit"
            )
        else:
            params["q"] = _tsquery(terms)
            sql = (
                "SELECT a.id, a.tag, a.name, "
                "CASE WHEN lower(a.tag) = lower(:tag) THEN 1e9 "
                "ELSE ts_rank(asset_search_doc(a.tag, a.name), q.q) END AS score "
                "FROM to_tsquery('simple', :q) AS q(q) "
                "JOIN asset a ON asset_search_doc(a.tag, a.name) @@ q.q "
                "ORDER BY score DESC, a.id LIMIT :limit"
            )
        rows = conn.execute(text(sql), params).all()
    return [AssetHit(r[0], r[1], r[2], float(r[3])) for r in rows]

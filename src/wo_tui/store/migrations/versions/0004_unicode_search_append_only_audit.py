"""search words in any script on any PostgreSQL locale; the audit trail append-only

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

PostgreSQL's ``lower()`` and the ``[:alnum:]`` class of its regular expressions
follow the collation of their input, which is the database's own unless a query
says otherwise. On a database created with ``LC_CTYPE 'C'`` both know ASCII only:
"ÜBERLAUF am Kühlturm" was indexed as ``berlauf``, ``hlturm`` and ``k``, so a search
for "kühlt" found nothing that SQLite's FTS5 finds. The indexing function now names
its collation: ICU's root locale when the server has ICU, else the database's own
if it knows letters beyond ASCII, else a UTF-8 libc collation the server offers,
each tried on a sample first. Where none passes, it stays on the database's and
``wo-tui doctor`` says so. Text in ASCII is indexed the same under every one of
these, so only work orders and assets with other characters are re-indexed.

Search ranks work still to do (not closed or cancelled) above finished work. On
PostgreSQL each search document therefore says whether its work order is current,
kept by the indexing function and by a trigger on the status (fired only when work
is closed, cancelled or reopened), and a partial GIN index holds current work only:
the newest current matches are found without walking years of closed ones.

The audit trail is history: services only ever insert into ``audit_event``, and the
ORM refuses to change a row. Triggers make the database refuse it too, so neither
another tool nor raw SQL through wo-tui's own engine can rewrite or remove an
event (on PostgreSQL ``TRUNCATE`` as well).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "the audit trail is append-only"
ICU_ROOT = "und-x-icu"

PROBE = ("ÜBERLAUF am Kühlturm", "überlauf am kühlturm")
_NON_ASCII = "'[^\\u0001-\\u007f]'"
"""A regular expression (PostgreSQL ARE) for text whose index words may change."""


def _pick_collation() -> str | None:
    """The collation for ``lower()`` and ``[:alnum:]``; None keeps the database's.

    Each candidate is tried on a sample rather than judged by its name: ICU, for one,
    refuses some encodings (SQL_ASCII) only when it is used.
    """
    conn = op.get_bind()
    candidates: list[str | None] = [
        str(name)
        for (name,) in conn.execute(
            text("SELECT collname FROM pg_collation WHERE collname = :icu AND collprovider = 'i'"),
            {"icu": ICU_ROOT},
        )
    ]
    candidates.append(None)
    candidates += [
        str(name)
        for (name,) in conn.execute(
            text(
                "SELECT collname FROM pg_collation WHERE collprovider = 'c'"
                " AND collencoding IN (-1, (SELECT encoding FROM pg_database"
                "                           WHERE datname = current_database()))"
                " AND replace(lower(collctype), '-', '') LIKE '%.utf8'"
                " ORDER BY collname <> 'C.utf8', collname"
            )
        )
    ]
    sample, expected = PROBE
    for collation in candidates:
        collate = "" if collation is None else f' COLLATE pg_catalog."{collation}"'
        try:
            with conn.begin_nested():
                seen = conn.execute(
                    text(f"SELECT regexp_replace(lower(:t{collate}), '[^[:alnum:]]+', ' ', 'g')"),
                    {"t": sample},
                ).scalar()
        except DBAPIError:
            continue
        if seen == expected:
            return collation
    return None


def _words_function(collation: str | None) -> str:
    collate = "" if collation is None else f' COLLATE pg_catalog."{collation}"'
    return (
        "CREATE OR REPLACE FUNCTION wo_search_words(t text) RETURNS text"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE"
        f" RETURN regexp_replace(lower(coalesce(t, ''){collate}), '[^[:alnum:]]+', ' ', 'g')"
    )


def _reindex_non_ascii(collation: str | None) -> None:
    op.execute(_words_function(collation))
    op.execute(
        "SELECT wo_search_refresh(ARRAY("
        " SELECT w.id FROM work_order w LEFT JOIN asset a ON a.id = w.asset_id"
        f" WHERE concat(w.title, w.description, a.tag, a.name) ~ {_NON_ASCII}"
        "  OR EXISTS (SELECT 1 FROM note n WHERE n.work_order_id = w.id"
        f"             AND n.body ~ {_NON_ASCII})), false)"
    )
    op.execute("REINDEX INDEX ix_asset_search")


HISTORY = "'closed', 'cancelled'"
"""Statuses of work that is history: everything else is current."""
INDEXED_CHARS = 100_000
"""As in migration 0002: characters of a description, and of the notes, indexed."""


def _compact(column: str) -> str:
    """The tag without its usual punctuation, as migration 0002 writes it."""
    out = column
    for ch in ("-", "_", ".", "/", " ", ":", "#"):
        out = f"replace({out}, '{ch}', '')"
    return out


def _refresh_function(current: bool) -> str:
    """``wo_search_refresh`` of migration 0002, and with ``current`` also the flag."""
    column, value, update = (
        (", current", f", w.status NOT IN ({HISTORY})", ", current = EXCLUDED.current")
        if current
        else ("", "", "")
    )
    return f"""
CREATE OR REPLACE FUNCTION wo_search_refresh(wos integer[], lock boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF lock THEN
        PERFORM 1 FROM work_order WHERE id = ANY (wos) ORDER BY id FOR NO KEY UPDATE;
    END IF;
    INSERT INTO wo_search (work_order_id, doc{column})
    SELECT w.id,
           setweight(to_tsvector('simple', wo_search_words(w.title)), 'A')
        || setweight(to_tsvector('simple', wo_search_words(
               a.tag || ' ' || {_compact("a.tag")} || ' ' || a.name)), 'B')
        || setweight(to_tsvector('simple', wo_search_words(
               left(w.description, {INDEXED_CHARS}))), 'C')
        || setweight(to_tsvector('simple', wo_search_words(left(
               (SELECT string_agg(n.body, ' ' ORDER BY n.id) FROM note n
                WHERE n.work_order_id = w.id), {INDEXED_CHARS}))), 'D'){value}
    FROM work_order w LEFT JOIN asset a ON a.id = w.asset_id
    WHERE w.id = ANY (wos)
    ON CONFLICT (work_order_id) DO UPDATE SET doc = EXCLUDED.doc{update};
END $$;
"""


PG_CURRENT = f"""
ALTER TABLE wo_search ADD COLUMN current boolean NOT NULL DEFAULT false;
UPDATE wo_search s SET current = true FROM work_order w
    WHERE w.id = s.work_order_id AND w.status NOT IN ({HISTORY});
{_refresh_function(current=True)}
CREATE FUNCTION wo_search_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE wo_search SET current = NEW.status NOT IN ({HISTORY})
    WHERE work_order_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER wo_search_status AFTER UPDATE OF status ON work_order FOR EACH ROW
    WHEN ((OLD.status IN ({HISTORY})) IS DISTINCT FROM (NEW.status IN ({HISTORY})))
    EXECUTE FUNCTION wo_search_on_status();

CREATE INDEX ix_wo_search_current ON wo_search USING gin (doc) WHERE current;
"""

PG_AUDIT = f"""
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY}';
END $$;

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();

CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""

SQLITE_TRIGGERS = ("audit_event_no_update", "audit_event_no_delete")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, verb in zip(SQLITE_TRIGGERS, ("UPDATE", "DELETE"), strict=True):
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {verb} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        return
    op.execute(PG_CURRENT)
    _reindex_non_ascii(_pick_collation())
    op.execute(PG_AUDIT)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        return
    op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
    op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
    op.execute("DROP FUNCTION audit_event_append_only()")
    op.execute("DROP INDEX ix_wo_search_current")
    op.execute("DROP TRIGGER wo_search_status ON work_order")
    op.execute("DROP FUNCTION wo_search_on_status()")
    op.execute(_refresh_function(current=False))
    op.execute("ALTER TABLE wo_search DROP COLUMN current")
    _reindex_non_ascii(None)

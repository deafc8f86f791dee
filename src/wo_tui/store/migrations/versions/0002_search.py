"""full-text search over work orders and assets

Revision ID: 0002
Revises: 0001

One search document per work order (title, asset tag and name, description, its
notes) and one per asset (tag, name), kept in sync by triggers in the writing
transaction, so every writer (the app, the CLI, an import, another tool) keeps
search right. SQLite: FTS5 tables. PostgreSQL: a ``tsvector`` table with a GIN
index, and an expression index on ``asset``. Both see the same words: runs of
letters and digits, lower-cased, with a tag also indexed without its punctuation
("P-101" -> "p", "101", "p101"), so the two backends find the same rows.

On PostgreSQL the indexing function is PL/pgSQL, which keeps its query plans for
the session: a SQL-language function is planned again on every call, and a trigger
calls it once per inserted row when a driver sends a batch row by row. A note or
asset change first locks the work orders it re-indexes, so two writers touching one
work order queue up and the second builds its document from what the first
committed (READ COMMITTED takes a new snapshot per statement); an upsert writes it.

Also seeds the WO/REQ counters so two first writers on a new PostgreSQL database
cannot both try to create the counter row.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED_CHARS = 100_000
"""Characters of a description, and of a work order's notes together, that are
indexed: a PostgreSQL tsvector must stay under 1 MB."""


def _compact(column: str) -> str:
    """The tag without its usual punctuation, the same SQL on both backends."""
    out = column
    for ch in ("-", "_", ".", "/", " ", ":", "#"):
        out = f"replace({out}, '{ch}', '')"
    return out


SQLITE_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3'"


def _sqlite_wo_select(where: str) -> str:
    return f"""
        SELECT w.id, w.title,
               coalesce(a.tag || ' ' || {_compact("a.tag")} || ' ' || a.name, ''),
               substr(w.description, 1, {INDEXED_CHARS}),
               coalesce((SELECT substr(group_concat(n.body, ' '), 1, {INDEXED_CHARS})
                         FROM note n WHERE n.work_order_id = w.id), '')
        FROM work_order w LEFT JOIN asset a ON a.id = w.asset_id
        WHERE {where}"""


def _sqlite_refresh(wo_id: str) -> str:
    return (
        f"DELETE FROM wo_search WHERE rowid = {wo_id};\n"
        "INSERT INTO wo_search (rowid, title, asset, description, notes)"
        f"{_sqlite_wo_select(f'w.id = {wo_id}')};"
    )


def _asset_doc(prefix: str) -> str:
    return f"{prefix}.tag || ' ' || {_compact(f'{prefix}.tag')}, {prefix}.name"


def _upgrade_sqlite() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE wo_search USING fts5("
        f"title, asset, description, notes, {SQLITE_TOKENIZE})"
    )
    op.execute(f"CREATE VIRTUAL TABLE asset_search USING fts5(tag, name, {SQLITE_TOKENIZE})")
    op.execute(
        "CREATE TRIGGER wo_search_wo_insert AFTER INSERT ON work_order BEGIN "
        f"{_sqlite_refresh('new.id')} END"
    )
    op.execute(
        "CREATE TRIGGER wo_search_wo_update AFTER UPDATE OF title, description, asset_id "
        f"ON work_order BEGIN {_sqlite_refresh('old.id')} {_sqlite_refresh('new.id')} END"
    )
    op.execute(
        "CREATE TRIGGER wo_search_wo_delete AFTER DELETE ON work_order BEGIN "
        "DELETE FROM wo_search WHERE rowid = old.id; END"
    )
    op.execute(
        "CREATE TRIGGER wo_search_note_insert AFTER INSERT ON note BEGIN "
        f"{_sqlite_refresh('new.work_order_id')} END"
    )
    op.execute(
        "CREATE TRIGGER wo_search_note_update AFTER UPDATE OF body, work_order_id ON note BEGIN "
        f"{_sqlite_refresh('old.work_order_id')} {_sqlite_refresh('new.work_order_id')} END"
    )
    op.execute(
        "CREATE TRIGGER wo_search_note_delete AFTER DELETE ON note BEGIN "
        f"{_sqlite_refresh('old.work_order_id')} END"
    )
    op.execute(
        "CREATE TRIGGER wo_search_asset_update AFTER UPDATE OF tag, name ON asset BEGIN "
        "DELETE FROM wo_search WHERE rowid IN (SELECT id FROM work_order WHERE asset_id = new.id);"
        " INSERT INTO wo_search (rowid, title, asset, description, notes)"
        f"{_sqlite_wo_select('w.asset_id = new.id')}; "
        f"DELETE FROM asset_search WHERE rowid = old.id; "
        f"INSERT INTO asset_search (rowid, tag, name) SELECT new.id, {_asset_doc('new')}; END"
    )
    op.execute(
        "CREATE TRIGGER asset_search_insert AFTER INSERT ON asset BEGIN "
        f"INSERT INTO asset_search (rowid, tag, name) SELECT new.id, {_asset_doc('new')}; END"
    )
    op.execute(
        "CREATE TRIGGER asset_search_delete AFTER DELETE ON asset BEGIN "
        "DELETE FROM asset_search WHERE rowid = old.id; END"
    )
    op.execute(
        "INSERT INTO wo_search (rowid, title, asset, description, notes)"
        f"{_sqlite_wo_select('1 = 1')}"
    )
    op.execute(
        f"INSERT INTO asset_search (rowid, tag, name) SELECT a.id, {_asset_doc('a')} FROM asset a"
    )


PG_FUNCTIONS = f"""
CREATE FUNCTION wo_search_words(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN regexp_replace(lower(coalesce(t, '')), '[^[:alnum:]]+', ' ', 'g');

CREATE FUNCTION asset_search_doc(tag text, name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('simple'::regconfig,
                             wo_search_words(tag || ' ' || {_compact("tag")})), 'A')
    || setweight(to_tsvector('simple'::regconfig, wo_search_words(name)), 'B');

CREATE FUNCTION wo_search_refresh(wos integer[], lock boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF lock THEN
        PERFORM 1 FROM work_order WHERE id = ANY (wos) ORDER BY id FOR NO KEY UPDATE;
    END IF;
    INSERT INTO wo_search (work_order_id, doc)
    SELECT w.id,
           setweight(to_tsvector('simple', wo_search_words(w.title)), 'A')
        || setweight(to_tsvector('simple', wo_search_words(
               a.tag || ' ' || {_compact("a.tag")} || ' ' || a.name)), 'B')
        || setweight(to_tsvector('simple', wo_search_words(
               left(w.description, {INDEXED_CHARS}))), 'C')
        || setweight(to_tsvector('simple', wo_search_words(left(
               (SELECT string_agg(n.body, ' ' ORDER BY n.id) FROM note n
                WHERE n.work_order_id = w.id), {INDEXED_CHARS}))), 'D')
    FROM work_order w LEFT JOIN asset a ON a.id = w.asset_id
    WHERE w.id = ANY (wos)
    ON CONFLICT (work_order_id) DO UPDATE SET doc = EXCLUDED.doc;
END $$;

CREATE FUNCTION wo_search_on_new_work_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wo_search_refresh(ARRAY(SELECT id FROM new_rows), false);
    RETURN NULL;
END $$;

CREATE FUNCTION wo_search_on_work_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wo_search_refresh(ARRAY[NEW.id], false);
    RETURN NULL;
END $$;

CREATE FUNCTION wo_search_on_new_notes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wo_search_refresh(ARRAY(SELECT DISTINCT work_order_id FROM new_rows), true);
    RETURN NULL;
END $$;

CREATE FUNCTION wo_search_on_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM wo_search_refresh(ARRAY[OLD.work_order_id, NEW.work_order_id], true);
    ELSE
        PERFORM wo_search_refresh(ARRAY[OLD.work_order_id], true);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION wo_search_on_asset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wo_search_refresh(ARRAY(SELECT id FROM work_order WHERE asset_id = NEW.id), true);
    RETURN NULL;
END $$;
"""


def _upgrade_postgresql() -> None:
    op.execute(
        "CREATE TABLE wo_search ("
        " work_order_id integer PRIMARY KEY REFERENCES work_order (id) ON DELETE CASCADE,"
        " doc tsvector NOT NULL)"
    )
    op.execute(PG_FUNCTIONS)
    op.execute("SELECT wo_search_refresh(ARRAY(SELECT id FROM work_order), false)")
    op.execute("CREATE INDEX ix_wo_search_doc ON wo_search USING gin (doc)")
    op.execute("CREATE INDEX ix_asset_search ON asset USING gin (asset_search_doc(tag, name))")
    op.execute(
        "CREATE TRIGGER wo_search_new_work_orders AFTER INSERT ON work_order"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION wo_search_on_new_work_orders()"
    )
    op.execute(
        "CREATE TRIGGER wo_search_work_order AFTER UPDATE OF title, description, asset_id"
        " ON work_order FOR EACH ROW EXECUTE FUNCTION wo_search_on_work_order()"
    )
    op.execute(
        "CREATE TRIGGER wo_search_new_notes AFTER INSERT ON note REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION wo_search_on_new_notes()"
    )
    op.execute(
        "CREATE TRIGGER wo_search_note AFTER DELETE OR UPDATE OF body, work_order_id"
        " ON note FOR EACH ROW EXECUTE FUNCTION wo_search_on_note()"
    )
    op.execute(
        "CREATE TRIGGER wo_search_asset AFTER UPDATE OF tag, name"
        " ON asset FOR EACH ROW EXECUTE FUNCTION wo_search_on_asset()"
    )


def _seed_counters() -> None:
    for series, table in (("WO", "work_order"), ("REQ", "work_request")):
        op.execute(
            "INSERT INTO counter (name, value) "
            f"SELECT '{series}', (SELECT coalesce(max(number), 0) FROM {table}) "
            f"WHERE NOT EXISTS (SELECT 1 FROM counter WHERE name = '{series}')"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_postgresql()
    _seed_counters()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in (
            "wo_search_wo_insert",
            "wo_search_wo_update",
            "wo_search_wo_delete",
            "wo_search_note_insert",
            "wo_search_note_update",
            "wo_search_note_delete",
            "wo_search_asset_update",
            "asset_search_insert",
            "asset_search_delete",
        ):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE asset_search")
        op.execute("DROP TABLE wo_search")
        return
    op.execute("DROP TRIGGER wo_search_asset ON asset")
    op.execute("DROP TRIGGER wo_search_note ON note")
    op.execute("DROP TRIGGER wo_search_new_notes ON note")
    op.execute("DROP TRIGGER wo_search_work_order ON work_order")
    op.execute("DROP TRIGGER wo_search_new_work_orders ON work_order")
    op.execute("DROP INDEX ix_asset_search")
    op.execute("DROP TABLE wo_search")
    op.execute(
        "DROP FUNCTION wo_search_on_asset(), wo_search_on_note(), wo_search_on_new_notes(),"
        " wo_search_on_work_order(), wo_search_on_new_work_orders(), wo_search_refresh(integer[], boolean),"
        " asset_search_doc(text, text), wo_search_words(text)"
    )

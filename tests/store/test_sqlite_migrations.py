"""Migrations: the code's idea of the head, models against migrations, a user's
rows through every upgrade, a newer database refused, and one migrator at a time.

The upgrade test is written over whatever the first revision's tables are, so it
keeps meaning something as revisions are added.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    select,
)

from wo_tui.errors import ReadOnlyDatabase, SchemaTooNew
from wo_tui.store import db
from wo_tui.store.db import SCHEMA_HEAD, Store, open_store
from wo_tui.store.migrate import alembic_config, current_revision, upgrade
from wo_tui.store.models import metadata
from wo_tui.store.search import include_object

FORK = multiprocessing.get_context("fork")


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def _first_revision() -> str:
    [base] = _script().get_bases()
    return base


def _revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return current_revision(conn)


def test_schema_head_is_the_alembic_head() -> None:
    heads = _script().get_heads()
    assert heads == [SCHEMA_HEAD], "update SCHEMA_HEAD in store/db.py with the new migration"


def test_revisions_form_one_line() -> None:
    revisions = list(_script().walk_revisions())
    assert len(_script().get_bases()) == 1
    assert all(not r.is_merge_point and not r.is_branch_point for r in revisions)


def test_models_and_migrations_agree(db_path: Path) -> None:
    store = open_store(str(db_path), create=True)
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={"compare_type": True, "include_object": include_object},
            )
            diff = compare_metadata(context, metadata)
    finally:
        store.close()
    assert diff == []


def test_fresh_database_is_at_head(db_path: Path) -> None:
    store = open_store(str(db_path), create=True)
    try:
        assert _revision(store) == SCHEMA_HEAD
        assert upgrade(store) is False
    finally:
        store.close()


# ---------------------------------------------------------------- rows survive upgrades


def _value(table: Table, column: Any, i: int) -> Any:
    """A distinct, valid value for row ``i`` of any column, from its reflected type."""
    fks = list(column.foreign_keys)
    if fks:
        if fks[0].column.table.name == table.name:
            return None if i == 1 and column.nullable else max(i - 1, 1)
        return i
    kind = column.type
    if isinstance(kind, Boolean):
        return i % 2 == 0
    if isinstance(kind, Integer):
        return i
    if isinstance(kind, DateTime):
        return datetime(2024, 1, i, 8, 30, i)
    if isinstance(kind, Date):
        return date(2024, 1, i)
    if isinstance(kind, Float | Numeric):
        return i + 0.25
    if isinstance(kind, String):
        text = f"{column.name}-{i}"
        return text[: kind.length] if kind.length else text
    raise AssertionError(f"no test value for {table.name}.{column.name} of type {kind!r}")


def _fill(store: Store, rows_per_table: int = 3) -> MetaData:
    schema = MetaData()
    with store.engine.connect() as conn:
        schema.reflect(conn)
    schema.remove(schema.tables["alembic_version"])
    with store.engine.begin() as conn:
        for table in schema.sorted_tables:
            for i in range(1, rows_per_table + 1):
                conn.execute(table.insert().values({c.name: _value(table, c, i) for c in table.c}))
    return schema


def _rows(store: Store, schema: MetaData) -> dict[str, set[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        return {
            name: {tuple(r) for r in conn.execute(select(*table.c))}
            for name, table in schema.tables.items()
        }


def test_rows_written_at_the_first_revision_survive_the_upgrade_to_head(db_path: Path) -> None:
    store = open_store(str(db_path), create=True, migrate=False)
    try:
        first = _first_revision()
        assert upgrade(store, first) is True
        assert _revision(store) == first
        schema = _fill(store)
        before = _rows(store, schema)
        assert all(len(rows) == 3 for rows in before.values())
        migrated = upgrade(store)
        assert migrated is (first != SCHEMA_HEAD)
        assert _revision(store) == SCHEMA_HEAD
        after = _rows(store, schema)
        for name, rows in before.items():
            assert rows <= after[name], f"rows of {name} changed or vanished"
    finally:
        store.close()
    reopened = open_store(str(db_path))
    reopened.close()


# ---------------------------------------------------------------- newer or unknown schema


@pytest.mark.parametrize("version", ["9999_from_the_future", "0000abcdef"])
def test_unknown_schema_is_refused_and_left_unchanged(db_path: Path, version: str) -> None:
    open_store(str(db_path), create=True).close()
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE alembic_version SET version_num = ?", (version,))
    raw.commit()
    raw.close()
    assert not Path(f"{db_path}-wal").exists()
    before = db_path.read_bytes()
    with pytest.raises(SchemaTooNew) as err:
        open_store(str(db_path))
    message = str(err.value)
    assert message == (
        f"This database was written by a newer wo-tui (schema {version}); "
        "upgrade wo-tui before opening it. Nothing was changed."
    )
    assert db_path.read_bytes() == before


# ---------------------------------------------------------------- one migrator at a time


def _migrate_at_once(path: str, barrier: Any, results: Any) -> None:
    try:
        store = open_store(path, migrate=False)
        try:
            barrier.wait(timeout=30)
            results.put(upgrade(store))
        finally:
            store.close()
    except Exception as exc:
        results.put(f"{type(exc).__name__}: {exc}")


def _open_at_once(path: str, barrier: Any, results: Any) -> None:
    try:
        barrier.wait(timeout=30)
        store = open_store(path, create=True)
        store.close()
        results.put("opened")
    except Exception as exc:
        results.put(f"{type(exc).__name__}: {exc}")


def _run_two(target: Any, path: Path) -> list[Any]:
    barrier = FORK.Barrier(2)
    results = FORK.Queue()
    procs = [FORK.Process(target=target, args=(str(path), barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    outcome = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return outcome


def _revisions_in(path: Path) -> list[str]:
    raw = sqlite3.connect(path)
    try:
        return [r[0] for r in raw.execute("SELECT version_num FROM alembic_version")]
    finally:
        raw.close()


def test_two_processes_needing_migration_migrate_once(db_path: Path) -> None:
    open_store(str(db_path), create=True, migrate=False).close()
    outcome = _run_two(_migrate_at_once, db_path)
    assert sorted(outcome, key=str) == [False, True], outcome
    assert _revisions_in(db_path) == [SCHEMA_HEAD]


def test_two_processes_creating_the_same_database_both_open_it(db_path: Path) -> None:
    outcome = _run_two(_open_at_once, db_path)
    assert outcome == ["opened", "opened"]
    assert _revisions_in(db_path) == [SCHEMA_HEAD]
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_old_schema_on_a_read_only_file_is_refused_untouched(db_path: Path, monkeypatch) -> None:
    first = _first_revision()
    if first == SCHEMA_HEAD:
        pytest.skip("only one revision: nothing to upgrade")
    store = open_store(str(db_path), create=True, migrate=False)
    upgrade(store, first)
    store.close()
    before = db_path.read_bytes()
    real_access = os.access
    monkeypatch.setattr(
        db.os, "access", lambda p, mode: False if mode == os.W_OK else real_access(p, mode)
    )
    with pytest.raises(ReadOnlyDatabase) as err:
        open_store(str(db_path))
    assert str(err.value) == (
        f"{db_path} needs a schema upgrade but is read-only for you: "
        "ask its owner to run wo-tui once."
    )
    assert db_path.read_bytes() == before

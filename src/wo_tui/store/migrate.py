"""Bring a database to the schema this code expects, once, under a lock.

Start-up asks only ``alembic_version`` (one indexed row) and loads Alembic when
that differs from ``SCHEMA_HEAD``. The upgrade itself runs in one transaction
that first takes the write lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock
on PostgreSQL) and only then reads the current revision, so of two processes
starting at once exactly one migrates and the other finds nothing to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, ProgrammingError

from wo_tui.errors import SchemaTooNew

if TYPE_CHECKING:
    from alembic.config import Config

    from wo_tui.store.db import Store

MIGRATIONS = Path(__file__).parent / "migrations"
PG_MIGRATION_LOCK = 0x776F7475  # "wotu"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def current_revision(conn: Connection) -> str | None:
    """The schema revision, read without Alembic (fast path; not inside a transaction)."""
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        conn.rollback()
        return None


def _locked_revision(conn: Connection) -> str | None:
    from alembic.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _refuse_if_newer(current: str | None) -> None:
    if current is None:
        return
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(current)
    except CommandError as exc:
        raise SchemaTooNew(
            f"This database was written by a newer wo-tui (schema {current}); "
            "upgrade wo-tui before opening it. Nothing was changed."
        ) from exc


def upgrade(store: Store, target: str = "head") -> bool:
    """Migrate if needed; return whether this process ran a migration."""
    from wo_tui.store.db import BUSY_TIMEOUT_MS, MIGRATION_BUSY_TIMEOUT_MS, SCHEMA_HEAD

    with store.engine.connect() as conn:
        current = current_revision(conn)
        conn.rollback()
    raw = None
    if current == SCHEMA_HEAD and target == "head":
        return False
    _refuse_if_newer(current)
    if store.read_only:
        from wo_tui.errors import ReadOnlyDatabase

        raise ReadOnlyDatabase(
            f"{store.label} needs a schema upgrade but is read-only for you: "
            "ask its owner to run wo-tui once."
        )

    from alembic import command

    with store.engine.connect() as conn:
        if store.is_sqlite:
            # Batch migrations copy tables; foreign keys must be off for that, and
            # the pragma only takes effect outside a transaction, so it goes to the
            # driver connection (autocommit) rather than through SQLAlchemy.
            raw = conn.connection.driver_connection
            raw.execute(f"PRAGMA busy_timeout = {MIGRATION_BUSY_TIMEOUT_MS}")
            raw.execute("PRAGMA foreign_keys = OFF")
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if not store.is_sqlite:
                conn.execute(text(f"SET LOCAL lock_timeout = {MIGRATION_BUSY_TIMEOUT_MS}"))
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
            before = _locked_revision(conn)
            command.upgrade(alembic_config(conn), target)
            after = _locked_revision(conn)
        if store.is_sqlite:
            raw.execute("PRAGMA foreign_keys = ON")
            raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return before != after

"""Shared fixtures: a real database per test, a small site, actors for every role.

``store`` (and ``db_url``) run each test on SQLite and, when
``WO_TUI_TEST_POSTGRES_URL`` names a server, on PostgreSQL too: every PostgreSQL
case gets a database of its own at the schema head with no rows, copied from a
template migrated once per session, and emptied afterwards (rows deleted, ids
restarted) for the next case, because copying and dropping a database cost ~0.5 s
and emptying one ~0.05 s. Mark a test ``@pytest.mark.sqlite_only`` when it is about
the SQLite file itself.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sitebuilder import FROZEN, Site, build_site

from wo_tui import clock
from wo_tui.store.db import SCHEMA_HEAD, Store, normalize_url, open_store
from wo_tui.store.models import metadata

__all__ = ["FROZEN", "Site", "build_site"]


@pytest.fixture
def frozen_clock() -> Iterator[datetime]:
    clock.freeze(FROZEN)
    yield FROZEN
    clock.freeze(None)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "wo.db"


PG_ENV = "WO_TUI_TEST_POSTGRES_URL"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: about the SQLite file itself; not run on PostgreSQL"
    )


class PgServer:
    """Throwaway databases on the server named by ``WO_TUI_TEST_POSTGRES_URL``."""

    def __init__(self, url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        self.url = make_url(normalize_url(url))
        libpq = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.admin: Any = psycopg.connect(libpq, autocommit=True)
        self.template: str | None = None
        self.free: list[str] = []

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, *, empty: bool = False) -> str:
        """A new database: empty, or at the current schema head with no rows."""
        if not empty and self.free:
            return self.free.pop()
        if not empty and self.template is None:
            self.template = self.create(empty=True)
            open_store(self.url_for(self.template)).close()
        name = f"wo_test_{secrets.token_hex(6)}"
        template = "" if empty else f" TEMPLATE {self.template}"
        self.admin.execute(f"CREATE DATABASE {name}{template}")
        return name

    def drop(self, name: str) -> None:
        self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def release(self, name: str) -> None:
        """Empty a database made by ``create()`` for the next test (DELETE: a few rows,
        one commit; TRUNCATE would sync a new file per table); drop it instead if its
        schema is no longer the head or a connection still holds a lock."""
        import psycopg

        libpq = self.url.set(drivername="postgresql", database=name)
        try:
            with psycopg.connect(
                libpq.render_as_string(hide_password=False), options="-c lock_timeout=2000"
            ) as conn:
                if conn.execute("SELECT version_num FROM alembic_version").fetchone() != (
                    SCHEMA_HEAD,
                ):
                    raise LookupError(name)
                for table in reversed(metadata.sorted_tables):
                    conn.execute(f"DELETE FROM {table.name}")
                for (seq,) in conn.execute("SELECT sequencename FROM pg_sequences").fetchall():
                    conn.execute("SELECT setval(%s, 1, false)", (seq,))
                conn.execute("INSERT INTO counter (name, value) VALUES ('WO', 0), ('REQ', 0)")
        except (psycopg.Error, LookupError):
            self.drop(name)
            return
        self.free.append(name)

    def close(self) -> None:
        for name in [*self.free, *([self.template] if self.template else [])]:
            self.drop(name)
        self.admin.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL cases skipped: {PG_ENV} is not set (.ci/run sets it)")
    server = PgServer(url)
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        if not os.environ.get(PG_ENV):
            pytest.skip(f"PostgreSQL cases skipped: {PG_ENV} is not set (.ci/run sets it)")
        if request.node.get_closest_marker("sqlite_only"):
            pytest.skip("about the SQLite file itself")
    return str(request.param)


@pytest.fixture
def db_url(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where this test's database is: a file path not yet created on SQLite; on
    PostgreSQL a database of its own at the schema head, with no rows."""
    if backend == "sqlite":
        yield str(db_path)
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create()
    yield server.url_for(name)
    server.release(name)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url, create=True)
    yield s
    s.close()


@pytest.fixture
def site(store: Store) -> Site:
    return build_site(store)

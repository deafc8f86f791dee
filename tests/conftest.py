"""Shared fixtures: a real database per test, a small site, actors for every role.

``store`` (and ``db_url``) run each test on SQLite and, when
``WO_TUI_TEST_POSTGRES_URL`` names a server, on PostgreSQL too. A PostgreSQL case
does not get a freshly created database or schema: it gets a database no other
running test uses, at the schema head with no rows. The first is copied from a
template migrated once per session; after each test its rows are deleted and its
sequences restarted, and the next test reuses it. For a test that is the same as a
fresh one: the schema is the head's (a database left at another revision, by a
migration test say, or with a trigger disabled, is dropped instead: see
``PgServer.release``), every table is empty, ids start at 1 and the WO/REQ counters at 0. Only what the server keeps
outside the tables differs (planner statistics, dead rows awaiting vacuum), which
no test looks at. Copying and dropping a database cost ~0.5 s, emptying one ~0.05 s.
Mark a test ``@pytest.mark.sqlite_only`` when it is about the SQLite file itself.
"""

from __future__ import annotations

import compileall
import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sitebuilder import FROZEN, Site, build_site

from wo_tui import clock
from wo_tui.store.db import Store, normalize_url, open_store
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
    # A bug must fail its test with a traceback, not pass as a one-line "internal
    # error" (the command line's last resort for users); subprocesses inherit it.
    os.environ.setdefault("WO_TUI_DEBUG", "1")
    if not hasattr(config, "workerinput"):
        # Many tests start wo-tui in a process of its own; where PYTHONDONTWRITEBYTECODE
        # is set (CI's machines) each would compile the whole package again (~0.35 s).
        compileall.compile_dir(Path(__file__).parents[1] / "src", quiet=1)


class PgServer:
    """Throwaway databases on the server named by ``WO_TUI_TEST_POSTGRES_URL``."""

    def __init__(self, url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        self.url = make_url(normalize_url(url))
        libpq = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.admin: Any = psycopg.connect(libpq, autocommit=True)
        self.template: str | None = None
        self.shape: tuple[Any, ...] = ()
        self.free: list[str] = []

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, *, empty: bool = False, ctype: str | None = None) -> str:
        """A new database: empty, or at the current schema head with no rows.
        ``ctype`` makes an empty one with that LC_CTYPE and LC_COLLATE."""
        empty = empty or ctype is not None
        if not empty and self.free:
            return self.free.pop()
        if not empty and self.template is None:
            self.template = self.create(empty=True)
            open_store(self.url_for(self.template)).close()
            with self._connect(self.template) as conn:
                self.shape = _shape(conn)
        name = f"wo_test_{secrets.token_hex(6)}"
        if ctype is not None:
            options = f" TEMPLATE template0 LC_CTYPE '{ctype}' LC_COLLATE '{ctype}'"
        else:
            options = "" if empty else f" TEMPLATE {self.template}"
        self.admin.execute(f"CREATE DATABASE {name}{options}")
        return name

    def drop(self, name: str) -> None:
        self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _connect(self, name: str) -> Any:
        import psycopg

        libpq = self.url.set(drivername="postgresql", database=name)
        return psycopg.connect(
            libpq.render_as_string(hide_password=False), options="-c lock_timeout=2000"
        )

    def release(self, name: str) -> None:
        """Empty a database made by ``create()`` for the next test (DELETE: a few rows,
        one commit; TRUNCATE would sync a new file per table); drop it instead if its
        schema is no longer the template's (another revision, a trigger disabled or
        dropped) or a connection still holds a lock.

        The session runs as a replica, so no trigger fires: not the audit trail's,
        which refuses every DELETE, nor the search index's, nor the foreign keys'
        (which is why ``wo_search`` is emptied by hand instead of by its cascade).
        """
        import psycopg

        try:
            with self._connect(name) as conn:
                if _shape(conn) != self.shape:
                    raise LookupError(name)
                conn.execute("SET session_replication_role = replica")
                for table in ["wo_search", *(t.name for t in reversed(metadata.sorted_tables))]:
                    conn.execute(f"DELETE FROM {table}")
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


def _shape(conn: Any) -> tuple[Any, ...]:
    """What a test may have changed about a schema: its revision and live triggers."""
    (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    triggers = conn.execute(
        "SELECT string_agg(tgname, ' ' ORDER BY tgname) FROM pg_trigger "
        "WHERE NOT tgisinternal AND tgenabled = 'O'"
    ).fetchone()
    return (revision, *triggers)


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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per worker: copying it costs ~5 ms, making and
    migrating a new one ~150 ms, and four hundred tests start from one."""
    path = tmp_path_factory.mktemp("template") / "wo.db"
    open_store(str(path), create=True).close()
    assert not path.with_name("wo.db-wal").exists()
    return path


@pytest.fixture
def store(db_url: str, backend: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """On SQLite a copy of the migrated template (mode kept), opened as `init` would:
    the same file at the schema head that creating it here would give. Tests about
    creating a file use ``db_path`` and ``open_store`` themselves."""
    if backend == "sqlite" and not Path(db_url).exists():
        shutil.copy2(request.getfixturevalue("sqlite_template"), db_url)
    s = open_store(db_url, create=True)
    yield s
    s.close()


@pytest.fixture
def site(store: Store) -> Site:
    return build_site(store)

"""The engine, SQLite's settings, sessions and write transactions.

Nothing here runs at import time: ``open_store(url)`` builds the ``Store`` that the
app, the CLI and the tests are handed.

SQLite is shared by a dispatcher and many technicians, each in a process of their
own. Writes therefore begin ``IMMEDIATE`` (a deferred transaction that reads and
then writes fails at once with "database is locked" whatever the busy timeout),
sessions last one action, and every connection waits up to ``BUSY_TIMEOUT_MS``
for the lock instead of failing.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from wo_tui.errors import (
    CorruptDatabase,
    DatabaseLocked,
    DiskFull,
    ReadOnlyDatabase,
    StaleEdit,
    StoreError,
)

BUSY_TIMEOUT_MS = 10_000
MIGRATION_BUSY_TIMEOUT_MS = 120_000
SCHEMA_HEAD = "0001"
"""The newest migration; a test checks it against the Alembic scripts so start-up
need not load them to know whether the schema is current."""

SQLITE_HEADER = b"SQLite format 3\x00"
FILE_MODE = 0o660


def normalize_url(db: str) -> str:
    """A path or a URL in, a SQLAlchemy URL out."""
    if "://" in db:
        url = make_url(db)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(db).expanduser().absolute()}"


def translate(exc: Exception, where: str = "") -> StoreError:
    """Turn a driver error into one sentence a person can act on."""
    msg = str(getattr(exc, "orig", exc)).lower()
    place = f" ({where})" if where else ""
    if "locked" in msg or "busy" in msg:
        return DatabaseLocked(
            f"The database is busy: another user held it for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s{place}. Nothing was saved; try again."
        )
    if "readonly" in msg or "read-only" in msg or "read only" in msg:
        return ReadOnlyDatabase(
            f"The database is read-only for you{place}: nothing was saved. "
            "Ask the administrator for write access (wo-tui doctor explains)."
        )
    if "full" in msg:
        return DiskFull(f"The disk holding the database is full{place}: nothing was saved.")
    if "malformed" in msg or "not a database" in msg or "corrupt" in msg:
        return CorruptDatabase(f"The database file is damaged{place}: {msg}.")
    if "unable to open" in msg:
        return StoreError(f"Cannot open the database{place}: {msg}.")
    return StoreError(f"The database refused the change{place}: {msg}.")


@dataclass
class Store:
    """One database, however many sessions: what every layer above is given."""

    url: str
    engine: Engine
    path: Path | None = None
    read_only: bool = False
    _poll_conn: Any = field(default=None, repr=False)
    _poll_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def label(self) -> str:
        """Where the data is, for messages (no password)."""
        if self.path is not None:
            return str(self.path)
        return make_url(self.url).render_as_string(hide_password=True)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A short read-only session; objects stay usable after it closes."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except (OperationalError, ProgrammingError, DatabaseError) as exc:
            raise translate(exc, self.label) from exc

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: BEGIN IMMEDIATE on SQLite, committed on success,
        rolled back on any exception. A StaleDataError becomes ``StaleEdit``."""
        if self.read_only:
            raise ReadOnlyDatabase(
                f"{self.label} is open read-only: nothing can be saved. "
                "Ask the administrator for write access (wo-tui doctor explains)."
            )
        bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        try:
            with Session(bind, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except StaleDataError as exc:
            raise StaleEdit(
                "Someone else changed this record at the same moment: nothing was saved."
            ) from exc
        except (OperationalError, ProgrammingError, DatabaseError) as exc:
            raise translate(exc, self.label) from exc

    def change_token(self) -> int:
        """A number that changes whenever another connection commits.

        On SQLite it is ``PRAGMA data_version`` on one dedicated connection (the
        value is per connection, so the same one must be asked each time). Elsewhere
        it is the newest audit event id: every change writes one.
        """
        try:
            if self.is_sqlite and self.path is not None:
                with self._poll_lock:
                    if self._poll_conn is None:
                        self._poll_conn = sqlite3.connect(
                            f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
                        )
                    return int(self._poll_conn.execute("PRAGMA data_version").fetchone()[0])
            with self.engine.connect() as conn:
                return int(
                    conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_event")).scalar_one()
                )
        except (sqlite3.Error, OperationalError, DatabaseError) as exc:
            raise translate(exc, self.label) from exc

    def backup(self, dest: Path) -> None:
        """Copy the database while others keep writing (SQLite online backup API)."""
        if not self.is_sqlite or self.path is None:
            raise StoreError("backup PATH copies SQLite files; use pg_dump for PostgreSQL.")
        dest = dest.expanduser().absolute()
        if dest.exists():
            raise StoreError(f"{dest} already exists: choose a new file name for the backup.")
        try:
            src = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                _create_file(dest)
                out = sqlite3.connect(dest)
                try:
                    src.backup(out, pages=1024)
                finally:
                    out.close()
            finally:
                src.close()
        except sqlite3.Error as exc:
            raise translate(exc, str(dest)) from exc

    def close(self) -> None:
        with self._poll_lock:
            if self._poll_conn is not None:
                self._poll_conn.close()
                self._poll_conn = None
        self.engine.dispose()


def _create_file(path: Path) -> None:
    """Create an empty database file 0660 whatever the umask, so a group can share it."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a SQLite database before SQLite can touch it."""
    try:
        size = path.stat().st_size
        if size == 0:
            return
        with path.open("rb") as fh:
            header = fh.read(16)
    except PermissionError as exc:
        raise StoreError(f"Cannot read {path}: permission denied.") from exc
    if header != SQLITE_HEADER or size < 512:
        raise CorruptDatabase(
            f"{path} is not a wo-tui database (damaged or another kind of file). "
            "It was not changed; restore it from a backup (wo-tui backup) or point --db elsewhere."
        )


def _install_sqlite_events(engine: Engine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def open_store(db: str, *, create: bool = False, migrate: bool = True) -> Store:
    """Open (and with ``create`` make) a database, bring its schema to head, return it.

    Raises ``StoreError`` subclasses with a message naming the file; never
    overwrites an existing file that is not a database.
    """
    url = normalize_url(db)
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True)
        store = Store(url=url, engine=engine)
        if migrate:
            from wo_tui.store.migrate import upgrade

            upgrade(store)
        return store

    if not sa_url.database or sa_url.database == ":memory:":
        raise StoreError("An in-memory database cannot be shared: give a file path.")
    path = Path(sa_url.database)
    new = False
    if not path.exists():
        if not create:
            raise StoreError(f"No database at {path}: run `wo-tui init` (or `wo-tui demo`) first.")
        if not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _create_file(path)
            new = True
        except FileExistsError:
            pass
        except OSError as exc:
            raise StoreError(f"Cannot create {path}: {exc.strerror}.") from exc
    _check_sqlite_file(path)
    read_only = not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)
    if read_only:
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    engine = create_engine(url, connect_args={"check_same_thread": False})
    _install_sqlite_events(engine, BUSY_TIMEOUT_MS)
    store = Store(url=url, engine=engine, path=path, read_only=read_only)
    try:
        if new:
            raw = sqlite3.connect(path)
            try:
                raw.execute("PRAGMA journal_mode = WAL")
            finally:
                raw.close()
        if migrate:
            from wo_tui.store.migrate import upgrade

            upgrade(store)
    except (OperationalError, DatabaseError, sqlite3.Error) as exc:
        store.close()
        raise translate(exc, str(path)) from exc
    except BaseException:
        store.close()
        raise
    return store


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)

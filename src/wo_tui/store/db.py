"""The engine, SQLite's settings, sessions and write transactions.

Nothing here runs at import time: ``open_store(url)`` builds the ``Store`` that the
app, the CLI and the tests are handed.

SQLite is shared by a dispatcher and many technicians, each in a process of their
own. Writes therefore begin ``IMMEDIATE`` (a deferred transaction that reads and
then writes fails at once with "database is locked" whatever the busy timeout),
sessions last one action, and every connection waits up to ``BUSY_TIMEOUT_MS``
for the lock instead of failing.

PostgreSQL gets none of that: it runs READ COMMITTED with row locks, waits the same
``BUSY_TIMEOUT_MS`` for a lock (``lock_timeout``), and drops a session that sits
idle inside a transaction, so a hung client cannot hold the numbering row forever.
"""

from __future__ import annotations

import contextlib
import glob
import os
import random
import shutil
import sqlite3
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, ProgrammingError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from wo_tui.errors import (
    CorruptDatabase,
    DatabaseLocked,
    DiskFull,
    Interrupted,
    ReadOnlyDatabase,
    StaleEdit,
    StoreError,
)

BUSY_TIMEOUT_MS = 10_000
MIGRATION_BUSY_TIMEOUT_MS = 120_000
WRITE_LOCK_SPIN_S = 3.0
WRITE_LOCK_FIRST_PAUSE_S = 0.0005
WRITE_LOCK_MAX_PAUSE_S = 0.004
"""How long a writer retries for the lock itself before leaving it to SQLite's busy
handler (see ``_take_write_lock``)."""
SCHEMA_HEAD = "0004"
"""The newest migration; a test checks it against the Alembic scripts so start-up
need not load them to know whether the schema is current."""

SQLITE_HEADER = b"SQLite format 3\x00"
FILE_MODE = 0o660
PG_IDLE_IN_TRANSACTION_MS = 60_000
CHANGE_WINDOW = 1000
"""Audit ids near the newest that ``change_token`` counts on PostgreSQL: a transaction
that took its id earlier but committed later still changes the token."""


def normalize_url(db: str) -> str:
    """A path or a URL in, a SQLAlchemy URL out; anything but SQLite and PostgreSQL
    is refused here, in one sentence, before a driver is looked for."""
    if "://" not in db:
        return f"sqlite:///{Path(db).expanduser().absolute()}"
    try:
        url = make_url(db)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"{_safe(db)} is not a database URL wo-tui can read.") from exc
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if url.drivername == "sqlite":
        return url.render_as_string(hide_password=False)
    raise StoreError(
        f"wo-tui works with a SQLite file or a PostgreSQL server, not {url.drivername}: "
        "give a file path or a postgresql:// URL."
    )


def _safe(db: str) -> str:
    """A URL for a message: without what looks like a password."""
    scheme, _, rest = db.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}" if "@" in rest else db


def _translate_server(msg: str, place: str) -> StoreError | None:
    """PostgreSQL's own wording for the cases a person can act on."""
    first = msg.strip().splitlines()[0] if msg.strip() else msg
    if "lock timeout" in msg or "deadlock detected" in msg or "could not serialize" in msg:
        return DatabaseLocked(
            f"The database is busy: another user held the record for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s{place}. Nothing was saved; try again."
        )
    if "permission denied" in msg:
        return ReadOnlyDatabase(
            f"The database server does not let you change this{place}: {first}. "
            "Ask the administrator for write access."
        )
    if "no space left" in msg or "disk full" in msg:
        return DiskFull(f"The disk holding the database is full{place}: nothing was saved.")
    if (
        "authentication failed" in msg
        or "pg_hba.conf" in msg
        or ("role" in msg and "does not" in msg)
    ):
        return StoreError(f"The database server did not accept you{place}: {first}.")
    if "database" in msg and "does not exist" in msg:
        return StoreError(
            f"The database server has no such database{place}: create it first "
            "(createdb), then run wo-tui init."
        )
    if "connection" in msg and ("refused" in msg or "failed" in msg or "timeout" in msg):
        return StoreError(f"Cannot reach the database server{place}: {first}.")
    return None


def translate(exc: Exception, where: str = "") -> StoreError:
    """Turn a driver error into one sentence a person can act on."""
    original = str(getattr(exc, "orig", exc)).strip()
    msg = original.lower()
    # What the driver said, as it said it, on one line: PostgreSQL adds DETAIL lines.
    said = (original.splitlines() or [""])[0].rstrip(".")
    place = f" ({where})" if where else ""
    server = _translate_server(msg, place)
    if server is not None:
        return server
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
        return CorruptDatabase(f"The database file is damaged{place}: {said}.")
    if "unable to open" in msg:
        return StoreError(f"Cannot open the database{place}: {said}.")
    return StoreError(f"The database refused the change{place}: {said}.")


class Interrupt:
    """Stops, from another thread, the read that a ``Store.cancellable()`` copy is doing.

    A list being filtered as someone types asks a new question with every key; the
    answer to the previous one is then worthless, and at a million work orders it
    can take a few hundred milliseconds. Once fired, every read of that copy stops.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: Any = None
        self.fired = False

    def attach(self, conn: Any) -> None:
        with self._lock:
            if self.fired:
                raise Interrupted("This read was superseded.")
            self._conn = conn

    def detach(self) -> None:
        with self._lock:
            self._conn = None

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):  # the read may have just finished
            if isinstance(conn, sqlite3.Connection):
                conn.interrupt()
            else:
                conn.cancel()


@dataclass
class Store:
    """One database, however many sessions: what every layer above is given."""

    url: str
    engine: Engine
    path: Path | None = None
    read_only: bool = False
    interrupt: Interrupt | None = field(default=None, repr=False)
    _poll_conn: Any = field(default=None, repr=False)
    _poll_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cancellable(self) -> Store:
        """The same database, for reads that ``interrupt.fire()`` can stop."""
        return replace(self, interrupt=Interrupt(), _poll_conn=None, _poll_lock=threading.Lock())

    def stop_reads(self) -> None:
        """Stop the reads of a ``cancellable()`` copy, now and from now on."""
        if self.interrupt is not None:
            self.interrupt.fire()

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
        interrupt = self.interrupt
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                if interrupt is None:
                    yield session
                    return
                interrupt.attach(session.connection().connection.driver_connection)
                try:
                    yield session
                finally:
                    interrupt.detach()
        except (OperationalError, ProgrammingError, DatabaseError) as exc:
            if interrupt is not None and interrupt.fired:
                raise Interrupted("This read was superseded.") from exc
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
        every change writes an audit event: the token combines the newest id with how
        many of the last ``CHANGE_WINDOW`` ids exist, because ids are handed out before
        commit and a slower transaction can commit an older id after a newer one. Both
        come from the primary key index, so a poll stays cheap at any size.
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
                newest, recent = conn.execute(
                    text(
                        "SELECT coalesce(max(id), 0), count(*) FROM audit_event "
                        "WHERE id > (SELECT coalesce(max(id), 0) FROM audit_event) - :w"
                    ),
                    {"w": CHANGE_WINDOW},
                ).one()
                return int(newest) * (CHANGE_WINDOW + 1) + int(recent)
        except (sqlite3.Error, OperationalError, DatabaseError) as exc:
            raise translate(exc, self.label) from exc

    def backup(self, dest: Path) -> None:
        """Copy the database while others keep writing (SQLite online backup API;
        ``pg_dump`` in its custom format on PostgreSQL, which ``pg_restore`` reads)."""
        dest = dest.expanduser().absolute()
        if dest.exists():
            raise StoreError(f"{dest} already exists: choose a new file name for the backup.")
        if not self.is_sqlite:
            self._pg_dump(dest)
            return
        if self.path is None:
            raise StoreError("This database has no file to copy.")
        try:
            _create_file(dest)
        except OSError as exc:
            raise StoreError(f"Cannot create {dest}: {exc.strerror}.") from exc
        try:
            src = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                out = sqlite3.connect(dest)
                try:
                    # All pages in one step: one read snapshot of the WAL database,
                    # which writers do not wait for. Copied a slice at a time, every
                    # commit by anyone restarted the copy, so a large database being
                    # worked on was never backed up.
                    src.backup(out, pages=-1)
                finally:
                    out.close()
            finally:
                src.close()
        except sqlite3.Error as exc:
            dest.unlink(missing_ok=True)
            raise translate(exc, str(dest)) from exc
        except BaseException:
            dest.unlink(missing_ok=True)
            raise

    def _pg_dump(self, dest: Path) -> None:
        """Run ``pg_dump``: it takes a consistent snapshot without blocking writers.

        The password, if the URL has one, goes through the environment, never the
        command line, where other accounts could read it.
        """
        tool = shutil.which("pg_dump")
        if tool is None:
            raise StoreError(
                "pg_dump was not found: install the PostgreSQL client tools "
                "(Debian/Ubuntu: apt install postgresql-client) to back up this database."
            )
        url = make_url(self.url)
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        conninfo = url.set(drivername="postgresql", password=None).render_as_string(
            hide_password=False
        )
        try:
            _create_file(dest)
        except OSError as exc:
            raise StoreError(f"Cannot create {dest}: {exc.strerror}.") from exc
        done = subprocess.run(
            [tool, "--format=custom", f"--file={dest}", f"--dbname={conninfo}"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            dest.unlink(missing_ok=True)
            lines = done.stderr.strip().splitlines()
            raise StoreError(
                f"pg_dump could not back up {self.label}: "
                f"{lines[-1] if lines else 'exit code ' + str(done.returncode)}."
            )

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


def newest_backup(path: Path) -> Path | None:
    """The most recent SQLite file next to ``path`` whose name starts like it (wo.db ->
    wo-2026-03-01.db, wo.db.bak): what a person should restore from."""
    found: list[tuple[float, Path]] = []
    try:
        for other in path.parent.glob(f"{glob.escape(path.stem)}*"):
            if other == path or other.name.endswith(("-wal", "-shm", "-journal")):
                continue
            with contextlib.suppress(OSError), other.open("rb") as fh:
                if fh.read(16) == SQLITE_HEADER:
                    found.append((other.stat().st_mtime, other))
    except OSError:
        return None
    return max(found)[1] if found else None


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a SQLite database before SQLite can touch it.

    Besides the magic string, the page count in the header (when SQLite marks it
    valid) must fit in the file: a truncated copy is refused here, at start, rather
    than failing later on the first page it lacks.
    """
    try:
        size = path.stat().st_size
        if size == 0:
            return
        with path.open("rb") as fh:
            header = fh.read(100)
    except PermissionError as exc:
        raise StoreError(f"Cannot read {path}: permission denied.") from exc
    except IsADirectoryError as exc:
        raise StoreError(
            f"{path} is a directory: give the database file inside it, such as {path / 'wo.db'}."
        ) from exc
    truncated = False
    # A process stopped in the middle of a checkpoint leaves the file shorter than its
    # header says, with the missing pages still in the WAL: SQLite recovers that, so
    # only a file without a WAL to recover from is called truncated.
    wal = Path(f"{path}-wal")
    recoverable = wal.exists() and wal.stat().st_size > 0
    if len(header) == 100 and not recoverable:
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(header[28:32], "big")
        if header[24:28] == header[92:96] and pages:
            truncated = size < pages * page_size
    if header[:16] != SQLITE_HEADER or size < 512 or truncated:
        raise _damaged(path)


def _damaged(path: Path) -> CorruptDatabase:
    backup = newest_backup(path)
    restore = f"restore it from {backup}" if backup else "restore it from a backup"
    return CorruptDatabase(
        f"{path} is not a wo-tui database (damaged, truncated or another kind of file). "
        f"It was not changed; {restore} or point --db elsewhere."
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
        if mode != "IMMEDIATE":
            conn.exec_driver_sql(f"BEGIN {mode}")
            return
        raw = conn.connection.driver_connection
        # The connection's own timeout, not the engine's: a migration waits longer.
        timeout_ms = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
        waited = _spin_for_write_lock(raw, timeout_ms)
        if waited is None:
            return
        # Still locked: SQLite's own busy handler waits out the rest of the timeout,
        # and SQLAlchemy wraps its error like any other.
        raw.execute(f"PRAGMA busy_timeout = {max(1, timeout_ms - int(waited * 1000))}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            raw.execute(f"PRAGMA busy_timeout = {timeout_ms}")


def _spin_for_write_lock(raw: sqlite3.Connection, busy_ms: int) -> float | None:
    """Try ``BEGIN IMMEDIATE`` every few milliseconds for up to ``WRITE_LOCK_SPIN_S``.

    SQLite's own busy handler backs off to sleeps of 25-100 ms, so a writer that lost
    the lock a few times sleeps through many free moments while newcomers take it;
    with a dozen technicians the slowest commits took hundreds of ms. Short jittered
    retries take the lock within a few ms of its release. Returns ``None`` once the
    transaction has begun, else the seconds spent trying.
    """
    began = time.monotonic()
    limit = min(WRITE_LOCK_SPIN_S, busy_ms / 1000)
    pause = WRITE_LOCK_FIRST_PAUSE_S
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return None
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    return time.monotonic() - began
            if time.monotonic() - began >= limit:
                return time.monotonic() - began
            time.sleep(random.uniform(pause / 2, pause))
            pause = min(pause * 2, WRITE_LOCK_MAX_PAUSE_S)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {busy_ms}")


def _use_wal(path: Path) -> None:
    """Switch a new database to WAL, waiting for whoever else is doing the same.

    Changing the journal mode needs the file to itself, and SQLite answers "database
    is locked" at once rather than calling the busy handler; two processes creating
    one database (two technicians starting at the same moment) both get here.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        raw = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            raw.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        finally:
            raw.close()
        time.sleep(random.uniform(0.005, 0.02))


def open_store(db: str, *, create: bool = False, migrate: bool = True) -> Store:
    """Open (and with ``create`` make) a database, bring its schema to head, return it.

    Raises ``StoreError`` subclasses with a message naming the file; never
    overwrites an existing file that is not a database.
    """
    url = normalize_url(db)
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        return _open_server(url, migrate=migrate)

    if not sa_url.database or sa_url.database == ":memory:":
        raise StoreError("An in-memory database cannot be shared: give a file path.")
    path = Path(sa_url.database)
    new = False
    if not path.exists():
        if not create:
            raise StoreError(f"No database at {path}: run `wo-tui init` (or `wo-tui demo`) first.")
        try:
            if not path.parent.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
            _create_file(path)
            new = True
        except FileExistsError:
            pass
        except OSError as exc:
            raise StoreError(f"Cannot create {path}: {exc.strerror}.") from exc
    _check_sqlite_file(path)
    # An empty file is a database nobody finished creating (an interrupted init, a
    # process that lost the creation race, touch): it still needs WAL.
    new = new or path.stat().st_size == 0
    read_only = not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)
    if read_only:
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    engine = create_engine(url, connect_args={"check_same_thread": False})
    _install_sqlite_events(engine, BUSY_TIMEOUT_MS)
    store = Store(url=url, engine=engine, path=path, read_only=read_only)
    try:
        if new:
            _use_wal(path)
        if migrate:
            from wo_tui.store.migrate import upgrade

            upgrade(store)
    except (OperationalError, DatabaseError, sqlite3.Error) as exc:
        store.close()
        error = translate(exc, str(path))
        raise (_damaged(path) if isinstance(error, CorruptDatabase) else error) from exc
    except BaseException:
        store.close()
        raise
    return store


def _open_server(url: str, *, migrate: bool) -> Store:
    """PostgreSQL: the database must exist (a DBA creates it); the schema is ours."""
    sa_url = make_url(url)
    options = " ".join(
        part
        for part in (
            str(sa_url.query.get("options", "")),
            f"-c lock_timeout={BUSY_TIMEOUT_MS}",
            f"-c idle_in_transaction_session_timeout={PG_IDLE_IN_TRANSACTION_MS}",
        )
        if part
    )
    try:
        engine = create_engine(
            url,
            pool_pre_ping=True,
            isolation_level="READ COMMITTED",
            connect_args={
                "options": options,
                "application_name": "wo-tui",
                # Whatever the database's own encoding (even SQL_ASCII), text crosses
                # the wire as UTF-8, which is what the driver decodes.
                "client_encoding": "utf8",
                "connect_timeout": BUSY_TIMEOUT_MS // 1000,
            },
        )
    except ImportError as exc:
        raise StoreError(
            "PostgreSQL support is not installed: pip install 'wo-tui[postgres]'."
        ) from exc
    store = Store(url=url, engine=engine)
    try:
        if migrate:
            from wo_tui.store.migrate import upgrade

            upgrade(store)
        else:
            with engine.connect():
                pass
    except (OperationalError, ProgrammingError, DatabaseError) as exc:
        store.close()
        raise translate(exc, store.label) from exc
    except BaseException:
        store.close()
        raise
    return store


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)

"""SQLite as several processes share it: file mode, journal, per-connection pragmas,
and write transactions that take the lock before they read."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from sitebuilder import build_site
from sqlalchemy import text
from sqlmodel import Session

from wo_tui import clock
from wo_tui.domain import identity
from wo_tui.domain import services as sv
from wo_tui.errors import StoreError
from wo_tui.store.db import FILE_MODE, Store, file_mode, open_store
from wo_tui.store.models import Counter, Note

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def fresh(db_path: Path) -> Store:
    store = open_store(str(db_path), create=True)
    yield store
    store.close()


@pytest.mark.parametrize("umask", [0o077, 0o027, 0o022, 0o002, 0o000])
def test_file_is_created_0660_whatever_the_umask(db_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        store = open_store(str(db_path), create=True)
        try:
            with store.write() as s:
                s.add(Counter(name="X", value=1))
            sidecars = [Path(f"{db_path}-wal"), Path(f"{db_path}-shm")]
            assert all(p.exists() for p in sidecars)
            assert [file_mode(p) for p in sidecars] == [FILE_MODE, FILE_MODE]
        finally:
            store.close()
    finally:
        os.umask(old)
    assert FILE_MODE == 0o660
    assert file_mode(db_path) == 0o660


def test_parent_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "wo.db"
    store = open_store(str(path), create=True)
    store.close()
    assert path.exists()


def _pragmas(conn: Any) -> tuple[str, int, int, int]:
    def one(name: str) -> Any:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()

    return one("journal_mode"), one("busy_timeout"), one("foreign_keys"), one("synchronous")


def _check(pragmas: tuple[str, int, int, int]) -> None:
    journal, busy, fks, sync = pragmas
    assert journal == "wal"
    assert busy >= 5000
    assert fks == 1
    assert sync == 2  # FULL


def test_every_connection_has_the_pragmas(fresh: Store) -> None:
    with fresh.engine.connect() as a, fresh.engine.connect() as b, fresh.engine.connect() as c:
        for conn in (a, b, c):
            _check(_pragmas(conn))
    fresh.engine.dispose()
    with fresh.engine.connect() as d:
        _check(_pragmas(d))


def test_sessions_have_the_pragmas(fresh: Store) -> None:
    with fresh.read() as s:
        _check(_pragmas(s.connection()))
    with fresh.write() as s:
        _check(_pragmas(s.connection()))


def test_journal_mode_is_wal_in_the_file(db_path: Path, fresh: Store) -> None:
    """WAL is a property of the file, so a plain sqlite3 connection sees it too."""
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_foreign_keys_are_enforced(fresh: Store) -> None:
    with pytest.raises(StoreError, match=r"(?i)foreign key constraint failed"), fresh.write() as s:
        s.add(Note(work_order_id=999, author_id=999, created_at=clock.now(), body="orphan"))


def _other_can_take_write_lock(db_path: Path) -> bool:
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_write_session_holds_the_write_lock_from_its_first_read(
    db_path: Path, fresh: Store
) -> None:
    with fresh.write() as s:
        s.exec(text("SELECT count(*) FROM counter")).one()
        assert not _other_can_take_write_lock(db_path)
    assert _other_can_take_write_lock(db_path)


def test_read_session_does_not_lock(db_path: Path, fresh: Store) -> None:
    with fresh.read() as s:
        s.exec(text("SELECT count(*) FROM counter")).one()
        assert _other_can_take_write_lock(db_path)


def test_readers_are_not_blocked_by_a_writer(db_path: Path, fresh: Store) -> None:
    with fresh.read() as s:
        before = s.exec(text("SELECT count(*) FROM counter")).one()[0]
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO counter (name, value) VALUES ('held', 1)")
        started = time.monotonic()
        with fresh.read() as s:
            assert s.exec(text("SELECT count(*) FROM counter")).one()[0] == before
        assert time.monotonic() - started < 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# ---------------------------------------------------------------- two processes


def _read_then_write(path: str, immediate: bool, barrier: Any, results: Any) -> None:
    """Read the counter, pause while the other process does the same, write read + 1."""
    store = open_store(path)
    started = time.monotonic()
    try:
        barrier.wait(timeout=20)
        started = time.monotonic()
        if immediate:
            with store.write() as s:
                seen = s.exec(text("SELECT value FROM counter WHERE name = 'n'")).one()[0]
                time.sleep(0.3)
                s.exec(
                    text("UPDATE counter SET value = :v WHERE name = 'n'").bindparams(v=seen + 1)
                )
        else:
            with Session(store.engine) as s:
                seen = s.exec(text("SELECT value FROM counter WHERE name = 'n'")).one()[0]
                barrier.wait(timeout=20)
                time.sleep(0.3)
                s.exec(
                    text("UPDATE counter SET value = :v WHERE name = 'n'").bindparams(v=seen + 1)
                )
                s.commit()
        results.put(("ok", seen, time.monotonic() - started))
    except Exception as exc:
        results.put(("error", str(exc).splitlines()[0], time.monotonic() - started))
    finally:
        store.close()


def _race(db_path: Path, immediate: bool) -> list[tuple[str, Any, float]]:
    store = open_store(str(db_path), create=True)
    with store.write() as s:
        s.add(Counter(name="n", value=0))
    store.close()
    barrier = FORK.Barrier(2)
    results = FORK.Queue()
    procs = [
        FORK.Process(target=_read_then_write, args=(str(db_path), immediate, barrier, results))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    outcome = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return outcome


def _counter(db_path: Path) -> int:
    raw = sqlite3.connect(db_path)
    try:
        return int(raw.execute("SELECT value FROM counter WHERE name = 'n'").fetchone()[0])
    finally:
        raw.close()


def test_two_processes_read_then_write_both_succeed_with_immediate(db_path: Path) -> None:
    outcome = _race(db_path, immediate=True)
    assert [o[0] for o in outcome] == ["ok", "ok"], outcome
    assert sorted(o[1] for o in outcome) == [0, 1]
    assert _counter(db_path) == 2


def test_without_immediate_one_of_them_fails_at_once(db_path: Path) -> None:
    """The failure the recipe prevents: a deferred read-then-write is refused with
    "database is locked" long before the 10 s busy timeout, and the lost update
    would be silent if it were retried blindly."""
    outcome = _race(db_path, immediate=False)
    kinds = sorted(o[0] for o in outcome)
    assert kinds == ["error", "ok"], outcome
    [error] = [o for o in outcome if o[0] == "error"]
    assert "database is locked" in error[1]
    assert error[2] < 5
    assert _counter(db_path) == 1


def _raise_work(path: str, barrier: Any, results: Any) -> None:
    store = open_store(path)
    try:
        ctx = sv.Ctx(store, identity.actor_for(store, "dana"))
        barrier.wait(timeout=20)
        numbers = [sv.create_work_order(ctx, title=f"W{i}").number for i in range(15)]
        results.put(numbers)
    except Exception as exc:
        results.put(f"{type(exc).__name__}: {exc}")
    finally:
        store.close()


def test_two_writers_never_get_the_same_number(db_path: Path) -> None:
    store = open_store(str(db_path), create=True)
    build_site(store)
    store.close()
    barrier = FORK.Barrier(2)
    results = FORK.Queue()
    procs = [
        FORK.Process(target=_raise_work, args=(str(db_path), barrier, results)) for _ in range(2)
    ]
    for p in procs:
        p.start()
    outcome = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert all(isinstance(o, list) for o in outcome), outcome
    assert sorted(outcome[0] + outcome[1]) == list(range(1, 31))


def test_a_write_keeps_the_connections_own_busy_timeout(db_path: Path) -> None:
    """A migration waits up to two minutes for the lock; beginning its write must not
    bring that back to the everyday ten seconds (two processes creating one database
    at once then refused each other)."""
    store = open_store(str(db_path), create=True)
    try:
        with store.engine.connect() as conn:
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA busy_timeout = 120000")
            with conn.execution_options(sqlite_begin="IMMEDIATE").begin():
                assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 120000
    finally:
        store.close()

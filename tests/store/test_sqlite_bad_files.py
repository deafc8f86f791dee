"""A database that is locked, read-only, missing, or not a database at all: one
sentence for the person, and the file is left exactly as it was."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sitebuilder import build_site
from sqlmodel import func, select

from wo_tui.domain import identity
from wo_tui.domain import services as sv
from wo_tui.errors import CorruptDatabase, DatabaseLocked, ReadOnlyDatabase, StoreError
from wo_tui.store import db
from wo_tui.store.db import Store, open_store
from wo_tui.store.models import WorkOrder


def _one_line(exc: BaseException) -> str:
    message = str(exc)
    assert message and "\n" not in message and "Traceback" not in message
    return message


def _wo_count(store: Store) -> int:
    with store.read() as s:
        return int(s.exec(select(func.count()).select_from(WorkOrder)).one())


@pytest.fixture
def populated(db_path: Path) -> Path:
    """A database with a site and one work order in it, closed again."""
    store = open_store(str(db_path), create=True)
    site = build_site(store)
    sv.create_work_order(site.dispatcher, title="Existing work")
    store.close()
    return db_path


def _checkpointed_bytes(path: Path) -> bytes:
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return path.read_bytes()


# ---------------------------------------------------------------- locked


def test_locked_database_is_a_clear_refusal(populated: Path, monkeypatch) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)
    store = open_store(str(populated))
    try:
        ctx = sv.Ctx(store, identity.actor_for(store, "dana"))
        holder = sqlite3.connect(populated, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            with pytest.raises(DatabaseLocked) as err:
                sv.create_work_order(ctx, title="Blocked")
            waited = time.monotonic() - started
            assert 0.25 <= waited < 5
            message = _one_line(err.value)
            assert message.startswith("The database is busy: another user held it")
            assert str(populated) in message and "Nothing was saved; try again." in message
            assert _wo_count(store) == 1
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        sv.create_work_order(ctx, title="After the lock")
        assert _wo_count(store) == 2
    finally:
        store.close()


def test_the_lock_is_waited_for_not_refused(populated: Path) -> None:
    """Within the busy timeout a writer waits its turn and then succeeds."""
    store = open_store(str(populated))
    try:
        ctx = sv.Ctx(store, identity.actor_for(store, "dana"))
        holder = sqlite3.connect(populated, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
        release.start()
        try:
            sv.create_work_order(ctx, title="Waited")
        finally:
            release.join()
            holder.close()
        assert _wo_count(store) == 2
    finally:
        store.close()


# ---------------------------------------------------------------- read-only


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root may write any file whatever its mode, so chmod 0440 cannot make it read-only",
)
def test_read_only_file(populated: Path) -> None:
    populated.chmod(0o440)
    try:
        store = open_store(str(populated))
        try:
            assert store.read_only
            ctx = sv.Ctx(store, identity.actor_for(store, "dana"))
            with pytest.raises(ReadOnlyDatabase) as err:
                sv.create_work_order(ctx, title="Cannot")
            _one_line(err.value)
            assert _wo_count(store) == 1
        finally:
            store.close()
    finally:
        populated.chmod(0o660)


def test_file_not_writable_for_this_account_opens_read_only(populated: Path, monkeypatch) -> None:
    """What a non-root account without write permission gets (os.access says no)."""
    before = _checkpointed_bytes(populated)
    real_access = os.access
    monkeypatch.setattr(
        db.os, "access", lambda p, mode: False if mode == os.W_OK else real_access(p, mode)
    )
    store = open_store(str(populated))
    try:
        assert store.read_only
        ctx = sv.Ctx(store, identity.actor_for(store, "dana"))
        assert _wo_count(store) == 1
        with pytest.raises(ReadOnlyDatabase) as err:
            sv.create_work_order(ctx, title="Cannot")
        message = _one_line(err.value)
        assert message.startswith(f"{populated} is open read-only: nothing can be saved.")
    finally:
        store.close()
    assert populated.read_bytes() == before


def test_driver_read_only_error_is_translated(populated: Path) -> None:
    """A connection SQLite itself opened read-only (mode=ro) refuses the write; the
    person sees one sentence, not the driver's exception."""
    store = open_store(str(populated))
    store.close()
    ro = db.create_engine(
        f"sqlite:///file:{populated}?mode=ro&uri=true", connect_args={"check_same_thread": False}
    )
    db._install_sqlite_events(ro, db.BUSY_TIMEOUT_MS)
    blind = Store(url=str(ro.url), engine=ro, path=populated)
    try:
        ctx = sv.Ctx(blind, identity.actor_for(blind, "dana"))
        with pytest.raises(ReadOnlyDatabase) as err:
            sv.create_work_order(ctx, title="Cannot")
        assert _one_line(err.value).startswith("The database is read-only for you")
    finally:
        blind.close()


# ---------------------------------------------------------------- missing


def test_missing_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    with pytest.raises(StoreError) as err:
        open_store(str(path))
    assert _one_line(err.value) == (
        f"No database at {path}: run `wo-tui init` (or `wo-tui demo`) first."
    )
    assert not path.exists()


def test_missing_directory_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "gone" / "wo.db"
    with pytest.raises(StoreError):
        open_store(str(path))
    assert not path.parent.exists()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_database_is_refused(url: str) -> None:
    with pytest.raises(StoreError, match="in-memory database cannot be shared"):
        open_store(url)


# ---------------------------------------------------------------- not a database


@pytest.mark.parametrize(
    "content",
    [
        b"login,role\nalice,technician\n" * 200,
        b"hello",
        b"\x00" * 4096,
        b"SQLite format 3\x00" + b"\xff" * 4080,
        b"SQLite format 3\x00",
    ],
    ids=["csv", "short-text", "zeros", "header-then-garbage", "header-only"],
)
@pytest.mark.parametrize("create", [False, True])
def test_file_that_is_not_a_database_is_refused_and_untouched(
    db_path: Path, content: bytes, create: bool
) -> None:
    db_path.write_bytes(content)
    mode = db_path.stat().st_mode
    with pytest.raises(StoreError) as err:
        open_store(str(db_path), create=create)
    message = _one_line(err.value)
    assert str(db_path) in message
    assert isinstance(err.value, CorruptDatabase)
    assert db_path.read_bytes() == content
    assert db_path.stat().st_mode == mode
    assert not Path(f"{db_path}-wal").exists()


def test_another_programs_sqlite_file_is_not_mistaken_for_damage(tmp_path: Path) -> None:
    """A real SQLite database of someone else's is a valid file: it is opened, not refused."""
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE t (x)")
    raw.commit()
    raw.close()
    store = open_store(str(path), migrate=False)
    store.close()


def test_empty_file_becomes_a_wal_database(db_path: Path) -> None:
    """An empty file (left by an interrupted init, or made by touch) is a new
    database: it gets the schema and WAL like one created here."""
    db_path.touch()
    store = open_store(str(db_path), create=True)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        build_site(store)
    finally:
        store.close()


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    for create in (False, True):
        with pytest.raises(StoreError) as err:
            open_store(str(tmp_path), create=create)
        assert _one_line(err.value) == (
            f"{tmp_path} is a directory: give the database file inside it, "
            f"such as {tmp_path / 'wo.db'}."
        )


@pytest.mark.parametrize("under", ["afile/wo.db", "afile/deeper/wo.db"])
def test_a_file_in_the_way_of_the_directory_is_a_sentence(tmp_path: Path, under: str) -> None:
    (tmp_path / "afile").write_text("keep me")
    with pytest.raises(StoreError) as err:
        open_store(str(tmp_path / under), create=True)
    assert _one_line(err.value).startswith(f"Cannot create {tmp_path / under}: ")
    assert (tmp_path / "afile").read_text() == "keep me"


def _stopped_mid_checkpoint(path: Path) -> int:
    """The files a process leaves when it dies while copying the WAL into the main
    file: the header already counts every page, the file holds only some of them, and
    the WAL still has them all."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA wal_autocheckpoint = 0")
    raw.execute("CREATE TABLE filler (blob BLOB)")
    raw.execute("BEGIN")
    raw.executemany("INSERT INTO filler VALUES (randomblob(3000))", [()] * 600)
    raw.execute("COMMIT")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA wal_checkpoint(PASSIVE)")
    other.close()
    crashed = path.with_name("crashed.db")
    for suffix in ("", "-wal"):
        Path(f"{crashed}{suffix}").write_bytes(Path(f"{path}{suffix}").read_bytes())
    raw.close()
    data = crashed.read_bytes()
    crashed.write_bytes(data[: len(data) // 2])
    return 600


def test_a_file_cut_short_by_a_crash_mid_checkpoint_is_recovered(tmp_path: Path) -> None:
    rows = _stopped_mid_checkpoint(tmp_path / "live.db")
    crashed = tmp_path / "crashed.db"
    store = open_store(str(crashed), migrate=False)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("SELECT count(*) FROM filler").scalar() == rows
    finally:
        store.close()

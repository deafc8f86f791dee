"""Faults a shared SQLite file meets in real life, each provoked for real.

Writers killed mid-transaction, a full disk, a read-only file or directory, a
damaged file, two starts racing to migrate. After each: committed work is all
there, nothing partial, the file passes ``integrity_check``, the next start is
clean, and the person saw one sentence, never a traceback.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import random
import shutil
import signal
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, func, select

from tests.domain.wo_factory import good_closeout, load, make_wo
from tests.reliability.conftest import as_user, needs_root, wo_tui
from wo_tui.domain import audit, identity
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.errors import CorruptDatabase, DiskFull, WoError
from wo_tui.store.db import open_store
from wo_tui.store.migrate import upgrade
from wo_tui.store.models import AuditEvent, Counter, LabourEntry, Note, WorkOrder

pytestmark = pytest.mark.sqlite_only


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


# ---------------------------------------------------------------- SIGKILL


def _busy_writer(db: str, log: str) -> None:
    """Work flat out, logging each step only after its transaction committed."""
    store = open_store(db)
    boss = sv.Ctx(store, identity.actor_for(store, "root"))
    with open(log, "a", encoding="utf-8") as out:
        while True:
            wo = sv.create_work_order(boss, title="Killed writer", description="x" * 3000)
            out.write(f"{wo.number} create\n")
            out.flush()
            sv.assign(boss, wo.number, assignee="alice")
            out.write(f"{wo.number} assign\n")
            out.flush()
            sv.start(boss, wo.number)
            sv.add_note(boss, wo.number, "y" * 5000)
            sv.log_labour(boss, wo.number, 30)
            sv.complete(boss, wo.number, good_closeout())
            out.write(f"{wo.number} complete\n")
            out.flush()


def _stuck_writer(db: str, ready: int, title: str) -> None:
    """Stop inside a transaction, after its rows reached SQLite, and wait to be killed."""
    store = open_store(db)
    boss = sv.Ctx(store, identity.actor_for(store, "root"))

    @event.listens_for(Session, "after_flush")
    def _hang(*_: Any) -> None:
        os.write(ready, b"x")
        time.sleep(30)

    sv.create_work_order(boss, title=title, description="z" * 20_000)


def _fork(target: Any, *args: Any) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            target(*args)
        finally:
            os._exit(0)
    return pid


def test_writer_killed_mid_transaction_20_times(site: Any, tmp_path: Path) -> None:
    db, log = str(site.store.path), str(tmp_path / "committed.log")
    site.store.close()
    rng = random.Random(5)
    stuck_titles = []
    for round_ in range(20):
        if round_ % 2:
            read_end, write_end = os.pipe()
            title = f"Never committed {round_}"
            stuck_titles.append(title)
            pid = _fork(_stuck_writer, db, write_end, title)
            os.close(write_end)
            assert os.read(read_end, 1) == b"x"
            os.close(read_end)
        else:
            pid = _fork(_busy_writer, db, log)
            time.sleep(rng.uniform(0.15, 0.4))
        os.kill(pid, signal.SIGKILL)
        assert os.waitpid(pid, 0)[1] != 0
        store = open_store(db)
        store.close()
    assert _integrity(Path(db)) == "ok"
    committed = [line.split() for line in Path(log).read_text().splitlines()]
    assert len(committed) > 10
    store = open_store(db)
    try:
        with store.read() as s:
            rows = {wo.number: wo for wo in s.exec(select(WorkOrder))}
            for number, step in committed:
                wo = rows[int(number)]
                if step == "complete":
                    assert wo.status == lc.COMPLETED
                elif step == "assign":
                    assert wo.assignee_id is not None
            assert not [wo for wo in rows.values() if wo.title in stuck_titles]
            assert s.exec(select(Counter.value).where(Counter.name == "WO")).one() == max(rows)
            for model, action in ((LabourEntry, "log_labour"), (Note, "add_note")):
                assert (
                    s.exec(select(func.count()).select_from(model)).one()
                    == s.exec(
                        select(func.count())
                        .select_from(AuditEvent)
                        .where(AuditEvent.action == action)
                    ).one()
                )
        report = audit.verify(store)
        assert report.ok, [m.sentence() for m in report.mismatches]
        boss = sv.Ctx(store, identity.actor_for(store, "dana"))
        assert sv.create_work_order(boss, title="After the crashes").number == max(rows) + 1
    finally:
        store.close()


# ---------------------------------------------------------------- disk full


def test_disk_full_refuses_clearly_and_keeps_earlier_work(site: Any) -> None:
    store = site.store
    n = make_wo(site, lc.IN_PROGRESS)
    sv.add_note(site.tech, n, "Before the disk filled up")
    before = load(store, n)
    with store.engine.connect() as conn:
        pages = int(conn.execute(text("PRAGMA page_count")).scalar_one())

    def cap(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 3}")

    event.listen(store.engine, "connect", cap)
    store.engine.dispose()
    try:
        with pytest.raises(DiskFull) as refused:
            for _ in range(40):
                sv.add_note(site.tech, n, "Long measurement log " * 2000)
        assert str(refused.value).startswith("The disk holding the database is full")
        assert "\n" not in str(refused.value)
    finally:
        event.remove(store.engine, "connect", cap)
        store.engine.dispose()
    after = load(store, n)
    assert (after.version, after.status) == (before.version, before.status)
    assert audit.verify(store).ok
    assert _integrity(store.path) == "ok"
    sv.log_labour(site.tech, n, 20)
    sv.complete(site.tech, n, good_closeout())
    assert load(store, n).status == lc.COMPLETED


# ---------------------------------------------------------------- read-only


def _read_only_probe(db: str, number: int) -> dict[str, Any]:
    """What another account sees: can it open, read, and is its write refused cleanly?"""
    try:
        store = open_store(db)
    except WoError as exc:
        return {"open": type(exc).__name__, "message": exc.message}
    out: dict[str, Any] = {"read_only": store.read_only}
    try:
        ctx = sv.Ctx(store, identity.actor_for(store, "alice"))
        with store.read() as s:
            out["rows"] = s.exec(select(func.count()).select_from(WorkOrder)).one()
        sv.add_note(ctx, number, "written by nobody")
        out["write"] = "saved"
    except WoError as exc:
        out["write"] = type(exc).__name__
        out["message"] = exc.message
    finally:
        store.close()
    return out


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory other accounts can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="wo-ro-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@needs_root
@pytest.mark.parametrize("locked", ["file", "directory"])
@pytest.mark.parametrize("in_use", [False, True], ids=["idle", "in-use"])
def test_read_only_for_another_account(shared_dir: Path, locked: str, in_use: bool) -> None:
    from tests.sitebuilder import build_site

    db = shared_dir / "wo.db"
    store = open_store(str(db), create=True)
    site = build_site(store)
    n = make_wo(site, lc.IN_PROGRESS)
    if not in_use:
        store.close()
    mode = 0o644 if locked == "file" else 0o666
    for file in (db, *shared_dir.glob("wo.db-*")):
        file.chmod(mode)
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    try:
        run = as_user("nobody", _read_only_probe, str(db), n)
    finally:
        store.close()
    assert run.exit_code == 0, run.stderr
    assert "Traceback" not in run.stderr
    out = run.result
    if in_use:
        # Someone has it open, so the -wal and -shm files exist: SQLite reads through them.
        assert out["read_only"] is True and out["rows"] == 1, out
        assert out["write"] == "ReadOnlyDatabase" and "read-only" in out["message"]
    else:
        # No one has it open and SQLite cannot create the -shm file it needs to read a
        # WAL database: refused at start, in one sentence naming the file.
        assert out["open"] == "ReadOnlyDatabase", out
        assert str(db) in out["message"] and "\n" not in out["message"]
    if not in_use:
        assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM note WHERE body LIKE '%nobody%'").fetchone() == (
            0,
        )


# ---------------------------------------------------------------- corrupt files


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "header":
        path.write_bytes(b"\x00" * 100 + data[100:])
    else:
        path.write_text("date,asset,reading\n2026-03-01,P-101,4.2\n" * 50)


@pytest.mark.parametrize("how", ["truncated", "header", "not-a-database"])
def test_corrupt_file_refused_at_start_and_never_overwritten(site: Any, how: str) -> None:
    make_wo(site, lc.CLOSED)
    db = site.store.path
    backup = db.with_name("wo-2026-03-01.db")
    site.store.backup(backup)
    site.store.close()
    _damage(db, how)
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(CorruptDatabase) as refused:
        open_store(str(db))
    message = str(refused.value)
    assert str(db) in message and str(backup) in message
    for args in (("init",), ("audit", "verify"), ("doctor",)):
        run = wo_tui("--db", str(db), *args)
        assert run.exit_code == 1, (args, run.stdout, run.stderr)
        assert "Traceback" not in run.stderr
        assert str(db) in run.stdout + run.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


# ---------------------------------------------------------------- racing migrations


def _start(db: str, barrier: Any, results: Any) -> None:
    store = open_store(db, migrate=False)
    try:
        barrier.wait(timeout=30)
        results.put(upgrade(store))
    finally:
        store.close()


def test_two_starts_at_once_exactly_one_migrates(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    for round_ in range(3):
        db = str(tmp_path / f"fresh{round_}.db")
        open_store(db, create=True, migrate=False).close()
        barrier, results = ctx.Barrier(3), ctx.Queue()
        procs = [ctx.Process(target=_start, args=(db, barrier, results)) for _ in range(3)]
        for p in procs:
            p.start()
        ran = sorted(results.get(timeout=60) for _ in procs)
        for p in procs:
            p.join(timeout=30)
            assert p.exitcode == 0
        assert ran == [False, False, True]
        store = open_store(db)
        try:
            assert upgrade(store) is False
        finally:
            store.close()

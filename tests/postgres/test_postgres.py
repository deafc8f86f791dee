"""PostgreSQL only: connection settings, concurrent writers and migrations, backup.

Skipped, with the reason, when ``WO_TUI_TEST_POSTGRES_URL`` is not set.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.conftest import PgServer, build_site
from wo_tui import clock
from wo_tui.domain import services as sv
from wo_tui.errors import DatabaseLocked, StaleEdit, StoreError
from wo_tui.store.db import BUSY_TIMEOUT_MS, SCHEMA_HEAD, Store, normalize_url, open_store
from wo_tui.store.migrate import current_revision
from wo_tui.store.models import AuditEvent, Note, WorkOrder
from wo_tui.store.search import search_work_orders


@pytest.fixture
def pg_store(pg_server: PgServer) -> Iterator[Store]:
    name = pg_server.create()
    store = open_store(pg_server.url_for(name))
    yield store
    store.close()
    pg_server.drop(name)


@pytest.fixture
def empty_db(pg_server: PgServer) -> Iterator[str]:
    name = pg_server.create(empty=True)
    yield pg_server.url_for(name)
    pg_server.drop(name)


def _run_threads(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads started together; results or exceptions."""
    results: list[Any] = [None] * n
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_plain_postgresql_urls_use_psycopg() -> None:
    assert normalize_url("postgresql://ann@db.example/wo") == (
        "postgresql+psycopg://ann@db.example/wo"
    )


def test_sessions_run_read_committed_with_lock_timeouts(pg_store: Store) -> None:
    assert pg_store.dialect == "postgresql" and pg_store.path is None
    assert not pg_store.read_only
    with pg_store.read() as s:
        assert s.execute(text("SHOW transaction_isolation")).scalar() == "read committed"
        assert s.execute(text("SHOW lock_timeout")).scalar() == f"{BUSY_TIMEOUT_MS // 1000}s"
        assert s.execute(text("SHOW application_name")).scalar() == "wo-tui"


def test_processes_starting_together_migrate_once(empty_db: str) -> None:
    stores: list[Store] = []

    def open_one(_: int) -> bool:
        store = open_store(empty_db, migrate=False)
        stores.append(store)
        from wo_tui.store.migrate import upgrade

        return upgrade(store)

    ran = _run_threads(6, open_one)
    try:
        assert sorted(ran) == [False] * 5 + [True]
        with stores[0].engine.connect() as conn:
            assert current_revision(conn) == SCHEMA_HEAD
    finally:
        for store in stores:
            store.close()


def test_concurrent_writers_never_share_a_number(pg_store: Store) -> None:
    site = build_site(pg_store)

    def create(i: int) -> list[int]:
        numbers = []
        for j in range(8):
            req = sv.submit_request(
                site.requester,
                requester="Rita",
                description=f"Job {i}-{j}",
                urgency=2,
                impact=2,
            )
            numbers.append(sv.approve_request(site.dispatcher, req.number).number)
        return numbers

    results = _run_threads(6, create)
    numbers = sorted(n for r in results for n in r)
    assert numbers == list(range(1, 49))


def test_two_editors_of_one_work_order_one_is_refused(pg_store: Store) -> None:
    site = build_site(pg_store)
    req = sv.submit_request(
        site.requester, requester="Rita", description="Pump leaking", urgency=2, impact=2
    )
    number = sv.approve_request(site.dispatcher, req.number).number
    both_read = threading.Barrier(2)

    def edit(i: int) -> int:
        with pg_store.write() as s:
            wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()
            both_read.wait()
            wo.priority = i + 1
            s.add(wo)
        return i

    results = _run_threads(2, edit)
    refused = [r for r in results if isinstance(r, StaleEdit)]
    assert len(refused) == 1, results
    with pg_store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()
    assert wo.version == 2


def test_a_held_row_lock_becomes_a_busy_message(pg_store: Store) -> None:
    site = build_site(pg_store)
    with pg_store.engine.connect() as holder:
        holder.execute(text("UPDATE counter SET value = value WHERE name = 'REQ'"))
        holder.execute(text("SET lock_timeout = 0"))
        with pg_store.engine.connect() as conn:
            conn.execute(text("SET lock_timeout = '200ms'"))
            with pytest.raises(Exception) as caught:
                conn.execute(text("UPDATE counter SET value = value WHERE name = 'REQ'"))
        holder.rollback()
    from wo_tui.store.db import translate

    err = translate(caught.value, pg_store.label)
    assert isinstance(err, DatabaseLocked) and "busy" in err.message
    assert site.store is pg_store


def test_change_token_moves_when_an_older_id_commits_late(pg_store: Store) -> None:
    site = build_site(pg_store)
    before = pg_store.change_token()
    now = clock.now()

    def event(conn: Any) -> None:
        conn.execute(
            AuditEvent.__table__.insert().values(
                at=now, entity="test", entity_id=0, action="poke", changes="{}"
            )
        )

    with pg_store.engine.connect() as slow:
        event(slow)
        with pg_store.engine.begin() as fast:
            event(fast)
        after_fast = pg_store.change_token()
        slow.commit()
    after_slow = pg_store.change_token()
    assert len({before, after_fast, after_slow}) == 3
    assert site.store.change_token() == after_slow


def test_backup_with_pg_dump_restores(pg_store: Store, pg_server: PgServer, tmp_path: Path) -> None:
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_restore is not installed")
    site = build_site(pg_store)
    req = sv.submit_request(
        site.requester, requester="Rita", description="Pump leaking", urgency=2, impact=2
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    sv.add_note(site.dispatcher, wo.number, "gearbox ordered")
    dest = tmp_path / "wo.dump"
    pg_store.backup(dest)
    assert dest.stat().st_size > 0 and (dest.stat().st_mode & 0o777) == 0o660
    with pytest.raises(StoreError, match="already exists"):
        pg_store.backup(dest)

    name = pg_server.create(empty=True)
    try:
        target = pg_server.url_for(name).replace("postgresql+psycopg", "postgresql")
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={target}", str(dest)],
            check=True,
            capture_output=True,
        )
        restored = open_store(pg_server.url_for(name))
        try:
            assert [h.number for h in search_work_orders(restored, "gear pump")] == [wo.number]
            with restored.read() as s:
                assert len(s.exec(select(Note)).all()) == 1
            again = sv.submit_request(
                sv.Ctx(restored, site.requester.actor),
                requester="Rita",
                description="After restore",
                urgency=2,
                impact=2,
            )
            assert again.number == req.number + 1
        finally:
            restored.close()
    finally:
        pg_server.drop(name)


def test_backup_without_pg_dump_says_so(
    pg_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(StoreError, match="pg_dump was not found"):
        pg_store.backup(tmp_path / "wo.dump")
    assert not (tmp_path / "wo.dump").exists()


def test_unreachable_server_and_missing_database_are_one_sentence(pg_server: PgServer) -> None:
    with pytest.raises(StoreError, match="Cannot reach the database server"):
        open_store("postgresql://postgres@127.0.0.1:1/test")
    with pytest.raises(StoreError, match="no such database"):
        open_store(pg_server.url_for("wo_test_does_not_exist"))


def test_concurrent_notes_on_one_work_order_are_both_indexed(pg_store: Store) -> None:
    """Written straight to the table (not through the services, which also lock the
    work order): the index must not lose either note nor fail on its own row."""
    site = build_site(pg_store)
    req = sv.submit_request(
        site.requester, requester="Rita", description="Pump leaking", urgency=2, impact=2
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    with pg_store.read() as s:
        wo_id = s.exec(select(WorkOrder.id).where(WorkOrder.number == wo.number)).one()
    now = clock.now()

    def note(conn: Any, body: str) -> None:
        conn.execute(
            Note.__table__.insert().values(
                work_order_id=wo_id, author_id=site.tech.actor.id, created_at=now, body=body
            )
        )

    with pg_store.engine.connect() as first:
        note(first, "gearbox")
        second_done: list[BaseException | None] = []

        def second() -> None:
            try:
                with pg_store.engine.begin() as conn:
                    note(conn, "impeller")
                second_done.append(None)
            except BaseException as exc:
                second_done.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second writer should wait for the first"
        first.commit()
    thread.join()
    assert second_done == [None]
    assert [h.number for h in search_work_orders(pg_store, "gearbox")] == [wo.number]
    assert [h.number for h in search_work_orders(pg_store, "impeller")] == [wo.number]

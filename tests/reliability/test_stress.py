"""Six people at once on one file: nothing reported done is lost, nothing partial remains."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlmodel import col, select

from benchmarks import stress
from wo_tui.domain import audit
from wo_tui.store.db import open_store
from wo_tui.store.models import WorkOrder


def test_stress_six_processes(tmp_path: Path) -> None:
    summary = stress.run(
        str(tmp_path / "stress.db"), techs=5, seconds=3, out=tmp_path, start_method="fork"
    )
    print(summary.report())
    assert summary.verified, summary.report()
    assert summary.ops > 50
    assert summary.lock_errors == 0


def test_backup_during_a_stress_run_restores_everything_committed_before(tmp_path: Path) -> None:
    db = tmp_path / "stress.db"
    backup = tmp_path / "backup.db"
    before: set[int] = set()

    def take_backup() -> None:
        time.sleep(1.0)
        store = open_store(str(db))
        try:
            with store.read() as s:
                before.update(s.exec(select(WorkOrder.number)))
            store.backup(backup)
        finally:
            store.close()

    summary = stress.run(
        str(db),
        techs=5,
        seconds=2.5,
        out=tmp_path / "logs",
        start_method="fork",
        during=take_backup,
    )
    assert summary.verified, summary.report()
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    restored = open_store(str(backup))
    try:
        with restored.read() as s:
            numbers = set(s.exec(select(WorkOrder.number).order_by(col(WorkOrder.number))))
        assert before and before <= numbers
        assert audit.verify(restored).ok
    finally:
        restored.close()

"""Six people at once on one file, with a backup taken in the middle: nothing reported
done is lost, nothing partial remains, and the backup holds everything committed
before it began."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlmodel import select

from benchmarks import stress
from wo_tui.domain import audit
from wo_tui.store.db import open_store
from wo_tui.store.models import WorkOrder


def test_stress_six_processes_and_a_backup_taken_meanwhile(tmp_path: Path) -> None:
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
        seconds=3,
        out=tmp_path / "logs",
        start_method="fork",
        during=take_backup,
    )
    print(summary.report())
    assert summary.verified, summary.report()
    assert summary.ops > 30 and summary.lock_errors == 0

    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    restored = open_store(str(backup))
    try:
        with restored.read() as s:
            numbers = set(s.exec(select(WorkOrder.number)))
        assert before and before <= numbers
        assert audit.verify(restored).ok
    finally:
        restored.close()

"""``Store.backup`` of a database larger than one copy step, while another process
keeps committing: it finishes, and the copy holds everything committed before it
began."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wo_tui.errors import StoreError
from wo_tui.store.db import open_store

WRITER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
while True:
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO filler (blob) VALUES (randomblob(2000))")
    con.execute("COMMIT")
    time.sleep(0.002)
"""
"""Another process committing every few milliseconds, as a busy crew does."""


def _rows(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT count(*) FROM filler").fetchone()[0])
    finally:
        con.close()


@pytest.mark.sqlite_only
def test_backup_of_a_busy_database_completes(db_path: Path, tmp_path: Path) -> None:
    store = open_store(str(db_path), create=True)
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, blob BLOB)")
    raw.execute("BEGIN")
    raw.executemany(
        "INSERT INTO filler (blob) VALUES (randomblob(4000))", [()] * 6000
    )  # about 6,000 pages: several of the 1,024-page steps that used to restart
    raw.execute("COMMIT")
    before = raw.execute("SELECT max(id) FROM filler").fetchone()[0]
    raw.close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)])
    try:
        while _rows(db_path) < before + 20:
            assert writer.poll() is None, "the writer stopped"
            time.sleep(0.05)
        dest = tmp_path / "copy.db"
        began = time.monotonic()
        store.backup(dest)
        took = time.monotonic() - began
        after = _rows(db_path)
    finally:
        writer.kill()
        writer.wait()
        store.close()
    assert after > before + 20, "the writer kept committing during the backup"
    assert took < 60, "the backup never caught up with the writer"
    copy = sqlite3.connect(dest)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM filler WHERE id <= ?", (before,)).fetchone()[0] == (
        before
    )
    copy.close()


@pytest.mark.sqlite_only
def test_backup_into_a_missing_folder_is_a_sentence(db_path: Path, tmp_path: Path) -> None:
    store = open_store(str(db_path), create=True)
    try:
        with pytest.raises(StoreError, match=r"Cannot create .*no-such-folder"):
            store.backup(tmp_path / "no-such-folder" / "copy.db")
    finally:
        store.close()
    assert not (tmp_path / "no-such-folder").exists()

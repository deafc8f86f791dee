"""The bytes the app writes to a real terminal never carry an escape sequence from the
data, even data written behind the app's back (another tool, a raw SQL edit).

The app runs in a pseudo-terminal as a dispatcher would, shows the board and a work
order's detail, and quits; the raw capture is grepped for the corpus's payloads."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from sitebuilder import build_site
from sqlalchemy import text

from tests.data.hostile import PAYLOADS
from wo_tui.domain import services as sv
from wo_tui.store.db import open_store


def _hostile_database(path: Path) -> None:
    store = open_store(str(path), create=True)
    site = build_site(store)
    for n, payload in enumerate(PAYLOADS):
        wo = sv.create_work_order(site.dispatcher, title=f"Row {n}", description="plain")
        hostile = payload.decode("utf-8") + f" tail {n}"
        with store.engine.begin() as conn:
            conn.execute(
                text("UPDATE work_order SET title = :t, description = :d WHERE id = :id"),
                {"t": hostile, "d": hostile * 3, "id": wo.id},
            )
    store.close()


def _read_for(fd: int, seconds: float, into: bytearray, until: bytes = b"") -> None:
    """Collect output for ``seconds``, or until ``until`` has been drawn and output has
    been quiet for a moment."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if until and until in into:
            end = min(end, time.monotonic() + 1.0)
            until = b""
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            into.extend(chunk)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")
def test_no_escape_sequence_from_data_reaches_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "wo.db"
    _hostile_database(db)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "wo_tui", "--db", str(db), "--login", "dana"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    captured = bytearray()
    try:
        _read_for(master, 20.0, captured, until=b"tail 0")
        os.write(master, b"\r")  # open the first work order's detail
        _read_for(master, 3.0, captured)
        os.write(master, b"\x1b")
        _read_for(master, 1.0, captured)
        os.write(master, b"q")
        _read_for(master, 3.0, captured)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        os.close(master)
    assert b"tail 0" in captured, captured[-2000:]  # the hostile rows were really drawn
    assert b"]0;pwned" in captured  # shown literally, its ESC stripped
    for payload in PAYLOADS:
        assert payload not in captured, payload

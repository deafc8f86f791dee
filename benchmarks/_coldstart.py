"""Cold start in a real terminal: ``python -m wo_tui`` on a pseudo-terminal, timed from
the moment the process is started to the moment the board's first rows reach the
terminal, next to the floor ``python -c "import textual.app, sqlmodel"``.

A pty rather than ``App.run_test``: the app then starts exactly as a user starts it
(the command line, settings, identity, migrations check, the Linux driver, the first
frame written as escape sequences), and nothing of the harness is imported into it.
The first frame that holds a work order or request number is the board painted with
data; the app reads keys from then on. Peak memory is the child's ``VmHWM``, read
once the first page is shown and again after ``G`` jumped to the last row.
"""

from __future__ import annotations

import compileall
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path

from _common import PYTHON, ROOT

ROW_LABEL = re.compile(rb"(?:WO|REQ)-\d{6}")
FLOOR = "import textual.app, sqlmodel"
NO_TEARDOWN = "; import os; os._exit(0)"
"""The floor as specified includes the interpreter's exit, which frees every module
(about a third of its CPU time); the app is timed to its first frame, long before it
exits, so the floor without the exit is measured too, as the stricter comparison."""
TICK = os.sysconf("SC_CLK_TCK")
BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static
import sqlmodel


class Bare(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield Static("WO-000001  the smallest Textual app that paints a row")
        yield Footer()


Bare().run()
"""
"""The same imports as the floor, and the least a Textual app does before its first
frame (driver, stylesheet, compose, layout, render): what any Textual app pays on top
of the floor, measured the same way as wo-tui."""


@dataclass
class ColdStart:
    seconds: float
    cpu_seconds: float
    rss_kb_first_page: int
    rss_kb_after_end: int


def byte_compile() -> None:
    """Write wo-tui's bytecode, as pip does when it installs a package.

    An editable install leaves that to the first import, and with
    ``PYTHONDONTWRITEBYTECODE`` set (as on this machine) every start compiled some
    60 modules from source again: 85 ms that no installed copy pays.
    """
    compileall.compile_dir(ROOT / "src", quiet=1)


def floor_seconds(teardown: bool = True) -> tuple[float, float]:
    """Wall clock and CPU time (user + system) of the import floor."""
    began = time.perf_counter()
    child = subprocess.Popen([PYTHON, "-c", FLOOR + ("" if teardown else NO_TEARDOWN)], cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"the import floor failed ({child.returncode})")
    return time.perf_counter() - began, usage.ru_utime + usage.ru_stime


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / TICK


def _vm_hwm_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _drain(fd: int, seconds: float) -> bytes:
    """Read what the app writes for ``seconds`` (a pty whose reader stops blocks the app)."""
    out = b""
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        try:
            out += os.read(fd, 65536)
        except OSError:
            break
    return out


def cold_start(
    db: Path | None, columns: int = 120, rows: int = 40, timeout: float = 120
) -> ColdStart:
    """wo-tui on ``db``, or the bare Textual app when ``db`` is None."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    env.pop("TEXTUAL", None)
    began = time.perf_counter()
    child = subprocess.Popen(
        [PYTHON, "-c", BARE_APP] if db is None else [PYTHON, "-m", "wo_tui", "--db", str(db)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    shown = cpu = 0.0
    try:
        while not shown:
            left = began + timeout - time.perf_counter()
            if left <= 0 or child.poll() is not None:
                raise RuntimeError(
                    f"the board never showed a row; the app wrote:\n{seen[-2000:]!r}"
                )
            ready, _, _ = select.select([master], [], [], left)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    child.wait(10)
                    continue
                seen += chunk
                if ROW_LABEL.search(seen[-len(chunk) - 16 :]):
                    shown = time.perf_counter() - began
                    cpu = _cpu_seconds(child.pid)
        first = _vm_hwm_kb(child.pid)
        os.write(master, b"G")
        _drain(master, 1.5)
        after = _vm_hwm_kb(child.pid)
        os.write(master, b"q")
        end = time.perf_counter() + 10
        while child.poll() is None and time.perf_counter() < end:
            _drain(master, 0.1)
        if child.poll() is None:
            os.kill(child.pid, signal.SIGTERM)
            child.wait(10)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        os.close(master)
    return ColdStart(shown, cpu, first, after)

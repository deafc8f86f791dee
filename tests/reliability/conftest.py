"""Helpers for the reliability tests: child processes, other accounts, raw SQL.

Several claims here are about what happens across processes (a writer killed in
the middle, two starts at once) or to another account (read-only for ``nobody``),
so they run real child processes with a small script, never a mock.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def python(
    script: str, *args: str, user: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter (optionally as ``user``), capturing output."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    preexec = None
    if user is not None:
        pw = pwd.getpwnam(user)
        env["HOME"] = "/tmp"

        def preexec() -> None:
            os.setgid(pw.pw_gid)
            os.setgroups([])
            os.setuid(pw.pw_uid)

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=preexec,
        timeout=timeout,
        check=False,
    )


def wo_tui(*args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line in a child process (so ``$USER`` and uid are the child's)."""
    return python("from wo_tui.cli import main; main()", *args, user=user)


needs_root = pytest.mark.skipif(os.getuid() != 0, reason="switching to another account needs root")

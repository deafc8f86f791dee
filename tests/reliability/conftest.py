"""Helpers for the reliability tests: child processes, other accounts, raw SQL.

Several claims here are about what happens across processes (a writer killed in
the middle, two starts at once) or to another account (read-only for ``nobody``),
so they run real child processes, never a mock.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest

from wo_tui.cli import main

# Children forked by ``as_user`` become accounts that cannot read this interpreter's
# library (it lives under /root): the subcommands, which load when first asked for,
# are loaded here, before any fork.
main.list_commands(click.Context(main))

needs_root = pytest.mark.skipif(os.getuid() != 0, reason="switching to another account needs root")


@dataclass
class ChildRun:
    exit_code: int
    result: Any
    stdout: str
    stderr: str


def as_user(
    user: str, fn: Callable[..., Any], *args: Any, env: dict[str, str] | None = None
) -> ChildRun:
    """Run ``fn(*args)`` in a forked child that became ``user`` (uid, gid, no extra groups).

    A fork, not a new interpreter: the interpreter lives under /root here, which other
    accounts cannot execute, and the forked child keeps everything already imported.
    ``fn``'s return value comes back as JSON; its stdout and stderr are captured, so
    a traceback would show in ``stderr``.
    """
    pw = pwd.getpwnam(user) if user else None
    with tempfile.TemporaryDirectory() as tmp:
        out, err, res = (Path(tmp) / n for n in ("out", "err", "res"))
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                fd_out = os.open(out, os.O_WRONLY | os.O_CREAT, 0o600)
                fd_err = os.open(err, os.O_WRONLY | os.O_CREAT, 0o600)
                fd_res = os.open(res, os.O_WRONLY | os.O_CREAT, 0o600)
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(fd_out, 1)
                os.dup2(fd_err, 2)
                sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
                if pw is not None:
                    os.setgroups([])
                    os.setgid(pw.pw_gid)
                    os.setuid(pw.pw_uid)
                    os.environ.update({"HOME": "/nonexistent", "USER": pw.pw_name})
                os.environ.update(env or {})
                result = fn(*args)
                os.write(fd_res, json.dumps(result).encode())
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                traceback.print_exc()
                code = 99
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        text = res.read_text() if res.exists() else ""
        return ChildRun(
            os.waitstatus_to_exitcode(status),
            json.loads(text) if text else None,
            out.read_text(errors="replace"),
            err.read_text(errors="replace"),
        )


def wo_tui(*args: str, user: str | None = None, env: dict[str, str] | None = None) -> ChildRun:
    """The real command line in a child process (its own uid, environment and exit code)."""

    def run() -> None:
        main.main(args=list(args), prog_name="wo-tui")

    return as_user(user, run, env=env)


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[Path]:
    """The database on tmpfs when there is one. These tests commit thousands of times with
    ``synchronous=FULL``; what they check (kills, permissions, roles, audit) does not depend
    on the disk, and the stress test and benchmark use a real disk of their own."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path / "wo.db"
        return
    folder = Path(tempfile.mkdtemp(prefix="wo-rel-", dir=shm))
    yield folder / "wo.db"
    shutil.rmtree(folder, ignore_errors=True)

"""The command line's last resort: an unexpected exception is one line and exit 1,
unless WO_TUI_DEBUG asks for the traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wo_tui.cli import main


def _boom(*_args: object, **_kwargs: object) -> None:
    raise ZeroDivisionError("division by zero\nsecond line")


def test_an_unexpected_error_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("WO_TUI_DEBUG", raising=False)
    monkeypatch.setattr("wo_tui.config.load_settings", _boom)
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "wo.db"), "list"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("wo-tui: internal error (ZeroDivisionError: division by zero)")
    assert "Traceback" not in result.stderr


def test_the_traceback_when_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WO_TUI_DEBUG", "1")
    monkeypatch.setattr("wo_tui.config.load_settings", _boom)
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "wo.db"), "list"])
    assert isinstance(result.exception, ZeroDivisionError)


def test_a_reader_that_stops_early_is_not_an_error(tmp_path: Path) -> None:
    """``wo-tui export | head``: the command stops quietly, as after SIGPIPE."""
    db = tmp_path / "wo.db"
    made = subprocess.run(
        [sys.executable, "-m", "wo_tui", "--db", str(db), "demo"], capture_output=True, check=False
    )
    assert made.returncode == 0, made.stderr
    child = subprocess.Popen(
        [sys.executable, "-m", "wo_tui", "--db", str(db), "export", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.read(100)
    child.stdout.close()
    said = child.stderr.read()
    assert child.wait(60) == 141
    assert said == b""

"""CLI fixtures: a small site in a SQLite file, and a helper that runs one command.

Commands run in-process through click's ``CliRunner`` as ``--login root`` (the
test process owns the database file, so ``--login`` is honoured whatever account
runs the tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitebuilder import FROZEN, build_site

from wo_tui import clock
from wo_tui.cli import main
from wo_tui.store.db import open_store


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    db: Path

    def __call__(self, *args: str, login: str = "root", stdin: str | None = None) -> Run:
        result = CliRunner().invoke(
            main, ["--db", str(self.db), "--login", login, *args], input=stdin
        )
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    """A database with the shared test site (root admin, dana, alice, bob, erin, rita)."""
    clock.freeze(FROZEN)
    db = tmp_path / "wo.db"
    store = open_store(str(db), create=True)
    build_site(store)
    store.close()
    yield Cli(db)
    clock.freeze(None)

"""CLI fixtures: a small site on each backend, and a helper that runs one command.

Commands run in-process through click's ``CliRunner``. On SQLite they run as
``--login root`` (the test process owns the database file, so ``--login`` is
honoured whatever account runs the tests). On PostgreSQL there is no file to own and
``--login`` is refused, as it is for everyone there; the command runs as the given
login by standing in for the operating-system account lookup instead, which is what
tells a person apart on a server.
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
from wo_tui.domain import identity
from wo_tui.store.db import open_store


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    db: Path | str
    """A SQLite file or a PostgreSQL URL."""

    @property
    def on_server(self) -> bool:
        return "://" in str(self.db)

    def __call__(self, *args: str, login: str = "root", stdin: str | None = None) -> Run:
        with pytest.MonkeyPatch.context() as mp:
            if self.on_server:
                mp.setattr(identity, "os_login", lambda: login)
                argv = ["--db", str(self.db), *args]
            else:
                argv = ["--db", str(self.db), "--login", login, *args]
            result = CliRunner().invoke(main, argv, input=stdin)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def cli(db_url: str) -> Iterator[Cli]:
    """A database with the shared test site (root admin, dana, alice, bob, erin, rita)."""
    clock.freeze(FROZEN)
    store = open_store(db_url, create=True)
    build_site(store)
    store.close()
    yield Cli(db_url)
    clock.freeze(None)

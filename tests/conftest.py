"""Shared fixtures: a real database per test, a small site, actors for every role.

``store`` (and ``db_url``) run each test on SQLite and, when
``WO_TUI_TEST_POSTGRES_URL`` names a server, on PostgreSQL too: every PostgreSQL
case gets a database of its own, copied from a template migrated once per session
(a copy takes ~50 ms; migrating takes ~300 ms), dropped afterwards. Mark a test
``@pytest.mark.sqlite_only`` when it is about the SQLite file itself.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from wo_tui import clock
from wo_tui.config import Settings
from wo_tui.domain import admin, identity
from wo_tui.domain.permissions import Actor
from wo_tui.domain.services import Ctx
from wo_tui.store.db import Store, normalize_url, open_store

FROZEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock() -> Iterator[datetime]:
    clock.freeze(FROZEN)
    yield FROZEN
    clock.freeze(None)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "wo.db"


PG_ENV = "WO_TUI_TEST_POSTGRES_URL"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: about the SQLite file itself; not run on PostgreSQL"
    )


class PgServer:
    """Throwaway databases on the server named by ``WO_TUI_TEST_POSTGRES_URL``."""

    def __init__(self, url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        self.url = make_url(normalize_url(url))
        libpq = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.admin: Any = psycopg.connect(libpq, autocommit=True)
        self.template: str | None = None

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, *, empty: bool = False) -> str:
        """A new database: empty, or at the current schema head with no rows."""
        if not empty and self.template is None:
            self.template = self.create(empty=True)
            open_store(self.url_for(self.template)).close()
        name = f"wo_test_{secrets.token_hex(6)}"
        template = "" if empty else f" TEMPLATE {self.template}"
        self.admin.execute(f"CREATE DATABASE {name}{template}")
        return name

    def drop(self, name: str) -> None:
        self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        if self.template is not None:
            self.drop(self.template)
        self.admin.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL cases skipped: {PG_ENV} is not set (.ci/run sets it)")
    server = PgServer(url)
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        if not os.environ.get(PG_ENV):
            pytest.skip(f"PostgreSQL cases skipped: {PG_ENV} is not set (.ci/run sets it)")
        if request.node.get_closest_marker("sqlite_only"):
            pytest.skip("about the SQLite file itself")
    return str(request.param)


@pytest.fixture
def db_url(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where this test's database is: a file path not yet created on SQLite; on
    PostgreSQL a database of its own at the schema head, with no rows."""
    if backend == "sqlite":
        yield str(db_path)
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create()
    yield server.url_for(name)
    server.drop(name)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url, create=True)
    yield s
    s.close()


@dataclass
class Site:
    """A small site: one of each role, two teams, a few assets and parts."""

    store: Store
    admin: Ctx
    dispatcher: Ctx
    tech: Ctx
    tech2: Ctx
    other_team_tech: Ctx
    requester: Ctx
    settings: Settings

    def ctx(self, actor: Actor) -> Ctx:
        return Ctx(self.store, actor, self.settings)


def build_site(store: Store, settings: Settings | None = None) -> Site:
    settings = settings or Settings()
    root = admin.bootstrap_admin(store, "root", "Site Admin")
    assert root.id is not None
    admin_ctx = Ctx(store, Actor(root.id, "root", "Site Admin", "admin"), settings)
    admin.add_team(admin_ctx, "Mechanical", 4 * 38 * 60)
    admin.add_team(admin_ctx, "Electrical", 3 * 38 * 60)
    people = [
        ("dana", "dispatcher", "Dana Dispatch", None, 0),
        ("alice", "technician", "Alice Fitter", "Mechanical", 4500),
        ("bob", "technician", "Bob Wrench", "Mechanical", 4000),
        ("erin", "technician", "Erin Sparks", "Electrical", 5000),
        ("rita", "requester", "Rita Reception", None, 0),
    ]
    for login, role, name, team, rate in people:
        admin.add_user(admin_ctx, login, role, display_name=name, team=team, rate_cents=rate)
    actors = {login: identity.actor_for(store, login) for login, *_ in people}
    site = admin.add_site(admin_ctx, "NORTH", "North Plant")
    bldg = admin.add_location(admin_ctx, "NORTH", "Building A")
    assert bldg.id is not None
    admin.add_asset(admin_ctx, "P-101", "Feed pump 1", category="pump", location_id=bldg.id)
    admin.add_asset(admin_ctx, "AHU-01", "Air handler 1", category="hvac", location_id=bldg.id)
    admin.add_part(admin_ctx, "BRG-6204", "Bearing 6204", 1250)
    admin.add_part(admin_ctx, "SEAL-25", "Mechanical seal 25 mm", 8900)
    assert site.id is not None

    def c(login: str) -> Ctx:
        return Ctx(store, actors[login], settings)

    return Site(
        store=store,
        admin=admin_ctx,
        dispatcher=c("dana"),
        tech=c("alice"),
        tech2=c("bob"),
        other_team_tech=c("erin"),
        requester=c("rita"),
        settings=settings,
    )


@pytest.fixture
def site(store: Store) -> Site:
    return build_site(store)

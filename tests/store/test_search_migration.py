"""Migration 0002 on both backends: fills the index for existing data, goes down
and up again, and leaves the models and the migrations in agreement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from tests.conftest import build_site
from wo_tui.domain import services as sv
from wo_tui.store.db import SCHEMA_HEAD, Store, open_store
from wo_tui.store.migrate import upgrade
from wo_tui.store.models import metadata
from wo_tui.store.search import include_object, search_assets, search_work_orders


@pytest.fixture
def empty_store(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A database with no schema at all."""
    if backend == "sqlite":
        store = open_store(str(db_path), create=True, migrate=False)
        yield store
        store.close()
        return
    server = request.getfixturevalue("pg_server")
    name = server.create(empty=True)
    store = open_store(server.url_for(name), migrate=False)
    yield store
    store.close()
    server.drop(name)


def _downgrade(store: Store, target: str) -> None:
    from alembic import command

    from wo_tui.store.migrate import alembic_config

    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), target)


def test_upgrade_indexes_work_written_before_search_existed(empty_store: Store) -> None:
    upgrade(empty_store, "0001")
    site = build_site(empty_store)
    req = sv.submit_request(
        site.requester,
        requester="Rita",
        description="Pump leaking under the skid",
        urgency=2,
        impact=2,
        asset_tag="P-101",
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    sv.add_note(site.dispatcher, wo.number, "Gearbox ordered")
    assert upgrade(empty_store) is True
    assert [h.number for h in search_work_orders(empty_store, "gear pum")] == [wo.number]
    assert [a.tag for a in search_assets(empty_store, "feed")] == ["P-101"]
    second = sv.approve_request(
        site.dispatcher,
        sv.submit_request(
            site.requester, requester="Rita", description="Pump noisy", urgency=2, impact=2
        ).number,
    )
    assert second.number == wo.number + 1


def test_down_and_up_again(store: Store) -> None:
    _downgrade(store, "0001")
    with store.read() as s:
        version = s.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0001"
    assert upgrade(store) is True
    assert search_work_orders(store, "anything") == []


def test_models_and_migrations_agree_apart_from_the_search_index(store: Store) -> None:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        assert compare_metadata(ctx, metadata) == []
        assert ctx.get_current_revision() == SCHEMA_HEAD

"""The board and the queue on the demo site (``demo`` with a fixed seed, frozen clock) at
80x24 and 120x40: what someone trying wo-tui sees first.

Regenerate with ``pytest tests/screens/test_snapshots_demo.py --snapshot-update`` and
look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest

from tests.screens.test_board import settle
from wo_tui.app import make_app
from wo_tui.config import Settings
from wo_tui.domain import admin, demo, identity
from wo_tui.domain.services import Ctx
from wo_tui.store.db import Store

SIZES = [(80, 24), (120, 40)]
ADMIN = "demo-admin"
"""The demo's admin by name, not the account running the tests: the same picture anywhere."""


@pytest.fixture
def demo_site(store: Store) -> tuple[Store, Settings]:
    settings = Settings(refresh_seconds=0.2)
    admin.bootstrap_admin(store, ADMIN)
    demo.load(Ctx(store, identity.actor_for(store, ADMIN), settings), seed=7)
    return store, settings


async def _ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.pause(0.3)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("login", ["dana", "alice"])
def test_demo_home_screen(demo_site, snap_compare, size, login: str) -> None:  # type: ignore[no-untyped-def]
    store, settings = demo_site
    app = make_app(settings, store, identity.actor_for(store, login))
    assert snap_compare(app, terminal_size=size, run_before=_ready)

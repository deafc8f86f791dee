"""A small site for tests: one user of each role, two teams, a few assets and parts.

A module of its own (tests/ is on pytest's pythonpath) rather than part of
conftest.py, so any test can import it without clashing conftest module names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from wo_tui.config import Settings
from wo_tui.domain import admin, identity
from wo_tui.domain.permissions import Actor
from wo_tui.domain.services import Ctx
from wo_tui.store.db import Store

FROZEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


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

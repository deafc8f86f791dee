"""Setting up a site: users, teams, places, assets, parts.

``init`` bootstraps the first admin without an actor (there is no one yet); every
other change is made by an admin (users) or a dispatcher (places, assets, parts)
and audited like any other.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from wo_tui.domain import permissions as perm
from wo_tui.domain.permissions import Actor
from wo_tui.domain.services import Ctx, _audit, _set
from wo_tui.errors import NotFound, ValidationError
from wo_tui.store.db import Store
from wo_tui.store.models import Asset, Location, Part, Site, Team, User
from wo_tui.text import clean_line


def _name(value: str, what: str, limit: int = 200) -> str:
    value = clean_line(value or "")
    if not value:
        raise ValidationError(f"{what} is empty.")
    if len(value) > limit:
        raise ValidationError(f"{what} is longer than {limit} characters.")
    return value


def _user_row(
    s: Session,
    login: str,
    role: str,
    display_name: str,
    team: str | None,
    rate_cents: int,
) -> tuple[User, dict[str, list[Any]]]:
    """The user row saved, and ``{field: [old, new]}`` of what changed for the audit."""
    login = _name(login, "Login", 64)
    if role not in perm.ROLES:
        raise ValidationError(f"Role must be one of {', '.join(perm.ROLES)}, not {role!r}.")
    if rate_cents < 0:
        raise ValidationError("An hourly rate cannot be negative.")
    team_id = None
    if team:
        team = _name(team, "Team", 100)
        row = s.exec(select(Team).where(Team.name == team)).first()
        if row is None:
            row = Team(name=team)
            s.add(row)
            s.flush()
        team_id = row.id
    user = s.exec(select(User).where(User.login == login)).first()
    created = user is None
    if user is None:
        user = User(login=login, display_name="", role="", active=False)
    changes = _set(
        user,
        display_name=clean_line(display_name) or user.display_name or login,
        role=role,
        team_id=team_id,
        hourly_rate_cents=rate_cents,
        active=True,
    )
    if created:
        changes = {"login": [None, login]} | {k: [None, new] for k, (_old, new) in changes.items()}
    s.add(user)
    s.flush()
    return user, changes


def bootstrap_admin(store: Store, login: str, display_name: str = "") -> User:
    """Make ``login`` an admin; used by ``init`` before any user exists."""
    with store.write() as s:
        user, _changes = _user_row(s, login, perm.ADMIN, display_name or login, None, 0)
        assert user.id is not None
        _audit(
            s,
            Actor(user.id, login, user.display_name, perm.ADMIN),
            "user",
            user.id,
            "bootstrap",
            {"role": [None, perm.ADMIN]},
        )
    return user


def add_user(
    ctx: Ctx,
    login: str,
    role: str,
    *,
    display_name: str = "",
    team: str | None = None,
    rate_cents: int = 0,
) -> User:
    """Create or update a user (an admin's job)."""
    perm.require(ctx.actor, "manage_users")
    with ctx.store.write() as s:
        existing = s.exec(select(User).where(User.login == clean_line(login or ""))).first()
        user, changes = _user_row(s, login, role, display_name, team, rate_cents)
        assert user.id is not None
        _audit(
            s, ctx.actor, "user", user.id, "update" if existing is not None else "create", changes
        )
    return user


def deactivate_user(ctx: Ctx, login: str) -> None:
    perm.require(ctx.actor, "manage_users")
    with ctx.store.write() as s:
        user = s.exec(select(User).where(User.login == login)).first()
        if user is None:
            raise NotFound(f"There is no user {login!r}.")
        changes = _set(user, active=False)
        s.add(user)
        assert user.id is not None
        _audit(s, ctx.actor, "user", user.id, "deactivate", changes)


def add_team(ctx: Ctx, name: str, weekly_capacity_minutes: int = 0) -> Team:
    perm.require(ctx.actor, "manage_users")
    with ctx.store.write() as s:
        name = _name(name, "Team", 100)
        team = s.exec(select(Team).where(Team.name == name)).first()
        capacity = max(0, weekly_capacity_minutes)
        if team is None:
            team = Team(name=name, weekly_capacity_minutes=capacity)
            changes = {"name": [None, team.name], "weekly_capacity_minutes": [None, capacity]}
        else:
            changes = _set(team, weekly_capacity_minutes=capacity)
        s.add(team)
        s.flush()
        assert team.id is not None
        _audit(s, ctx.actor, "team", team.id, "save", changes)
    return team


def add_site(ctx: Ctx, code: str, name: str) -> Site:
    perm.require(ctx.actor, "manage_pm")
    with ctx.store.write() as s:
        code = _name(code, "Site code", 32)
        if s.exec(select(Site).where(Site.code == code)).first() is not None:
            raise ValidationError(f"Site code {code!r} is already in use.")
        site = Site(code=code, name=_name(name, "Site name"))
        s.add(site)
        s.flush()
        assert site.id is not None
        _audit(s, ctx.actor, "site", site.id, "create", {"code": [None, site.code]})
    return site


def add_location(ctx: Ctx, site_code: str, name: str, parent_id: int | None = None) -> Location:
    perm.require(ctx.actor, "manage_pm")
    with ctx.store.write() as s:
        site = s.exec(select(Site).where(Site.code == site_code)).first()
        if site is None:
            raise NotFound(f"There is no site {site_code!r}.")
        prefix = site.name
        if parent_id is not None:
            parent = s.get(Location, parent_id)
            if parent is None or parent.site_id != site.id:
                raise NotFound(f"There is no location #{parent_id} at {site_code}.")
            prefix = parent.path
        name = _name(name, "Location name")
        assert site.id is not None
        loc = Location(site_id=site.id, parent_id=parent_id, name=name, path=f"{prefix} / {name}")
        s.add(loc)
        s.flush()
        assert loc.id is not None
        _audit(s, ctx.actor, "location", loc.id, "create", {"path": [None, loc.path]})
    return loc


def add_asset(
    ctx: Ctx,
    tag: str,
    name: str,
    *,
    category: str = "",
    location_id: int | None = None,
    parent_tag: str | None = None,
    criticality: int = 3,
) -> Asset:
    perm.require(ctx.actor, "manage_pm")
    if criticality not in range(1, 6):
        raise ValidationError("Criticality must be 1 (most critical) to 5.")
    with ctx.store.write() as s:
        tag = _name(tag, "Asset tag", 64)
        if s.exec(select(Asset).where(Asset.tag == tag)).first() is not None:
            raise ValidationError(f"Asset tag {tag!r} is already in use.")
        site_id = None
        if location_id is not None:
            loc = s.get(Location, location_id)
            if loc is None:
                raise NotFound(f"There is no location #{location_id}.")
            site_id = loc.site_id
        parent_id = None
        if parent_tag:
            parent = s.exec(select(Asset).where(Asset.tag == parent_tag)).first()
            if parent is None:
                raise NotFound(f"There is no asset tagged {parent_tag!r}.")
            parent_id = parent.id
        asset = Asset(
            tag=tag,
            name=_name(name, "Asset name"),
            category=clean_line(category)[:64],
            site_id=site_id,
            location_id=location_id,
            parent_id=parent_id,
            criticality=criticality,
        )
        s.add(asset)
        s.flush()
        assert asset.id is not None
        _audit(s, ctx.actor, "asset", asset.id, "create", {"tag": [None, tag]})
    return asset


def add_part(ctx: Ctx, number: str, name: str, unit_cost_cents: int, unit: str = "ea") -> Part:
    perm.require(ctx.actor, "manage_pm")
    if unit_cost_cents < 0:
        raise ValidationError("A part cannot cost less than nothing.")
    with ctx.store.write() as s:
        number = _name(number, "Part number", 64)
        part = s.exec(select(Part).where(Part.number == number)).first()
        created = part is None
        if part is None:
            part = Part(number=number, name="", unit="", active=False)
        changes = _set(
            part,
            name=_name(name, "Part name"),
            unit=clean_line(unit)[:16] or "ea",
            unit_cost_cents=unit_cost_cents,
            active=True,
        )
        if created:
            changes = {"number": [None, number]} | {
                k: [None, new] for k, (_o, new) in changes.items()
            }
        s.add(part)
        s.flush()
        assert part.id is not None
        _audit(s, ctx.actor, "part", part.id, "save", changes)
    return part

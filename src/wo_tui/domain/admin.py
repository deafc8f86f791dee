"""Setting up a site: users, teams, places, assets, parts.

``init`` bootstraps the first admin without an actor (there is no one yet), and only
while the database has no active admin: on a copied database it must not hand the
keys to whoever runs it. Every other change is made by an admin (users, teams) or a
dispatcher (sites, assets, parts) and audited like any other. No change may leave
the database without an active admin, since only an admin can add one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from wo_tui.domain import permissions as perm
from wo_tui.domain.doctor import check_login
from wo_tui.domain.permissions import Actor
from wo_tui.domain.services import Ctx, _audit, _set
from wo_tui.domain.units import MAX_MONEY_CENTS, check_weekly_minutes, format_money
from wo_tui.errors import NotFound, PermissionDenied, ValidationError
from wo_tui.store.db import Store
from wo_tui.store.models import Asset, Location, Part, Site, Team, User
from wo_tui.text import clean_line

MAX_RATE_CENTS = 1_000_000
"""10,000.00 an hour."""
NAMED_ADMINS = 3
"""How many admins a refusal names as the people to ask."""


@dataclass(frozen=True)
class UserRow:
    """One line of ``user list``."""

    login: str
    display_name: str
    role: str
    team: str
    hourly_rate_cents: int
    active: bool


def _name(value: str, what: str, limit: int = 200) -> str:
    value = clean_line(value or "")
    if not value:
        raise ValidationError(f"{what} is empty.")
    if len(value) > limit:
        raise ValidationError(f"{what} is longer than {limit} characters.")
    return value


def _login(value: str) -> str:
    """The one login rule (``ssh-key add`` applies it too): a login ends up in
    ``command="wo-tui --login ..."``, which the account's shell runs."""
    return check_login(_name(value, "Login", 64))


def _active_admins(s: Session, *, lock: bool = True) -> list[User]:
    """Locked by a writer (PostgreSQL), so two admins demoting each other at once
    cannot both succeed and leave no one; SQLite's write lock already serialises
    writers."""
    query = (
        select(User)
        .where(User.role == perm.ADMIN, col(User.active).is_(True))
        .order_by(col(User.id))
    )
    return list(s.exec(query.with_for_update() if lock else query))


def ask_an_admin(s: Session) -> str:
    """Who can grant access, for a refusal: "ask root or ann"."""
    logins = [u.login for u in _active_admins(s, lock=False)[:NAMED_ADMINS]]
    if not logins:
        return "ask whoever set up wo-tui here"
    return "ask " + " or ".join(logins)


def _keep_an_admin(s: Session, user: User) -> None:
    s.flush()
    if not _active_admins(s):
        raise ValidationError(
            f"{user.login} is the last active admin: make someone else an admin first."
        )


def _user_row(
    s: Session,
    actor: Actor,
    login: str,
    role: str,
    display_name: str,
    team: str | None,
    rate_cents: int,
) -> tuple[User, dict[str, list[Any]], bool]:
    """The user row saved, ``{field: [old, new]}`` of what changed for the audit, and
    whether the row is new. A team named for the first time is created (and audited)."""
    login = _login(login)
    if role not in perm.ROLES:
        raise ValidationError(f"Role must be one of {', '.join(perm.ROLES)}, not {role!r}.")
    if rate_cents < 0:
        raise ValidationError("An hourly rate cannot be negative.")
    if rate_cents > MAX_RATE_CENTS:
        raise ValidationError(
            f"An hourly rate over {format_money(MAX_RATE_CENTS)} is not believable: check it."
        )
    team_id = None
    if team:
        team = _name(team, "Team", 100)
        row = s.exec(select(Team).where(Team.name == team)).first()
        if row is None:
            row = Team(name=team)
            s.add(row)
            s.flush()
            assert row.id is not None
            _audit(
                s,
                actor,
                "team",
                row.id,
                "save",
                {"name": [None, team], "weekly_capacity_minutes": [None, 0]},
            )
        team_id = row.id
    user = s.exec(select(User).where(User.login == login)).first()
    created = user is None
    if user is None:
        user = User(login=login, display_name="", role="", active=False)
    changes = _set(
        user,
        display_name=clean_line(display_name)[:200] or user.display_name or login,
        role=role,
        team_id=team_id,
        hourly_rate_cents=rate_cents,
        active=True,
    )
    if created:
        changes = {"login": [None, login]} | {k: [None, new] for k, (_old, new) in changes.items()}
    s.add(user)
    s.flush()
    return user, changes, created


def bootstrap_admin(store: Store, login: str, display_name: str = "") -> User:
    """Make ``login`` the first admin of a database that has none (``init``, ``demo``).

    Where an active admin exists, an admin running this gets their row back unchanged
    and anyone else is refused with the names of the admins who can let them in.
    A user already in the table keeps their name, team and rate: only the role and
    the active flag change, and the audit row says from what.
    """
    login = _login(login)
    with store.write() as s:
        admins = _active_admins(s)
        if admins:
            mine = next((u for u in admins if u.login == login), None)
            if mine is not None:
                return mine
            raise PermissionDenied(
                f"{store.label} already has an admin and {login} is not one: "
                f"{ask_an_admin(s)} to run `wo-tui user add {login} --role ...`."
            )
        user = s.exec(select(User).where(User.login == login)).first()
        if user is None:
            user = User(
                login=login,
                display_name=clean_line(display_name)[:200] or login,
                role=perm.ADMIN,
                active=True,
            )
            s.add(user)
            s.flush()
            changes = {
                k: [None, getattr(user, k)]
                for k in ("login", "display_name", "role", "team_id", "hourly_rate_cents", "active")
            }
        else:
            changes = _set(user, role=perm.ADMIN, active=True)
            s.add(user)
            s.flush()
        assert user.id is not None
        _audit(
            s,
            Actor(user.id, login, user.display_name, perm.ADMIN),
            "user",
            user.id,
            "bootstrap",
            changes,
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
    """Create or update a user (an admin's job); a deactivated login is reactivated."""
    perm.require(ctx.actor, "manage_users")
    with ctx.write() as s:
        _active_admins(s)  # locked before anything is read: see there
        user, changes, created = _user_row(
            s, ctx.actor, login, role, display_name, team, rate_cents
        )
        _keep_an_admin(s, user)
        assert user.id is not None
        if created:
            action = "create"
        elif "active" in changes:
            action = "reactivate"
        else:
            action = "update"
        if changes:
            _audit(s, ctx.actor, "user", user.id, action, changes)
    return user


def deactivate_user(ctx: Ctx, login: str) -> bool:
    """Stop ``login`` from using wo-tui (their history stays theirs); False if they
    already could not."""
    perm.require(ctx.actor, "manage_users")
    with ctx.write() as s:
        _active_admins(s)  # locked before anything is read: see there
        user = s.exec(select(User).where(User.login == clean_line(login or ""))).first()
        if user is None:
            raise NotFound(f"There is no user {login!r}.")
        changes = _set(user, active=False)
        if not changes:
            return False
        s.add(user)
        _keep_an_admin(s, user)
        assert user.id is not None
        _audit(s, ctx.actor, "user", user.id, "deactivate", changes)
    return True


def list_users(ctx: Ctx) -> list[UserRow]:
    """Everyone, deactivated too, by login: who may act, as what, at what rate."""
    perm.require(ctx.actor, "view_users")
    with ctx.store.read() as s:
        rows = s.exec(
            select(User, Team.name)
            .join(Team, col(Team.id) == col(User.team_id), isouter=True)
            .order_by(col(User.login))
        ).all()
    return [
        UserRow(u.login, u.display_name, u.role, name or "", u.hourly_rate_cents, u.active)
        for u, name in rows
    ]


def add_team(ctx: Ctx, name: str, weekly_capacity_minutes: int = 0) -> Team:
    perm.require(ctx.actor, "manage_users")
    with ctx.write() as s:
        name = _name(name, "Team", 100)
        team = s.exec(select(Team).where(Team.name == name)).first()
        capacity = check_weekly_minutes(weekly_capacity_minutes)
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
    perm.require(ctx.actor, "manage_sites")
    with ctx.write() as s:
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
    perm.require(ctx.actor, "manage_sites")
    with ctx.write() as s:
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
    perm.require(ctx.actor, "manage_assets")
    if criticality not in range(1, 6):
        raise ValidationError("Criticality must be 1 (most critical) to 5.")
    with ctx.write() as s:
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
    perm.require(ctx.actor, "manage_parts")
    if unit_cost_cents < 0:
        raise ValidationError("A part cannot cost less than nothing.")
    if unit_cost_cents > MAX_MONEY_CENTS:
        raise ValidationError(
            f"A part costing over {format_money(MAX_MONEY_CENTS)} is not believable: check it."
        )
    with ctx.write() as s:
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

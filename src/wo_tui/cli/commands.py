"""Setup commands: init and users."""

from __future__ import annotations

import click

from wo_tui.cli import CliState, main, pass_state


@main.command()
@pass_state
def init(state: CliState) -> None:
    """Create the database (if needed) and make the account running this an admin."""
    from wo_tui.domain import admin, identity

    store = state.store(create=True)
    login = identity.os_login()
    admin.bootstrap_admin(store, login)
    click.echo(f"Database ready at {store.label}; {login} is an admin.")


@main.group()
def user() -> None:
    """Manage users (admin)."""


@user.command("add")
@click.argument("login")
@click.option(
    "--role", type=click.Choice(["requester", "technician", "dispatcher", "admin"]), required=True
)
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--team", default=None, help="Team name (created if new).")
@click.option("--rate", default="0", help="Hourly rate, e.g. 45.00.")
@pass_state
def user_add(
    state: CliState, login: str, role: str, display_name: str, team: str | None, rate: str
) -> None:
    """Add or update LOGIN (an operating-system account name)."""
    from wo_tui.domain import admin
    from wo_tui.domain.units import parse_money

    user = admin.add_user(
        state.ctx(), login, role, display_name=display_name, team=team, rate_cents=parse_money(rate)
    )
    click.echo(f"{user.login}: {user.role}")


@main.group()
def team() -> None:
    """Manage teams (admin)."""


@team.command("add")
@click.argument("name")
@click.option("--capacity", default="0", help="Net crew hours per week, e.g. 152 or 152:30.")
@pass_state
def team_add(state: CliState, name: str, capacity: str) -> None:
    """Add or update team NAME."""
    from wo_tui.domain import admin

    row = admin.add_team(state.ctx(), name, _capacity_minutes(capacity))
    click.echo(f"team {row.name}")


def _capacity_minutes(value: str) -> int:
    """Hours a week (``152``, ``152.5`` or ``152:30``): not ``parse_minutes``, which
    refuses more than one day because it reads a single labour entry."""
    raw = value.strip()
    try:
        if ":" in raw:
            hours, mins = raw.split(":", 1)
            total = int(hours) * 60 + int(mins)
        else:
            total = round(float(raw) * 60)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not hours (like 152 or 152:30).") from exc
    if total < 0:
        raise click.BadParameter("Capacity cannot be negative.")
    return total


@main.group()
def site() -> None:
    """Manage sites."""


@site.command("add")
@click.argument("code")
@click.argument("name")
@pass_state
def site_add(state: CliState, code: str, name: str) -> None:
    """Add site CODE called NAME."""
    from wo_tui.domain import admin

    row = admin.add_site(state.ctx(), code, name)
    click.echo(f"site {row.code}")


@main.group()
def location() -> None:
    """Manage locations (a tree per site)."""


@location.command("add")
@click.argument("site_code")
@click.argument("name")
@click.option("--parent", "parent_id", type=int, default=None, help="Parent location id.")
@pass_state
def location_add(state: CliState, site_code: str, name: str, parent_id: int | None) -> None:
    """Add location NAME at SITE_CODE; prints its id (used by --location elsewhere)."""
    from wo_tui.domain import admin

    row = admin.add_location(state.ctx(), site_code, name, parent_id)
    click.echo(f"{row.id} {row.path}")


@main.group()
def asset() -> None:
    """Manage assets."""


@asset.command("add")
@click.argument("tag")
@click.argument("name")
@click.option("--category", default="", help="e.g. pump, hvac.")
@click.option("--location", "location_id", type=int, default=None, help="Location id.")
@click.option("--parent", "parent_tag", default=None, help="Parent asset tag.")
@click.option("--criticality", type=click.IntRange(1, 5), default=3, show_default=True)
@pass_state
def asset_add(
    state: CliState,
    tag: str,
    name: str,
    category: str,
    location_id: int | None,
    parent_tag: str | None,
    criticality: int,
) -> None:
    """Add asset TAG called NAME."""
    from wo_tui.domain import admin

    row = admin.add_asset(
        state.ctx(),
        tag,
        name,
        category=category,
        location_id=location_id,
        parent_tag=parent_tag,
        criticality=criticality,
    )
    click.echo(f"asset {row.tag}")

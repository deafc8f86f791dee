"""Setup commands: init, users, teams, sites, locations, assets."""

from __future__ import annotations

import click

from wo_tui.cli import CliState, main, pass_state
from wo_tui.cli.report import FORMATS, print_table, write_machine


@main.command()
@pass_state
def init(state: CliState) -> None:
    """Create the database (if needed) and make the account running this its first admin.

    On a database that already has an admin, only that admin may run it (nothing
    changes); anyone else is told whom to ask.
    """
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


@user.command("list")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_state
def user_list(state: CliState, fmt: str) -> None:
    """List users, deactivated ones too (dispatcher or admin).

    Columns: login, name, role, team, rate_cents (hourly), active.
    """
    from wo_tui.domain import admin
    from wo_tui.domain.units import format_money

    rows = admin.list_users(state.ctx())
    columns = ["login", "name", "role", "team", "rate_cents", "active"]
    data = [[u.login, u.display_name, u.role, u.team, u.hourly_rate_cents, u.active] for u in rows]
    if not write_machine(fmt, columns, data):
        print_table(
            "Users",
            ["login", "name", "role", "team", "rate", ""],
            [
                [
                    u.login,
                    u.display_name,
                    u.role,
                    u.team or "-",
                    format_money(u.hourly_rate_cents),
                    "" if u.active else "deactivated",
                ]
                for u in rows
            ],
            numeric={"rate"},
        )


@user.command("deactivate")
@click.argument("login")
@pass_state
def user_deactivate(state: CliState, login: str) -> None:
    """Stop LOGIN using wo-tui (admin); their work and history stay. `user add`
    reactivates them."""
    from wo_tui.domain import admin

    if admin.deactivate_user(state.ctx(), login):
        click.echo(f"{login} deactivated")
    else:
        click.echo(f"{login} was already deactivated; nothing changed.")


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
    from wo_tui.domain.units import parse_weekly_hours

    row = admin.add_team(state.ctx(), name, parse_weekly_hours(capacity))
    click.echo(f"team {row.name}")


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

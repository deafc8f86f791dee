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

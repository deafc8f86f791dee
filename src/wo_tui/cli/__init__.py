"""The command line: parse, call the domain, print. No business rules here.

``wo-tui`` alone opens the app; every action also has a subcommand so it can be
scripted. Exit codes: 0 success, 1 a refusal (one line on stderr), 2 bad usage.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from wo_tui.errors import WoError
from wo_tui.startup import resume

DEBUG_ENV = "WO_TUI_DEBUG"
"""Set to show the traceback of an unexpected error instead of its one-line summary."""


@dataclass
class CliState:
    """What the global options chose; commands ask it for the store and the actor."""

    db: str | None = None
    login: str | None = None
    config: Path | None = None
    _settings: Any = field(default=None, repr=False)
    _store: Any = field(default=None, repr=False)

    @property
    def settings(self) -> Any:
        if self._settings is None:
            from wo_tui.config import load_settings

            self._settings = load_settings(self.config)
        return self._settings

    def database(self) -> str:
        return self.settings.database(self.db)

    def store(self, *, create: bool = False) -> Any:
        if self._store is None:
            from wo_tui.store.db import open_store

            self._store = open_store(self.database(), create=create)
        return self._store

    def ctx(self) -> Any:
        """The domain context for the person running this command."""
        from wo_tui.domain.identity import current_actor
        from wo_tui.domain.services import Ctx

        store = self.store()
        return Ctx(store, current_actor(store, self.login), self.settings)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class WoGroup(click.Group):
    """Turns every ``WoError`` into one line on stderr and exit code 1.

    The subcommands are loaded when one is asked for (or listed): ``wo-tui`` alone
    opens the app without importing the modules of forty commands it will not run.
    """

    _loaded = False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            _register_commands()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WoError as exc:
            click.echo(f"wo-tui: {exc.message}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("wo-tui: interrupted; nothing further was saved.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # The reader went away (`wo-tui list | head`): stop quietly, as a program
            # killed by SIGPIPE would, and keep Python from complaining at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            # A bug of ours: one line for the person (each action is one transaction,
            # so nothing half-done was saved); the traceback when asked for.
            if os.environ.get(DEBUG_ENV):
                raise
            said = (str(exc).strip().splitlines() or [""])[0][:200]
            click.echo(
                f"wo-tui: internal error ({type(exc).__name__}: {said}); the action was "
                f"not completed. Run it again with {DEBUG_ENV}=1 for the details to report.",
                err=True,
            )
            ctx.exit(1)
        finally:
            if isinstance(ctx.obj, CliState):
                ctx.obj.close()


pass_state = click.make_pass_decorator(CliState)


@click.group(cls=WoGroup, invoke_without_command=True)
@click.option(
    "--db",
    metavar="PATH|URL",
    help="Database file or URL (default: WO_TUI_DB, then the per-user file).",
)
@click.option(
    "--login",
    metavar="LOGIN",
    help="Act as LOGIN (gateway mode; only for the database owner account).",
)
@click.option(
    "--config", type=click.Path(dir_okay=False, path_type=Path), help="Settings TOML file."
)
@click.version_option(package_name="wo-tui")
@click.pass_context
def main(ctx: click.Context, db: str | None, login: str | None, config: Path | None) -> None:
    """Maintenance work orders in the terminal. With no command, opens the app."""
    ctx.obj = CliState(db=db, login=login, config=config)
    if ctx.invoked_subcommand is None:
        from wo_tui.cli.run_app import run_app

        sys.exit(run_app(ctx.obj))
    resume()


def _register_commands() -> None:
    """Import every module of this package: each adds its subcommands to ``main``.

    Areas (setup, lifecycle verbs, data, PM, reports, operations) live in modules of
    their own, so adding one never means editing a central list.
    """
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name != "run_app":
            importlib.import_module(f"{__name__}.{info.name}")

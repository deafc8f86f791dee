"""Open the Textual app for the person running the command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wo_tui.startup import resume

if TYPE_CHECKING:
    from wo_tui.cli import CliState


def run_app(state: CliState) -> int:
    ctx = state.ctx()
    from wo_tui.app import make_app

    app = make_app(state.settings, ctx.store, ctx.actor)
    resume()
    app.run()
    return int(app.return_code or 0)

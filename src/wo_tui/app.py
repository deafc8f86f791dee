"""The Textual app: sections by role, global keys, the command palette, live refresh.

``make_app(settings, store, actor)`` builds it; nothing here opens a database. The
top-level sections are Textual modes (each keeps its own stack, so ``escape`` in a
detail screen returns to the list it came from). Changes committed by anyone
(another dispatcher, a technician over SSH, a CLI import) are noticed by polling
``Store.change_token`` in a thread and passed to every screen of the current
section (a list under a dialog is fresh when the dialog closes).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.screen import Screen

from wo_tui.config import Settings
from wo_tui.domain import permissions as perm
from wo_tui.domain.permissions import Actor
from wo_tui.domain.services import Ctx

if TYPE_CHECKING:
    from wo_tui.store.db import Store

SECTIONS: dict[str, tuple[str, str]] = {
    "board": ("wo_tui.screens.board", "BoardScreen"),
    "queue": ("wo_tui.screens.queue", "QueueScreen"),
    "intake": ("wo_tui.screens.intake", "IntakeScreen"),
    "pm": ("wo_tui.screens.pm", "PMScreen"),
    "reports": ("wo_tui.screens.reports", "ReportsScreen"),
}
"""Section name -> (module, class); imported when first shown, which keeps start-up short."""

SECTION_LABELS = {
    "board": "Triage board",
    "queue": "My queue",
    "intake": "New request",
    "pm": "PM schedules",
    "reports": "Reports",
}

HOME_BY_ROLE = {
    perm.DISPATCHER: "board",
    perm.ADMIN: "board",
    perm.TECHNICIAN: "queue",
    perm.REQUESTER: "intake",
}

SECTIONS_BY_ROLE = {
    perm.REQUESTER: ("intake",),
    perm.TECHNICIAN: ("queue", "intake", "reports"),
    perm.DISPATCHER: ("board", "queue", "intake", "pm", "reports"),
    perm.ADMIN: ("board", "queue", "intake", "pm", "reports"),
}


def load_screen(module: str, name: str) -> type[Screen[Any]]:
    cls: type[Screen[Any]] = getattr(importlib.import_module(module), name)
    return cls


def _section_factory(name: str) -> Callable[[], Screen[Any]]:
    def build() -> Screen[Any]:
        return load_screen(*SECTIONS[name])()

    return build


def _palette(name: str) -> Callable[[], type[Provider]]:
    """A provider imported when the palette first opens (keeps start-up short)."""

    def load() -> type[Provider]:
        cls: type[Provider] = getattr(importlib.import_module("wo_tui.commands"), name)
        return cls

    return load


class WoApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "wo-tui"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        *App.COMMANDS,
        _palette("WorkOrderCommands"),
        _palette("AssetCommands"),
        _palette("ActionCommands"),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        # Tab moves focus as soon as it arrives, not after the field it leaves has seen
        # it: keys typed ahead over a slow SSH link then land in the next field.
        Binding("tab", "focus_next", "Next field", id="focus_next", show=False, priority=True),
        Binding(
            "shift+tab",
            "focus_previous",
            "Previous field",
            id="focus_previous",
            show=False,
            priority=True,
        ),
        Binding("question_mark,f1", "help", "Help", id="help"),
        Binding("1", "section('board')", "Board", id="go_board", show=False),
        Binding("2", "section('queue')", "Queue", id="go_queue", show=False),
        Binding("3", "section('intake')", "Request", id="go_intake", show=False),
        Binding("4", "section('pm')", "PM", id="go_pm", show=False),
        Binding("5", "section('reports')", "Reports", id="go_reports", show=False),
        # The same from inside a form, where digits are typed: function keys win there.
        Binding("f2", "section('board')", "Board", id="go_board_f", show=False, priority=True),
        Binding("f3", "section('queue')", "Queue", id="go_queue_f", show=False, priority=True),
        Binding("f4", "section('intake')", "Request", id="go_intake_f", show=False, priority=True),
        Binding("f5", "section('pm')", "PM", id="go_pm_f", show=False, priority=True),
        Binding(
            "f6", "section('reports')", "Reports", id="go_reports_f", show=False, priority=True
        ),
        Binding("ctrl+t", "toggle_theme", "Theme", id="theme", show=False),
    ]

    def __init__(self, settings: Settings, store: Store, actor: Actor) -> None:
        self.ctx = Ctx(store, actor, settings)
        self.MODES = {name: _section_factory(name) for name in SECTIONS}
        super().__init__()
        self._last_token: int | None = None
        self.sub_title = f"{actor.display_name} ({actor.role})"
        if store.read_only:
            self.sub_title += " - READ-ONLY"

    @property
    def sections(self) -> tuple[str, ...]:
        """The sections this user's role may open (and that this build has)."""
        return tuple(
            name
            for name in SECTIONS_BY_ROLE.get(self.ctx.actor.role, ("intake",))
            if importlib.util.find_spec(SECTIONS[name][0]) is not None
        )

    def on_mount(self) -> None:
        self.theme = (
            self.ctx.settings.theme
            if self.ctx.settings.theme in self.available_themes
            else "textual-dark"
        )
        if self.ctx.settings.keys:
            self.set_keymap(self.ctx.settings.keys)
        self.switch_mode(HOME_BY_ROLE.get(self.ctx.actor.role, "intake"))
        if self.ctx.store.read_only:
            self.notify(
                f"{self.ctx.store.label} is read-only for you: you can look, but nothing can be saved.",
                title="Read-only",
                severity="warning",
                markup=False,
                timeout=15,
            )
        self.set_interval(self.ctx.settings.refresh_seconds, self._poll_changes)
        settings = self.ctx.settings
        if (
            settings.pm_on_start
            and perm.may(self.ctx.actor, "manage_pm")
            and not self.ctx.store.read_only
        ):
            self.run_worker(self._generate_pm, thread=True, exit_on_error=False, group="pm_run")

    def _generate_pm(self) -> Any:
        """Preventive work due by today appears on the board at start (idempotent, so a
        dispatcher opening the app twice, or with `pm run` in cron, creates nothing twice)."""
        from wo_tui.domain import pm

        return pm.run(self.ctx)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "section":
            return parameters[0] in self.sections
        if action == "quit":
            return self._may_quit_here()
        return True

    def _may_quit_here(self) -> bool:
        """``q`` quits from browse screens only: on a form it would throw away typing.

        A screen says which it is with ``BROWSE``; one that does not say is a form when
        it has a text field."""
        browse = getattr(self.screen, "BROWSE", None)
        if browse is not None:
            return bool(browse)
        return not self.screen.query("Input, TextArea")

    def action_section(self, name: str) -> None:
        if name not in self.sections:
            self.notify(
                f"{SECTION_LABELS.get(name, name)} is not available to a {self.ctx.actor.role}."
            )
            return
        self.switch_mode(name)

    def action_help(self) -> None:
        from wo_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def open_work_order(self, number: int) -> None:
        """Open a work order's detail from anywhere (palette, lists, links)."""
        from wo_tui.screens.detail import DetailScreen

        self.push_screen(DetailScreen(number))

    def open_asset(self, tag: str) -> None:
        from wo_tui.screens.asset_history import AssetHistoryScreen

        self.push_screen(AssetHistoryScreen(tag))

    def _poll_changes(self) -> None:
        self.run_worker(
            self.ctx.store.change_token,
            thread=True,
            exit_on_error=False,
            group="poll",
            exclusive=True,
        ).name = "poll"

    def on_worker_state_changed(self, event: Any) -> None:
        from textual.worker import WorkerState

        if event.worker.group == "pm_run":
            self._pm_generated(event.worker, event.state)
            return
        if event.worker.group != "poll" or event.state != WorkerState.SUCCESS:
            return
        token = event.worker.result
        if self._last_token is not None and token != self._last_token:
            for screen in self.screen_stack:
                handler = getattr(screen, "on_data_changed", None)
                if handler is not None:
                    handler()
        self._last_token = token

    def _pm_generated(self, worker: Any, state: Any) -> None:
        from textual.worker import WorkerState

        from wo_tui.errors import WoError

        if state == WorkerState.SUCCESS and worker.result.generated:
            count = len(worker.result.generated)
            self.notify(
                f"{count} preventive work order{'s' if count > 1 else ''} generated for today.",
                markup=False,
            )
        elif state == WorkerState.ERROR:
            error = worker.error
            reason = error.message if isinstance(error, WoError) else repr(error)
            self.notify(
                f"Preventive work was not generated: {reason}", severity="warning", markup=False
            )


def make_app(settings: Settings, store: Store, actor: Actor) -> WoApp:
    return WoApp(settings, store, actor)

"""The Textual app: sections by role, global keys, the command palette, live refresh.

``make_app(settings, store, actor)`` builds it; nothing here opens a database. The
top-level sections are Textual modes (each keeps its own stack, so ``escape`` in a
detail screen returns to the list it came from). Changes committed by anyone
(another dispatcher, a technician over SSH, a CLI import) are noticed by polling
``Store.change_token`` in a thread and passed to every screen of the current
section (a list under a dialog is fresh when the dialog closes); a section left in
the background catches up when it is shown again (``WoScreen`` keeps the token it
last showed).

``q`` quits from browse screens; on a form it is a letter, and ``ctrl+q`` quits
from anywhere. The digits 1-5 switch section from browse screens only (in a form
they are typed); F2-F6 do it from anywhere.
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
from wo_tui.domain.services import Changed, Ctx, standing

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


PM_START_DELAY = 1.0
"""Seconds after start before due PM work is generated: after the home screen's first
rows are painted, which the run would otherwise slow (it takes the lock and the GIL)."""


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
        Binding("q", "quit", "Quit", id="quit", show=False),
        Binding("ctrl+q", "quit_now", "Quit", id="quit_anywhere", priority=True),
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
        Binding("1", "digit_section('board')", "Board", id="go_board", show=False),
        Binding("2", "digit_section('queue')", "Queue", id="go_queue", show=False),
        Binding("3", "digit_section('intake')", "Request", id="go_intake", show=False),
        Binding("4", "digit_section('pm')", "PM", id="go_pm", show=False),
        Binding("5", "digit_section('reports')", "Reports", id="go_reports", show=False),
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
        self.data_token: int | None = None
        """The change token last polled (None until the first poll)."""
        self.signed_out = False
        """An admin changed this user since start: nothing but quitting works now."""
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

    @property
    def home(self) -> str:
        """The section the app opens on, where escape leads from the others."""
        return HOME_BY_ROLE.get(self.ctx.actor.role, "intake")

    def on_mount(self) -> None:
        self.theme = (
            self.ctx.settings.theme
            if self.ctx.settings.theme in self.available_themes
            else "textual-dark"
        )
        if self.ctx.settings.keys:
            self.set_keymap(self.ctx.settings.keys)
        self.switch_mode(self.home)
        self._poll_changes()
        self.set_interval(self.ctx.settings.refresh_seconds, self._poll_changes)
        settings = self.ctx.settings
        if (
            settings.pm_on_start
            and perm.may(self.ctx.actor, "manage_pm")
            and not self.ctx.store.read_only
        ):
            self.set_timer(PM_START_DELAY, self._start_pm)

    def _start_pm(self) -> None:
        self.run_worker(self._generate_pm, thread=True, exit_on_error=False, group="pm_run")

    def _generate_pm(self) -> Any:
        """Preventive work due by today appears on the board at start (idempotent, so a
        dispatcher opening the app twice, or with `pm run` in cron, creates nothing twice)."""
        from wo_tui.domain import pm

        return pm.run(self.ctx)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.signed_out:
            return action == "quit_now"
        if action == "section":
            return parameters[0] in self.sections
        if action == "digit_section":
            return parameters[0] in self.sections and self.browsing()
        if action == "quit":
            return self.browsing()
        return True

    def why_not(self, action: str) -> str | None:
        """For help: why a global key does not work on this screen."""
        if action == "quit":
            return "on a form q is a letter: ctrl+q quits"
        if action == "digit_section":
            return "on a form digits are typed: F2-F6 switch section"
        if action == "section":
            return f"not open to a {self.ctx.actor.role}"
        return None

    def browsing(self) -> bool:
        """Letters and digits are keys, not typing: ``q`` and 1-5 work only then.

        A screen says which it is with ``BROWSE``; one that does not say is a form when
        it has a text field. A text field with the focus (the board's filter box) is
        typing whatever the screen is."""
        from textual.widgets import Input, TextArea

        if isinstance(self.screen.focused, (Input, TextArea)):
            return False
        browse = getattr(self.screen, "BROWSE", None)
        if browse is not None:
            return bool(browse)
        return not self.screen.query("Input, TextArea")

    def action_quit_now(self) -> None:
        self.exit()

    def action_digit_section(self, name: str) -> None:
        self.action_section(name)

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

    def may_browse_work(self) -> bool:
        """Work orders and asset histories are open to those who see all work; a
        requester sees only their own requests (the palette offers them nothing else)."""
        return perm.may(self.ctx.actor, "view_all_work")

    def _refuse_browse(self) -> bool:
        if self.may_browse_work():
            return False
        self.notify(
            f"{self.ctx.actor.login} is a {self.ctx.actor.role}: work orders and asset "
            "histories are open to technicians and dispatchers.",
            severity="warning",
            markup=False,
        )
        return True

    def open_work_order(self, number: int) -> None:
        """Open a work order's detail from anywhere (palette, lists, links)."""
        if self._refuse_browse():
            return
        from wo_tui.screens.detail import DetailScreen

        self.push_screen(DetailScreen(number))

    def open_asset(self, tag: str) -> None:
        if self._refuse_browse():
            return
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
        if event.worker.group == "standing":
            if event.state == WorkerState.SUCCESS and event.worker.result is not None:
                self._sign_out(event.worker.result)
            return
        if event.worker.group != "poll" or event.state != WorkerState.SUCCESS:
            return
        from wo_tui.screens.base import WoScreen

        token = event.worker.result
        if self.data_token is None:
            # The first look, taken as the home screen read its rows: that is the
            # state it shows (else it would read everything again when shown next).
            for screen in self.screen_stack:
                if isinstance(screen, WoScreen):
                    screen.first_token(token)
        elif token != self.data_token:
            self._check_standing()
            for screen in self.screen_stack:
                if isinstance(screen, WoScreen):
                    screen.data_changed(token)
                elif (handler := getattr(screen, "on_data_changed", None)) is not None:
                    handler()
        self.data_token = token

    def _check_standing(self) -> None:
        """Someone changed the data: perhaps an admin changed this very user."""
        if not self.signed_out:
            self.run_worker(
                lambda: standing(self.ctx),
                thread=True,
                exit_on_error=False,
                group="standing",
                exclusive=True,
            )

    def _sign_out(self, changed: Changed) -> None:
        from wo_tui.screens.ended import SessionEndedScreen

        if self.signed_out:
            return
        self.signed_out = True
        advice = (
            "Nothing more can be seen or saved here."
            if changed.deactivated
            else "Start wo-tui again to work with the new role or team."
        )
        self.push_screen(SessionEndedScreen(changed.why, advice))

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

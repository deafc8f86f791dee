"""What every screen shares: database calls off the UI thread, errors as
notifications, and a hook for live refresh.

Every blocking database call runs in a thread worker (harlequin style); its result
comes back to the UI thread as the worker's state change, where ``then`` is called.
A ``WoError`` becomes a one-line notification; anything else becomes an error
notification too (and is logged), never a traceback, and the app keeps running.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from wo_tui.errors import StaleEdit, ValidationError, WoError
from wo_tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from wo_tui.app import WoApp
    from wo_tui.domain.services import Ctx


class DbMixin:
    """Run ``fn`` in a thread and hand its result to ``then`` on the UI thread."""

    _db_callbacks: dict[
        Worker[Any], tuple[Callable[[Any], None] | None, Callable[[WoError], None] | None]
    ]

    def run_db(
        self,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], None] | None = None,
        on_error: Callable[[WoError], None] | None = None,
        group: str = "db",
        exclusive: bool = False,
        **kwargs: Any,
    ) -> Worker[Any]:
        """``exclusive`` cancels the previous call of the same group: a newer keystroke
        (search, refresh) makes the older result worthless."""
        if not hasattr(self, "_db_callbacks"):
            self._db_callbacks = {}
        worker = self.run_worker(  # type: ignore[attr-defined]
            partial(fn, *args, **kwargs),
            thread=True,
            exit_on_error=False,
            group=group,
            exclusive=exclusive,
        )
        self._db_callbacks[worker] = (then, on_error)
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        callbacks = getattr(self, "_db_callbacks", {})
        if event.worker not in callbacks:
            return
        state = event.state
        if state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        then, on_error = callbacks.pop(event.worker)
        if state == WorkerState.SUCCESS:
            if then is not None:
                then(event.worker.result)
            return
        if state == WorkerState.ERROR:
            error = event.worker.error
            if isinstance(error, WoError):
                if on_error is not None:
                    on_error(error)
                else:
                    self.show_error(error)
                if isinstance(error, StaleEdit):
                    self.reload()
            else:
                self.app.log.error(repr(error))  # type: ignore[attr-defined]
                self.app.notify(  # type: ignore[attr-defined]
                    f"Unexpected error ({type(error).__name__}): {error}. Nothing else was changed.",
                    title="Error",
                    severity="error",
                    markup=False,
                    timeout=10,
                )

    def show_error(self, error: WoError) -> None:
        problems = error.problems if isinstance(error, ValidationError) else []
        message = error.message
        if len(problems) > 1:
            message += "\n" + "\n".join(f"- {p}" for p in problems)
        self.app.notify(message, severity="error", markup=False, timeout=8)  # type: ignore[attr-defined]

    def reload(self) -> None:
        """Fetch again what is shown (after a stale edit or a change elsewhere)."""


class WoScreen(DbMixin, Screen[Any]):
    """A full screen of the app."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
    ]
    HELP: ClassVar[str] = ""
    """A sentence for the help screen: what this screen is for."""

    @property
    def wo_app(self) -> WoApp:
        return self.app  # type: ignore[return-value]

    @property
    def ctx(self) -> Ctx:
        return self.wo_app.ctx

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def on_data_changed(self) -> None:
        """Called by the app when another process (or this one) committed a change."""
        self.reload()


class ListScreen(WoScreen):
    """A screen of work in a ``PagedTable`` whose keys depend on the row under the cursor."""

    def __init__(self) -> None:
        super().__init__()
        self._key_signature: object = None
        self._keys_timer: Timer | None = None

    @property
    def table(self) -> PagedTable:
        return self.query_one(PagedTable)

    def on_paged_table_cursor_moved(self) -> None:
        """Redraw the footer only when the keys it greys out change, and only once the
        cursor rests: a footer redraw costs more than moving the cursor."""
        allowed = [
            self.check_action(b.action.partition("(")[0], ())
            for b in self.BINDINGS
            if isinstance(b, Binding)
        ]
        signature = (*allowed, bool(self.table.marked))
        if signature != self._key_signature:
            self._key_signature = signature
            if self._keys_timer is not None:
                self._keys_timer.stop()
            self._keys_timer = self.set_timer(0.1, self.refresh_bindings)


class WoModal(DbMixin, ModalScreen[Any]):
    """A dialog: escape cancels (dismisses with None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    @property
    def ctx(self) -> Ctx:
        return self.app.ctx  # type: ignore[attr-defined,no-any-return]

    def action_cancel(self) -> None:
        self.dismiss(None)

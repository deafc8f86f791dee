"""What every screen shares: database calls off the UI thread, errors as
notifications, live refresh, the read-only banner, and the list of its keys.

Every blocking database call runs in a thread worker (harlequin style); its result
comes back to the UI thread as the worker's state change, where ``then`` is called.
A ``WoError`` becomes a one-line notification; anything else becomes an error
notification too (and is logged), never a traceback, and the app keeps running.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from wo_tui.errors import StaleEdit, ValidationError, WoError
from wo_tui.widgets.chrome import ReadOnlyBanner, WoFooter
from wo_tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from wo_tui.app import WoApp
    from wo_tui.domain.services import Ctx


@dataclass(frozen=True)
class KeyInfo:
    """One action a screen offers, for help and the palette."""

    keys: tuple[str, ...]
    """How each key bound to it is shown (after the user's keymap)."""
    description: str
    action: str
    binding_id: str
    node: DOMNode
    state: bool | None
    """True: it works now; None: greyed out; False: it does not apply now."""
    reason: str | None
    """Why it does not apply now, when the screen can say."""

    @property
    def enabled(self) -> bool:
        return bool(self.state)


def update_text(widget: Static, text: Text) -> None:
    """Show ``text`` in ``widget`` without a layout of the whole screen when it needs as
    many lines as what it replaces (a summary or filter line changes on every key)."""
    width = widget.content_region.width
    lines = len(text.wrap(widget.app.console, width)) if width else 0
    widget.update(text, layout=not width or lines != widget.content_region.height)


def _chain(screen: Screen[Any]) -> list[tuple[DOMNode, BindingsMap]]:
    """The screen's bindings from the focused widget up to the app, with the user's
    keymap applied but nothing removed: a key a text field would swallow is still
    one of the screen's keys (help lists it; Textual's own chain drops it)."""
    focused = screen.focused
    nodes: list[DOMNode] = list(focused.ancestors_with_self) if focused else [screen, screen.app]
    keymap = screen.app._keymap
    chain = []
    for node in nodes:
        bindings = node._bindings.copy()
        if keymap:
            bindings.apply_keymap(keymap)
        chain.append((node, bindings))
        if node.is_modal:
            break
    return chain


def screen_keys(screen: Screen[Any]) -> list[KeyInfo]:
    """Every described key of ``screen``, nearest first, whether it applies now or not."""
    app = screen.app
    chain = _chain(screen)
    priority = {key for _node, bindings in chain for key, b in bindings if b.priority}
    seen: set[tuple[str, str]] = set()
    found: list[KeyInfo] = []
    for node, bindings in chain:
        for key, binding in bindings:
            ident = (binding.action, binding.description)
            shadowed = key in priority and not binding.priority
            if not binding.description or binding.system or ident in seen or shadowed:
                continue
            seen.add(ident)
            keys = tuple(
                dict.fromkeys(
                    app.get_key_display(b)
                    for _k, b in bindings
                    if (b.action, b.description) == ident
                )
            )
            state = app._check_action_state(binding.action, node)
            reason = None
            if state is not True:
                why = getattr(node, "why_not", None)
                if why is not None:
                    reason = why(parse_action(binding.action)[1])
            found.append(
                KeyInfo(
                    keys, binding.description, binding.action, binding.id or "", node, state, reason
                )
            )
    return found


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


_NEVER_SHOWN = object()
"""A screen's change token before it was first shown (None: shown before the first poll)."""


class WoScreen(DbMixin, Screen[Any]):
    """A full screen of the app.

    It remembers the change token of the data it last showed: a screen of a section
    left in the background misses the app's change notices, so when it is shown again
    it reads afresh if anything changed meanwhile."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
    ]
    HELP: ClassVar[str] = ""
    """A sentence for the help screen: what this screen is for."""

    _shown_token: object = _NEVER_SHOWN

    @property
    def wo_app(self) -> WoApp:
        return self.app  # type: ignore[return-value]

    @property
    def ctx(self) -> Ctx:
        return self.wo_app.ctx

    @on(events.Mount)
    def _add_read_only_banner(self) -> None:
        """On every screen, not only in a sub-title a screen may replace with its own."""
        if self.ctx.store.read_only:
            first = self.children[0] if self.children else None
            self.mount(ReadOnlyBanner(self.ctx.store.label), before=first)

    @on(events.ScreenResume)
    def _catch_up(self) -> None:
        token = self.wo_app.data_token
        if self._shown_token is _NEVER_SHOWN:
            self._shown_token = token
        elif token != self._shown_token:
            self.data_changed(token)

    def first_token(self, token: int | None) -> None:
        """The app's first change token arrived after this screen was shown."""
        if self._shown_token is None:
            self._shown_token = token

    def data_changed(self, token: int | None) -> None:
        """The app saw ``token`` (a change committed by anyone) while this screen was
        in a shown section."""
        self._shown_token = token
        self.on_data_changed()

    def on_data_changed(self) -> None:
        """Called when another process (or this one) committed a change."""
        self.reload()

    def why_not(self, action: str) -> str | None:
        """Why a key of this screen does not apply now (help and the palette say it)."""
        if action == "back":
            return "this is the first screen of your home section"
        return None

    def can_go_back(self) -> bool:
        """Escape leaves a screen opened on top of its section, or goes to the home
        section from another section's first screen; on the home section's first
        screen it has nowhere to go (and is not offered)."""
        return len(self.app.screen_stack) > 1 or self.wo_app.current_mode != self.wo_app.home

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.can_go_back()
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        elif self.wo_app.current_mode != self.wo_app.home:
            self.wo_app.switch_mode(self.wo_app.home)


class RecordScreen(WoScreen):
    """One record (a work order, a request): a scrolling column of its fields, with the
    timeline beside it once the terminal is wide enough. ``#columns`` stays hidden
    until the first read arrives (``reveal``).

    Both are decided without changing a class on a mounted tree: a class change
    restyles every widget below it (opening a record took about a tenth longer)."""

    WIDE: ClassVar[int] = 120
    """From this many columns the timeline gets a column of its own."""
    DEFAULT_CSS = """
    RecordScreen #columns { height: 1fr; }
    RecordScreen #main { width: 1fr; padding: 0 1; }
    RecordScreen #side { display: none; width: 45%; padding: 0 1; border-left: vkey $panel; }
    RecordScreen.-wide #side { display: block; }
    RecordScreen.-wide #main .narrow-only { display: none; }
    RecordScreen #title { text-style: bold; }
    RecordScreen .caption { margin-top: 1; text-style: bold; background: $boost; }
    """

    def compose(self) -> ComposeResult:
        self.set_class(self.app.size.width >= self.WIDE, "-wide")
        yield Header()
        columns = Horizontal(id="columns")
        columns.display = False
        with columns:
            with VerticalScroll(id="main"):
                yield Static("", id="title")
                yield Static("", id="fields")
                yield from self.sections()
                yield Static("Timeline", classes="caption narrow-only")
                yield Static("", id="timeline", classes="narrow-only")
            with VerticalScroll(id="side"):
                yield Static("Timeline", classes="caption")
                yield Static("", id="timeline-side")
        yield WoFooter()

    def sections(self) -> ComposeResult:
        """What the record shows between its fields and its timeline."""
        yield from ()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= self.WIDE, "-wide")

    def reveal(self) -> None:
        """The first read arrived: show the record."""
        self.query_one("#columns").display = True

    def done(self, message: str) -> Callable[[object], None]:
        """What a decision made from the record does once saved: say so, read again."""

        def then(_result: object) -> None:
            self.notify(message, markup=False)
            self.reload()

        return then

    def action_scroll(self, direction: str) -> None:
        main = self.query_one("#main")
        if direction == "down":
            main.scroll_down()
        else:
            main.scroll_up()


class ListScreen(WoScreen):
    """A screen of work in a ``PagedTable`` whose keys depend on the row under the cursor.

    A key that does not apply to the row is left out of the footer (at 80 columns
    the footer has room only for what can be done now); pressed anyway, it says why,
    in the words the service would refuse with. Help lists every key, and why the
    ones that do not apply don't."""

    ROW_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    """Actions whose availability ``why_not`` decides."""

    def __init__(self) -> None:
        super().__init__()
        self._key_signature: object = None
        self._keys_timer: Timer | None = None

    @property
    def table(self) -> PagedTable:
        return self.query_one(PagedTable)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.ROW_ACTIONS:
            return not self.is_mounted or self.why_not(action) is None
        return super().check_action(action, parameters)

    def explain(self, action: str) -> bool:
        """Say why ``action`` does not apply now; False when it does."""
        reason = self.why_not(action)
        if reason is None:
            return False
        self.notify(reason, markup=False)
        return True

    def on_key(self, event: events.Key) -> None:
        """Keys reach the screen before the bindings are tried (bubbling up from the
        focused widget): a key of this screen's that is left out now is explained here,
        since no binding will take it."""
        bindings = self._bindings.copy()
        if self.app._keymap:
            bindings.apply_keymap(self.app._keymap)
        for binding in bindings.key_to_bindings.get(event.key, ()):
            name = parse_action(binding.action)[1]
            if name in self.ROW_ACTIONS and self.explain(name):
                event.stop()
                event.prevent_default()
                return

    def on_paged_table_cursor_moved(self) -> None:
        self.keys_may_have_changed()

    @on(PagedTable.Loaded)
    def _keys_after_load(self) -> None:
        self.keys_may_have_changed()

    def keys_may_have_changed(self) -> None:
        """Redraw the footer only when the keys it shows change, and only once the
        cursor rests: a footer redraw (and the layout it causes) costs more than moving
        the cursor or a filter's new rows."""
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

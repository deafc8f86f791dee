"""What frames every screen: the footer of keys and the read-only banner.

The footer shows the keys of the focused screen in the order Textual gives them
(focused widget, screen, app), so at 80 columns the app's keys came last and were
cut off. Help and quit are pinned to the right edge instead: whatever else does not
fit, a person can always find out what the keys are and how to leave.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import HorizontalGroup
from textual.events import Resize
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from wo_tui.text import clean_line

PINNED = ("help", "quit", "quit_now")
"""Actions shown at the right edge rather than in the run of keys."""


class WoFooter(Footer):
    """Compact and without the palette hint when narrow; help and quit always shown
    (``q`` where it quits, ``ctrl+q`` on forms, where ``q`` is typed)."""

    COMPACT_BELOW: ClassVar[int] = 120
    PALETTE_FROM: ClassVar[int] = 100
    DEFAULT_CSS = """
    WoFooter #pinned { dock: right; width: auto; height: 1; padding-left: 1; }
    WoFooter.-compact #pinned FooterKey { margin: 0 0 0 1; }
    """

    def __init__(self) -> None:
        width = self.app.size.width
        super().__init__(compact=width < self.COMPACT_BELOW, show_command_palette=False)
        self.palette_hint = width >= self.PALETTE_FROM
        """Whether the palette key is pinned too (Footer's own would be docked over ours)."""
        self._shown: tuple[Any, ...] | None = None
        self._queued = False

    def on_resize(self, event: Resize) -> None:
        compact = event.size.width < self.COMPACT_BELOW
        palette = event.size.width >= self.PALETTE_FROM
        if (compact, palette) != (self.compact, self.palette_hint):
            self.compact = compact
            self.palette_hint = palette
            self._queue_recompose()

    def bindings_changed(self, screen: Any) -> None:
        """Rebuilt once for a burst of changes, and only when what it shows changed.

        Textual's footer rebuilds itself on every bindings signal: eight times before
        the board's first frame (mode switch, focus, the table's first rows, the
        cursor...), each one mounting and styling a widget per key."""
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._queue_recompose()

    def _queue_recompose(self) -> None:
        if not self._queued:
            self._queued = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._queued = False
        if self.is_attached and self._signature() != self._shown:
            await self.recompose()

    def _signature(self) -> tuple[Any, ...]:
        keys = tuple(
            (b.binding.key, b.binding.action, b.binding.description, b.enabled)
            for b in self.screen.active_bindings.values()
            if b.binding.show or b.binding.action in PINNED
        )
        return (self.compact, self.palette_hint, keys)

    def compose(self) -> ComposeResult:
        self._shown = self._signature() if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action in PINNED:
                continue
            yield widget
        if not self._bindings_ready:
            return
        by_action: dict[str, ActiveBinding] = {}
        for active in self.screen.active_bindings.values():
            by_action.setdefault(active.binding.action, active)
        quit_key = by_action.get("quit")
        if quit_key is None or not quit_key.enabled:
            quit_key = by_action.get("quit_now")
        palette = by_action.get("command_palette") if self.palette_hint else None
        with HorizontalGroup(id="pinned"):
            for active in (by_action.get("help"), quit_key, palette):
                if active is None:
                    continue
                binding = active.binding
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    disabled=not active.enabled,
                ).data_bind(compact=Footer.compact)


class ReadOnlyBanner(Static):
    """One line at the top of every screen while the database cannot be written.

    The first line of the screen's own layout rather than docked: a screen's Header
    is docked at the top, and two docked widgets on one edge would cover each other."""

    DEFAULT_CSS = """
    ReadOnlyBanner {
        height: 1;
        width: 100%;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        background: $warning;
        color: $text;
        text-style: bold;
    }
    """

    def __init__(self, where: str, **kwargs: Any) -> None:
        text = Text(
            f"READ-ONLY: nothing can be saved. This account cannot write {clean_line(where)} "
            "(wo-tui doctor explains).",
            no_wrap=True,
            overflow="ellipsis",
        )
        super().__init__(text, id="read-only-banner", **kwargs)

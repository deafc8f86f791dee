"""Help: every key of the screen underneath, what it does, and the global keys.

The list is read from the bindings themselves (after the user's keymap), so it
cannot drift from what the keys do. Keys the row or role does not allow right now
are listed dimmed with "(not now)".
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from wo_tui.screens.base import WoModal

HIDDEN_ACTIONS = ("scroll_left", "scroll_right", "page_left", "page_right")
"""Inherited scrolling keys that mean nothing on these screens."""


class HelpScreen(WoModal):
    """Keys of ``screen``; escape, q or ? closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,question_mark,f1", "cancel", "Close", id="help_close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen #help-body { height: auto; }
    """

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.entries: list[tuple[str, str, bool]] = []
        """(keys, what they do, allowed now): what the help shows."""
        self._body = self._describe(screen)

    def _describe(self, screen: Screen[Any]) -> Group:
        about = getattr(screen, "HELP", "") or ""
        title = (screen.__doc__ or type(screen).__name__).strip().splitlines()[0].rstrip(".")
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_column(style="dim", no_wrap=True)
        ids: dict[tuple[str, str], str] = {}
        own: list[tuple[str, str, bool]] = []
        local: list[tuple[str, str, bool]] = []
        everywhere: list[tuple[str, str, bool]] = []
        seen: set[tuple[str, str]] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if (
                not binding.description
                or binding.action.startswith(HIDDEN_ACTIONS)
                or (binding.action, binding.description) in seen
            ):
                continue
            seen.add((binding.action, binding.description))
            keys = [
                self.app.get_key_display(b.binding)
                for k, b in screen.active_bindings.items()
                if b.binding.action == binding.action and k
            ]
            entry = (" ".join(dict.fromkeys(keys)) or key, binding.description, active.enabled)
            ids[entry[:2]] = binding.id or ""
            if active.node is self.app:
                everywhere.append(entry)
            elif active.node is screen:
                own.append(entry)
            else:
                local.append(entry)
        local = own + local
        self.entries = local + everywhere
        for heading, entries in (("On this screen", local), ("Everywhere", everywhere)):
            table.add_row(Text(""), Text(""))
            table.add_row(Text(heading, style="bold"), Text(""))
            for keys, description, enabled in entries:
                style = "" if enabled else "dim"
                table.add_row(
                    Text(keys, style=style),
                    Text(description + ("" if enabled else " (not now)"), style=style),
                    Text(ids.get((keys, description), "")),
                )
        table.add_row(Text(""), Text(""))
        table.add_row(Text("ctrl+p"), Text("Command palette: work orders, assets, actions"))
        hint = Text("The last column names each key for the [keys] table of settings.toml.")
        return Group(Text(title, style="bold underline"), Text(about, style="italic"), table, hint)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._body, id="help-body")

"""Help: every key of the screen underneath, what it does, and the global keys.

The list is read from the bindings themselves (after the user's keymap), so it
cannot drift from what the keys do. It lists every key, those the footer leaves out
too; keys the row or role does not allow right now are dimmed with "not now" and,
where the screen can say, why.
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

from wo_tui.screens.base import KeyInfo, WoModal, screen_keys

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
        width: 110;
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
        self.entries: list[tuple[str, str, bool, str | None]] = []
        """(keys, what they do, allowed now, why not): what the help shows."""
        self._body = self._describe(screen)

    def _describe(self, screen: Screen[Any]) -> Group:
        about = getattr(screen, "HELP", "") or ""
        title = (screen.__doc__ or type(screen).__name__).strip().splitlines()[0].rstrip(".")
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_column(style="dim", no_wrap=True)
        own: list[KeyInfo] = []
        local: list[KeyInfo] = []
        everywhere: list[KeyInfo] = []
        for info in screen_keys(screen):
            if info.action.startswith(HIDDEN_ACTIONS):
                continue
            if info.node is self.app:
                everywhere.append(info)
            elif info.node is screen:
                own.append(info)
            else:
                local.append(info)
        local = own + local
        self.entries = [
            (" ".join(i.keys), i.description, i.enabled, i.reason) for i in local + everywhere
        ]
        for heading, entries in (("On this screen", local), ("Everywhere", everywhere)):
            table.add_row(Text(""), Text(""))
            table.add_row(Text(heading, style="bold"), Text(""))
            for info in entries:
                what = info.description
                if not info.enabled:
                    why = f": {info.reason.rstrip('.')}" if info.reason else ""
                    what += f" (not now{why})"
                style = "" if info.enabled else "dim"
                table.add_row(
                    Text(" ".join(info.keys), style=style),
                    Text(what, style=style),
                    Text(info.binding_id),
                )
        table.add_row(Text(""), Text(""))
        table.add_row(Text("ctrl+p"), Text("Command palette: work orders, assets, actions"))
        hint = Text("The last column names each key for the [keys] table of settings.toml.")
        return Group(Text(title, style="bold underline"), Text(about, style="italic"), table, hint)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._body, id="help-body")

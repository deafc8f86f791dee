"""What an open app shows once its user is no longer who they started as.

An admin deactivated them, or changed their role or team, in another process. The
screen covers everything (no work order stays on view behind it) and the app's own
keys stop working (``WoApp.check_action``); enter, escape or ``q`` quits.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from wo_tui.text import clean_line


class SessionEndedScreen(Screen[None]):
    """Signed out by an admin."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,q", "leave", "Quit", id="ended_quit"),
    ]
    DEFAULT_CSS = """
    SessionEndedScreen { align: center middle; }
    SessionEndedScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        border: thick $error;
        background: $surface;
        padding: 0 1;
    }
    SessionEndedScreen #ended-title { text-style: bold; }
    SessionEndedScreen .hint { color: $text-muted; }
    """

    def __init__(self, why: str, advice: str) -> None:
        super().__init__()
        self._why = why
        self._advice = advice

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Signed out"), id="ended-title")
            yield Static(Text(clean_line(f"{self._why}.")), id="ended-why")
            yield Static(Text(self._advice))
            yield Static(Text("enter / escape / q: quit"), classes="hint")

    def action_leave(self) -> None:
        self.app.exit()

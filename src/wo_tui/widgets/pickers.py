"""Dialogs shared by the screens: pick someone, pick a work order or part, give a
reason, confirm, choose urgency and impact, log time, put on hold.

Each is a modal that dismisses with its answer, or ``None`` when escaped, so a
screen writes ``self.app.push_screen(ReasonPrompt(...), callback)``. Lists are
type-ahead: the text box keeps the focus, up/down move through the matches and
enter picks. Every label that carries user text is built from ``Text``/``Content``
objects, never markup strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from wo_tui import clock
from wo_tui.domain import formreads, sla
from wo_tui.domain import lifecycle as lc
from wo_tui.domain.units import format_minutes, parse_date, parse_minutes
from wo_tui.errors import ValidationError
from wo_tui.screens.base import WoModal
from wo_tui.store import queries
from wo_tui.text import clean_line, one_line

DIALOG_CSS = """
{name} {
    align: center middle;
}
{name} > #dialog {
    width: 76;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: thick $accent;
    background: $surface;
    padding: 0 1;
}
{name} #title {
    text-style: bold;
    width: 100%;
}
{name} OptionList {
    height: auto;
    max-height: 12;
}
{name} .problems {
    color: $error;
}
{name} .hint {
    color: $text-muted;
}
"""


def _css(name: str) -> str:
    return DIALOG_CSS.replace("{name}", name)


def plain(value: str, width: int = 200) -> Text:
    """User text for one line of a list: cleaned, cut, and never markup."""
    return Text(one_line(value, width))


class _Dialog(WoModal):
    """Title, body, a line for problems, a hint line."""

    TITLE_TEXT: ClassVar[str] = ""
    HINT: ClassVar[str] = "enter: ok   escape: cancel"

    def __init__(self, title: str | None = None) -> None:
        super().__init__()
        self._title = title if title is not None else self.TITLE_TEXT

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(clean_line(self._title)), id="title")
            yield from self.body()
            yield Static("", id="problems", classes="problems")
            yield Static(Text(self.HINT), classes="hint")

    def body(self) -> ComposeResult:
        yield from ()

    def problem(self, message: str) -> None:
        self.query_one("#problems", Static).update(Text(message))


class ReasonPrompt(_Dialog):
    """Ask why (reject, cancel, send back); the answer cannot be empty when required."""

    DEFAULT_CSS = _css("ReasonPrompt")

    def __init__(self, title: str, label: str = "Reason", *, required: bool = True) -> None:
        super().__init__(title)
        self._label = label
        self._required = required

    def body(self) -> ComposeResult:
        yield Label(Text(self._label))
        yield Input(id="reason", placeholder=self._label)

    @on(Input.Submitted, "#reason")
    def _submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self._required and not value:
            self.problem(f"{self._label} is required.")
            return
        self.dismiss(value)


class ConfirmDialog(_Dialog):
    """Yes or no before something that cannot be undone."""

    DEFAULT_CSS = _css("ConfirmDialog")
    HINT = "y: yes   n / escape: no"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__(title)
        self._message = message

    def body(self) -> ComposeResult:
        yield Static(Text(self._message))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_cancel(self) -> None:
        self.dismiss(False)


@dataclass(frozen=True)
class PriorityChoice:
    urgency: int
    impact: int

    @property
    def priority(self) -> int:
        return sla.priority(self.urgency, self.impact)


class PriorityChooser(_Dialog):
    """Urgency and impact side by side, with the priority and target they give."""

    DEFAULT_CSS = (
        _css("PriorityChooser")
        + """
    PriorityChooser Horizontal { height: auto; }
    PriorityChooser OptionList { width: 1fr; }
    """
    )
    HINT = "up/down: choose   tab: other list   enter: apply   escape: cancel"

    def __init__(self, title: str, urgency: int = 2, impact: int = 2) -> None:
        super().__init__(title)
        self._start = (urgency, impact)

    def body(self) -> ComposeResult:
        levels = [Option(f"{n} {name}", id=str(n)) for n, name in sla.LEVELS.items()]
        with Horizontal():
            urgency = OptionList(*levels, id="urgency")
            urgency.border_title = "Urgency"
            yield urgency
            impact = OptionList(*[Option(o.prompt, id=o.id) for o in levels], id="impact")
            impact.border_title = "Impact"
            yield impact
        yield Static("", id="result")

    def on_mount(self) -> None:
        self.query_one("#urgency", OptionList).highlighted = self._start[0] - 1
        self.query_one("#impact", OptionList).highlighted = self._start[1] - 1
        self._show()

    def _choice(self) -> PriorityChoice:
        u = self.query_one("#urgency", OptionList).highlighted or 0
        i = self.query_one("#impact", OptionList).highlighted or 0
        return PriorityChoice(u + 1, i + 1)

    def _show(self) -> None:
        choice = self._choice()
        prio = choice.priority
        target = sla.format_span(self.ctx.settings.sla.resolution(prio))
        self.query_one("#result", Static).update(
            Text(f"-> {sla.PRIORITY_LABELS[prio]}, resolve within {target}")
        )

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show()

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.dismiss(self._choice())


class MenuDialog(_Dialog):
    """Pick one of a few fixed choices; dismisses with the choice's key."""

    DEFAULT_CSS = _css("MenuDialog")
    HINT = "up/down: move   enter: choose   escape: cancel"

    def __init__(self, title: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__(title)
        self._choices = list(choices)

    def body(self) -> ComposeResult:
        yield OptionList(*[Option(plain(label), id=key) for key, label in self._choices])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class TypeAhead(_Dialog):
    """A text box over a list of matches; the search runs off the UI thread."""

    DEFAULT_CSS = _css("TypeAhead")
    HINT = "type to search   up/down: move   enter: pick   escape: cancel"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Next", id="pick_next", show=False),
        Binding("up", "move(-1)", "Previous", id="pick_previous", show=False),
    ]
    DEBOUNCE = 0.15

    def __init__(self, title: str | None = None, query: str = "") -> None:
        super().__init__(title)
        self._query = query
        self._values: dict[str, Any] = {}
        self._timer: Timer | None = None
        self._stale = True
        self._pick_when_shown = False

    def body(self) -> ComposeResult:
        yield Input(self._query, id="query", placeholder=self.placeholder())
        matches = OptionList(id="matches")
        matches.can_focus = False
        yield matches
        yield from self.extra()

    def placeholder(self) -> str:
        return "type to search"

    def extra(self) -> ComposeResult:
        yield from ()

    def search(self, text: str) -> list[tuple[str, Any, Text | Content]]:
        """Runs in a thread: (option id, value, label) for each match."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self._search_now()

    @on(Input.Changed, "#query")
    def _changed(self) -> None:
        self._stale = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.DEBOUNCE, self._search_now)

    def _search_now(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        text = self.query_one("#query", Input).value
        self.run_db(self.search, text, then=self._show, group="typeahead", exclusive=True)

    def _show(self, matches: list[tuple[str, Any, Text | Content]]) -> None:
        options = self.query_one("#matches", OptionList)
        self._values = {oid: value for oid, value, _ in matches}
        options.set_options([Option(label, id=oid) for oid, _, label in matches])
        if matches:
            options.highlighted = 0
        self._stale = False
        if self._pick_when_shown:
            self._pick_when_shown = False
            self.pick()

    def action_move(self, step: int) -> None:
        options = self.query_one("#matches", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def current(self) -> Any | None:
        option = self.query_one("#matches", OptionList).highlighted_option
        return None if option is None or option.id is None else self._values.get(option.id)

    @on(Input.Submitted, "#query")
    def _submitted(self) -> None:
        """Enter typed before the matches for the latest text arrived picks from those."""
        if self._stale:
            self._pick_when_shown = True
            if self._timer is not None:
                self._search_now()
            return
        self.pick()

    @on(OptionList.OptionSelected, "#matches")
    def _selected(self) -> None:
        self.pick()

    def pick(self) -> None:
        value = self.current()
        if value is None:
            self.problem("Nothing matches: change the search.")
            return
        self.dismiss(value)


@dataclass(frozen=True)
class AssignChoice:
    """A technician (and so their team), or a team alone."""

    assignee: str | None
    team: str | None
    label: str
    user_id: int | None = None
    team_id: int | None = None


def _load(count: int, minutes: int) -> str:
    return f"{count:>4} open {format_minutes(minutes):>7} h"


class AssigneePicker(TypeAhead):
    """Technicians and teams, each with its open count and open estimated hours, so the
    dispatcher sees who has room."""

    DEFAULT_CSS = _css("AssigneePicker")
    TITLE_TEXT = "Assign to"

    def __init__(
        self, title: str | None = None, *, include_teams: bool = True, query: str = ""
    ) -> None:
        super().__init__(title, query)
        self._include_teams = include_teams

    def placeholder(self) -> str:
        return "name, login or team"

    def search(self, text: str) -> list[tuple[str, Any, Text | Content]]:
        needle = text.strip().lower()
        out: list[tuple[str, Any, Text | Content]] = []
        for p in queries.technicians(self.ctx.store):
            hay = f"{p.login} {p.display_name} {p.team}".lower()
            if needle in hay:
                label = Text.assemble(
                    (f"{one_line(p.display_name, 24):<24} ", "bold"),
                    (f"{one_line(p.team, 12):<12} ", "dim"),
                    _load(p.open_count, p.open_minutes),
                )
                choice = AssignChoice(
                    p.login, None, clean_line(p.display_name), p.user_id, p.team_id
                )
                out.append((f"u{p.user_id}", choice, label))
        if self._include_teams:
            for t in queries.teams(self.ctx.store):
                if needle in f"team {t.name}".lower():
                    label = Text.assemble(
                        (f"{'team ' + one_line(t.name, 19):<24} ", "italic"),
                        f"{'':<12} ",
                        _load(t.open_count, t.open_minutes),
                    )
                    out.append(
                        (
                            f"t{t.team_id}",
                            AssignChoice(None, t.name, f"team {t.name}", None, t.team_id),
                            label,
                        )
                    )
        return out


def _work_row(label: str, status: str, tag: str, title: str) -> Text:
    return Text.assemble(
        (label, "bold"),
        f" {status:<11} ",
        (f"{one_line(tag, 10):<10} ", "dim"),
        one_line(title, 40),
    )


class WorkOrderPicker(TypeAhead):
    """A work order by number or title words (``duplicate of``, jump to).

    Given an asset, the empty search lists the open work on it first: the work a
    duplicate request most likely repeats, whatever its title says."""

    DEFAULT_CSS = _css("WorkOrderPicker")
    TITLE_TEXT = "Work order"
    LIMIT = 30

    def __init__(
        self,
        title: str | None = None,
        *,
        statuses: Sequence[str] | None = None,
        query: str = "",
        asset_tag: str = "",
    ) -> None:
        super().__init__(title, query)
        self._statuses = tuple(statuses) if statuses else None
        self._asset_tag = asset_tag

    def placeholder(self) -> str:
        if self._asset_tag:
            return (
                f"number or words of the title (open work on {clean_line(self._asset_tag)} below)"
            )
        return "number or words of the title"

    def search(self, text: str) -> list[tuple[str, Any, Text | Content]]:
        if self._asset_tag and not text.strip():
            on_asset = [
                w
                for w in formreads.open_work_for_asset(self.ctx.store, self._asset_tag, self.LIMIT)
                if not w.is_request
            ]
            if on_asset:
                return [
                    (
                        f"w{w.number}",
                        w.number,
                        _work_row(w.label, w.status, self._asset_tag, w.title),
                    )
                    for w in on_asset
                ]
        hits = queries.find_work_orders(self.ctx.store, text, self.LIMIT, statuses=self._statuses)
        return [
            (
                f"w{h.number}",
                h.number,
                _work_row(
                    h.label,
                    lc.STATUS_LABELS.get(h.status, h.status),
                    h.asset_tag,
                    h.title,
                ),
            )
            for h in hits
        ]


class AssetPicker(TypeAhead):
    """An asset by tag or name."""

    DEFAULT_CSS = _css("AssetPicker")
    TITLE_TEXT = "Asset"

    def placeholder(self) -> str:
        return "tag or name"

    def search(self, text: str) -> list[tuple[str, Any, Text | Content]]:
        return [
            (
                f"a{a.row_id}",
                a.key,
                Text.assemble((f"{one_line(a.key, 14):<14} ", "bold"), one_line(a.name, 50)),
            )
            for a in queries.find_assets(self.ctx.store, text, 30)
        ]


@dataclass(frozen=True)
class PartChoice:
    part_number: str
    quantity: float


class PartPicker(TypeAhead):
    """A part from the catalogue and how many were used."""

    DEFAULT_CSS = _css("PartPicker")
    TITLE_TEXT = "Use part"
    HINT = "type to search   up/down: move   tab: quantity   enter: add   escape: cancel"

    def placeholder(self) -> str:
        return "part number or name"

    def extra(self) -> ComposeResult:
        yield Label("Quantity")
        yield Input("1", id="quantity")

    def search(self, text: str) -> list[tuple[str, Any, Text | Content]]:
        return [
            (
                f"p{p.row_id}",
                p.key,
                Text.assemble(
                    (f"{one_line(p.key, 14):<14} ", "bold"),
                    one_line(p.name, 44),
                    (f" ({one_line(p.extra, 6)})", "dim"),
                ),
            )
            for p in queries.find_parts(self.ctx.store, text, 30)
        ]

    @on(Input.Submitted, "#quantity")
    def _quantity_submitted(self) -> None:
        self.pick()

    def pick(self) -> None:
        number = self.current()
        if number is None:
            self.problem("Pick a part from the list.")
            return
        raw = self.query_one("#quantity", Input).value.strip()
        try:
            quantity = float(raw)
        except ValueError:
            self.problem(f"Quantity {raw!r} is not a number.")
            return
        if quantity <= 0:
            self.problem("Quantity must be more than zero.")
            return
        self.dismiss(PartChoice(number, quantity))


@dataclass(frozen=True)
class HoldChoice:
    code: str
    detail: str


class HoldPrompt(_Dialog):
    """Why the work stops: a reason code, and words (required for 'other')."""

    DEFAULT_CSS = _css("HoldPrompt")
    HINT = "up/down: reason   tab: detail   enter: hold   escape: cancel"

    def body(self) -> ComposeResult:
        yield OptionList(
            *[Option(label, id=code) for code, label in lc.HOLD_REASONS.items()], id="code"
        )
        yield Input(id="detail", placeholder="detail (required for other)")

    def on_mount(self) -> None:
        self.query_one("#code", OptionList).highlighted = 0

    @on(OptionList.OptionSelected)
    @on(Input.Submitted)
    def _submit(self) -> None:
        option = self.query_one("#code", OptionList).highlighted_option
        detail = clean_line(self.query_one("#detail", Input).value)
        if option is None or option.id is None:
            self.problem("Choose a reason.")
            return
        if option.id == "other" and not detail:
            self.problem("Say why the work is on hold.")
            self.query_one("#detail", Input).focus()
            return
        self.dismiss(HoldChoice(option.id, detail))


@dataclass(frozen=True)
class LabourChoice:
    minutes: int
    work_date: date


class LabourPrompt(_Dialog):
    """Time worked (``90``, ``1:30``, ``1h30m``) and the day (today unless changed)."""

    DEFAULT_CSS = _css("LabourPrompt")
    HINT = "tab: next field   enter: log   escape: cancel"

    def body(self) -> ComposeResult:
        yield Label("Time worked (minutes or h:mm)")
        yield Input(id="minutes", placeholder="1:30")
        yield Label("Date (YYYY-MM-DD)")
        yield Input(clock.now().astimezone().date().isoformat(), id="work_date")

    @on(Input.Submitted)
    def _submit(self) -> None:
        try:
            minutes = parse_minutes(self.query_one("#minutes", Input).value)
            day = parse_date(self.query_one("#work_date", Input).value)
        except ValidationError as exc:
            self.problem(exc.message)
            return
        self.dismiss(LabourChoice(minutes, day))


class TextPrompt(ReasonPrompt):
    """One line of free text (a note)."""

    DEFAULT_CSS = _css("TextPrompt")


def ask(
    screen: Any, dialog: WoModal, then: Callable[[Any], None], *, skip_none: bool = True
) -> None:
    """Push ``dialog`` and call ``then`` with its answer (not when escaped)."""

    def done(result: Any) -> None:
        if result is None and skip_none:
            return
        then(result)

    screen.app.push_screen(dialog, done)

"""New request: the form a requester or dispatcher fills when something is wrong.

Priority and due dates are shown live from the site's SLA policy while urgency and
impact change, so the person asking sees what their choice means before sending it.
When the chosen asset already has open work, it is shown before submit (a possible
duplicate). ``TypeAhead`` lives here and is shared with the closeout form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Header, Input, Label, Select, Static, TextArea

from wo_tui import clock
from wo_tui.domain import formreads, sla
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.domain.formreads import Choice, OpenWork
from wo_tui.domain.refs import req_label
from wo_tui.domain.services import Ctx
from wo_tui.errors import ValidationError, WoError
from wo_tui.screens.base import DbMixin, WoScreen
from wo_tui.text import clean, clean_line
from wo_tui.widgets.chrome import WoFooter

LEVEL_OPTIONS: list[tuple[str, int]] = [(f"{n} {name}", n) for n, name in sla.LEVELS.items()]
MAX_CANDIDATES = 3


def when(moment: datetime) -> str:
    """A time as people at the site read it (local time)."""
    return moment.astimezone().strftime("%a %d %b %H:%M")


def priority_line(ctx: Ctx, urgency: int, impact: int) -> Content:
    """``P3 high`` and, on a line of its own, ``respond by ..., resolve by ...`` for work
    raised now: on one line the longest (P1) lost its time at 80 columns."""
    prio = sla.priority(urgency, impact)
    response, resolution = sla.due_dates(clock.now(), prio, ctx.settings.sla)
    return Content.from_markup(
        "[b]$prio[/b]\nrespond by $response, resolve by $resolution",
        prio=sla.PRIORITY_LABELS[prio],
        response=when(response),
        resolution=when(resolution),
    )


class _ChoiceSuggester(Suggester):
    """Completes a key (tag, part number, code) or a name from its first letters."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.choices: list[Choice] = []

    async def get_suggestion(self, value: str) -> str | None:
        for choice in self.choices:
            if choice.key.casefold().startswith(value):
                return choice.key
        for choice in self.choices:
            if choice.name.casefold().startswith(value):
                return choice.name
        return None


@dataclass(frozen=True)
class Match:
    """What the typed text stands for: one choice, several, or nothing."""

    choice: Choice | None
    candidates: list[Choice]


def match(choices: list[Choice], typed: str) -> Match:
    """An exact key or name wins; otherwise the choices whose key or name contain every
    word typed (``mech seal`` finds "Mechanical seal 25 mm")."""
    text = clean_line(typed).casefold()
    if not text:
        return Match(None, [])
    for choice in choices:
        if choice.key.casefold() == text:
            return Match(choice, [choice])
    named = [c for c in choices if c.name.casefold() == text]
    if len(named) == 1:
        return Match(named[0], named)
    words = text.split()
    found = [
        c for c in choices if all(w in c.key.casefold() or w in c.name.casefold() for w in words)
    ]
    found.sort(key=lambda c: _rank(c, text))
    return Match(found[0] if len(found) == 1 else None, found)


def _rank(choice: Choice, text: str) -> int:
    """Key prefix first (what the suggestion shows), then name prefix, then a word, then
    anywhere: ``enter`` takes the first, so it takes what the person most likely meant."""
    if choice.key.casefold().startswith(text):
        return 0
    name = choice.name.casefold()
    if name.startswith(text):
        return 1
    if any(word.startswith(text) for word in name.split()):
        return 2
    return 3


class TypeAhead(Vertical):
    """An input that picks one of a list by key or name, with a line saying what it picked.

    ``right`` accepts the completion; ``enter`` takes the first match and moves on. The
    move happens the moment ``enter`` arrives (a priority binding, run before keys are
    passed to fields), so what is typed after it in one burst over SSH lands in the
    next field; the match is taken once the field has seen the keys typed before it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "take", "Take the first match", id="typeahead_take", show=False, priority=True
        ),
    ]

    DEFAULT_CSS = """
    TypeAhead { height: auto; }
    TypeAhead > .hint {
        height: 1; color: $text-muted; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    TypeAhead > .hint.-bad { color: $error; }
    """

    class Picked(Message):
        """The choice the text stands for changed (``None``: nothing or ambiguous)."""

        def __init__(self, typeahead: TypeAhead, choice: Choice | None) -> None:
            super().__init__()
            self.typeahead = typeahead
            self.choice = choice

        @property
        def control(self) -> TypeAhead:
            return self.typeahead

    def __init__(
        self,
        placeholder: str,
        *,
        what: str,
        lookup: Callable[[str], list[Choice]] | None = None,
        after: str | None = None,
        id: str | None = None,
    ) -> None:
        """``lookup`` (run in a thread as the text changes) finds the choices in the
        database, for lists too long to hold; without it, ``set_choices`` gives the list.
        ``after`` selects where ``enter`` goes, when that is not simply the next field
        (the intake's location, reached by tab, is for when there is no asset)."""
        super().__init__(id=id)
        self._after = after
        self._placeholder = placeholder
        self._what = what
        self._lookup = lookup
        self._looking_for: str | None = None
        self._found_for = ""
        """The text the choices were last looked up for."""
        self._enter_waiting = False
        self._suggester = _ChoiceSuggester()
        self._current: Match = Match(None, [])

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self._placeholder, suggester=self._suggester, compact=True)
        yield Static("", classes="hint", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def choice(self) -> Choice | None:
        return self._current.choice

    @property
    def text(self) -> str:
        return clean_line(self.input.value)

    def set_choices(self, choices: list[Choice]) -> None:
        self._suggester.choices = choices
        self._refresh_match()

    def clear(self) -> None:
        self.input.value = ""
        self._refresh_match()

    def problem(self) -> str | None:
        """Why the typed text picks nothing, or ``None`` when it is empty or fine."""
        if not self.text or self.choice is not None:
            return None
        if self._looking_for is not None:
            return f"{self._what}: still looking up {self.text!r}; try again in a moment."
        if self._current.candidates:
            return f"{self._what}: {self.text!r} matches several; type more or press enter."
        return f"{self._what}: nothing matches {self.text!r}."

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._refresh_match()
        if self._lookup is not None:
            self._search(self.text)

    def _search(self, text: str) -> None:
        if not text:
            self._looking_for = None
            self._found_for = ""
            self.set_choices([])
            return
        self._looking_for = text
        screen = cast(DbMixin, self.screen)
        screen.run_db(
            self._lookup,
            text,
            then=lambda found: self._found(text, found),
            group=f"lookup-{id(self)}",
            exclusive=True,
        )

    def _found(self, text: str, found: list[Choice]) -> None:
        if text != self._looking_for:
            return
        self._looking_for = None
        self._found_for = text
        self.set_choices(found)
        if self._enter_waiting and text == self.text:
            self._enter_waiting = False
            self._take_first()

    def action_take(self) -> None:
        if self._after is not None:
            self.screen.set_focus(self.screen.query_one(self._after))
        else:
            self.screen.focus_next()
        self.input.call_later(self._take_when_ready)

    def _take_when_ready(self) -> None:
        """Runs after the keys typed before ``enter``; the matches for that text may
        still be on their way from the database, and are then taken when they arrive."""
        if self._lookup is not None and self.text and self._found_for != self.text:
            self._enter_waiting = True
            return
        self._take_first()

    def _take_first(self) -> None:
        self._refresh_match()
        if self.choice is None and self._current.candidates:
            self.input.value = self._current.candidates[0].key
            self.input.cursor_position = len(self.input.value)
            self._refresh_match()

    def _refresh_match(self) -> None:
        previous = self._current.choice
        self._current = match(self._suggester.choices, self.input.value)
        hint = self.query_one(".hint", Static)
        hint.set_class(bool(self.text) and self.choice is None, "-bad")
        hint.update(self._hint())
        if self._current.choice != previous:
            self.post_message(self.Picked(self, self._current.choice))

    def _hint(self) -> Content:
        found = self._current
        if found.choice is not None:
            c = found.choice
            return Content.from_markup(
                "[b]$key[/b] $name [dim]$detail[/]",
                key=clean_line(c.key),
                name=clean_line(c.name),
                detail=clean_line(c.detail),
            )
        if not self.text:
            return Content("")
        if not found.candidates:
            return Content.from_markup("no $what matches", what=self._what.lower())
        shown = clean_line(
            ", ".join(f"{c.key} {c.name}" for c in found.candidates[:MAX_CANDIDATES])
        )
        return Content.from_markup(
            "$n match, enter takes the first: $shown",
            n=str(len(found.candidates)),
            shown=shown,
        )


class IntakeScreen(WoScreen):
    """Raise a request: who asks, about what, how bad."""

    BROWSE = False
    HELP = (
        "Raise a work request. Tab moves between fields; enter in the asset takes the first "
        "match and goes on to the description (the location is for when there is no "
        "asset); ctrl+s sends it."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Submit", id="intake_submit", priority=True),
        Binding("ctrl+r", "reset", "Clear form", id="intake_reset"),
    ]
    DEFAULT_CSS = """
    IntakeScreen #form { padding: 0 1; }
    IntakeScreen .row { height: auto; margin-top: 1; }
    IntakeScreen .row > Label { width: 12; }
    IntakeScreen .row > Input, IntakeScreen .row > Select, IntakeScreen .row > TypeAhead {
        width: 1fr;
    }
    IntakeScreen .row > .narrow { width: 1fr; max-width: 24; margin-right: 2; }
    IntakeScreen .row > .gap { width: 9; }
    IntakeScreen #description { height: 1fr; min-height: 4; }
    IntakeScreen #description-label { margin-top: 1; }
    IntakeScreen #priority-row { margin-top: 0; }
    IntakeScreen #priority { height: auto; width: 1fr; }
    IntakeScreen #duplicates { height: auto; color: $warning; }
    IntakeScreen #problems { height: auto; }
    IntakeScreen #result { height: auto; color: $success; }
    IntakeScreen #location-from { width: 1fr; color: $text-muted; }
    IntakeScreen TextArea.-invalid { background-tint: $error 20%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._submitting = False
        self._locations: list[tuple[int, str]] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="form", can_focus=False):
            yield Static("", id="result")
            yield Static("", id="problems", classes="problems")
            with Horizontal(classes="row"):
                yield Label("Requester")
                yield Input(placeholder="name", id="requester", compact=True, classes="narrow")
                yield Label("Contact", classes="gap")
                yield Input(placeholder="phone, email, room", id="contact", compact=True)
            with Horizontal(classes="row"):
                yield Label("Source")
                yield Select(
                    [(s, s) for s in lc.SOURCES],
                    value=lc.SOURCES[0],
                    allow_blank=False,
                    id="source",
                    compact=True,
                    classes="narrow",
                )
            with Horizontal(classes="row"):
                yield Label("Asset")
                yield TypeAhead(
                    "tag or name (optional)",
                    what="Asset",
                    lookup=partial(formreads.find_assets, self.ctx.store),
                    after="#description",
                    id="asset",
                )
            with Horizontal(classes="row"):
                yield Label("Location")
                yield Select[int](
                    [], prompt="where, when there is no asset", id="location", compact=True
                )
                yield Static("", id="location-from", markup=False)
            yield Label("Description (first line is the title)", id="description-label")
            yield TextArea(id="description", compact=True)
            with Horizontal(classes="row"):
                yield Label("Urgency")
                yield Select(
                    LEVEL_OPTIONS,
                    value=2,
                    allow_blank=False,
                    id="urgency",
                    compact=True,
                    classes="narrow",
                )
                yield Label("Impact", classes="gap")
                yield Select(
                    LEVEL_OPTIONS,
                    value=2,
                    allow_blank=False,
                    id="impact",
                    compact=True,
                    classes="narrow",
                )
            with Horizontal(classes="row", id="priority-row"):
                yield Label("Priority")
                yield Static("", id="priority")
            yield Static("", id="duplicates")
        yield WoFooter()

    def on_mount(self) -> None:
        for quiet in ("#location-from", "#result", "#problems"):
            self.query_one(quiet).display = False
        self._show_priority()
        self.reload()
        self.query_one("#requester", Input).focus()

    def reload(self) -> None:
        self.run_db(
            formreads.location_choices, self.ctx.store, then=self._got_locations, group="locs"
        )

    def on_data_changed(self) -> None:
        """Only the locations and the duplicate warning are read again; typing stays."""
        self.reload()
        self._check_duplicates()

    def _got_locations(self, locations: list[tuple[int, str]]) -> None:
        """Rebuilt only when the list changed: a busy site changes something every second,
        and rebuilding would close the list under the person choosing from it."""
        if locations == self._locations:
            return
        self._locations = locations
        select = self.query_one("#location", Select)
        current = select.value
        select.set_options([(Text(clean_line(path)), loc_id) for loc_id, path in locations])
        if current != Select.NULL and any(loc_id == current for loc_id, _ in locations):
            select.value = current

    @on(Select.Changed, "#urgency, #impact")
    def _level_changed(self) -> None:
        self._show_priority()

    def _levels(self) -> tuple[int, int]:
        urgency = self.query_one("#urgency", Select).value
        impact = self.query_one("#impact", Select).value
        assert isinstance(urgency, int) and isinstance(impact, int)
        return urgency, impact

    def _show_priority(self) -> None:
        self.query_one("#priority", Static).update(priority_line(self.ctx, *self._levels()))

    @on(TypeAhead.Picked, "#asset")
    def _asset_picked(self, event: TypeAhead.Picked) -> None:
        choice = event.choice
        location = self.query_one("#location", Select)
        source = self.query_one("#location-from", Static)
        if choice is not None and location.has_focus:
            self.query_one("#description", TextArea).focus()
        location.display = choice is None
        source.display = choice is not None
        if choice is not None:
            source.update(Text(f"{clean_line(choice.detail) or '-'} (from the asset)"))
        self._check_duplicates()

    def _check_duplicates(self) -> None:
        choice = self.query_one("#asset", TypeAhead).choice
        if choice is None:
            self._show_duplicates("", [])
            return
        self.run_db(
            formreads.open_work_for_asset,
            self.ctx.store,
            choice.key,
            then=lambda found: self._show_duplicates(choice.key, found),
            group="duplicates",
            exclusive=True,
        )

    def _show_duplicates(self, tag: str, found: list[OpenWork]) -> None:
        box = self.query_one("#duplicates", Static)
        if not found:
            box.update("")
            return
        lines = [Content.from_markup("[b]Possible duplicate[/b] - open work on $tag:", tag=tag)]
        lines += [
            Content.from_markup(
                "  $label  $status  $title",
                label=w.label,
                status=w.status,
                title=clean_line(w.title),
            )
            for w in found
        ]
        box.update(Content("\n").join(lines))

    def _problems_here(self) -> list[str]:
        """What is wrong with the form as typed; the fields at fault are marked too."""
        problems = []
        requester = self.query_one("#requester", Input)
        missing_requester = not clean_line(requester.value)
        requester.set_class(missing_requester, "-invalid")
        if missing_requester:
            problems.append("Requester is empty: say who is asking.")
        description = self.query_one("#description", TextArea)
        missing_description = not clean(description.text).strip()
        description.set_class(missing_description, "-invalid")
        if missing_description:
            problems.append("Description is empty: write what is needed.")
        asset = self.query_one("#asset", TypeAhead)
        asset_problem = asset.problem()
        asset.input.set_class(asset_problem is not None, "-invalid")
        if asset_problem:
            problems.append(asset_problem)
        return problems

    @on(Input.Changed, "#requester")
    @on(TextArea.Changed, "#description")
    @on(TypeAhead.Picked, "#asset")
    def _recheck(self) -> None:
        """Once problems are listed, the list follows the typing until it is empty."""
        if self.query_one("#problems", Static).display:
            self._show_problems(self._problems_here())

    def _show_problems(self, problems: list[str]) -> None:
        box = self.query_one("#problems", Static)
        box.update(Text(clean("\n".join(f"- {p}" for p in problems))))
        box.display = bool(problems)
        if problems:
            self.query_one("#result", Static).display = False
            box.scroll_visible()

    def action_submit(self) -> None:
        if self._submitting:
            return
        problems = self._problems_here()
        self._show_problems(problems)
        if problems:
            return
        asset = self.query_one("#asset", TypeAhead).choice
        location = self.query_one("#location", Select).value
        source = self.query_one("#source", Select).value
        urgency, impact = self._levels()
        self._submitting = True
        self.run_db(
            sv.submit_request,
            self.ctx,
            requester=self.query_one("#requester", Input).value,
            contact=self.query_one("#contact", Input).value,
            source=str(source),
            asset_tag=asset.key if asset else None,
            location_id=location if asset is None and isinstance(location, int) else None,
            description=self.query_one("#description", TextArea).text,
            urgency=urgency,
            impact=impact,
            then=self._submitted,
            on_error=self._refused,
        )

    def _submitted(self, request: Any) -> None:
        self._submitting = False
        label = req_label(request.number)
        self.action_reset()
        result = self.query_one("#result", Static)
        result.update(
            Content.from_markup(
                "[b]$label[/b] submitted: $title", label=label, title=clean_line(request.title)
            )
        )
        result.display = True
        self.notify(f"{label} submitted.", markup=False)

    def _refused(self, error: WoError) -> None:
        self._submitting = False
        if isinstance(error, ValidationError):
            self._show_problems(error.problems)
        else:
            self.show_error(error)

    def action_reset(self) -> None:
        for field in ("#requester", "#contact"):
            self.query_one(field, Input).value = ""
        self.query_one("#asset", TypeAhead).clear()
        self.query_one("#location", Select).clear()
        self.query_one("#source", Select).value = lc.SOURCES[0]
        self.query_one("#description", TextArea).clear()
        self.query_one("#urgency", Select).value = 2
        self.query_one("#impact", Select).value = 2
        self.query_one("#result", Static).display = False
        self._show_problems([])
        self._show_duplicates("", [])
        self.query_one("#requester", Input).focus()

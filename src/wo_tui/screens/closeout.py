"""Closeout: what the technician records to complete a work order, in one go.

New labour and parts typed here travel in the ``Closeout`` given to
``services.complete``, so the entries and the completion are saved in one
transaction or not at all. Everything missing is listed at once, the list follows
the typing once shown, and the form keeps what was typed: after a refusal or a stale
edit, and after ``escape`` too (a draft per work order lives as long as the app, so
opening the closeout again carries on where it was left).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.widgets import (
    Checkbox,
    Header,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from wo_tui import clock
from wo_tui.domain import formreads
from wo_tui.domain import services as sv
from wo_tui.domain.formreads import Choice, CloseoutTarget, LoggedPart
from wo_tui.domain.refs import wo_label
from wo_tui.domain.units import format_minutes, parse_date, parse_minutes
from wo_tui.errors import ValidationError, WoError
from wo_tui.screens.base import WoScreen
from wo_tui.screens.intake import LEVEL_OPTIONS, TypeAhead
from wo_tui.text import clean, clean_line
from wo_tui.widgets.chrome import WoFooter
from wo_tui.widgets.pickers import ConfirmDialog, ask

RESOLUTION_LINES = 5
SPARE_LINES = 26
"""Lines the rest of the form needs; what a taller terminal has beyond goes to the notes."""


@dataclass(frozen=True)
class NewLabour:
    minutes: int
    work_date: date | None


@dataclass(frozen=True)
class NewPart:
    part_number: str
    name: str
    quantity: float


@dataclass(frozen=True)
class Draft:
    """Everything typed on a closeout form that is not saved yet."""

    resolution: str = ""
    cause: str = ""
    remedy: str = ""
    minutes: str = ""
    work_date: str = ""
    part: str = ""
    quantity: str = ""
    no_parts: bool = False
    follow_up: bool = False
    follow_up_description: str = ""
    urgency: int = 2
    impact: int = 2
    new_labour: tuple[NewLabour, ...] = field(default=())
    new_parts: tuple[NewPart, ...] = field(default=())


BLANK = Draft()

_DRAFTS: WeakKeyDictionary[App[Any], dict[int, Draft]] = WeakKeyDictionary()
"""Drafts by work order number, per running app: closing the form by mistake (or to
look something up) loses nothing, and they go when the app does."""


def drafts(app: App[Any]) -> dict[int, Draft]:
    return _DRAFTS.setdefault(app, {})


class EntryList(OptionList):
    """Entries of the form; ``delete`` removes the highlighted one. Only ``delete``:
    backspace is what a thumb hits when it meant the field above."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("delete", "remove", "Remove entry", id="closeout_remove"),
    ]

    class Remove(Message):
        def __init__(self, entries: EntryList, option_id: str) -> None:
            super().__init__()
            self.entries = entries
            self.option_id = option_id

        @property
        def control(self) -> EntryList:
            return self.entries

    def on_focus(self) -> None:
        if self.highlighted is None and self.option_count:
            self.highlighted = 0

    def action_remove(self) -> None:
        if self.highlighted is None:
            return
        option = self.get_option_at_index(self.highlighted)
        if option.id:
            self.post_message(self.Remove(self, option.id))


def _labour_text(entry: NewLabour) -> str:
    day = f" on {entry.work_date.isoformat()}" if entry.work_date else ""
    return f"{format_minutes(entry.minutes)}{day}"


def _part_text(item: NewPart | LoggedPart) -> str:
    return f"{item.quantity:g} x {clean_line(item.part_number)} {clean_line(item.name)}"


def _codes(codes: dict[str, str]) -> list[Choice]:
    return [Choice(code, text) for code, text in codes.items()]


def _quantity(text: str) -> float:
    raw = text.strip() or "1"
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValidationError(f"{raw!r} is not a quantity (like 2 or 0.5).") from exc
    if not value > 0:
        raise ValidationError("Quantity used must be more than zero.")
    return value


class CloseoutScreen(WoScreen):
    """Complete a work order: notes, codes, time, parts, follow-up, then ctrl+s."""

    BROWSE = False
    HELP = (
        "Complete the work order. Tab moves top to bottom; enter in the time or quantity "
        "field adds the entry; delete removes the highlighted entry (a saved one after "
        "you confirm); ctrl+o ticks the checklist; ctrl+s completes. Escape keeps what "
        "you typed as a draft until you open the form again; ctrl+r clears it."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Complete", id="closeout_submit", priority=True),
        Binding("ctrl+o", "checklist", "Checklist", id="closeout_checklist"),
        Binding("ctrl+r", "clear", "Clear form", id="closeout_clear", show=False),
    ]
    DEFAULT_CSS = """
    CloseoutScreen #form { padding: 0 1; }
    CloseoutScreen #heading { height: auto; text-style: bold; }
    CloseoutScreen #problems { height: auto; margin-top: 1; }
    CloseoutScreen .caption { margin-top: 1; text-style: bold; }
    CloseoutScreen #resolution { height: 5; }
    CloseoutScreen .row { height: auto; }
    CloseoutScreen .row > Label { width: 8; }
    CloseoutScreen .row > Label.hint { width: auto; }
    CloseoutScreen .row > TypeAhead { width: 1fr; }
    CloseoutScreen .row > Input { width: 1fr; max-width: 20; margin-right: 1; }
    CloseoutScreen .row > Select { width: 1fr; max-width: 20; margin-right: 1; }
    CloseoutScreen EntryList { height: auto; max-height: 6; }
    CloseoutScreen #follow-up-box { height: auto; padding-left: 4; }
    CloseoutScreen #follow-up-description { width: 1fr; }
    CloseoutScreen Checkbox { margin-top: 1; }
    """

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.target: CloseoutTarget | None = None
        self.new_labour: list[NewLabour] = []
        self.new_parts: list[NewPart] = []
        self._submitting = False
        self._following = False
        """Set once problems were listed: from then on the list follows every change."""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="form", can_focus=False):
            yield Static(wo_label(self.number), id="heading", markup=False)
            yield Static("", id="problems", classes="problems")
            yield Label("Resolution notes: what was found and done", classes="caption")
            yield TextArea(id="resolution", compact=True)
            with Horizontal(classes="row caption"):
                yield Label("Cause")
                yield TypeAhead("cause code or words", what="Cause code", id="cause")
            with Horizontal(classes="row"):
                yield Label("Remedy")
                yield TypeAhead("remedy code or words", what="Remedy code", id="remedy")
            yield Label("Labour", classes="caption")
            yield EntryList(id="labour", compact=True)
            with Horizontal(classes="row"):
                yield Input(placeholder="time: 90 or 1:30", id="minutes", compact=True)
                yield Input(placeholder="date: today", id="work-date", compact=True)
                yield Label("enter adds", classes="muted hint")
            yield Label("Parts used", classes="caption")
            yield EntryList(id="parts", compact=True)
            with Horizontal(classes="row"):
                yield TypeAhead(
                    "part number or name",
                    what="Part",
                    lookup=partial(formreads.find_parts, self.ctx.store),
                    id="part",
                )
                yield Input(placeholder="quantity: 1", id="quantity", compact=True)
            yield Checkbox("No parts used", id="no-parts", compact=True)
            yield Checkbox("Follow-up work needed", id="follow-up", compact=True)
            with Vertical(id="follow-up-box"):
                yield Input(
                    placeholder="what is still needed", id="follow-up-description", compact=True
                )
                with Horizontal(classes="row"):
                    yield Label("Urgency")
                    yield Select(
                        LEVEL_OPTIONS, value=2, allow_blank=False, id="fu-urgency", compact=True
                    )
                    yield Label("Impact")
                    yield Select(
                        LEVEL_OPTIONS, value=2, allow_blank=False, id="fu-impact", compact=True
                    )
        yield WoFooter()

    def on_mount(self) -> None:
        self.query_one("#problems").display = False
        self.query_one("#follow-up-box").display = False
        self.query_one("#cause", TypeAhead).set_choices(_codes(self.ctx.settings.cause_codes))
        self.query_one("#remedy", TypeAhead).set_choices(_codes(self.ctx.settings.remedy_codes))
        draft = drafts(self.app).get(self.number)
        if draft is not None:
            self._fill(draft)
            self.notify(f"Draft of {wo_label(self.number)} restored.", markup=False)
        self.reload()
        self.query_one("#resolution", TextArea).focus(scroll_visible=False)

    def draft(self) -> Draft:
        """What is typed now, as it would be restored."""
        urgency = self.query_one("#fu-urgency", Select).value
        impact = self.query_one("#fu-impact", Select).value
        return Draft(
            resolution=self.query_one("#resolution", TextArea).text,
            cause=self.query_one("#cause", TypeAhead).input.value,
            remedy=self.query_one("#remedy", TypeAhead).input.value,
            minutes=self.query_one("#minutes", Input).value,
            work_date=self.query_one("#work-date", Input).value,
            part=self.query_one("#part", TypeAhead).input.value,
            quantity=self.query_one("#quantity", Input).value,
            no_parts=self.query_one("#no-parts", Checkbox).value,
            follow_up=self.query_one("#follow-up", Checkbox).value,
            follow_up_description=self.query_one("#follow-up-description", Input).value,
            urgency=urgency if isinstance(urgency, int) else 2,
            impact=impact if isinstance(impact, int) else 2,
            new_labour=tuple(self.new_labour),
            new_parts=tuple(self.new_parts),
        )

    def _fill(self, draft: Draft) -> None:
        self.query_one("#resolution", TextArea).load_text(draft.resolution)
        self.query_one("#cause", TypeAhead).input.value = draft.cause
        self.query_one("#remedy", TypeAhead).input.value = draft.remedy
        self.query_one("#minutes", Input).value = draft.minutes
        self.query_one("#work-date", Input).value = draft.work_date
        self.query_one("#part", TypeAhead).input.value = draft.part
        self.query_one("#quantity", Input).value = draft.quantity
        self.query_one("#no-parts", Checkbox).value = draft.no_parts
        self.query_one("#follow-up", Checkbox).value = draft.follow_up
        self.query_one("#follow-up-box").display = draft.follow_up
        self.query_one("#follow-up-description", Input).value = draft.follow_up_description
        self.query_one("#fu-urgency", Select).value = draft.urgency
        self.query_one("#fu-impact", Select).value = draft.impact
        self.new_labour = list(draft.new_labour)
        self.new_parts = list(draft.new_parts)
        self._show_entries()

    def action_back(self) -> None:
        """Leaving keeps the typing as this work order's draft; nothing typed is lost."""
        draft = self.draft()
        if draft == BLANK:
            drafts(self.app).pop(self.number, None)
        else:
            drafts(self.app)[self.number] = draft
            self.notify(
                f"{wo_label(self.number)}: closeout kept as a draft; c opens it again.",
                markup=False,
            )
        super().action_back()

    def action_clear(self) -> None:
        def confirmed(yes: bool) -> None:
            if yes:
                drafts(self.app).pop(self.number, None)
                self._fill(BLANK)
                self._following = False
                self._show_problems([])
                self.query_one("#resolution", TextArea).focus()
                self.notify("Form cleared; time and parts already saved stay.", markup=False)

        if self.draft() != BLANK:
            ask(
                self,
                ConfirmDialog(
                    f"Clear the closeout of {wo_label(self.number)}?",
                    "What is typed here and not saved is thrown away.",
                ),
                confirmed,
            )

    def on_resize(self, event: Resize) -> None:
        """A tall terminal gives the resolution notes the room it has to spare."""
        self.query_one("#resolution").styles.height = max(
            RESOLUTION_LINES, event.size.height - SPARE_LINES
        )

    def reload(self) -> None:
        """Fetch the work order and its logged entries; what was typed stays."""
        self.run_db(
            formreads.closeout_target,
            self.ctx.store,
            self.number,
            then=self._got_target,
            group="target",
            exclusive=True,
        )

    def _got_target(self, target: CloseoutTarget) -> None:
        """Redrawn only when it changed, so a change elsewhere does not move the highlight."""
        if target == self.target:
            return
        if self.target is None:
            self.query_one("#form").scroll_home(animate=False)
        self.target = target
        self.sub_title = f"Complete {target.label}"
        self.query_one("#heading", Static).update(
            Content.from_markup(
                "Complete $label  $title  [dim]$asset $status[/]",
                label=target.label,
                title=clean_line(target.title),
                asset=clean_line(target.asset),
                status=target.status.replace("_", " "),
            )
        )
        self._show_entries()

    def _show_entries(self) -> None:
        labour = self.query_one("#labour", EntryList)
        labour.clear_options()
        logged = self.target.labour if self.target else []
        for entry in logged:
            labour.add_option(
                Option(
                    Content.from_markup(
                        "$time  $login  $day  [dim]logged[/]",
                        time=format_minutes(entry.minutes),
                        login=clean_line(entry.login),
                        day=entry.work_date.isoformat(),
                    ),
                    id=f"logged-{entry.id}",
                )
            )
        for index, new in enumerate(self.new_labour):
            labour.add_option(
                Option(
                    Content.from_markup(
                        "$time  $login  $day  [b]new[/]",
                        time=format_minutes(new.minutes),
                        login=self.ctx.actor.login,
                        day=(new.work_date or clock.now().astimezone().date()).isoformat(),
                    ),
                    id=f"new-{index}",
                )
            )
        if not logged and not self.new_labour:
            labour.add_option(Option(Content("no time logged yet"), disabled=True))
        parts = self.query_one("#parts", EntryList)
        parts.clear_options()
        used = self.target.parts if self.target else []
        for usage in used:
            parts.add_option(
                Option(
                    Content.from_markup(
                        "$qty x $number  $name  [dim]logged[/]",
                        qty=f"{usage.quantity:g}",
                        number=clean_line(usage.part_number),
                        name=clean_line(usage.name),
                    ),
                    id=f"logged-{usage.id}",
                )
            )
        for index, item in enumerate(self.new_parts):
            parts.add_option(
                Option(
                    Content.from_markup(
                        "$qty x $number  $name  [b]new[/]",
                        qty=f"{item.quantity:g}",
                        number=clean_line(item.part_number),
                        name=clean_line(item.name),
                    ),
                    id=f"new-{index}",
                )
            )
        if not used and not self.new_parts:
            parts.add_option(Option(Content("no parts yet"), disabled=True))
        self._recheck()

    @on(Input.Submitted, "#minutes, #work-date")
    def _add_labour(self) -> None:
        if not self.query_one("#minutes", Input).value.strip():
            self._show_problems(["Labour: type the time spent (90 or 1:30)."])
            return
        problem = self._take_labour()
        if problem:
            self._show_problems([problem])

    @on(Input.Submitted, "#quantity")
    def _add_part(self) -> None:
        part = self.query_one("#part", TypeAhead)
        if not part.text and not self.query_one("#quantity", Input).value.strip():
            self._show_problems(["Parts: type a part number or name."])
            return
        problem = self._take_part()
        if problem:
            self._show_problems([problem])
            return
        part.input.focus()

    def _typed_labour(self) -> tuple[NewLabour | None, str | None]:
        """The time typed and not yet added, or why it is not one (nothing typed: neither)."""
        minutes_box = self.query_one("#minutes", Input)
        date_box = self.query_one("#work-date", Input)
        if not minutes_box.value.strip():
            return None, None
        try:
            minutes = parse_minutes(minutes_box.value)
            day = parse_date(date_box.value) if date_box.value.strip() else None
        except ValidationError as exc:
            return None, f"Labour: {exc.message}"
        return NewLabour(minutes, day), None

    def _typed_part(self) -> tuple[NewPart | None, str | None]:
        part = self.query_one("#part", TypeAhead)
        quantity_box = self.query_one("#quantity", Input)
        if not part.text and not quantity_box.value.strip():
            return None, None
        if part.choice is None:
            return None, part.problem() or "Parts: type a part number or name."
        try:
            quantity = _quantity(quantity_box.value)
        except ValidationError as exc:
            return None, f"Parts: {part.choice.key}: {exc.message}"
        return NewPart(part.choice.key, part.choice.name, quantity), None

    def _take_labour(self) -> str | None:
        """Add the typed time to the list; the problem instead when it is not a time."""
        entry, problem = self._typed_labour()
        if entry is not None:
            self.new_labour.append(entry)
            self.query_one("#minutes", Input).value = ""
            self.query_one("#work-date", Input).value = ""
            self._show_entries()
        return problem

    def _take_part(self) -> str | None:
        item, problem = self._typed_part()
        if item is not None:
            self.new_parts.append(item)
            self.query_one("#part", TypeAhead).clear()
            self.query_one("#quantity", Input).value = ""
            self.query_one("#no-parts", Checkbox).value = False
            self._show_entries()
        return problem

    @on(EntryList.Remove)
    def _remove(self, event: EntryList.Remove) -> None:
        kind, _, raw = event.option_id.partition("-")
        index = int(raw)
        is_labour = event.entries.id == "labour"
        label = wo_label(self.number)
        if kind == "new":
            if is_labour:
                what = _labour_text(self.new_labour.pop(index))
            else:
                what = _part_text(self.new_parts.pop(index))
            self._show_entries()
            self.notify(f"Removed {what} (it was not saved yet).", markup=False)
            return
        what = self._logged_text(is_labour, index)
        remove = sv.remove_labour if is_labour else sv.remove_part_usage
        version = self.target.version if self.target else None

        def confirmed(yes: bool) -> None:
            if yes:
                self.run_db(
                    remove,
                    self.ctx,
                    self.number,
                    index,
                    expected_version=version,
                    then=lambda _: self._removed(f"Removed {what} from {label}."),
                )

        kind_text = "time" if is_labour else "part"
        ask(
            self,
            ConfirmDialog(
                f"Remove saved {kind_text}?",
                f"{what} is saved on {label}. Remove it from the work order?",
            ),
            confirmed,
        )

    def _logged_text(self, is_labour: bool, entry_id: int) -> str:
        if self.target is not None:
            if is_labour:
                for entry in self.target.labour:
                    if entry.id == entry_id:
                        return (
                            f"{format_minutes(entry.minutes)} by {clean_line(entry.login)} "
                            f"on {entry.work_date.isoformat()}"
                        )
            else:
                for usage in self.target.parts:
                    if usage.id == entry_id:
                        return _part_text(usage)
        return "the entry"

    def _removed(self, message: str) -> None:
        self.notify(message, markup=False)
        self.reload()

    @on(Checkbox.Changed, "#follow-up")
    def _follow_up(self, event: Checkbox.Changed) -> None:
        self.query_one("#follow-up-box").display = event.value

    @on(TextArea.Changed, "#resolution")
    @on(TypeAhead.Picked)
    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _recheck(self) -> None:
        """Once problems are listed, the list follows every change (a fixed one goes, a
        new one, like ticking follow-up without saying what, comes)."""
        if self._following:
            typed = [p for p in (self._typed_labour()[1], self._typed_part()[1]) if p]
            self._check_with(typed, reveal=False)

    def _check_with(self, local: list[str], *, reveal: bool = True) -> None:
        """List what ``complete`` would refuse with ``local`` (the form's own problems);
        ``reveal`` scrolls to the list, which a keystroke further down must not do."""
        self.run_db(
            formreads.closeout_check,
            self.ctx,
            self.number,
            self.closeout(with_typed=True),
            then=lambda problems: self._show_problems(local + problems, reveal=reveal),
            group="check",
            exclusive=True,
        )

    def _show_problems(self, problems: list[str], *, reveal: bool = True) -> None:
        box = self.query_one("#problems", Static)
        box.update(Content("\n").join(Content(f"- {clean_line(p)}") for p in problems))
        box.display = bool(problems)
        if problems:
            self._following = True
            if reveal:
                box.scroll_visible()

    def _code(self, selector: str) -> str:
        picker = self.query_one(selector, TypeAhead)
        return picker.choice.key if picker.choice else picker.text

    def closeout(self, *, with_typed: bool = False) -> sv.Closeout:
        """What the form says, as the domain wants it; ``with_typed`` counts a time or
        part typed but not yet added, as submitting would add it."""
        labour = list(self.new_labour)
        parts = list(self.new_parts)
        if with_typed:
            entry, item = self._typed_labour()[0], self._typed_part()[0]
            labour += [entry] if entry is not None else []
            parts += [item] if item is not None else []
        follow_up = self.query_one("#follow-up", Checkbox).value
        urgency = self.query_one("#fu-urgency", Select).value
        impact = self.query_one("#fu-impact", Select).value
        return sv.Closeout(
            resolution=clean(self.query_one("#resolution", TextArea).text),
            cause_code=self._code("#cause"),
            remedy_code=self._code("#remedy"),
            no_parts_used=self.query_one("#no-parts", Checkbox).value,
            follow_up=follow_up,
            follow_up_work=sv.FollowUpInput(
                description=self.query_one("#follow-up-description", Input).value,
                urgency=urgency if isinstance(urgency, int) else 2,
                impact=impact if isinstance(impact, int) else 2,
            )
            if follow_up
            else None,
            labour=[sv.LabourInput(n.minutes, n.work_date) for n in labour],
            parts=[sv.PartInput(p.part_number, p.quantity) for p in parts],
        )

    def action_checklist(self) -> None:
        from wo_tui.screens.pm import ChecklistDialog

        self.app.push_screen(ChecklistDialog(self.number))

    def action_submit(self) -> None:
        if self._submitting or self.target is None:
            return
        local = [p for p in (self._take_labour(), self._take_part()) if p]
        if local:
            self._check_with(local)
            return
        self._submitting = True
        self.run_db(
            sv.complete,
            self.ctx,
            self.number,
            self.closeout(),
            expected_version=self.target.version,
            then=self._completed,
            on_error=self._refused,
        )

    def _completed(self, _wo: Any) -> None:
        self._submitting = False
        drafts(self.app).pop(self.number, None)
        follow_up = " A follow-up work order was raised." if self.closeout().follow_up else ""
        self.notify(f"{wo_label(self.number)} completed.{follow_up}", markup=False)
        self.app.pop_screen()

    def _refused(self, error: WoError) -> None:
        self._submitting = False
        if isinstance(error, ValidationError):
            self._show_problems(error.problems)
        else:
            self.show_error(error)

"""Closeout: what the technician records to complete a work order, in one go.

New labour and parts typed here travel in the ``Closeout`` given to
``services.complete``, so the entries and the completion are saved in one
transaction or not at all. Everything missing is listed at once and the form
keeps what was typed, including after a refusal or a stale edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.widgets import (
    Checkbox,
    Footer,
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
from wo_tui.domain.formreads import Choice, CloseoutTarget
from wo_tui.domain.refs import wo_label
from wo_tui.domain.units import format_minutes, parse_date, parse_minutes
from wo_tui.errors import ValidationError, WoError
from wo_tui.screens.base import WoScreen
from wo_tui.screens.intake import LEVEL_OPTIONS, TypeAhead
from wo_tui.text import clean, clean_line

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


class EntryList(OptionList):
    """Entries of the form; ``delete`` removes the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("delete,backspace,x", "remove", "Remove entry", id="closeout_remove"),
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
        "field adds the entry; delete removes the highlighted entry; ctrl+o ticks the "
        "checklist; ctrl+s completes."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Complete", id="closeout_submit", priority=True),
        Binding("ctrl+o", "checklist", "Checklist", id="closeout_checklist"),
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
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#problems").display = False
        self.query_one("#follow-up-box").display = False
        self.query_one("#cause", TypeAhead).set_choices(_codes(self.ctx.settings.cause_codes))
        self.query_one("#remedy", TypeAhead).set_choices(_codes(self.ctx.settings.remedy_codes))
        self.reload()
        self.query_one("#resolution", TextArea).focus(scroll_visible=False)

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

    @on(Input.Submitted, "#minutes, #work-date")
    def _add_labour(self) -> None:
        problems = self._pending_labour(add=True)
        if problems:
            self._show_problems(problems)

    @on(Input.Submitted, "#quantity")
    def _add_part(self) -> None:
        problems = self._pending_part(add=True)
        if problems:
            self._show_problems(problems)

    def _pending_labour(self, *, add: bool) -> list[str]:
        """Turn the typed time into a new entry; the problem if it is not a time."""
        minutes_box = self.query_one("#minutes", Input)
        date_box = self.query_one("#work-date", Input)
        if not minutes_box.value.strip():
            return ["Labour: type the time spent (90 or 1:30)."] if add else []
        try:
            minutes = parse_minutes(minutes_box.value)
            day = parse_date(date_box.value) if date_box.value.strip() else None
        except ValidationError as exc:
            return [f"Labour: {exc.message}"]
        self.new_labour.append(NewLabour(minutes, day))
        minutes_box.value = ""
        date_box.value = ""
        self._show_entries()
        return []

    def _pending_part(self, *, add: bool) -> list[str]:
        part = self.query_one("#part", TypeAhead)
        quantity_box = self.query_one("#quantity", Input)
        if not part.text and not quantity_box.value.strip():
            return ["Parts: type a part number or name."] if add else []
        if part.choice is None:
            return [part.problem() or "Parts: type a part number or name."]
        try:
            quantity = _quantity(quantity_box.value)
        except ValidationError as exc:
            return [f"Parts: {part.choice.key}: {exc.message}"]
        self.new_parts.append(NewPart(part.choice.key, part.choice.name, quantity))
        part.clear()
        quantity_box.value = ""
        self.query_one("#no-parts", Checkbox).value = False
        self._show_entries()
        part.input.focus()
        return []

    @on(EntryList.Remove)
    def _remove(self, event: EntryList.Remove) -> None:
        kind, _, raw = event.option_id.partition("-")
        index = int(raw)
        is_labour = event.entries.id == "labour"
        if kind == "new":
            if is_labour:
                del self.new_labour[index]
            else:
                del self.new_parts[index]
            self._show_entries()
            return
        remove = sv.remove_labour if is_labour else sv.remove_part_usage
        self.run_db(remove, self.ctx, self.number, index, then=lambda _: self.reload())

    @on(Checkbox.Changed, "#follow-up")
    def _follow_up(self, event: Checkbox.Changed) -> None:
        self.query_one("#follow-up-box").display = event.value

    def _show_problems(self, problems: list[str]) -> None:
        box = self.query_one("#problems", Static)
        box.update(Content("\n").join(Content(f"- {clean_line(p)}") for p in problems))
        box.display = bool(problems)
        if problems:
            box.scroll_visible()

    def _code(self, selector: str) -> str:
        picker = self.query_one(selector, TypeAhead)
        return picker.choice.key if picker.choice else picker.text

    def closeout(self) -> sv.Closeout:
        """What the form says, as the domain wants it."""
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
            labour=[sv.LabourInput(n.minutes, n.work_date) for n in self.new_labour],
            parts=[sv.PartInput(p.part_number, p.quantity) for p in self.new_parts],
        )

    def action_checklist(self) -> None:
        from wo_tui.screens.pm import ChecklistDialog

        self.app.push_screen(ChecklistDialog(self.number))

    def action_submit(self) -> None:
        if self._submitting or self.target is None:
            return
        local = self._pending_labour(add=False) + self._pending_part(add=False)
        if local:
            self.run_db(
                formreads.closeout_check,
                self.ctx,
                self.number,
                self.closeout(),
                then=lambda problems: self._show_problems(local + problems),
            )
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
        follow_up = " A follow-up work order was raised." if self.closeout().follow_up else ""
        self.notify(f"{wo_label(self.number)} completed.{follow_up}", markup=False)
        self.app.pop_screen()

    def _refused(self, error: WoError) -> None:
        self._submitting = False
        if isinstance(error, ValidationError):
            self._show_problems(error.problems)
        else:
            self.show_error(error)

"""PM schedules: what is due next, when it was last done and how often on time.

A dispatcher creates and edits schedules in a form, pauses and resumes them,
skips the next date with a reason, records meter readings, and generates the work
that is due; all of it through ``domain.pm``, off the UI thread. A pane under the
list shows the highlighted schedule's instructions, meter and occurrences
(generated, skipped, missed, cancelled, meter resets).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Checkbox,
    DataTable,
    Header,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    TextArea,
)

from wo_tui.domain import formreads, pm
from wo_tui.domain import permissions as perm
from wo_tui.domain.refs import wo_label
from wo_tui.domain.services import FollowUpInput
from wo_tui.domain.units import format_minutes, parse_date, parse_minutes
from wo_tui.errors import ValidationError
from wo_tui.screens.base import WoModal, WoScreen
from wo_tui.text import clean_line, one_line
from wo_tui.widgets.chrome import WoFooter
from wo_tui.widgets.pickers import ReasonPrompt, ask

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("title", "Title", "Grease pump bearings"),
    ("asset", "Asset tag", "P-101"),
    ("every", "Every", "1 month, 2 weeks, year (blank: meter only)"),
    ("weekdays", "Weekdays", "mon,thu (weekly only)"),
    ("day_of_month", "Day of month", "1-31 (monthly/yearly, fixed)"),
    ("mode", "Mode", "fixed or floating"),
    ("lead", "Lead days", "0"),
    ("meter", "Meter", "running_hours"),
    ("meter_every", "Meter every", "500"),
    ("meter_threshold", "Threshold", "7.1"),
    ("team", "Team", "Mechanical"),
    ("assignee", "Technician", "login"),
    ("estimate", "Estimate", "1:30"),
    ("priority", "Priority", "1-5"),
    ("starts", "Starts", "YYYY-MM-DD"),
)


def _number(text: str, what: str, kind: type = int) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError as exc:
        raise ValidationError(f"{what} must be a number, not {text!r}.") from exc


def form_values(inp: pm.ScheduleInput) -> dict[str, str]:
    """A schedule's values as the form shows them."""
    g = "" if inp.meter_every is None else f"{inp.meter_every:g}"
    t = "" if inp.meter_threshold is None else f"{inp.meter_threshold:g}"
    return {
        "title": inp.title,
        "asset": inp.asset_tag or "",
        "every": pm.every_text(inp.interval_value, inp.interval_unit),
        "weekdays": ",".join(pm.WEEKDAY_NAMES[w] for w in inp.weekdays),
        "day_of_month": "" if inp.day_of_month is None else str(inp.day_of_month),
        "mode": inp.mode,
        "lead": str(inp.lead_days),
        "meter": inp.meter,
        "meter_every": g,
        "meter_threshold": t,
        "team": inp.team or "",
        "assignee": inp.assignee or "",
        "estimate": format_minutes(inp.estimated_minutes) if inp.estimated_minutes else "",
        "priority": str(inp.priority),
        "starts": inp.starts_on.isoformat() if inp.starts_on else "",
    }


def parse_form(
    values: dict[str, str],
    checklist: str,
    base: pm.ScheduleInput,
    *,
    instructions: str = "",
    location_id: int | None = None,
) -> pm.ScheduleInput:
    """The form's text into a ``ScheduleInput`` (the domain checks the rules)."""
    inp = base
    inp.title = values["title"]
    inp.asset_tag = values["asset"].strip() or None
    if inp.asset_tag and location_id is not None:
        raise ValidationError("Give an asset tag or a location, not both.")
    inp.location_id = location_id
    every = values["every"].strip()
    inp.interval_value, inp.interval_unit = pm.parse_every(every) if every else (None, "")
    weekdays = values["weekdays"].strip()
    inp.weekdays = pm.parse_weekdays(weekdays) if weekdays else []
    inp.day_of_month = _number(values["day_of_month"], "Day of month")
    inp.mode = values["mode"].strip().lower() or "fixed"
    inp.lead_days = _number(values["lead"], "Lead days") or 0
    inp.meter = values["meter"].strip()
    inp.meter_every = _number(values["meter_every"], "Meter every", float)
    inp.meter_threshold = _number(values["meter_threshold"], "Threshold", float)
    inp.team = values["team"].strip() or None
    inp.assignee = values["assignee"].strip() or None
    estimate = values["estimate"].strip()
    inp.estimated_minutes = parse_minutes(estimate) if estimate else 0
    inp.priority = _number(values["priority"], "Priority") or 4
    starts = values["starts"].strip()
    inp.starts_on = parse_date(starts) if starts else None
    inp.checklist = [line for line in checklist.splitlines() if line.strip()]
    inp.instructions = instructions
    return inp


class ScheduleForm(WoModal):
    """Create or edit a schedule; ctrl+s saves, escape cancels. Dismisses with the id."""

    DEFAULT_CSS = """
    ScheduleForm { align: center middle; }
    ScheduleForm > #dialog {
        width: 80; max-width: 100%; height: 100%; max-height: 40;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    ScheduleForm .row { height: auto; }
    ScheduleForm .row Label { width: 14; padding: 1 0 0 0; }
    ScheduleForm .row Input { width: 1fr; }
    ScheduleForm .row Select { width: 1fr; }
    ScheduleForm TextArea { height: 6; }
    ScheduleForm #problems { color: $error; height: auto; }
    ScheduleForm #title-line { text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="pm_form_save", priority=True),
    ]

    def __init__(self, schedule_id: int | None = None, inp: pm.ScheduleInput | None = None) -> None:
        super().__init__()
        self.schedule_id = schedule_id
        self.base = inp or pm.ScheduleInput(title="", interval_value=1, interval_unit="month")

    def compose(self) -> ComposeResult:
        values = form_values(self.base)
        heading = "New PM schedule" if self.schedule_id is None else f"Edit PM #{self.schedule_id}"
        with VerticalScroll(id="dialog"):
            yield Static(Text(heading + "   ctrl+s: save   escape: cancel"), id="title-line")
            for key, label, hint in FIELDS:
                with Horizontal(classes="row"):
                    yield Label(Text(label))
                    yield Input(values[key], placeholder=hint, id=f"f_{key}")
                if key == "asset":
                    with Horizontal(classes="row"):
                        yield Label(Text("Or location"))
                        yield Select[int](
                            [], prompt="(no location: use the asset)", id="f_location"
                        )
            yield Label(Text("Instructions"))
            yield TextArea(self.base.instructions, id="f_instructions")
            yield Label(Text("Checklist (one item a line)"))
            yield TextArea("\n".join(self.base.checklist), id="f_checklist")
            yield Static("", id="problems")

    def on_mount(self) -> None:
        self.query_one("#f_title", Input).focus()
        self.run_db(formreads.location_choices, self.ctx.store, then=self._locations)

    def _locations(self, locations: list[tuple[int, str]]) -> None:
        select = self.query_one("#f_location", Select)
        select.set_options([(Text(clean_line(path)), loc_id) for loc_id, path in locations])
        if any(loc_id == self.base.location_id for loc_id, _ in locations):
            select.value = self.base.location_id

    def _problem(self, message: str) -> None:
        self.query_one("#problems", Static).update(Text(message))

    def show_error(self, error: Any) -> None:
        problems = getattr(error, "problems", None) or [error.message]
        self._problem("\n".join(problems))

    def action_save(self) -> None:
        values = {key: self.query_one(f"#f_{key}", Input).value for key, _, _ in FIELDS}
        location = self.query_one("#f_location", Select).value
        try:
            inp = parse_form(
                values,
                self.query_one("#f_checklist", TextArea).text,
                self.base,
                instructions=self.query_one("#f_instructions", TextArea).text,
                location_id=location if isinstance(location, int) else None,
            )
        except ValidationError as exc:
            self._problem(exc.message)
            return
        if self.schedule_id is None:
            self.run_db(pm.create_schedule, self.ctx, inp, then=lambda s: self.dismiss(s.id))
        else:
            self.run_db(
                pm.update_schedule,
                self.ctx,
                self.schedule_id,
                inp,
                then=lambda s: self.dismiss(s.id),
            )

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()


class MeterReadingDialog(WoModal):
    """A meter reading for a schedule's asset; ``reset`` when the meter was replaced.
    Dismisses with ``(value, reset)``; the domain checks the number."""

    DEFAULT_CSS = """
    MeterReadingDialog { align: center middle; }
    MeterReadingDialog > #dialog {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    MeterReadingDialog #title-line { text-style: bold; }
    MeterReadingDialog #problems { color: $error; height: auto; }
    MeterReadingDialog .hint { color: $text-muted; }
    """

    def __init__(self, asset_tag: str, meter: str, last: str) -> None:
        super().__init__()
        self.heading = f"Reading of {meter} on {asset_tag}"
        self.last = last

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(clean_line(self.heading)), id="title-line")
            yield Static(Text(self.last), classes="hint")
            yield Input(id="value", placeholder="value, e.g. 1520")
            yield Checkbox("Meter replaced: this reading starts the new meter", id="reset")
            yield Static("", id="problems")
            yield Static(
                Text("enter: record   tab, space: meter replaced   escape: cancel"), classes="hint"
            )

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()

    @on(Checkbox.Changed, "#reset")
    def _ticked(self) -> None:
        """Back to the value, so tab, space, enter records a reset."""
        self.query_one("#value", Input).focus()

    @on(Input.Submitted, "#value")
    def _submit(self, event: Input.Submitted) -> None:
        try:
            value = _number(event.value, "The reading", float)
        except ValidationError as exc:
            self.query_one("#problems", Static).update(Text(exc.message))
            return
        if value is None:
            self.query_one("#problems", Static).update(Text("Type the meter's reading."))
            return
        self.dismiss((value, self.query_one("#reset", Checkbox).value))


def _detail_text(detail: pm.ScheduleDetail) -> Text:
    text = Text.assemble((f"PM #{detail.id} ", "bold"), (clean_line(detail.title), "bold"))
    if detail.instructions.strip():
        text.append("\n" + one_line(detail.instructions, 200), style="dim")
    if detail.meter:
        reading = detail.reading
        seen = (
            f"{reading.value:,g} at {reading.read_at.astimezone():%Y-%m-%d %H:%M}"
            if reading is not None
            else "no reading yet"
        )
        text.append(f"\nMeter {clean_line(detail.meter)}: {seen}")
        if detail.meter_target is not None:
            text.append(f"; next PM at {detail.meter_target:,g}")
    if not detail.occurrences:
        text.append("\nNo occurrences yet.", style="dim")
        return text
    text.append("\nOccurrences, newest first:", style="bold")
    for o in detail.occurrences:
        what = f"{o.work_order} ({o.work_status})" if o.work_order else clean_line(o.reason)
        style = "" if o.status == pm.GENERATED else "yellow"
        text.append(f"\n{o.due}  ")
        text.append(f"{o.status:<9}", style=style)
        text.append(f"  {what}")
    return text


class PMScreen(WoScreen):
    """Every PM schedule: next due, last done, compliance; the highlighted one's detail."""

    BROWSE = True
    HELP = (
        "Preventive maintenance schedules: next due date, last completion and the share of "
        "PM work done on time (within 10% of the interval; work inside that window is "
        "pending). The pane below shows the highlighted schedule's meter and occurrences. "
        "n new, e edit, p pause or resume, x skip the next date, m record a meter reading, "
        "w generate the work that is due now."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="pm_new"),
        Binding("e", "edit", "Edit", id="pm_edit"),
        Binding("p", "pause", "Pause", id="pm_pause"),
        Binding("x", "skip", "Skip", id="pm_skip"),
        Binding("m", "reading", "Reading", id="pm_reading"),
        Binding("w", "generate", "Generate", id="pm_generate"),
        Binding("j", "cursor('down')", "Down", id="pm_down", show=False),
        Binding("k", "cursor('up')", "Up", id="pm_up", show=False),
    ]
    DEFAULT_CSS = """
    PMScreen #summary { height: auto; padding: 0 1; background: $boost; }
    PMScreen DataTable { height: 1fr; }
    PMScreen #detail { height: 40%; max-height: 16; border-top: solid $accent; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[pm.ScheduleRow] = []
        self.detail: pm.ScheduleDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("PM schedules", id="summary")
        yield DataTable(id="schedules", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="detail"):
            yield Static("", id="detail-body")
        yield WoFooter()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#schedules", DataTable)

    def on_mount(self) -> None:
        for key, label in (
            ("id", "#"),
            ("title", "Title"),
            ("for", "For"),
            ("next", "Next due"),
            ("last", "Last done"),
            ("open", "Open"),
            ("compliance", "On time"),
            ("trigger", "Trigger"),
        ):
            self.table.add_column(label, key=key)
        self.table.focus()
        self.reload()

    def reload(self) -> None:
        self.run_db(
            pm.list_schedules,
            self.ctx.store,
            actor=self.ctx.actor,
            then=self._show,
            group="pm_list",
            exclusive=True,
        )

    def _show(self, rows: list[pm.ScheduleRow]) -> None:
        self.rows = rows
        table = self.table
        keep = table.cursor_row
        table.clear()
        for r in rows:
            state = "" if r.active else " (paused)"
            table.add_row(
                Text(str(r.id)),
                Text(clean_line(r.title) + state, style="" if r.active else "dim"),
                Text(clean_line(r.target)),
                Text(str(r.next_due or "-")),
                Text(r.last_done.astimezone().strftime("%Y-%m-%d") if r.last_done else "-"),
                Text(str(r.open_work)),
                Text(r.compliance_text),
                Text(clean_line(r.trigger)),
                key=str(r.id),
            )
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        active = sum(1 for r in rows if r.active)
        self.query_one("#summary", Static).update(
            Text.assemble(
                ("PM schedules", "bold"), f"  {active} active, {len(rows) - active} paused"
            )
        )
        self.refresh_bindings()
        self._load_detail()

    def _load_detail(self) -> None:
        if (row := self.current) is None:
            self.detail = None
            self.query_one("#detail-body", Static).update(Text("No schedule.", style="dim"))
            return
        self.run_db(
            pm.schedule_detail,
            self.ctx.store,
            row.id,
            actor=self.ctx.actor,
            then=self._show_detail,
            group="pm_detail",
            exclusive=True,
        )

    def _show_detail(self, detail: pm.ScheduleDetail) -> None:
        self.detail = detail
        self.query_one("#detail-body", Static).update(_detail_text(detail))

    @property
    def current(self) -> pm.ScheduleRow | None:
        if not self.rows or not self.is_mounted:
            return None
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reading":
            row = self.current
            if row is None or not row.meter or not row.asset_tag:
                return None
            return True if perm.may(self.ctx.actor, "record_meter") else None
        if action in ("new", "edit", "pause", "skip", "generate"):
            if not perm.may(self.ctx.actor, "manage_pm"):
                return None
            if action in ("edit", "pause", "skip") and self.current is None:
                return None
        return True

    def action_cursor(self, where: str) -> None:
        if where == "down":
            self.table.action_cursor_down()
        else:
            self.table.action_cursor_up()

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()
        if self.detail is None or (self.current and self.current.id != self.detail.id):
            self._load_detail()

    def _saved(self, schedule_id: int) -> None:
        self.notify(f"PM #{schedule_id} saved.", markup=False)
        self.reload()

    def action_new(self) -> None:
        ask(self, ScheduleForm(), self._saved)

    def action_edit(self) -> None:
        if (row := self.current) is None:
            return
        self.run_db(
            pm.schedule_input,
            self.ctx.store,
            row.id,
            then=lambda inp: ask(self, ScheduleForm(row.id, inp), self._saved),
        )

    def action_pause(self) -> None:
        if (row := self.current) is None:
            return
        verb = "resumed" if not row.active else "paused"
        self.run_db(
            pm.set_active,
            self.ctx,
            row.id,
            not row.active,
            then=lambda _: self._done(f"PM #{row.id} {verb}."),
        )

    def action_skip(self) -> None:
        if (row := self.current) is None:
            return

        def skip(reason: str) -> None:
            self.run_db(
                pm.skip_next,
                self.ctx,
                row.id,
                reason,
                then=lambda day: self._done(f"PM #{row.id}: {day} recorded as skipped."),
            )

        ask(self, ReasonPrompt(f"Skip the next date of PM #{row.id}"), skip)

    def action_reading(self) -> None:
        row = self.current
        if row is None or not row.asset_tag or not row.meter:
            return
        tag, meter = row.asset_tag, row.meter
        detail = self.detail if self.detail is not None and self.detail.id == row.id else None
        reading = detail.reading if detail is not None else None
        last = f"Last reading: {reading.value:,g}" if reading is not None else "No reading yet."

        def record(answer: tuple[float, bool]) -> None:
            value, reset = answer
            self.run_db(
                pm.record_reading,
                self.ctx,
                tag,
                meter,
                value,
                reset=reset,
                then=lambda _: self._done(
                    f"{tag} {meter} = {value:g}" + (" (meter reset)" if reset else "")
                ),
            )

        ask(self, MeterReadingDialog(tag, meter, last), record)

    def action_generate(self) -> None:
        def report(result: pm.RunResult) -> None:
            made = len(result.generated)
            self._done(f"Generated {made} PM work order{'s' if made != 1 else ''}.")

        self.run_db(pm.run, self.ctx, then=report, group="pm_run", exclusive=True)

    def _done(self, message: str) -> None:
        self.notify(message, markup=False)
        self.reload()


def _checklist(store: Any, number: int, actor: Any) -> tuple[list[Any], dict[int, int]]:
    return (
        pm.checklist(store, number, actor=actor),
        pm.checklist_follow_ups(store, number, actor=actor),
    )


class ChecklistDialog(WoModal):
    """Tick a work order's checklist by keys: p pass, f fail, n n/a, c clear, e note,
    F fail and raise follow-up work. Any screen can push it with the WO number."""

    DEFAULT_CSS = """
    ChecklistDialog { align: center middle; }
    ChecklistDialog > #dialog {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    ChecklistDialog OptionList { height: auto; max-height: 16; }
    ChecklistDialog #title-line { text-style: bold; }
    ChecklistDialog .hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "mark('pass')", "Pass", id="checklist_pass"),
        Binding("f", "mark('fail')", "Fail", id="checklist_fail"),
        Binding("n", "mark('na')", "N/a", id="checklist_na"),
        Binding("c", "mark('')", "Clear", id="checklist_clear"),
        Binding("e", "note", "Note", id="checklist_note"),
        Binding("F", "follow_up", "Fail + follow-up", id="checklist_follow_up"),
        Binding("j", "move(1)", "Down", id="checklist_down", show=False),
        Binding("k", "move(-1)", "Up", id="checklist_up", show=False),
    ]

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.items: list[Any] = []
        self.follow_ups: dict[int, int] = {}
        """Checklist position -> number of the follow-up work it raised."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Checklist of {wo_label(self.number)}"), id="title-line")
            yield OptionList(id="items")
            yield Static(
                Text("p pass  f fail  n n/a  c clear  e note  F fail + follow-up  esc close"),
                classes="hint",
            )

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.run_db(
            _checklist,
            self.ctx.store,
            self.number,
            self.ctx.actor,
            then=self._show,
            group="checklist",
        )

    def _show(self, loaded: tuple[list[Any], dict[int, int]]) -> None:
        items, self.follow_ups = loaded
        self.items = items
        options = self.query_one("#items", OptionList)
        keep = options.highlighted or 0
        options.clear_options()
        for item in items:
            label = Text(f"{item.position:>2}. [{pm.RESULT_LABELS[item.result]:>4}] ")
            label.append(clean_line(item.text), style="red" if item.result == "fail" else "")
            if item.note:
                label.append(f"  ({clean_line(item.note)})", style="dim")
            if item.position in self.follow_ups:
                label.append(f"  -> {wo_label(self.follow_ups[item.position])}", style="bold")
            options.add_option(label)
        if items:
            options.highlighted = min(keep, len(items) - 1)
        else:
            options.add_option(Text("This work order has no checklist."))
        options.focus()

    @property
    def current(self) -> Any:
        index = self.query_one("#items", OptionList).highlighted
        return self.items[index] if index is not None and 0 <= index < len(self.items) else None

    def action_move(self, step: int) -> None:
        options = self.query_one("#items", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def _set(self, result: str, note: str, follow_up: Any = None) -> None:
        item = self.current
        if item is None:
            return

        def done(created: Any) -> None:
            if created is not None:
                self.notify(f"Follow-up {wo_label(created.number)} raised.", markup=False)
            self.reload()

        self.run_db(
            pm.set_checklist_item,
            self.ctx,
            self.number,
            item.position,
            result,
            note,
            follow_up=follow_up,
            then=done,
        )

    def action_mark(self, result: str) -> None:
        if (item := self.current) is not None:
            self._set(result, item.note)

    def action_note(self) -> None:
        if (item := self.current) is None:
            return
        prompt = ReasonPrompt(f"Note on item {item.position}", "Note", required=False)
        ask(self, prompt, lambda note: self._set(item.result, note))

    def action_follow_up(self) -> None:
        if (item := self.current) is None:
            return
        if item.position in self.follow_ups:
            self.notify(
                f"Item {item.position} already raised follow-up "
                f"{wo_label(self.follow_ups[item.position])}.",
                severity="warning",
                markup=False,
            )
            return
        prompt = ReasonPrompt(f"Item {item.position} failed: follow-up work", "What is needed")
        ask(
            self,
            prompt,
            lambda text: self._set("fail", item.note, FollowUpInput(description=text)),
        )

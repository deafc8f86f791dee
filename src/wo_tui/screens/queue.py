"""The technician's queue: my work, then my team's unclaimed work, by priority and
time to breach. Every step of doing the job is one key, so it works from a phone
over SSH at 80x24. A dispatcher can open anyone's queue (``w``).

Each key acts on the one row under the cursor (a job is done one at a time, so
the queue has no marks); the footer shows the keys that apply to that row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from wo_tui import clock
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain import services as sv
from wo_tui.errors import WoError
from wo_tui.screens.base import ListScreen, update_text
from wo_tui.screens.board import is_overdue, minute_now, work_columns
from wo_tui.store import queries
from wo_tui.store.queries import BoardRow
from wo_tui.text import clean_line
from wo_tui.widgets.chrome import WoFooter
from wo_tui.widgets.paged_table import PagedTable
from wo_tui.widgets.pickers import (
    AssignChoice,
    AssigneePicker,
    HoldChoice,
    HoldPrompt,
    LabourChoice,
    LabourPrompt,
    PartChoice,
    PartPicker,
    TextPrompt,
    ask,
)

LOCATE_SCAN = 5000
"""A queue is one person's work; a moved row is searched for this far down."""


@dataclass
class QueueSource:
    """One person's queue for the table's worker threads."""

    store: Any
    user_id: int
    team_id: int | None
    total: int = 0
    overdue: int = 0

    def interrupt(self) -> None:
        self.store.stop_reads()

    def count(self) -> int:
        self.total, self.overdue = queries.queue_count(
            self.store, self.user_id, self.team_id, clock.now()
        )
        return self.total

    def fetch(self, offset: int, limit: int, after: Any, before: Any) -> list[BoardRow]:
        return queries.queue_page(self.store, self.user_id, self.team_id, offset, limit)

    def last(self, limit: int) -> list[BoardRow]:
        start = max(self.total - limit, 0)
        return queries.queue_page(self.store, self.user_id, self.team_id, start, limit)

    def locate(self, row: BoardRow) -> tuple[int, BoardRow] | None:
        for start in range(0, min(self.total, LOCATE_SCAN), 500):
            page = queries.queue_page(self.store, self.user_id, self.team_id, start, 500)
            for i, fresh in enumerate(page):
                if fresh.ident == row.ident:
                    return start + i, fresh
        return None


VERBS = {
    "start": "start",
    "hold": "hold",
    "resume": "resume",
    "note": "add_note",
    "log_time": "log_labour",
    "use_part": "use_part",
    "complete": "complete",
}


class QueueScreen(ListScreen):
    """My queue."""

    HELP = (
        "Your work orders first, then your team's that nobody has taken, most urgent "
        "first. Start, note, log time and parts as you go; complete opens the closeout form."
    )
    BROWSE = True
    ROW_ACTIONS = frozenset({*VERBS, "checklist", "asset_history", "whose"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start", id="queue_start"),
        Binding("h", "hold", "Hold", id="queue_hold"),
        Binding("r", "resume", "Resume", id="queue_resume"),
        Binding("n", "note", "Note", id="queue_note"),
        Binding("l", "log_time", "Time", id="queue_log_time"),
        Binding("p", "use_part", "Part", id="queue_use_part"),
        Binding("c", "complete", "Complete", id="queue_complete"),
        Binding("t", "checklist", "Checklist", id="queue_checklist"),
        Binding("y", "asset_history", "History", id="queue_asset_history"),
        Binding("w", "whose", "Whose", id="queue_whose"),
    ]
    DEFAULT_CSS = """
    QueueScreen #summary { height: auto; padding: 0 1; background: $boost; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.source: QueueSource | None = None
        self.owner = ""

    def compose(self) -> ComposeResult:
        yield Static("My queue", id="summary")
        columns = [
            c for c in work_columns(clock.now, self.ctx.settings.sla) if c.label != "Assignee"
        ]
        yield PagedTable(
            columns,
            alert=lambda r: is_overdue(r, clock.now()),
            empty="Nothing in this queue.",
            markable=False,
            id="queue",
        )
        yield WoFooter()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#queue", PagedTable)

    @property
    def row(self) -> BoardRow | None:
        return self.table.current if self.is_mounted else None

    def on_mount(self) -> None:
        self.table.minute = minute_now
        actor = self.ctx.actor
        self.show_queue(actor.id, actor.team_id, actor.display_name)
        self.table.focus()

    def show_queue(self, user_id: int, team_id: int | None, name: str) -> None:
        self.owner = clean_line(name)
        self.source = QueueSource(self.ctx.store.cancellable(), user_id, team_id)
        self.table.set_source(self.source)

    def reload(self) -> None:
        self.table.reload()

    @on(PagedTable.Loaded)
    def _loaded(self) -> None:
        overdue = self.source.overdue if self.source is not None else 0
        whose = "My queue" if self.source and self.source.user_id == self.ctx.actor.id else None
        title = whose or f"Queue of {self.owner}"
        summary = Text.assemble((title, "bold"), f"  {self.table.total} work orders")
        if overdue:
            summary.append(f" · {overdue} overdue", style="bold red")
        update_text(self.query_one("#summary", Static), summary)

    @on(PagedTable.Selected)
    def _open(self, event: PagedTable.Selected) -> None:
        self.wo_app.open_work_order(event.row.number)

    def why_not(self, action: str) -> str | None:
        """Role, then whose work it is, then the lifecycle: the service's own words."""
        if action not in self.ROW_ACTIONS:
            return super().why_not(action)
        if not self.is_mounted:
            return None
        actor = self.ctx.actor
        if action == "whose":
            if perm.may(actor, "view_all_work") and actor.role != perm.TECHNICIAN:
                return None
            return "Only a dispatcher opens someone else's queue."
        row = self.row
        if row is None:
            return "Nothing is selected: the queue is empty."
        if action == "asset_history":
            return None if row.asset_tag else f"{row.label} has no asset."
        verb = "checklist" if action == "checklist" else VERBS[action]
        try:
            perm.require_work(actor, verb, row.label, row.assignee_id, row.team_id)
            if verb != "checklist":
                lc.check(verb, row.label, row.status)
        except WoError as refused:
            return refused.message
        return None

    def _row_for(self, action: str) -> BoardRow | None:
        if self.explain(action):
            return None
        return self.row

    def _after(self, message: str) -> Callable[[Any], None]:
        def done(_: Any) -> None:
            self.notify(message, markup=False)
            self.reload()

        return done

    def action_start(self) -> None:
        if row := self._row_for("start"):
            self.run_db(
                sv.start,
                self.ctx,
                row.number,
                expected_version=row.version,
                then=self._after(f"Started {row.label}"),
            )

    def action_resume(self) -> None:
        if row := self._row_for("resume"):
            self.run_db(
                sv.resume,
                self.ctx,
                row.number,
                expected_version=row.version,
                then=self._after(f"Resumed {row.label}"),
            )

    def action_hold(self) -> None:
        row = self._row_for("hold")
        if row is None:
            return

        def chosen(choice: HoldChoice) -> None:
            self.run_db(
                sv.hold,
                self.ctx,
                row.number,
                choice.code,
                choice.detail,
                expected_version=row.version,
                then=self._after(f"{row.label} is on hold ({lc.HOLD_REASONS[choice.code]})"),
            )

        ask(self, HoldPrompt(f"Put {row.label} on hold"), chosen)

    def action_note(self) -> None:
        row = self._row_for("note")
        if row is None:
            return

        def written(body: str) -> None:
            self.run_db(
                sv.add_note,
                self.ctx,
                row.number,
                body,
                then=self._after(f"Note added to {row.label}"),
            )

        ask(self, TextPrompt(f"Note on {row.label}", "Note"), written)

    def action_log_time(self) -> None:
        row = self._row_for("log_time")
        if row is None:
            return

        def chosen(entry: LabourChoice) -> None:
            self.run_db(
                sv.log_labour,
                self.ctx,
                row.number,
                entry.minutes,
                work_date=entry.work_date,
                then=self._after(f"Logged {entry.minutes} min on {row.label}"),
            )

        ask(self, LabourPrompt(f"Log time on {row.label}"), chosen)

    def action_use_part(self) -> None:
        row = self._row_for("use_part")
        if row is None:
            return

        def chosen(part: PartChoice) -> None:
            self.run_db(
                sv.use_part,
                self.ctx,
                row.number,
                part.part_number,
                part.quantity,
                then=self._after(f"{part.quantity:g} x {part.part_number} on {row.label}"),
            )

        ask(self, PartPicker(f"Part used on {row.label}"), chosen)

    def action_complete(self) -> None:
        row = self._row_for("complete")
        if row is None:
            return
        from wo_tui.screens.closeout import CloseoutScreen

        self.app.push_screen(CloseoutScreen(row.number))

    def action_checklist(self) -> None:
        if (row := self._row_for("checklist")) is not None:
            from wo_tui.screens.pm import ChecklistDialog

            self.app.push_screen(ChecklistDialog(row.number))

    def action_asset_history(self) -> None:
        if (row := self._row_for("asset_history")) is not None:
            self.wo_app.open_asset(row.asset_tag)

    def action_whose(self) -> None:
        if self.explain("whose"):
            return

        def chosen(choice: AssignChoice) -> None:
            if choice.user_id is not None:
                self.show_queue(choice.user_id, choice.team_id, choice.label)

        ask(self, AssigneePicker("Whose queue?", include_teams=False), chosen)

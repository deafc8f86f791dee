"""Everything that was done to one asset: its work orders newest first, what they cost,
and how reliable it has been (failures, MTBF, MTTR from ``domain.history``, the same
numbers the reports print)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from wo_tui.domain import history
from wo_tui.domain import lifecycle as lc
from wo_tui.domain.history import AssetHistory
from wo_tui.domain.refs import wo_label
from wo_tui.domain.units import format_minutes, format_money
from wo_tui.screens.base import WoScreen
from wo_tui.text import clean_line, one_line
from wo_tui.widgets.chrome import WoFooter

TITLE_WIDTH = 80


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} h"


class AssetHistoryScreen(WoScreen):
    """One asset's work orders and reliability; enter opens a work order."""

    BROWSE = True
    HELP = "An asset's history: every work order newest first, costs, failures, MTBF and MTTR."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="history_open", show=True),
        Binding("j", "cursor('down')", "Down", id="history_down", show=False),
        Binding("k", "cursor('up')", "Up", id="history_up", show=False),
        Binding("g", "cursor('top')", "Top", id="history_top", show=False),
        Binding("G", "cursor('bottom')", "Bottom", id="history_bottom", show=False),
    ]
    DEFAULT_CSS = """
    AssetHistoryScreen #summary { height: auto; padding: 0 1; }
    AssetHistoryScreen DataTable { height: 1fr; }
    """

    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag = tag
        self.history: AssetHistory | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content.from_markup("[b]$tag[/b]", tag=clean_line(self.tag)), id="summary")
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield WoFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Asset {clean_line(self.tag)}"
        table = self.query_one(DataTable)
        table.add_column("Work order", key="number")
        table.add_column("Requested", key="requested")
        table.add_column("Kind", key="kind")
        table.add_column("Status", key="status")
        table.add_column("Cost", key="cost")
        table.add_column("Title", key="title")
        self.reload()

    def reload(self) -> None:
        self.run_db(
            history.asset_history,
            self.ctx.store,
            self.tag,
            then=self._show,
            group="history",
            exclusive=True,
        )

    def _show(self, h: AssetHistory) -> None:
        """Redrawn only when it changed, so the cursor and scroll stay put."""
        if h == self.history:
            return
        self.history = h
        rel = h.reliability
        availability = "-" if rel.availability is None else f"{rel.availability:.1%}"
        self.query_one("#summary", Static).update(
            Content.from_markup(
                "[b]$tag[/b] $name\n"
                "$count work orders  labour $minutes  cost $cost "
                "[dim](labour $labour, parts $parts)[/]\n"
                "Failures $failures  MTBF $mtbf  MTTR $mttr  availability $availability",
                tag=clean_line(h.tag),
                name=clean_line(h.name),
                count=str(h.work_orders),
                minutes=format_minutes(h.labour_minutes),
                cost=format_money(h.cost_cents),
                labour=format_money(h.labour_cents),
                parts=format_money(h.parts_cents),
                failures=str(rel.failures),
                mtbf=_hours(rel.mtbf_hours),
                mttr=_hours(rel.mttr_hours),
                availability=availability,
            )
        )
        table = self.query_one(DataTable)
        current = table.cursor_row
        table.clear()
        for row in h.rows:
            table.add_row(
                Text(wo_label(row.number)),
                Text(row.requested_at.astimezone().strftime("%Y-%m-%d")),
                Text(clean_line(row.kind.replace("_", " "))),
                Text(clean_line(lc.STATUS_LABELS.get(row.status, row.status))),
                Text(format_money(row.cost_cents), justify="right"),
                Text(one_line(row.title, TITLE_WIDTH)),
                key=str(row.number),
            )
        if h.rows:
            table.move_cursor(row=min(current, len(h.rows) - 1))

    def action_cursor(self, where: str) -> None:
        table = self.query_one(DataTable)
        if where == "down":
            table.action_cursor_down()
        elif where == "up":
            table.action_cursor_up()
        elif where == "top":
            table.move_cursor(row=0)
        else:
            table.move_cursor(row=table.row_count - 1)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.wo_app.open_work_order(int(event.row_key.value))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.history is None or not self.history.rows:
            return
        self.wo_app.open_work_order(self.history.rows[table.cursor_row].number)

"""Reports: pick one on the left, read its table, its trend as bars, its formula.

Reports are computed by ``domain.reports`` in a thread; they scan the whole
period, so they are not recomputed on every change made elsewhere (``r``
refreshes on demand). The formula stays on screen under the report at any
terminal size; the table is at most 40% of the terminal high, so on a short one
the chart and summary are a scroll away below it, never off the end.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, OptionList, Static
from textual.widgets.option_list import Option

from wo_tui import clock
from wo_tui.domain import reports as rp
from wo_tui.domain.units import format_money, parse_date
from wo_tui.errors import ValidationError
from wo_tui.screens.base import WoScreen
from wo_tui.store import queries
from wo_tui.text import clean_line, one_line
from wo_tui.widgets.chrome import WoFooter
from wo_tui.widgets.pickers import MenuDialog, TextPrompt, ask

BAR_WIDTH = 30
CELL_WIDTH = 40


def cell(column: rp.Column, value: Any) -> Text:
    """One value for a person: money, shares and hours formatted; text never markup."""
    if value is None:
        return Text("-", style="dim")
    if column.kind == "cents":
        return Text(format_money(int(value)), justify="right")
    if column.kind == "pct":
        return Text(f"{value:.1f}%", justify="right")
    if column.kind == "hours":
        return Text(f"{value:,.2f}", justify="right")
    if column.kind == "int":
        return Text(str(value), justify="right")
    if column.kind == "datetime":
        return Text(value.astimezone().strftime("%Y-%m-%d %H:%M"))
    return Text(one_line(str(value), CELL_WIDTH))


def bars(series: list[tuple[str, float]], label: str, width: int = BAR_WIDTH) -> Table:
    """A trend as horizontal Rich bars, one line per point."""
    top = max((v for _, v in series), default=0.0) or 1.0
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    for name, value in series:
        filled = round(width * max(value, 0.0) / top)
        grid.add_row(
            Text(name),
            Text("█" * filled + "·" * (width - filled), style="cyan"),
            Text(f"{value:,.1f}"),
        )
    grid.title = label
    return grid


def parse_period(text: str, today: date) -> tuple[date, date]:
    """``2026-03-01..2026-03-31``, ``2026-03-01..`` or a number of days back from today."""
    raw = text.strip()
    if raw.isascii() and raw.isdecimal():
        days = int(raw)
        if days < 1:
            raise ValidationError("A period is at least one day.")
        return today - timedelta(days=days - 1), today
    if ".." not in raw:
        raise ValidationError("Type FROM..TO dates (2026-03-01..2026-03-31) or a number of days.")
    start, _, end = raw.partition("..")
    return parse_date(start), parse_date(end) if end.strip() else today


ALL_SITES = "*"


def summary_text(report: rp.Report) -> Text:
    """The summary for a person: one line of totals, then one line per team (backlog)."""
    parts = []
    lines: list[str] = []
    for key, value in report.summary.items():
        if isinstance(value, list):
            lines.extend(_item_line(item) for item in value)
            continue
        if key.endswith("_cents") and value is not None:
            value = format_money(int(value))
        parts.append(f"{key.replace('_', ' ')}: {'-' if value is None else value}")
    return Text("\n".join(["   ".join(parts), *lines]).strip())


def _item_line(item: dict[str, Any]) -> str:
    """``  Mechanical: 43 h backlog = 0.28 crew-weeks; ready 35 h = 0.23 (152 h/week)``."""

    def num(key: str) -> str:
        value = item.get(key)
        return "-" if value is None else f"{value:g}"

    return (
        f"  {clean_line(str(item.get('team', '')))}: {num('backlog_hours')} h backlog = "
        f"{num('crew_weeks')} crew-weeks; ready {num('ready_hours')} h = "
        f"{num('ready_crew_weeks')} ({num('weekly_capacity_hours')} h/week)"
    )


class ReportsScreen(WoScreen):
    """The supervisor's reports, each with its formula."""

    BROWSE = True
    HELP = (
        "Reports: choose one on the left (enter), tab to its table. p sets the period "
        "(FROM..TO or a number of days), s the site, r recomputes, c scrolls to the chart and "
        "summary under the table. Each report shows its formula at the bottom."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "period", "Period", id="reports_period"),
        Binding("s", "site", "Site", id="reports_site"),
        Binding("r", "refresh", "Refresh", id="reports_refresh"),
        Binding("c", "chart", "Chart", id="reports_chart"),
    ]
    DEFAULT_CSS = """
    ReportsScreen #reports-main { height: 1fr; }
    ReportsScreen #reports-list { width: 22; height: 1fr; }
    ReportsScreen #report-pane { width: 1fr; height: 1fr; }
    ReportsScreen #report-body { height: 1fr; }
    ReportsScreen #report-title { text-style: bold; padding: 0 1; }
    ReportsScreen #report-table { height: auto; max-height: 40vh; }
    ReportsScreen #report-chart, ReportsScreen #report-summary { padding: 0 1; height: auto; }
    ReportsScreen #report-formula {
        padding: 0 1; color: $text-muted; height: auto; max-height: 8;
        border-top: solid $panel;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.name_shown = "backlog"
        self.since: date | None = None
        self.until: date | None = None
        self.site: str | None = None
        self.report: rp.Report | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="reports-main"):
            yield OptionList(
                *(Option(Text(spec.title), id=spec.name) for spec in rp.REPORTS.values()),
                id="reports-list",
            )
            with Vertical(id="report-pane"):
                yield Static("", id="report-title")
                with VerticalScroll(id="report-body"):
                    yield DataTable(id="report-table", zebra_stripes=True, cursor_type="row")
                    yield Static("", id="report-chart")
                    yield Static("", id="report-summary")
        yield Static("", id="report-formula")
        yield WoFooter()

    def on_mount(self) -> None:
        self.query_one("#reports-list", OptionList).focus()
        self.reload()

    def on_data_changed(self) -> None:
        """Reports scan a whole period: recompute on request (r), not on every change."""

    def reload(self) -> None:
        period = rp.Period.of(self.since, self.until, self.site)
        self.query_one("#report-title", Static).update(
            Text(f"{rp.REPORTS[self.name_shown].title}: computing…")
        )
        self.run_db(
            rp.run_report,
            self.ctx,
            self.name_shown,
            period,
            then=self._show,
            group="report",
            exclusive=True,
        )

    @on(OptionList.OptionSelected, "#reports-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.name_shown = event.option.id
            self.reload()

    def _show(self, report: rp.Report) -> None:
        self.report = report
        period = report.period
        last_day = (period.until - timedelta(days=1)).date()
        where = f", site {clean_line(period.site)}" if period.site else ""
        self.query_one("#report-title", Static).update(
            Text(f"{report.title}  {period.since.date()} to {last_day} (UTC){where}")
        )
        table = self.query_one("#report-table", DataTable)
        table.clear(columns=True)
        for column in report.columns:
            table.add_column(column.name, key=column.name)
        for row in report.rows:
            table.add_row(*(cell(c, v) for c, v in zip(report.columns, row, strict=True)))
        chart = self.query_one("#report-chart", Static)
        chart.update(bars(report.series, report.series_label) if len(report.series) > 1 else "")
        self.query_one("#report-summary", Static).update(summary_text(report))
        self.query_one("#report-formula", Static).update(Text(report.formula))

    def action_refresh(self) -> None:
        self.reload()

    def action_chart(self) -> None:
        """Focus the report's scroll area at its end, where the chart and summary are;
        up, down and page keys then move through the whole report."""
        body = self.query_one("#report-body", VerticalScroll)
        body.focus()
        body.scroll_end(animate=False)

    def action_period(self) -> None:
        def chosen(text: str) -> None:
            try:
                since, until = parse_period(text, clock.now().astimezone(UTC).date())
                rp.Period.of(since, until)
            except ValidationError as exc:
                self.notify(exc.message, severity="error", markup=False)
                return
            self.since, self.until = since, until
            self.reload()

        ask(self, TextPrompt("Period", "FROM..TO (YYYY-MM-DD) or days back"), chosen)

    def action_site(self) -> None:
        def chosen(code: str) -> None:
            self.site = None if code == ALL_SITES else code
            self.reload()

        def pick(sites: list[queries.Named]) -> None:
            choices = [(ALL_SITES, "All sites")] + [(s.key, f"{s.key}  {s.name}") for s in sites]
            ask(self, MenuDialog("Report for which site?", choices), chosen)

        self.run_db(queries.sites, self.ctx.store, then=pick)

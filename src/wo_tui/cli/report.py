"""``wo-tui report NAME``: print a report as a table, CSV or JSON.

CSV and JSON are for other programs: their columns are the documented names,
money is integer cents, hours have two decimals, and an undefined value is empty
(CSV) or null (JSON). The table is for people and formats money and shares.

CSV is the rows under a header of the column names, then one empty line, then the
summary as ``summary_key,summary_value`` lines in the documented order; a summary
list (backlog's teams) gives one line per item and field, keyed
``teams[NAME].FIELD``. JSON carries the same summary as an object.

Text in a report comes from the database, which another program may have written:
every string is stripped of control characters (an escape sequence could drive the
terminal), and in CSV a cell that a spreadsheet would run as a formula is quoted.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

from wo_tui.cli import CliState, main, pass_state
from wo_tui.domain.units import format_money, parse_date
from wo_tui.text import clean, clean_line

if TYPE_CHECKING:
    from wo_tui.domain.reports import Column, Report

FORMATS = ("table", "csv", "json")


def _help() -> str:
    from wo_tui.domain.reports import REPORTS

    lines = [
        "Print report NAME for a period (default: the last 365 days, up to today).",
        "",
        "--since and --until are UTC dates; --until is included. CSV: the rows, an empty "
        "line, then summary_key,summary_value lines. Reports:",
    ]
    for spec in REPORTS.values():
        columns = ", ".join(c.name for c in spec.columns)
        summary = ", ".join(c.name for c in spec.summary) or "none"
        lines += [
            "",
            f"{spec.name} ({spec.title}): {spec.formula} Columns: {columns}. Summary: {summary}.",
        ]
    return "\n".join(lines)


def machine_value(value: Any) -> Any:
    """A value for CSV or JSON: dates as ISO text, strings without control characters."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return clean(value)
    return value


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {clean(str(k)): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return machine_value(value)


def human_value(column: Column, value: Any) -> str:
    if value is None:
        return "-"
    if column.kind == "cents":
        return format_money(int(value))
    if column.kind == "pct":
        return f"{value:.1f}%"
    if column.kind == "hours":
        return f"{value:,.2f}"
    if column.kind == "datetime":
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return str(value)


def _csv_cell(value: Any) -> Any:
    from wo_tui.domain.exporting import neutralise

    return "" if value is None else neutralise(machine_value(value))


def write_csv(
    columns: list[str], rows: Iterable[list[Any]], summary: dict[str, Any] | None = None
) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(columns)
    for row in rows:
        out.writerow([_csv_cell(v) for v in row])
    if summary is None:
        return
    out.writerow([])
    out.writerow(["summary_key", "summary_value"])
    for key, value in summary.items():
        if isinstance(value, list):
            for item in value:
                name = clean_line(str(next(iter(item.values()), "")))
                for field, v in list(item.items())[1:]:
                    out.writerow([_csv_cell(f"{key}[{name}].{field}"), _csv_cell(v)])
        else:
            out.writerow([key, _csv_cell(value)])


def write_machine(fmt: str, columns: list[str], rows: list[list[Any]]) -> bool:
    """Rows as CSV or a JSON array of objects when ``fmt`` asks for either; ``False``
    when it is the table, which each command lays out itself."""
    if fmt == "csv":
        write_csv(columns, rows)
    elif fmt == "json":
        records = [dict(zip(columns, (machine_value(v) for v in row), strict=True)) for row in rows]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    else:
        return False
    return True


NUMERIC = ("int", "hours", "pct", "cents")
WRAPPING = ("title", "name", "trigger", "for", "reason")
"""Free-text columns that may wrap; every other cell stays on one line."""


def print_table(
    title: str,
    columns: list[str],
    rows: list[list[str]],
    footer: str = "",
    numeric: set[str] | None = None,
) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = [[clean_line(cell) for cell in row] for row in rows]
    table = Table(title=Text(clean_line(title)), box=box.SIMPLE_HEAD)
    widths = [len(name) for name in columns]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    for name, width in zip(columns, widths, strict=True):
        wraps = name in WRAPPING
        table.add_column(
            name,
            justify="right" if name in (numeric or set()) else "left",
            no_wrap=not wraps,
            min_width=min(width, 12) if wraps else width,
            max_width=40 if wraps else None,
        )
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console = Console()
    # Never cut a number to fit a narrow terminal: the table takes the width it needs.
    natural = sum(min(w, 40) + 3 for w in widths) + 2
    Console(width=max(console.width, natural)).print(table)
    if footer:
        click.echo(click.wrap_text(footer, width=min(console.width, 100)))


def _shown(value: Any) -> str:
    return "-" if value is None else clean_line(str(value))


def _summary_lines(summary: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in summary.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            for item in value:
                lines.append("  " + ", ".join(f"{k} {_shown(v)}" for k, v in item.items()))
        else:
            lines.append(f"{key}: {_shown(value)}")
    return lines


def emit(report: Report, fmt: str) -> None:
    names = [c.name for c in report.columns]
    if fmt == "csv":
        write_csv(names, (list(r) for r in report.rows), report.summary)
        return
    if fmt == "json":
        doc = {
            "report": report.name,
            "title": report.title,
            "formula": report.formula,
            "since": report.period.since.isoformat(),
            "until": report.period.until.isoformat(),
            "site": report.period.site,
            "columns": names,
            "rows": report.dicts(),
            "summary": report.summary,
            "series": [{"label": label, "value": value} for label, value in report.series],
        }
        click.echo(json.dumps(_json_safe(doc), indent=2, ensure_ascii=False))
        return
    period = (
        f"{report.period.since:%Y-%m-%d} to {report.period.until:%Y-%m-%d} (exclusive), UTC"
        + (f", site {report.period.site}" if report.period.site else "")
    )
    print_table(
        f"{report.title} - {period}",
        names,
        [
            [human_value(c, v) for c, v in zip(report.columns, row, strict=True)]
            for row in report.rows
        ],
        report.formula,
        {c.name for c in report.columns if c.kind in NUMERIC},
    )
    for line in _summary_lines(report.summary):
        click.echo(line)


class ReportCommand(click.Command):
    """Builds its help (every report's formula and columns) only when asked, so
    starting ``wo-tui`` does not load the report queries."""

    def get_help(self, ctx: click.Context) -> str:
        self.help = _help()
        return super().get_help(ctx)


@main.command(
    cls=ReportCommand,
    short_help="Print a report: backlog, overdue, sla, mttr-mtbf, pm-compliance, ...",
)
@click.argument("name", metavar="NAME")
@click.option("--since", metavar="YYYY-MM-DD", help="First day of the period (UTC).")
@click.option("--until", metavar="YYYY-MM-DD", help="Last day of the period, included (UTC).")
@click.option("--site", metavar="CODE", help="Only work at this site.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_state
def report(
    state: CliState, name: str, since: str | None, until: str | None, site: str | None, fmt: str
) -> None:
    from wo_tui.domain.reports import REPORTS, Period, run_report

    if name not in REPORTS:
        raise click.UsageError(f"There is no report {name!r}; choose one of {', '.join(REPORTS)}.")
    period = Period.of(
        parse_date(since) if since else None, parse_date(until) if until else None, site
    )
    emit(run_report(state.ctx(), name, period), fmt)

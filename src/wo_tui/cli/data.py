"""Data in and out: demo data, CSV import, export, backup."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import click

from wo_tui.cli import CliState, main, pass_state

PROGRESS_FROM = 5000
"""Rows below which no progress bar is drawn: a small file is done before it would show."""


class _Bar:
    """A click progress bar on stderr, drawn lazily once the total is known to be long."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        bar = self.bars.get(phase)
        if bar is None:
            bar = click.progressbar(length=total, label=f"{phase:<8}", file=sys.stderr)
            bar.__enter__()
            self.bars[phase] = bar
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    def close(self) -> None:
        for bar in self.bars.values():
            if not bar.finished:
                bar.__exit__(None, None, None)


def _mapping(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        for item in filter(None, (p.strip() for p in value.split(","))):
            target, sep, source = item.partition("=")
            if not sep or not target.strip() or not source.strip():
                raise click.BadParameter(
                    f"{item!r}: write target=SourceColumn, e.g. requester=Reported by",
                    param_hint="--map",
                )
            out[target.strip().lower()] = source.strip()
    return out


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["requests", "history", "readings"]),
    default="requests",
    show_default=True,
    help="New requests, closed work orders from another system, or meter readings.",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="TARGET=SOURCE,...",
    help="Read a column from a differently named header (repeatable).",
)
@click.option("--create-assets", is_flag=True, help="Create unknown asset tags.")
@click.option("--date-format", default=None, metavar="FMT", help="strptime pattern, e.g. %d/%m/%Y.")
@click.option("--skip-bad", is_flag=True, help="Import the good rows and list the bad ones.")
@pass_state
def import_cmd(
    state: CliState,
    file: Path,
    kind: str,
    maps: tuple[str, ...],
    create_assets: bool,
    date_format: str | None,
    skip_bad: bool,
) -> None:
    """Import FILE.csv (column layouts: see README, or `pydoc wo_tui.domain.importing`)."""
    from wo_tui.domain import importing

    bar = _Bar()
    try:
        result = importing.import_csv(
            state.ctx(),
            file,
            kind=kind,
            mapping=_mapping(maps),
            create_assets=create_assets,
            date_format=date_format,
            skip_bad=skip_bad,
            progress=bar,
        )
    except importing.ImportRefused as exc:
        bar.close()
        for line in exc.problems:
            click.echo(line, err=True)
        raise
    finally:
        bar.close()
    if result.problems:
        click.echo("Not imported (--skip-bad):", err=True)
    for line in result.problems:
        click.echo(line, err=True)
    span = f" ({result.first} .. {result.last})" if result.first else ""
    what = {"history": "work order", "readings": "meter reading"}.get(kind, "request")
    click.echo(
        f"Imported {_count(result.imported, what)}{span}; "
        f"skipped {_count(result.bad_rows, 'bad row')}."
    )
    if result.created_assets:
        created = result.created_assets
        click.echo(f"Created {_count(len(created), 'asset')}: {', '.join(created)}")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    from wo_tui.domain.units import parse_date

    day = parse_date(value)
    return datetime(day.year, day.month, day.day).astimezone()


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    """Standard output, or a new file written beside the target and renamed into
    place, so an interrupted export never leaves half a file under the real name."""
    if path is None:
        yield sys.stdout
        return
    from wo_tui.errors import WoError

    tmp = path.with_name(f".{path.name}.part")
    try:
        handle = tmp.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise WoError(f"Cannot write {path}: {exc.strerror}.") from exc
    try:
        with handle:
            yield handle
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option("--since", default=None, metavar="DATE", help="Only work changed on or after DATE.")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File."
)
@pass_state
def export(state: CliState, fmt: str, since: str | None, output: Path | None) -> None:
    """Export work orders, one row each (columns: see README)."""
    from wo_tui.domain import exporting

    ctx = state.ctx()
    since_at = _since(since)
    with _output(output) as out:
        count = exporting.export(ctx, out, fmt=fmt, since=since_at)
    if output is not None:
        click.echo(f"Exported {count} work orders to {output}", err=True)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def backup(state: CliState, path: Path) -> None:
    """Copy the database to PATH while others keep working (a new file)."""
    store = state.store()
    store.backup(path)
    size = path.stat().st_size if path.exists() else 0
    click.echo(f"Backed up {store.label} to {path} ({size:,} bytes)")


@main.command()
@click.option("--work-orders", "count", type=click.IntRange(0), default=300, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@pass_state
def demo(state: CliState, count: int, seed: int) -> None:
    """Create the database if needed and fill it with a realistic demo site."""
    from wo_tui.domain import demo as demo_data

    store = state.store(create=True)
    ctx = demo_data.bootstrap(store, state.settings)
    bar = _Bar()
    try:
        result = demo_data.load(
            ctx, work_orders=count, seed=seed, progress=lambda d, t: bar("demo", d, t)
        )
    finally:
        bar.close()
    rate = result.rows / result.seconds if result.seconds else 0.0
    click.echo(
        f"Demo data in {store.label}: {result.sites} sites, {result.assets} assets, "
        f"{result.technicians} technicians, {result.parts} parts, {result.work_orders} work "
        f"orders, {result.requests} requests, {result.schedules} PM schedules "
        f"({result.rows:,} rows in {result.seconds:.1f} s, "
        f"{rate:,.0f} rows/s). {ctx.actor.login} is an admin: run wo-tui to open it."
    )

"""``wo-tui pm ...``: preventive schedules, generation, meter readings, checklists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from wo_tui.cli import CliState, main, pass_state
from wo_tui.cli.report import FORMATS, print_table, write_machine
from wo_tui.errors import ValidationError


def _schedule_options(fn: Any) -> Any:
    """The options shared by ``pm add`` and ``pm edit`` (edit changes only those given)."""
    options = [
        click.option("--asset", "asset_tag", metavar="TAG", help="Asset the PM is for."),
        click.option("--location", "location_id", type=int, metavar="ID", help="Or a location."),
        click.option(
            "--every", metavar="INTERVAL", help="Calendar interval: '1 month', '2 weeks'."
        ),
        click.option("--weekdays", metavar="DAYS", help="With weekly intervals: mon,thu."),
        click.option("--day-of-month", type=int, help="With monthly/yearly fixed intervals: 1-31."),
        click.option(
            "--floating/--fixed",
            default=None,
            help="Next due from the last completion (floating) or the start date (fixed).",
        ),
        click.option("--lead", "lead_days", type=int, help="Generate the work N days before due."),
        click.option("--meter", metavar="NAME", help="Meter name (running_hours, cycles, km)."),
        click.option("--meter-every", type=float, help="PM every N meter units since the last."),
        click.option("--meter-threshold", type=float, help="PM when a reading reaches this."),
        click.option("--baseline", type=float, help="Meter value at the last PM."),
        click.option("--team", help="Default team."),
        click.option("--assignee", metavar="LOGIN", help="Default technician."),
        click.option("--estimate", metavar="H:MM", help="Estimated time, e.g. 1:30 or 90."),
        click.option("--priority", type=click.IntRange(1, 5), help="1 (emergency) to 5 (low)."),
        click.option(
            "--item", "checklist", multiple=True, help="A checklist item (repeat, in order)."
        ),
        click.option("--instructions", help="Instructions for the technician."),
        click.option("--starts", metavar="YYYY-MM-DD", help="Start date (default today)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _fill(inp: Any, opts: dict[str, Any]) -> Any:
    """Apply the options that were given to a ``ScheduleInput``."""
    from wo_tui.domain.pm import parse_every, parse_weekdays
    from wo_tui.domain.units import parse_date, parse_minutes

    if opts.get("every"):
        inp.interval_value, inp.interval_unit = parse_every(opts["every"])
    if opts.get("weekdays"):
        inp.weekdays = parse_weekdays(opts["weekdays"])
    if opts.get("floating") is not None:
        inp.mode = "floating" if opts["floating"] else "fixed"
    if opts.get("estimate"):
        inp.estimated_minutes = parse_minutes(opts["estimate"])
    if opts.get("starts"):
        inp.starts_on = parse_date(opts["starts"])
    if opts.get("checklist"):
        inp.checklist = list(opts["checklist"])
    if opts.get("baseline") is not None:
        inp.meter_baseline = opts["baseline"]
    for name in (
        "asset_tag",
        "location_id",
        "day_of_month",
        "lead_days",
        "meter",
        "meter_every",
        "meter_threshold",
        "team",
        "assignee",
        "priority",
        "instructions",
    ):
        if opts.get(name) is not None:
            setattr(inp, name, opts[name])
    return inp


@main.group()
def pm() -> None:
    """Preventive maintenance: schedules, generation, meter readings, checklists."""


@pm.command("list")
@click.option("--active", "active_only", is_flag=True, help="Hide paused schedules.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_state
def pm_list(state: CliState, active_only: bool, fmt: str) -> None:
    """List schedules: next due, last done, compliance.

    Columns: id, title, target, trigger, next_due, last_done, open_work, due, on_time,
    compliance_pct, active, pending. Compliance = PM work due so far done within 10% of
    the interval after its due date / PM work due so far, where work not done but still
    inside that grace window is pending and counts in neither.
    """
    from wo_tui.domain import pm as dpm

    ctx = state.ctx()
    rows = dpm.list_schedules(ctx.store, actor=ctx.actor, include_paused=not active_only)
    columns = [
        "id",
        "title",
        "target",
        "trigger",
        "next_due",
        "last_done",
        "open_work",
        "due",
        "on_time",
        "compliance_pct",
        "active",
        "pending",
    ]
    data = [
        [
            r.id,
            r.title,
            r.target,
            r.trigger,
            r.next_due,
            r.last_done,
            r.open_work,
            r.due_count,
            r.on_time,
            None if r.compliance is None else round(r.compliance, 1),
            r.active,
            r.pending,
        ]
        for r in rows
    ]
    if not write_machine(fmt, columns, data):
        print_table(
            "PM schedules",
            ["#", "title", "for", "trigger", "next due", "last done", "open", "compliance", ""],
            [
                [
                    str(r.id),
                    r.title,
                    r.target,
                    r.trigger,
                    str(r.next_due or "-"),
                    r.last_done.astimezone().strftime("%Y-%m-%d") if r.last_done else "-",
                    str(r.open_work),
                    r.compliance_text,
                    "" if r.active else "paused",
                ]
                for r in rows
            ],
            numeric={"#", "open"},
        )


@pm.command("add")
@click.argument("title")
@_schedule_options
@pass_state
def pm_add(state: CliState, title: str, **opts: Any) -> None:
    """Create a PM schedule called TITLE (dispatcher or admin).

    \b
    wo-tui pm add "Grease bearings" --asset P-101 --every "1 month" --team Mechanical
    wo-tui pm add "Filter change" --asset AHU-01 --every "3 months" --day-of-month 1 --lead 7
    wo-tui pm add "Service" --asset P-101 --meter running_hours --meter-every 500
    """
    from wo_tui.domain import pm as dpm

    sched = dpm.create_schedule(state.ctx(), _fill(dpm.ScheduleInput(title=title), opts))
    due = sched.next_due_at.date() if sched.next_due_at else "on meter"
    click.echo(f"PM #{sched.id} {sched.title}: {dpm.trigger_text(sched)}; next due {due}.")


def _clear(inp: Any, opts: dict[str, Any]) -> Any:
    """Apply the ``--no-...`` options of ``pm edit`` (before the values given with them)."""
    if opts.pop("no_every"):
        inp.interval_value, inp.interval_unit = None, ""
        inp.weekdays, inp.day_of_month, inp.mode = [], None, "fixed"
    if opts.pop("no_weekdays"):
        inp.weekdays = []
    if opts.pop("no_day_of_month"):
        inp.day_of_month = None
    if opts.pop("no_meter"):
        inp.meter, inp.meter_every, inp.meter_threshold, inp.meter_baseline = "", None, None, None
    return inp


@pm.command("edit")
@click.argument("schedule_id", type=int)
@click.option("--title", help="New title.")
@_schedule_options
@click.option("--no-every", is_flag=True, help="Clear the calendar trigger (meter only).")
@click.option("--no-weekdays", is_flag=True, help="Clear the weekdays.")
@click.option("--no-day-of-month", is_flag=True, help="Clear the day of month.")
@click.option("--no-meter", is_flag=True, help="Clear the meter trigger (calendar only).")
@pass_state
def pm_edit(state: CliState, schedule_id: int, title: str | None, **opts: Any) -> None:
    """Change the options given on schedule SCHEDULE_ID; the rest stay as they are.

    A --no-... option clears that part of the trigger first, so
    `--no-meter --meter vibration_mm_s --meter-threshold 7` replaces the meter trigger.
    """
    from wo_tui.domain import pm as dpm

    ctx = state.ctx()
    inp = _clear(dpm.schedule_input(ctx.store, schedule_id), opts)
    if title:
        inp.title = title
    sched = dpm.update_schedule(ctx, schedule_id, _fill(inp, opts))
    due = sched.next_due_at.date() if sched.next_due_at else "on meter"
    click.echo(f"PM #{sched.id} {sched.title}: {dpm.trigger_text(sched)}; next due {due}.")


@pm.command("pause")
@click.argument("schedule_id", type=int)
@click.option("--reason", default="", help="Why (kept in the audit trail).")
@pass_state
def pm_pause(state: CliState, schedule_id: int, reason: str) -> None:
    """Stop generating work from a schedule until it is resumed."""
    from wo_tui.domain import pm as dpm

    dpm.set_active(state.ctx(), schedule_id, False, reason)
    click.echo(f"PM #{schedule_id} paused.")


@pm.command("resume")
@click.argument("schedule_id", type=int)
@pass_state
def pm_resume(state: CliState, schedule_id: int) -> None:
    """Resume a paused schedule; fixed dates missed meanwhile are recorded as skipped."""
    from wo_tui.domain import pm as dpm

    sched = dpm.set_active(state.ctx(), schedule_id, True)
    due = sched.next_due_at.date() if sched.next_due_at else "on meter"
    click.echo(f"PM #{schedule_id} resumed; next due {due}.")


@pm.command("skip")
@click.argument("schedule_id", type=int)
@click.option("--reason", required=True, help="Why this date is skipped.")
@pass_state
def pm_skip(state: CliState, schedule_id: int, reason: str) -> None:
    """Record the next calendar date of a schedule as skipped."""
    from wo_tui.domain import pm as dpm

    day = dpm.skip_next(state.ctx(), schedule_id, reason)
    click.echo(f"PM #{schedule_id}: {day} recorded as skipped.")


@pm.command("run")
@click.option(
    "--until", metavar="YYYY-MM-DD", help="Generate work due by this date (default today)."
)
@pass_state
def pm_run(state: CliState, until: str | None) -> None:
    """Generate the preventive work orders that are due (less lead time).

    Safe to run again or from several places at once: each occurrence of a
    schedule is created exactly once.
    """
    from wo_tui.domain import pm as dpm
    from wo_tui.domain.units import parse_date

    result = dpm.run(state.ctx(), parse_date(until) if until else None)
    made = ", ".join(result.generated) if result.generated else "none"
    click.echo(f"Generated {len(result.generated)} work order(s): {made}.")
    if result.skipped:
        click.echo(f"Recorded {result.skipped} missed date(s) as skipped.")


@pm.command("reading")
@click.argument("asset")
@click.argument("meter")
@click.argument("value", type=float)
@click.option("--at", "read_at", metavar="YYYY-MM-DDTHH:MM", help="When read (UTC; default now).")
@click.option(
    "--reset",
    is_flag=True,
    help="The meter was replaced: accept a lower value; schedules keep the units run since "
    "their last PM.",
)
@pass_state
def pm_reading(
    state: CliState, asset: str, meter: str, value: float, read_at: str | None, reset: bool
) -> None:
    """Record a meter reading: VALUE on METER of ASSET (e.g. P-101 running_hours 1520).

    Readings are finite and not negative; a counting meter (any meter not used by
    threshold schedules alone) never reads lower than before unless --reset says it
    was replaced.
    """
    from wo_tui.domain import pm as dpm

    when = None
    if read_at:
        try:
            when = datetime.fromisoformat(read_at)
        except ValueError as exc:
            raise ValidationError(
                f"{read_at!r} is not a date and time (YYYY-MM-DDTHH:MM)."
            ) from exc
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    row = dpm.record_reading(state.ctx(), asset, meter, value, when, reset=reset)
    click.echo(f"{asset} {row.meter} = {value:g}" + (" (meter reset)" if reset else ""))


@pm.command("occurrences")
@click.argument("schedule_id", type=int)
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_state
def pm_occurrences(state: CliState, schedule_id: int, limit: int, fmt: str) -> None:
    """List the occurrences of schedule SCHEDULE_ID, newest first: generated, skipped,
    missed, cancelled, and meter resets.

    Columns: due, key, status, reason, work_order, work_status, created_at. Key is
    cal:DATE (calendar), meter:VALUE (every N units, @N after N meter resets),
    threshold:READING_ID or reset:READING_ID.
    """
    from wo_tui.domain import pm as dpm

    ctx = state.ctx()
    rows = dpm.occurrences(ctx.store, schedule_id, limit, actor=ctx.actor)
    columns = ["due", "key", "status", "reason", "work_order", "work_status", "created_at"]
    data = [
        [r.due, r.key, r.status, r.reason, r.work_order, r.work_status, r.created_at] for r in rows
    ]
    if write_machine(fmt, columns, data):
        return
    if not rows:
        click.echo(f"PM #{schedule_id} has no occurrences yet.")
    else:
        print_table(
            f"PM #{schedule_id} occurrences",
            ["due", "status", "reason", "work order", "key"],
            [
                [
                    str(r.due),
                    r.status,
                    r.reason,
                    f"{r.work_order} ({r.work_status})" if r.work_order else "-",
                    r.key,
                ]
                for r in rows
            ],
        )


@pm.command("checklist")
@click.argument("work_order")
@pass_state
def pm_checklist(state: CliState, work_order: str) -> None:
    """Show the checklist of WORK_ORDER."""
    from wo_tui.domain import pm as dpm

    ctx = state.ctx()
    items = dpm.checklist(ctx.store, work_order, actor=ctx.actor)
    if not items:
        click.echo(f"{work_order} has no checklist.")
    for item in items:
        note = f"  ({item.note})" if item.note else ""
        click.echo(f"{item.position:>3}. [{dpm.RESULT_LABELS[item.result]:>4}] {item.text}{note}")


@pm.command("tick")
@click.argument("work_order")
@click.argument("position", type=int)
@click.argument("result", type=click.Choice(["pass", "fail", "na", "clear"]))
@click.option("--note", default="", help="What was found.")
@click.option(
    "--follow-up", "follow_up", metavar="TEXT", help="With fail: raise follow-up work (TEXT)."
)
@pass_state
def pm_tick(
    state: CliState,
    work_order: str,
    position: int,
    result: str,
    note: str,
    follow_up: str | None,
) -> None:
    """Set checklist item POSITION of WORK_ORDER to pass, fail, na (or clear it)."""
    from wo_tui.domain import pm as dpm
    from wo_tui.domain.refs import wo_label
    from wo_tui.domain.services import FollowUpInput

    fu = FollowUpInput(description=follow_up) if follow_up is not None else None
    created = dpm.set_checklist_item(
        state.ctx(), work_order, position, "" if result == "clear" else result, note, follow_up=fu
    )
    click.echo(f"{work_order} item {position}: {result}.")
    if created is not None:
        click.echo(f"Follow-up {wo_label(created.number)} raised.")

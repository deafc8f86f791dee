"""Requests and the work order lifecycle: every verb of the app, scriptable.

Each command parses, calls one domain service and prints one line naming what
changed; refusals are ``WoError`` (exit 1, one line on stderr).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click

from wo_tui.cli import CliState, main, pass_state
from wo_tui.domain import lifecycle as lc
from wo_tui.text import clean, clean_line

LEVEL = click.IntRange(1, 3)


def read_text(value: str) -> str:
    """``-`` means read standard input, so long text can be piped in."""
    if value == "-":
        return sys.stdin.read()
    return value


def when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


def parse_day(value: str | None) -> Any:
    from wo_tui.domain.units import parse_date

    return parse_date(value) if value else None


expect_version = click.option(
    "--expect-version",
    "expected_version",
    type=click.IntRange(1),
    default=None,
    metavar="N",
    help="Refuse if the work order is no longer at version N (as `show` printed it).",
)
"""For scripts that read, decide, then act: someone else's change in between is refused
with who and when, never overwritten."""

SIGNED = {"ignore_unknown_options": True}
"""For commands whose last argument is a number: ``-3`` reaches the domain, which
refuses it in a sentence, instead of click taking it for an unknown option."""


class DefaultGroup(click.Group):
    """A group whose first word may be a work order: ``part WO PARTNO QTY`` means
    ``part use WO PARTNO QTY`` while ``part add ...`` edits the catalogue."""

    def __init__(self, *args: Any, default: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default, *args]
        return super().parse_args(ctx, args)


# ---------------------------------------------------------------- requests


@main.group()
def request() -> None:
    """Work requests: the ask, before it is approved as work."""


@request.command("add")
@click.option("--requester", required=True, help="Who is asking (a name).")
@click.option("--asset", "asset_tag", default=None, help="Asset tag, e.g. P-101.")
@click.option("--location", "location_id", type=int, default=None, help="Location id.")
@click.option("--description", required=True, help="What is wrong; - reads standard input.")
@click.option("--urgency", type=LEVEL, required=True, help="1 high, 2 medium, 3 low.")
@click.option("--impact", type=LEVEL, required=True, help="1 high, 2 medium, 3 low.")
@click.option("--source", type=click.Choice(lc.SOURCES), default="operator", show_default=True)
@click.option("--contact", default="", help="Phone or e-mail for questions.")
@click.option("--title", default="", help="Short title (default: first line of description).")
@pass_state
def request_add(
    state: CliState,
    requester: str,
    asset_tag: str | None,
    location_id: int | None,
    description: str,
    urgency: int,
    impact: int,
    source: str,
    contact: str,
    title: str,
) -> None:
    """Submit a request; prints its number."""
    from wo_tui.domain import services
    from wo_tui.domain.refs import req_label

    if asset_tag and location_id is not None:
        raise click.UsageError("Give --asset or --location, not both.")
    if not asset_tag and location_id is None:
        raise click.UsageError("Say where: --asset TAG or --location ID.")
    req = services.submit_request(
        state.ctx(),
        requester=requester,
        description=read_text(description),
        urgency=urgency,
        impact=impact,
        contact=contact,
        source=source,
        asset_tag=asset_tag,
        location_id=location_id,
        title=title,
    )
    click.echo(req_label(req.number))


@request.command("show")
@click.argument("ref")
@pass_state
def request_show(state: CliState, ref: str) -> None:
    """Show a request and what became of it."""
    from wo_tui.domain.views import request_detail

    ctx = state.ctx()
    d = request_detail(ctx.store, ref, actor=ctx.actor)
    rows = [
        ("Request", d.label),
        ("Title", d.title),
        ("Status", d.status),
        ("Priority", f"P{d.priority} (urgency {d.urgency}, impact {d.impact})"),
        ("Requester", f"{d.requester} {d.contact}".strip()),
        ("Source", d.source),
        ("Asset", f"{d.asset_tag} {d.asset_name}".strip() or "-"),
        ("Location", d.location or "-"),
        ("Submitted", f"{when(d.submitted_at)} by {d.submitted_by or '-'}"),
        ("Triaged", f"{when(d.triaged_at)} by {d.triaged_by}" if d.triaged_at else "-"),
        ("Work order", f"{d.work_order.label} {d.work_order.status}" if d.work_order else "-"),
    ]
    if d.reject_reason:
        rows.append(("Rejected", d.reject_reason))
    _print_fields(rows)
    _print_block("Description", d.description)


@main.command()
@click.argument("ref")
@click.option(
    "--kind",
    type=click.Choice([lc.REACTIVE, lc.CORRECTIVE, lc.PREVENTIVE]),
    default=lc.REACTIVE,
    show_default=True,
)
@click.option("--title", default="", help="Title for the work order (default: the request's).")
@pass_state
def approve(state: CliState, ref: str, kind: str, title: str) -> None:
    """Approve request REF: it becomes a work order (printed)."""
    from wo_tui.domain import services
    from wo_tui.domain.refs import wo_label

    wo = services.approve_request(state.ctx(), ref, kind=kind, title=title)
    click.echo(wo_label(wo.number))


@main.command()
@click.argument("ref")
@click.option("--reason", required=True, help="Why; - reads standard input.")
@pass_state
def reject(state: CliState, ref: str, reason: str) -> None:
    """Reject request REF with a reason."""
    from wo_tui.domain import services
    from wo_tui.domain.refs import req_label

    req = services.reject_request(state.ctx(), ref, read_text(reason))
    click.echo(f"{req_label(req.number)} rejected")


@main.command()
@click.argument("ref")
@click.argument("work_order")
@pass_state
def duplicate(state: CliState, ref: str, work_order: str) -> None:
    """Mark request REF as a duplicate of WORK_ORDER."""
    from wo_tui.domain import services
    from wo_tui.domain.refs import parse_wo, req_label, wo_label

    req = services.mark_duplicate(state.ctx(), ref, work_order)
    click.echo(f"{req_label(req.number)} duplicate of {wo_label(parse_wo(work_order))}")


@main.command()
@click.argument("ref")
@click.option("--urgency", type=LEVEL, required=True)
@click.option("--impact", type=LEVEL, required=True)
@expect_version
@pass_state
def priority(
    state: CliState, ref: str, urgency: int, impact: int, expected_version: int | None
) -> None:
    """Re-prioritise a work order (WO-...) or a new request (REQ-...)."""
    from wo_tui.domain import services
    from wo_tui.domain.refs import req_label, wo_label

    if ref.strip().upper().startswith("REQ"):
        if expected_version is not None:
            raise click.UsageError("--expect-version is for work orders, not requests.")
        req = services.set_request_priority(state.ctx(), ref, urgency, impact)
        click.echo(f"{req_label(req.number)} P{req.priority}")
        return
    wo = services.set_priority(state.ctx(), ref, urgency, impact, expected_version=expected_version)
    click.echo(f"{wo_label(wo.number)} P{wo.priority} due {when(wo.due_at)}")


# ---------------------------------------------------------------- work orders


def _done(wo: Any) -> None:
    from wo_tui.domain.refs import wo_label

    click.echo(f"{wo_label(wo.number)} {lc.STATUS_LABELS.get(wo.status, wo.status)}")


@main.command()
@click.argument("ref")
@click.option("--to", "assignee", default=None, metavar="LOGIN", help="Technician.")
@click.option("--team", default=None, metavar="NAME", help="Team.")
@expect_version
@pass_state
def assign(
    state: CliState, ref: str, assignee: str | None, team: str | None, expected_version: int | None
) -> None:
    """Assign work order REF to a technician and/or a team."""
    from wo_tui.domain import services

    if not assignee and not team:
        raise click.UsageError("Give --to LOGIN, --team NAME, or both.")
    _done(
        services.assign(
            state.ctx(), ref, assignee=assignee, team=team, expected_version=expected_version
        )
    )


@main.command()
@click.argument("ref")
@expect_version
@pass_state
def start(state: CliState, ref: str, expected_version: int | None) -> None:
    """Start work on REF."""
    from wo_tui.domain import services

    _done(services.start(state.ctx(), ref, expected_version=expected_version))


@main.command()
@click.argument("ref")
@click.option("--reason", type=click.Choice(list(lc.HOLD_REASONS)), required=True)
@click.option("--note", default="", help="Detail (required for 'other').")
@expect_version
@pass_state
def hold(state: CliState, ref: str, reason: str, note: str, expected_version: int | None) -> None:
    """Put REF on hold (waiting parts, access, vendor, other)."""
    from wo_tui.domain import services

    _done(services.hold(state.ctx(), ref, reason, note, expected_version=expected_version))


@main.command()
@click.argument("ref")
@expect_version
@pass_state
def resume(state: CliState, ref: str, expected_version: int | None) -> None:
    """Resume REF after a hold."""
    from wo_tui.domain import services

    _done(services.resume(state.ctx(), ref, expected_version=expected_version))


@main.command()
@click.argument("ref")
@click.argument("text")
@expect_version
@pass_state
def note(state: CliState, ref: str, text: str, expected_version: int | None) -> None:
    """Add a note to REF; TEXT - reads standard input."""
    from wo_tui.domain import services
    from wo_tui.domain.refs import parse_wo, wo_label

    services.add_note(state.ctx(), ref, read_text(text), expected_version=expected_version)
    click.echo(f"{wo_label(parse_wo(ref))} note added")


@main.group(cls=DefaultGroup, default="log")
def labour() -> None:
    """Time: `labour WO DURATION` logs it; `labour remove WO ENTRY` takes an entry back."""


@labour.command("log", context_settings=SIGNED)
@click.argument("ref")
@click.argument("duration")
@click.option("--date", "work_date", default=None, help="Day worked, YYYY-MM-DD (default today).")
@click.option("--for", "login", default=None, metavar="LOGIN", help="Time of someone else.")
@expect_version
@pass_state
def labour_log(
    state: CliState,
    ref: str,
    duration: str,
    work_date: str | None,
    login: str | None,
    expected_version: int | None,
) -> None:
    """Log time on REF: DURATION is minutes (90), h:mm (1:30) or 1h30m."""
    from wo_tui.domain import services
    from wo_tui.domain.refs import parse_wo, wo_label
    from wo_tui.domain.units import format_minutes, parse_minutes

    entry = services.log_labour(
        state.ctx(),
        ref,
        parse_minutes(duration),
        work_date=parse_day(work_date),
        login=login,
        expected_version=expected_version,
    )
    click.echo(
        f"{wo_label(parse_wo(ref))} {format_minutes(entry.minutes)} on {entry.work_date}"
        f" (entry #{entry.id})"
    )


@labour.command("remove")
@click.argument("ref")
@click.argument("entry_id", type=int)
@expect_version
@pass_state
def labour_remove(state: CliState, ref: str, entry_id: int, expected_version: int | None) -> None:
    """Remove labour entry ENTRY_ID (the # that `show` prints) from REF before completion."""
    from wo_tui.domain import services
    from wo_tui.domain.refs import parse_wo, wo_label

    services.remove_labour(state.ctx(), ref, entry_id, expected_version=expected_version)
    click.echo(f"{wo_label(parse_wo(ref))} labour entry #{entry_id} removed")


@main.group(cls=DefaultGroup, default="use")
def part() -> None:
    """Parts: `part WO PARTNO QTY` records parts used, `part remove WO ENTRY` takes one
    back; `part add` edits the catalogue."""


@part.command("use", context_settings=SIGNED)
@click.argument("ref")
@click.argument("part_number")
@click.argument("quantity", type=float)
@expect_version
@pass_state
def part_use(
    state: CliState, ref: str, part_number: str, quantity: float, expected_version: int | None
) -> None:
    """Record QUANTITY of PART_NUMBER used on work order REF."""
    from wo_tui.domain import services
    from wo_tui.domain.refs import parse_wo, wo_label

    usage = services.use_part(
        state.ctx(), ref, part_number, quantity, expected_version=expected_version
    )
    click.echo(f"{wo_label(parse_wo(ref))} {quantity:g} x {part_number} (entry #{usage.id})")


@part.command("remove")
@click.argument("ref")
@click.argument("entry_id", type=int)
@expect_version
@pass_state
def part_remove(state: CliState, ref: str, entry_id: int, expected_version: int | None) -> None:
    """Remove parts entry ENTRY_ID (the # that `show` prints) from REF before completion."""
    from wo_tui.domain import services
    from wo_tui.domain.refs import parse_wo, wo_label

    services.remove_part_usage(state.ctx(), ref, entry_id, expected_version=expected_version)
    click.echo(f"{wo_label(parse_wo(ref))} part entry #{entry_id} removed")


def _part_spec(value: str) -> Any:
    from wo_tui.domain.services import PartInput

    number, sep, qty = value.rpartition(":")
    try:
        quantity = float(qty)
    except ValueError:
        quantity = 0.0
    if not sep or not number or quantity <= 0:
        raise click.BadParameter(
            f"{value!r}: write PARTNO:QTY, e.g. BRG-6204:2", param_hint="--part"
        )
    return PartInput(number, quantity)


@main.command()
@click.argument("ref")
@click.option("--resolution", required=True, help="What was done; - reads standard input.")
@click.option("--cause", "cause_code", default="", help="Cause code (e.g. WEAR).")
@click.option("--remedy", "remedy_code", default="", help="Remedy code (e.g. REPL).")
@click.option("--no-parts", is_flag=True, help="Say explicitly that no parts were used.")
@click.option("--part", "parts", multiple=True, metavar="PARTNO:QTY", help="Part used (repeat).")
@click.option("--labour", "labour", multiple=True, metavar="DURATION", help="Time (repeat).")
@click.option(
    "--follow-up/--no-follow-up",
    "follow_up",
    default=None,
    help="Whether more work is needed (required).",
)
@click.option("--follow-up-description", default="", help="The further work needed.")
@expect_version
@pass_state
def complete(
    state: CliState,
    ref: str,
    resolution: str,
    cause_code: str,
    remedy_code: str,
    no_parts: bool,
    parts: tuple[str, ...],
    labour: tuple[str, ...],
    follow_up: bool | None,
    follow_up_description: str,
    expected_version: int | None,
) -> None:
    """Complete REF with the closeout: resolution, codes, parts, labour, follow-up."""
    from wo_tui.domain import services
    from wo_tui.domain.units import parse_minutes
    from wo_tui.errors import ValidationError

    closeout = services.Closeout(
        resolution=read_text(resolution),
        cause_code=cause_code.strip().upper(),
        remedy_code=remedy_code.strip().upper(),
        no_parts_used=no_parts,
        follow_up=follow_up,
        follow_up_work=services.FollowUpInput(follow_up_description) if follow_up else None,
        labour=[services.LabourInput(parse_minutes(d)) for d in labour],
        parts=[_part_spec(p) for p in parts],
    )
    try:
        wo = services.complete(state.ctx(), ref, closeout, expected_version=expected_version)
    except ValidationError as exc:
        if len(exc.problems) > 1:
            raise ValidationError(f"{exc.message} {' '.join(exc.problems)}", exc.problems) from exc
        raise
    _done(wo)


@main.command("send-back")
@click.argument("ref")
@click.option("--reason", required=True, help="What is still wrong; - reads standard input.")
@expect_version
@pass_state
def send_back(state: CliState, ref: str, reason: str, expected_version: int | None) -> None:
    """Return completed work REF to the technician."""
    from wo_tui.domain import services

    _done(
        services.send_back(state.ctx(), ref, read_text(reason), expected_version=expected_version)
    )


@main.command()
@click.argument("ref")
@expect_version
@pass_state
def close(state: CliState, ref: str, expected_version: int | None) -> None:
    """Close completed work REF after review."""
    from wo_tui.domain import services

    _done(services.close(state.ctx(), ref, expected_version=expected_version))


@main.command()
@click.argument("ref")
@click.option("--reason", required=True, help="Why; - reads standard input.")
@expect_version
@pass_state
def cancel(state: CliState, ref: str, reason: str, expected_version: int | None) -> None:
    """Cancel REF (before it is completed)."""
    from wo_tui.domain import services

    _done(services.cancel(state.ctx(), ref, read_text(reason), expected_version=expected_version))


@main.command()
@click.argument("ref")
@click.option("--reason", required=True, help="Why; - reads standard input.")
@expect_version
@pass_state
def reopen(state: CliState, ref: str, reason: str, expected_version: int | None) -> None:
    """Reopen closed or cancelled work REF (admin)."""
    from wo_tui.domain import services

    _done(services.reopen(state.ctx(), ref, read_text(reason), expected_version=expected_version))


# ---------------------------------------------------------------- reading


@main.command("list")
@click.option("--status", type=click.Choice(lc.STATUSES), multiple=True, help="Repeatable.")
@click.option("--priority", type=click.IntRange(1, 5), default=None, help="1..5")
@click.option("--assignee", default=None, metavar="LOGIN")
@click.option("--asset", default=None, metavar="TAG")
@click.option("--overdue", is_flag=True, help="Only active work past its due date.")
@click.option("--limit", type=click.IntRange(0), default=100, show_default=True, help="0: all.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for scripts.")
@pass_state
def list_cmd(
    state: CliState,
    status: tuple[str, ...],
    priority: int | None,
    assignee: str | None,
    asset: str | None,
    overdue: bool,
    limit: int,
    as_json: bool,
) -> None:
    """List work orders, newest first."""
    from wo_tui.domain.views import MAX_PAGE, list_work_orders

    ctx = state.ctx()
    store = ctx.store
    shown = 0
    after: int | None = None
    out = sys.stdout
    if as_json:
        out.write("[")
    while True:
        want = MAX_PAGE if limit == 0 else min(MAX_PAGE, limit - shown)
        page = list_work_orders(
            store,
            actor=ctx.actor,
            status=status or None,
            priority=priority,
            assignee=assignee,
            asset=asset,
            overdue=overdue,
            limit=want,
            after=after,
        )
        for row in page.rows:
            if as_json:
                out.write(("\n" if shown == 0 else ",\n") + json.dumps(row.as_json()))
            else:
                out.write(
                    f"{row.label}  P{row.priority}  {row.status:<11}  "
                    f"{row.asset_tag or '-':<10}  {row.assignee or row.team or '-':<12}  "
                    f"{'OVERDUE ' if row.overdue else ''}{clean_line(row.title)}\n"
                )
            shown += 1
        after = page.next_after
        if after is None or (limit and shown >= limit):
            break
    if as_json:
        out.write("\n]\n" if shown else "]\n")


def _print_fields(rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"{key + ':':<{width + 1}} {clean_line(str(value))}")


def _print_block(title: str, body: str) -> None:
    if not body:
        return
    click.echo(f"\n{title}:")
    for line in clean(body).split("\n"):
        click.echo(f"  {line}")


def _short(value: Any, width: int = 60) -> str:
    from wo_tui.text import one_line

    return "-" if value is None or value == "" else one_line(str(value), width)


@main.command()
@click.argument("ref")
@pass_state
def show(state: CliState, ref: str) -> None:
    """Show work order REF: fields, timeline, labour, parts and cost."""
    from wo_tui.domain.units import format_minutes, format_money
    from wo_tui.domain.views import work_order_detail

    ctx = state.ctx()
    d = work_order_detail(ctx.store, ref, actor=ctx.actor)

    def met(value: bool | None) -> str:
        return "-" if value is None else ("met" if value else "missed")

    rows = [
        ("Work order", d.label),
        ("Title", d.title),
        ("Status", d.status_label + ("  OVERDUE" if d.overdue else "")),
        ("Kind", d.kind),
        ("Priority", f"{d.priority_label} (urgency {d.urgency}, impact {d.impact})"),
        ("Asset", f"{d.asset_tag} {d.asset_name}".strip() or "-"),
        ("Location", d.location or "-"),
        ("Site", d.site or "-"),
        ("Assignee", f"{d.assignee_login} ({d.assignee_name})" if d.assignee_login else "-"),
        ("Team", d.team or "-"),
        ("Requester", d.requester or "-"),
        ("Request", f"{d.request.label} ({d.request.status})" if d.request else "-"),
        ("Parent", f"{d.parent.label} {d.parent.title} ({d.parent.status})" if d.parent else "-"),
        ("Requested", when(d.requested_at)),
        ("Response due", f"{when(d.response_due_at)}  response {met(d.response_met)}"),
        ("Due", f"{when(d.due_at)}  resolution {met(d.resolution_met)}"),
        ("Started", when(d.started_at)),
        ("Completed", when(d.completed_at)),
        ("Closed", when(d.closed_at)),
    ]
    if d.cancelled_at:
        rows.append(("Cancelled", f"{when(d.cancelled_at)}: {d.cancel_reason}"))
    if d.hold_reason:
        rows.append(("On hold", d.hold_reason))
    if d.send_back_reason:
        rows.append(("Sent back", d.send_back_reason))
    if d.cause_code or d.remedy_code:
        rows.append(("Cause/remedy", f"{d.cause_code or '-'} / {d.remedy_code or '-'}"))
    if d.follow_up:
        rows.append(("Follow-up", d.follow_up))
    rows.append(("Version", str(d.version)))
    _print_fields(rows)
    _print_block("Description", d.description)
    _print_block("Resolution", d.resolution)
    if d.follow_ups:
        click.echo("\nFollow-ups:")
        for f in d.follow_ups:
            click.echo(f"  {f.label}  {f.status:<11}  {clean_line(f.title)}")
    click.echo("\nTimeline:")
    for e in d.timeline:
        head = f"  {when(e.at)}  {e.who:<10} {e.action}"
        if e.note:
            click.echo(head)
            for line in clean(e.note).split("\n"):
                click.echo(f"      {line}")
            continue
        if e.action in ("import", "create"):
            # Every field at once, and each is printed above: the count says enough.
            status = next((c.new for c in e.changes if c.field == "status"), "")
            click.echo(f"{head}  {len(e.changes)} fields, status {clean_line(str(status))}")
            continue
        changes = "; ".join(
            f"{c.field}: {_short(c.old, 30)} -> {_short(c.new)}"
            for c in e.changes
            if c.old not in (None, "") or c.new not in (None, "")
        )
        click.echo(f"{head}  {clean_line(changes)}" if changes else head)
    click.echo("\nLabour:")
    for lab in d.labour:
        click.echo(
            f"  #{lab.id:<6} {lab.work_date}  {lab.login:<10} {format_minutes(lab.minutes):>6}  "
            f"@ {format_money(lab.rate_cents)}/h  {format_money(lab.cost_cents):>10}"
        )
    if not d.labour:
        click.echo("  none")
    click.echo("\nParts:")
    for p in d.parts:
        click.echo(
            f"  #{p.id:<6} {p.part_number:<12} {clean_line(p.name)[:30]:<30} {p.quantity:>6g}"
            f" {p.unit:<4} @ {format_money(p.unit_cost_cents)}  {format_money(p.cost_cents):>10}"
        )
    if not d.parts:
        click.echo("  none used" if d.no_parts_used else "  none")
    click.echo(
        f"\nCost: labour {format_money(d.labour_cents)} ({format_minutes(d.labour_minutes)} h)"
        f" + parts {format_money(d.parts_cents)} = {format_money(d.total_cents)}"
    )


@part.command("add")
@click.argument("part_number")
@click.argument("name")
@click.option("--cost", default="0", help="Unit cost, e.g. 12.50.")
@click.option("--unit", default="ea", show_default=True)
@pass_state
def part_add(state: CliState, part_number: str, name: str, cost: str, unit: str) -> None:
    """Add or update PART_NUMBER in the catalogue."""
    from wo_tui.domain import admin
    from wo_tui.domain.units import format_money, parse_money

    row = admin.add_part(state.ctx(), part_number, name, parse_money(cost), unit)
    click.echo(f"part {row.number} {format_money(row.unit_cost_cents)}/{row.unit}")

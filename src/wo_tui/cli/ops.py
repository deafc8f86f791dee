"""Operations: checking a deployment, binding SSH keys (gateway mode), verifying the audit."""

from __future__ import annotations

from pathlib import Path

import click

from wo_tui.cli import CliState, main, pass_state

_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


@main.command()
@click.option("--full", is_flag=True, help="Run integrity_check (slow) instead of quick_check.")
@pass_state
def doctor(state: CliState, full: bool) -> None:
    """Check the database's deployment: modes, group, WAL files, integrity, who can write."""
    from wo_tui.domain.doctor import FAIL, check

    findings = check(state.database(), full=full)
    for f in findings:
        click.echo(f"{_MARK.get(f.level, f.level)}  {f.check:<15} {f.detail}")
        if f.fix:
            click.echo(f"{'':22}fix: {f.fix}")
    failed = sum(f.level == FAIL for f in findings)
    if failed:
        click.echo(f"{failed} problem{'s' if failed > 1 else ''} to fix.", err=True)
        raise SystemExit(1)


@main.group("ssh-key")
def ssh_key() -> None:
    """Bind SSH keys to wo-tui logins (gateway mode)."""


@ssh_key.command("add")
@click.argument("login")
@click.argument("keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--authorized-keys",
    "authorized",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to append to (default: ~/.ssh/authorized_keys of the account running this).",
)
@pass_state
def ssh_key_add(state: CliState, login: str, keyfile: Path, authorized: Path | None) -> None:
    """Let the holder of KEYFILE's key in as LOGIN, and only into wo-tui."""
    from wo_tui.domain import doctor, identity
    from wo_tui.errors import WoError

    doctor.check_login(login)
    identity.actor_for(state.store(), login)
    try:
        text = keyfile.read_text(encoding="utf-8", errors="replace")[:20_000]
    except OSError as exc:
        raise WoError(f"Cannot read {keyfile}: {exc.strerror}.") from exc
    path = authorized or doctor.default_authorized_keys()
    added, line = doctor.add_ssh_key(path, login, text, str(keyfile))
    if added:
        click.echo(f"Added to {path}:\n{line}")
    else:
        click.echo(f"{path} already binds this key to {login}; nothing changed.")


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@pass_state
def audit_verify(state: CliState) -> None:
    """Replay the audit trail and compare it with the rows: every work order (with its
    labour, parts and notes), request and user (admin)."""
    from wo_tui.domain.audit import verify_as

    report = verify_as(state.ctx())
    checked = (
        f"{_count(report.work_orders, 'work order')}, "
        f"{_count(report.entries, 'entry', 'entries')}, {_count(report.requests, 'request')}, "
        f"{_count(report.users, 'user')} and {_count(report.events, 'event')}"
    )
    if report.ok:
        click.echo(f"{checked}: every row matches its audit trail.")
        return
    for m in report.mismatches:
        click.echo(m.sentence())
    click.echo(
        f"{_count(len(report.mismatches), 'mismatch', 'mismatches')} in {checked}: rows were "
        "changed outside wo-tui, or audit events were removed.",
        err=True,
    )
    raise SystemExit(1)


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"

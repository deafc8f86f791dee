"""Two people on one work order from scripts: the second is refused with who and when."""

from __future__ import annotations

from tests.cli.conftest import Cli


def _version(cli: Cli, wo: str) -> str:
    line = next(x for x in cli("show", wo).out.splitlines() if x.startswith("Version:"))
    return line.split()[1]


def _new_work_order(cli: Cli) -> tuple[str, str]:
    """A request approved: (its REQ-, its WO- number)."""
    req = cli(
        "request",
        "add",
        "--requester",
        "Line 1",
        "--asset",
        "P-101",
        "--description",
        "Noisy",
        "--urgency",
        "2",
        "--impact",
        "2",
    ).out.strip()
    return req, cli("approve", req).out.strip()


def test_a_stale_version_is_refused_with_who_and_when(cli: Cli) -> None:
    _, wo = _new_work_order(cli)
    seen = _version(cli, wo)
    assert cli("assign", wo, "--to", "bob", login="dana").code == 0
    run = cli("assign", wo, "--to", "alice", "--expect-version", seen)
    assert run.code == 1
    assert f"{wo} was changed by dana at" in run.err and run.err.count("\n") == 1
    assert "Bob" in cli("show", wo).out
    fresh = _version(cli, wo)
    assert cli("assign", wo, "--to", "alice", "--expect-version", fresh).code == 0


def test_every_work_order_verb_takes_expect_version(cli: Cli) -> None:
    """Notes, labour and parts do not change the work order, so its version stays; a
    stale version is refused for them as for the other verbs, and nothing is written."""
    req, wo = _new_work_order(cli)
    stale = _version(cli, wo)
    assert (
        cli("priority", wo, "--urgency", "1", "--impact", "1", "--expect-version", stale).code == 0
    )
    assert (
        cli("priority", wo, "--urgency", "2", "--impact", "2", "--expect-version", stale).code == 1
    )
    assert (
        cli("priority", req, "--urgency", "2", "--impact", "2", "--expect-version", "1").code == 2
    )
    cli("assign", wo, "--to", "alice")
    cli("start", wo, login="alice")
    fresh = _version(cli, wo)
    verbs = [
        ("note", wo, "Coupling checked"),
        ("labour", wo, "30"),
        ("labour", "log", wo, "30"),
        ("part", wo, "BRG-6204", "1"),
        ("part", "use", wo, "BRG-6204", "1"),
    ]
    for args in verbs:
        run = cli(*args, "--expect-version", stale, login="alice")
        assert run.code == 1 and f"{wo} was changed by" in run.err, (args, run)
        assert run.err.count("\n") == 1
    shown = cli("show", wo).out
    assert "Labour:\n  none" in shown and "Parts:\n  none" in shown
    for args in verbs:
        run = cli(*args, "--expect-version", fresh, login="alice")
        assert run.code == 0, (args, run)
    assert _version(cli, wo) == fresh
    for args in (("labour", "remove", wo, "1"), ("part", "remove", wo, "1")):
        assert cli(*args, "--expect-version", stale, login="alice").code == 1
        assert cli(*args, "--expect-version", fresh, login="alice").code == 0

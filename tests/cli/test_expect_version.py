"""Two people on one work order from scripts: the second is refused with who and when."""

from __future__ import annotations

from tests.cli.conftest import Cli


def _version(cli: Cli, wo: str) -> str:
    line = next(x for x in cli("show", wo).out.splitlines() if x.startswith("Version:"))
    return line.split()[1]


def test_a_stale_version_is_refused_with_who_and_when(cli: Cli) -> None:
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
    wo = cli("approve", req).out.strip()
    seen = _version(cli, wo)
    assert cli("assign", wo, "--to", "bob", login="dana").code == 0
    run = cli("assign", wo, "--to", "alice", "--expect-version", seen)
    assert run.code == 1
    assert f"{wo} was changed by dana at" in run.err and run.err.count("\n") == 1
    assert "Bob" in cli("show", wo).out
    fresh = _version(cli, wo)
    assert cli("assign", wo, "--to", "alice", "--expect-version", fresh).code == 0

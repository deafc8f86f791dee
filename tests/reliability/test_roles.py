"""Every role against every verb, through the domain and through the command line.

The work order under test is assigned to alice; bob is a technician of the same
team, so "bob" is the case of a technician touching another technician's work.
A refusal must be ``PermissionDenied`` (exit code 1 and one line on the command
line) and must write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.domain.wo_factory import audit_count, good_closeout, make_wo
from tests.reliability.conftest import wo_tui
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.domain.refs import req_label, wo_label
from wo_tui.errors import PermissionDenied

pytestmark = pytest.mark.sqlite_only

ACTORS = ("rita", "alice", "bob", "dana", "root")
"""requester, technician (own work), technician (someone else's), dispatcher, admin."""

WORKERS = {"alice", "dana", "root"}
TRIAGE = {"dana", "root"}


@dataclass(frozen=True)
class Verb:
    status: str | None
    allowed: set[str]
    domain: Callable[[sv.Ctx, int], Any]
    cli: Callable[[str], list[str]]


VERBS: dict[str, Verb] = {
    "approve": Verb(
        None,
        TRIAGE,
        lambda ctx, n: sv.approve_request(ctx, n),
        lambda ref: ["approve", ref],
    ),
    "assign": Verb(
        lc.OPEN,
        TRIAGE,
        lambda ctx, n: sv.assign(ctx, n, assignee="bob"),
        lambda ref: ["assign", ref, "--to", "bob"],
    ),
    "start": Verb(lc.ASSIGNED, WORKERS, sv.start, lambda ref: ["start", ref]),
    "hold": Verb(
        lc.IN_PROGRESS,
        WORKERS,
        lambda ctx, n: sv.hold(ctx, n, "parts"),
        lambda ref: ["hold", ref, "--reason", "parts"],
    ),
    "resume": Verb(lc.ON_HOLD, WORKERS, sv.resume, lambda ref: ["resume", ref]),
    "note": Verb(
        lc.IN_PROGRESS,
        WORKERS,
        lambda ctx, n: sv.add_note(ctx, n, "Coupling checked"),
        lambda ref: ["note", ref, "Coupling checked"],
    ),
    "labour": Verb(
        lc.IN_PROGRESS,
        WORKERS,
        lambda ctx, n: sv.log_labour(ctx, n, 30),
        lambda ref: ["labour", ref, "30"],
    ),
    "part": Verb(
        lc.IN_PROGRESS,
        WORKERS,
        lambda ctx, n: sv.use_part(ctx, n, "BRG-6204", 1),
        lambda ref: ["part", "use", ref, "BRG-6204", "1"],
    ),
    "complete": Verb(
        lc.IN_PROGRESS,
        WORKERS,
        lambda ctx, n: sv.complete(ctx, n, good_closeout(labour=[sv.LabourInput(30)])),
        lambda ref: [
            "complete",
            ref,
            "--resolution",
            "Replaced the bearing",
            "--cause",
            "WEAR",
            "--remedy",
            "REPL",
            "--no-parts",
            "--labour",
            "30",
            "--no-follow-up",
        ],
    ),
    "send_back": Verb(
        lc.COMPLETED,
        TRIAGE,
        lambda ctx, n: sv.send_back(ctx, n, "Noise is still there"),
        lambda ref: ["send-back", ref, "--reason", "Noise is still there"],
    ),
    "close": Verb(lc.COMPLETED, TRIAGE, sv.close, lambda ref: ["close", ref]),
    "cancel": Verb(
        lc.OPEN,
        TRIAGE,
        lambda ctx, n: sv.cancel(ctx, n, "Raised twice"),
        lambda ref: ["cancel", ref, "--reason", "Raised twice"],
    ),
    "reopen": Verb(
        lc.CLOSED,
        {"root"},
        lambda ctx, n: sv.reopen(ctx, n, "Wrong asset"),
        lambda ref: ["reopen", ref, "--reason", "Wrong asset"],
    ),
}


def _target(site: Any, verb: Verb) -> tuple[int, str]:
    if verb.status is None:
        req = sv.submit_request(
            site.requester, requester="Rita", description="Door sticks", urgency=2, impact=2
        )
        return req.number, req_label(req.number)
    number = make_wo(site, verb.status, assignee="alice")
    return number, wo_label(number)


@pytest.mark.parametrize("login", ACTORS)
def test_role_by_verb_in_the_domain_and_the_cli(site: Any, login: str) -> None:
    ctx = {
        "rita": site.requester,
        "alice": site.tech,
        "bob": site.tech2,
        "dana": site.dispatcher,
        "root": site.admin,
    }[login]
    db = str(site.store.path)
    for name, verb in VERBS.items():
        number, ref = _target(site, verb)
        before = audit_count(site.store)
        if login in verb.allowed:
            verb.domain(ctx, number)
            assert audit_count(site.store) > before, name
        else:
            with pytest.raises(PermissionDenied):
                verb.domain(ctx, number)
            assert audit_count(site.store) == before, name

        number, ref = _target(site, verb)
        before = audit_count(site.store)
        run = wo_tui("--db", db, "--login", login, *verb.cli(ref))
        assert "Traceback" not in run.stderr, (name, run.stderr)
        if login in verb.allowed:
            assert run.exit_code == 0, (name, login, run.stderr)
            assert audit_count(site.store) > before, name
        else:
            assert run.exit_code == 1, (name, login, run.stdout, run.stderr)
            assert run.stderr.startswith("wo-tui: ") and run.stderr.count("\n") == 1, run.stderr
            assert login in run.stderr, run.stderr
            assert audit_count(site.store) == before, name


def test_who_may_see_what_through_the_cli(site: Any) -> None:
    """Requesters see their own requests and no work orders; technicians see work orders
    but not other people's requests."""
    req = sv.submit_request(
        site.requester, requester="Rita", description="Door sticks", urgency=2, impact=2
    )
    n = make_wo(site, lc.ASSIGNED)
    db = str(site.store.path)
    views = {
        ("request", "show", req_label(req.number)): {"rita", "dana", "root"},
        ("show", wo_label(n)): {"alice", "bob", "dana", "root"},
        ("list",): {"alice", "bob", "dana", "root"},
    }
    for args, allowed in views.items():
        for login in ACTORS:
            run = wo_tui("--db", db, "--login", login, *args)
            assert "Traceback" not in run.stderr
            if login in allowed:
                assert run.exit_code == 0, (args, login, run.stderr)
            else:
                assert run.exit_code == 1 and run.stdout == "", (args, login, run.stdout)
                assert f"{login} is a" in run.stderr and "may not" in run.stderr, run.stderr

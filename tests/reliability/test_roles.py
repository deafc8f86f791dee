"""Every role against every verb, through the domain and through the command line.

Work orders under test are assigned to alice; bob is a technician of the same team,
so "bob" is the case of a technician touching another technician's work (and is
only run where that makes a difference: elsewhere he is alice). A refusal must be
``PermissionDenied`` (exit code 1 and one line naming the person on the command
line) and must write nothing; an allowed change writes its audit events. The command
line runs in-process (click's runner); ``--login`` is honoured because this process
owns the database file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import select

from tests.domain.wo_factory import audit_count, good_closeout, make_wo
from tests.reliability.conftest import wo_tui
from wo_tui import clock
from wo_tui.cli import main
from wo_tui.domain import admin, audit, exporting, importing, reports
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import pm as dpm
from wo_tui.domain import services as sv
from wo_tui.domain.refs import req_label, wo_label
from wo_tui.errors import PermissionDenied
from wo_tui.store.models import WorkOrder

pytestmark = pytest.mark.sqlite_only

ACTORS = ("rita", "alice", "bob", "dana", "root")
"""requester, technician (own work), technician (someone else's), dispatcher, admin."""

EVERYONE = set(ACTORS)
VIEWERS = {"alice", "bob", "dana", "root"}
WORKERS = {"alice", "dana", "root"}
TRIAGE = {"dana", "root"}
ADMIN = {"root"}

CLOSEOUT = ["--resolution", "Replaced the bearing", "--cause", "WEAR", "--remedy", "REPL"]


@dataclass(frozen=True)
class Target:
    """What one call acts on: ``key`` for the domain, ``ref`` for the command line."""

    key: Any
    ref: str
    other: str = ""


Setup = Callable[[Any, int], Target]


@dataclass(frozen=True)
class Verb:
    setup: Setup
    allowed: set[str]
    domain: Callable[[sv.Ctx, Target], Any] | None
    cli: Callable[[Target], list[str]]
    writes: bool = True


def _request(site: Any, _i: int) -> Target:
    req = sv.submit_request(
        site.requester, requester="Rita", description="Door sticks", urgency=2, impact=2
    )
    return Target(req.number, req_label(req.number))


def _work(status: str) -> Setup:
    def setup(site: Any, _i: int) -> Target:
        n = make_wo(site, status, assignee="alice")
        return Target(n, wo_label(n))

    return setup


def _duplicate(site: Any, i: int) -> Target:
    req = _request(site, i)
    return Target(req.key, req.ref, wo_label(make_wo(site, lc.OPEN)))


def _entry(kind: str) -> Setup:
    def setup(site: Any, _i: int) -> Target:
        n = make_wo(site, lc.IN_PROGRESS, assignee="alice")
        if kind == "labour":
            row: Any = sv.log_labour(site.admin, n, 30)
        else:
            row = sv.use_part(site.admin, n, "BRG-6204", 1)
        return Target(n, wo_label(n), str(row.id))

    return setup


def _name(prefix: str) -> Setup:
    return lambda _site, i: Target(f"{prefix}{i}", f"{prefix}{i}")


def _user(site: Any, i: int) -> Target:
    admin.add_user(site.admin, f"temp{i}", "requester")
    return Target(f"temp{i}", f"temp{i}")


def _csv(site: Any, i: int) -> Target:
    path = Path(site.store.path).with_name(f"requests-{i}.csv")
    path.write_text(
        "requester,description,urgency,impact,asset\nLine 1,Belt squeals,2,2,P-101\n",
        encoding="utf-8",
    )
    return Target(path, str(path))


def _schedule(
    *, due: bool = False, paused: bool = False, checklist: list[str] | None = None
) -> Setup:
    """A monthly PM for alice; due today only when a run should generate it (``pm run``
    looks at every schedule, so the others start next month and stay cheap)."""

    def setup(site: Any, i: int) -> Target:
        start = clock.now().date() + timedelta(days=0 if due else 31)
        sched = dpm.create_schedule(
            site.admin,
            dpm.ScheduleInput(
                title=f"Grease {i}",
                asset_tag="P-101",
                interval_value=1,
                interval_unit="month",
                assignee="alice",
                checklist=checklist or [],
                starts_on=start,
            ),
        )
        if paused:
            dpm.set_active(site.admin, sched.id, False, "Shutdown")
        return Target(sched.id, str(sched.id))

    return setup


def _checklist(site: Any, i: int) -> Target:
    """PM work assigned to alice, started, with one item to tick."""
    sched = _schedule(due=True, checklist=["Grease the drive end"])(site, i)
    dpm.run(site.admin)
    with site.store.read() as s:
        n = s.exec(select(WorkOrder.number).where(WorkOrder.pm_schedule_id == sched.key)).one()
    sv.start(site.admin, n)
    return Target(n, wo_label(n))


def _value(_site: Any, i: int) -> Target:
    return Target(float(100 * i), str(100 * i))


def _backlog(ctx: sv.Ctx, _t: Target) -> Any:
    return reports.run_report(ctx, "backlog", reports.Period.of())


def _retitled(inp: dpm.ScheduleInput) -> dpm.ScheduleInput:
    inp.title = f"{inp.title} (edited)"
    return inp


VERBS: dict[str, Verb] = {
    "request add": Verb(
        _name("x"),
        EVERYONE,
        lambda ctx, t: sv.submit_request(
            ctx, requester="Rita", description="Door sticks", urgency=2, impact=2
        ),
        lambda t: [
            *("request", "add", "--requester", "Rita", "--asset", "P-101"),
            *("--description", "Door sticks", "--urgency", "2", "--impact", "2"),
        ],
    ),
    "approve": Verb(
        _request,
        TRIAGE,
        lambda ctx, t: sv.approve_request(ctx, t.key),
        lambda t: ["approve", t.ref],
    ),
    "reject": Verb(
        _request,
        TRIAGE,
        lambda ctx, t: sv.reject_request(ctx, t.key, "Not ours"),
        lambda t: ["reject", t.ref, "--reason", "Not ours"],
    ),
    "duplicate": Verb(
        _duplicate,
        TRIAGE,
        lambda ctx, t: sv.mark_duplicate(ctx, t.key, t.other),
        lambda t: ["duplicate", t.ref, t.other],
    ),
    "priority REQ": Verb(
        _request,
        TRIAGE,
        lambda ctx, t: sv.set_request_priority(ctx, t.key, 1, 1),
        lambda t: ["priority", t.ref, "--urgency", "1", "--impact", "1"],
    ),
    "priority WO": Verb(
        _work(lc.OPEN),
        TRIAGE,
        lambda ctx, t: sv.set_priority(ctx, t.key, 1, 1),
        lambda t: ["priority", t.ref, "--urgency", "1", "--impact", "1"],
    ),
    "assign": Verb(
        _work(lc.OPEN),
        TRIAGE,
        lambda ctx, t: sv.assign(ctx, t.key, assignee="bob"),
        lambda t: ["assign", t.ref, "--to", "bob"],
    ),
    "start": Verb(
        _work(lc.ASSIGNED), WORKERS, lambda ctx, t: sv.start(ctx, t.key), lambda t: ["start", t.ref]
    ),
    "hold": Verb(
        _work(lc.IN_PROGRESS),
        WORKERS,
        lambda ctx, t: sv.hold(ctx, t.key, "parts"),
        lambda t: ["hold", t.ref, "--reason", "parts"],
    ),
    "resume": Verb(
        _work(lc.ON_HOLD),
        WORKERS,
        lambda ctx, t: sv.resume(ctx, t.key),
        lambda t: ["resume", t.ref],
    ),
    "note": Verb(
        _work(lc.IN_PROGRESS),
        WORKERS,
        lambda ctx, t: sv.add_note(ctx, t.key, "Coupling checked"),
        lambda t: ["note", t.ref, "Coupling checked"],
    ),
    "labour": Verb(
        _work(lc.IN_PROGRESS),
        WORKERS,
        lambda ctx, t: sv.log_labour(ctx, t.key, 30),
        lambda t: ["labour", t.ref, "30"],
    ),
    "labour remove": Verb(
        _entry("labour"),
        WORKERS,
        lambda ctx, t: sv.remove_labour(ctx, t.key, int(t.other)),
        lambda t: ["labour", "remove", t.ref, t.other],
    ),
    "part": Verb(
        _work(lc.IN_PROGRESS),
        WORKERS,
        lambda ctx, t: sv.use_part(ctx, t.key, "BRG-6204", 1),
        lambda t: ["part", t.ref, "BRG-6204", "1"],
    ),
    "part remove": Verb(
        _entry("part"),
        WORKERS,
        lambda ctx, t: sv.remove_part_usage(ctx, t.key, int(t.other)),
        lambda t: ["part", "remove", t.ref, t.other],
    ),
    "complete": Verb(
        _work(lc.IN_PROGRESS),
        WORKERS,
        lambda ctx, t: sv.complete(ctx, t.key, good_closeout(labour=[sv.LabourInput(30)])),
        lambda t: ["complete", t.ref, *CLOSEOUT, "--no-parts", "--labour", "30", "--no-follow-up"],
    ),
    "send-back": Verb(
        _work(lc.COMPLETED),
        TRIAGE,
        lambda ctx, t: sv.send_back(ctx, t.key, "Noise is still there"),
        lambda t: ["send-back", t.ref, "--reason", "Noise is still there"],
    ),
    "close": Verb(
        _work(lc.COMPLETED), TRIAGE, lambda ctx, t: sv.close(ctx, t.key), lambda t: ["close", t.ref]
    ),
    "cancel": Verb(
        _work(lc.OPEN),
        TRIAGE,
        lambda ctx, t: sv.cancel(ctx, t.key, "Raised twice"),
        lambda t: ["cancel", t.ref, "--reason", "Raised twice"],
    ),
    "reopen": Verb(
        _work(lc.CLOSED),
        ADMIN,
        lambda ctx, t: sv.reopen(ctx, t.key, "Wrong asset"),
        lambda t: ["reopen", t.ref, "--reason", "Wrong asset"],
    ),
    "import": Verb(
        _csv, TRIAGE, lambda ctx, t: importing.import_csv(ctx, t.key), lambda t: ["import", t.ref]
    ),
    "export": Verb(
        _name("x"),
        VIEWERS,
        lambda ctx, t: exporting.export(ctx, io.StringIO()),
        lambda t: ["export"],
        writes=False,
    ),
    "report": Verb(_name("x"), VIEWERS, _backlog, lambda t: ["report", "backlog"], writes=False),
    "user add": Verb(
        _name("new"),
        ADMIN,
        lambda ctx, t: admin.add_user(ctx, t.key, "technician"),
        lambda t: ["user", "add", t.ref, "--role", "technician"],
    ),
    "user list": Verb(
        _name("x"),
        TRIAGE,
        lambda ctx, t: admin.list_users(ctx),
        lambda t: ["user", "list"],
        writes=False,
    ),
    "user deactivate": Verb(
        _user,
        ADMIN,
        lambda ctx, t: admin.deactivate_user(ctx, t.key),
        lambda t: ["user", "deactivate", t.ref],
    ),
    "team add": Verb(
        _name("Crew"),
        ADMIN,
        lambda ctx, t: admin.add_team(ctx, t.key, 600),
        lambda t: ["team", "add", t.ref, "--capacity", "10"],
    ),
    "site add": Verb(
        _name("S"),
        TRIAGE,
        lambda ctx, t: admin.add_site(ctx, t.key, "South"),
        lambda t: ["site", "add", t.ref, "South"],
    ),
    "location add": Verb(
        _name("Shed "),
        TRIAGE,
        lambda ctx, t: admin.add_location(ctx, "NORTH", t.key),
        lambda t: ["location", "add", "NORTH", t.ref],
    ),
    "asset add": Verb(
        _name("C-"),
        TRIAGE,
        lambda ctx, t: admin.add_asset(ctx, t.key, "Conveyor"),
        lambda t: ["asset", "add", t.ref, "Conveyor"],
    ),
    "part add": Verb(
        _name("P"),
        TRIAGE,
        lambda ctx, t: admin.add_part(ctx, t.key, "Widget", 500),
        lambda t: ["part", "add", t.ref, "Widget", "--cost", "5"],
    ),
    "audit verify": Verb(
        _name("x"),
        ADMIN,
        lambda ctx, t: audit.verify_as(ctx),
        lambda t: ["audit", "verify"],
        writes=False,
    ),
    "pm add": Verb(
        _name("Grease "),
        TRIAGE,
        lambda ctx, t: dpm.create_schedule(
            ctx,
            dpm.ScheduleInput(
                title=t.key, asset_tag="P-101", interval_value=1, interval_unit="month"
            ),
        ),
        lambda t: ["pm", "add", t.ref, "--asset", "P-101", "--every", "1 month"],
    ),
    "pm edit": Verb(
        _schedule(),
        TRIAGE,
        lambda ctx, t: dpm.update_schedule(
            ctx, t.key, _retitled(dpm.schedule_input(ctx.store, t.key))
        ),
        lambda t: ["pm", "edit", t.ref, "--title", "Grease (edited)"],
    ),
    "pm pause": Verb(
        _schedule(),
        TRIAGE,
        lambda ctx, t: dpm.set_active(ctx, t.key, False, "Shutdown"),
        lambda t: ["pm", "pause", t.ref, "--reason", "Shutdown"],
    ),
    "pm resume": Verb(
        _schedule(paused=True),
        TRIAGE,
        lambda ctx, t: dpm.set_active(ctx, t.key, True),
        lambda t: ["pm", "resume", t.ref],
    ),
    "pm skip": Verb(
        _schedule(),
        TRIAGE,
        lambda ctx, t: dpm.skip_next(ctx, t.key, "Shutdown"),
        lambda t: ["pm", "skip", t.ref, "--reason", "Shutdown"],
    ),
    "pm run": Verb(
        _schedule(due=True), TRIAGE, lambda ctx, t: dpm.run(ctx), lambda t: ["pm", "run"]
    ),
    "pm reading": Verb(
        _value,
        VIEWERS,
        lambda ctx, t: dpm.record_reading(ctx, "P-101", "running_hours", t.key),
        lambda t: ["pm", "reading", "P-101", "running_hours", t.ref],
    ),
    "pm tick": Verb(
        _checklist,
        WORKERS,
        lambda ctx, t: dpm.set_checklist_item(ctx, t.key, 1, "pass"),
        lambda t: ["pm", "tick", t.ref, "1", "pass"],
    ),
    "pm list": Verb(_schedule(), VIEWERS, None, lambda t: ["pm", "list"], writes=False),
    "pm occurrences": Verb(
        _schedule(), VIEWERS, None, lambda t: ["pm", "occurrences", t.ref], writes=False
    ),
    "pm checklist": Verb(
        _checklist, VIEWERS, None, lambda t: ["pm", "checklist", t.ref], writes=False
    ),
}


def _contexts(site: Any) -> dict[str, sv.Ctx]:
    return {
        "rita": site.requester,
        "alice": site.tech,
        "bob": site.tech2,
        "dana": site.dispatcher,
        "root": site.admin,
    }


def _cli(db: str, login: str, args: list[str]) -> Any:
    result = CliRunner().invoke(main, ["--db", db, "--login", login, *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.mark.parametrize("login", ACTORS)
def test_role_by_verb_in_the_domain_and_the_cli(site: Any, login: str) -> None:
    """A refused call writes nothing, so the command line is refused the same target."""
    ctx = _contexts(site)[login]
    db = str(site.store.path)
    seq = count(1)
    for name, verb in VERBS.items():
        if login == "bob" and ("alice" in verb.allowed) == ("bob" in verb.allowed):
            continue
        allowed = login in verb.allowed
        target = verb.setup(site, next(seq))
        if verb.domain is not None:
            before = audit_count(site.store)
            if allowed:
                verb.domain(ctx, target)
                assert (audit_count(site.store) > before) == verb.writes, name
                target = verb.setup(site, next(seq))
            else:
                with pytest.raises(PermissionDenied):
                    verb.domain(ctx, target)
                assert audit_count(site.store) == before, name

        before = audit_count(site.store)
        run = _cli(db, login, verb.cli(target))
        if allowed:
            assert run.exit_code == 0, (name, login, run.stderr)
            assert (audit_count(site.store) > before) == verb.writes, name
        else:
            assert run.exit_code == 1, (name, login, run.stdout, run.stderr)
            assert run.stdout == "", (name, run.stdout)
            assert run.stderr.startswith("wo-tui: ") and run.stderr.count("\n") == 1, run.stderr
            assert login in run.stderr, (name, run.stderr)
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
        ("show", wo_label(n)): VIEWERS,
        ("list",): VIEWERS,
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


def test_user_variables_change_nothing(site: Any) -> None:
    """$USER, $LOGNAME and $SUDO_USER naming the dispatcher leave alice a technician."""
    n = make_wo(site, lc.COMPLETED)
    before = audit_count(site.store)
    pretend = {"USER": "dana", "LOGNAME": "dana", "USERNAME": "dana", "SUDO_USER": "dana"}
    run = wo_tui(
        "--db", str(site.store.path), "--login", "alice", "close", wo_label(n), env=pretend
    )
    assert run.exit_code == 1
    assert run.stderr == "wo-tui: alice is a technician and may not close.\n"
    assert audit_count(site.store) == before

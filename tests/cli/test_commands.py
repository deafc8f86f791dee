"""Every setup and lifecycle command through click, with the errors people see."""

from __future__ import annotations

import json

from sqlalchemy import func
from sqlmodel import select

from tests.cli.conftest import Cli
from wo_tui.domain.permissions import ADMIN, Actor
from wo_tui.domain.views import list_work_orders, work_order_detail
from wo_tui.store.db import open_store
from wo_tui.store.models import AuditEvent, Note, WorkOrder, WorkRequest

ROOT = Actor(1, "root", "Site Admin", ADMIN)
"""Who reads the views here: every read model checks its reader."""


def _request(cli: Cli, description: str = "Pump P-101 is noisy", **extra: str) -> str:
    args = ["request", "add", "--requester", "Line 1 supervisor", "--asset", "P-101"]
    args += ["--description", description, "--urgency", "2", "--impact", "2"]
    for key, value in extra.items():
        args += [f"--{key}", value]
    run = cli(*args)
    assert run.code == 0, run.err
    return run.out.strip()


def _count(cli: Cli, model: type) -> int:
    store = open_store(str(cli.db))
    try:
        with store.read() as s:
            return int(s.exec(select(func.count()).select_from(model)).one())
    finally:
        store.close()


def test_setup_commands(cli: Cli) -> None:
    assert cli("team", "add", "Civil", "--capacity", "76").out == "team Civil\n"
    assert cli("site", "add", "SOUTH", "South Yard").out == "site SOUTH\n"
    run = cli("location", "add", "SOUTH", "Workshop")
    assert run.code == 0 and run.out.endswith("South Yard / Workshop\n")
    loc = run.out.split()[0]
    run = cli(
        "asset", "add", "CV-201", "Belt conveyor", "--location", loc, "--category", "conveyor"
    )
    assert run.out == "asset CV-201\n"
    assert cli("part", "add", "ROL-50", "Roller 50 mm", "--cost", "24.50").out == (
        "part ROL-50 24.50/ea\n"
    )
    run = cli("user", "add", "zoe", "--role", "technician", "--team", "Civil", "--rate", "41")
    assert run.out == "zoe: technician\n"
    run = cli(
        "request",
        "add",
        "--requester",
        "Yard",
        "--location",
        loc,
        "--description",
        "x",
        "--urgency",
        "3",
        "--impact",
        "3",
    )
    assert run.code == 0 and run.out.startswith("REQ-")
    refused = cli("site", "add", "SOUTH2", "Other", login="alice")
    assert refused.code == 1 and refused.err.count("\n") == 1 and "technician" in refused.err


def test_full_lifecycle_and_show(cli: Cli) -> None:
    req = cli(
        "request",
        "add",
        "--requester",
        "Line 1",
        "--asset",
        "P-101",
        "--description",
        "-",
        "--urgency",
        "1",
        "--impact",
        "2",
        "--source",
        "alert",
        "--contact",
        "ext 2201",
        stdin="Seal leaking\nwater on the floor",
    ).out.strip()
    assert req == "REQ-000001"
    wo = cli("approve", req).out.strip()
    assert wo == "WO-000001"
    assert cli("priority", wo, "--urgency", "2", "--impact", "2").out.startswith(f"{wo} P3 due")
    assert cli("assign", wo, "--to", "alice").out == f"{wo} assigned\n"
    assert cli("start", wo, login="alice").out == f"{wo} in progress\n"
    assert cli("hold", wo, "--reason", "parts", "--note", "seal on order", login="alice").code == 0
    assert cli("resume", wo, login="alice").out == f"{wo} in progress\n"
    assert cli("note", wo, "-", login="alice", stdin="Isolated [/] and drained").code == 0
    assert cli("labour", wo, "1:30", "--date", "2026-03-01", login="alice").out == (
        f"{wo} 1:30 on 2026-03-01 (entry #1)\n"
    )
    assert cli("part", wo, "BRG-6204", "2", login="alice").out == f"{wo} 2 x BRG-6204 (entry #1)\n"
    run = cli(
        "complete",
        wo,
        "--resolution",
        "Replaced the seal",
        "--cause",
        "leak",
        "--remedy",
        "REPL",
        "--part",
        "SEAL-25:1",
        "--labour",
        "30",
        "--follow-up",
        "--follow-up-description",
        "Check alignment next week",
        login="alice",
    )
    assert run.code == 0, run.err
    assert cli("send-back", wo, "--reason", "Photo missing").out == f"{wo} in progress\n"
    run = cli(
        "complete",
        wo,
        "--resolution",
        "Photo added",
        "--cause",
        "LEAK",
        "--remedy",
        "REPL",
        "--no-follow-up",
        login="alice",
    )
    assert run.code == 0, run.err
    assert cli("close", wo, login="dana").out == f"{wo} closed\n"

    show = cli("show", wo)
    assert show.code == 0
    out = show.out
    for expected in (
        "Work order:   WO-000001",
        "Status:       closed",
        "P3 high",
        "P-101 Feed pump 1",
        "North Plant / Building A",
        "alice (Alice Fitter)",
        "Mechanical",
        "REQ-000001 (approved)",
        "Cause/remedy: LEAK / REPL",
        "Seal leaking",
        "Isolated [/] and drained",
        "WO-000002",
        "Check alignment next week",
        "1:30",
        "0:30",
        "BRG-6204",
        "SEAL-25",
        # labour 120 min x 45.00/h = 90.00; parts 2 x 12.50 + 89.00 = 114.00
        "Cost: labour 90.00 (2:00 h) + parts 114.00 = 204.00",
    ):
        assert expected in out, expected
    assert "assignee_id: - -> alice; team_id: - -> Mechanical; status: open -> assigned" in out
    timeline = out.split("Timeline:")[1].split("Labour:")[0]
    actions = [line.split()[3] for line in timeline.splitlines() if line.startswith("  20")]
    assert actions == [
        "create",
        "approve",
        "set_priority",
        "assign",
        "start",
        "hold",
        "resume",
        "note",
        "log_labour",
        "use_part",
        "log_labour",
        "use_part",
        "complete",
        "send_back",
        "complete",
        "close",
    ]

    detail = work_order_detail(open_store(str(cli.db)), wo, actor=ROOT)
    assert (
        detail.labour_cents == 9000 and detail.parts_cents == 11400 and detail.total_cents == 20400
    )
    assert detail.request is not None and detail.request.label == req
    assert [f.label for f in detail.follow_ups] == ["WO-000002"]
    assert detail.response_met is True and detail.resolution_met is True
    assert cli("show", "WO-000002").out.count("Parent:       WO-000001") == 1

    assert cli("reopen", wo, "--reason", "Leak is back").out == f"{wo} assigned\n"
    reopened = cli("show", wo).out
    assert "Sent back:" not in reopened and "reason: - -> Leak is back" in reopened
    assert cli("cancel", wo, "--reason", "Replaced by project work").out == f"{wo} cancelled\n"
    refused = cli("reopen", wo, "--reason", "again", login="dana")
    assert refused.code == 1 and "may not reopen" in refused.err


def test_triage_commands(cli: Cli) -> None:
    first = _request(cli)
    second = _request(cli, "Same noise on P-101")
    third = _request(cli, "Paint the office")
    wo = cli("approve", first, "--kind", "corrective").out.strip()
    assert cli("duplicate", second, wo).out == f"{second} duplicate of {wo}\n"
    assert cli("priority", third, "--urgency", "3", "--impact", "3").out == f"{third} P5\n"
    assert cli("reject", third, "--reason", "Not maintenance").out == f"{third} rejected\n"
    shown = cli("request", "show", third).out
    assert "Status:     rejected" in shown and "Not maintenance" in shown
    again = cli("approve", third)
    assert again.code == 1 and again.err == f"wo-tui: {third} is already rejected.\n"
    assert cli("approve", first, login="rita").code == 1


def test_list_filters_json_and_paging(cli: Cli) -> None:
    for i in range(5):
        cli("approve", _request(cli, f"Fault {i}"))
    cli("assign", "WO-000002", "--to", "bob")
    run = cli("list", "--json")
    rows = json.loads(run.out)
    assert [r["number"] for r in rows] == [f"WO-00000{i}" for i in range(5, 0, -1)]
    assert json.loads(cli("list", "--json", "--assignee", "bob").out)[0]["number"] == "WO-000002"
    assert json.loads(cli("list", "--json", "--status", "assigned").out)[0]["assignee"] == "bob"
    assert json.loads(cli("list", "--json", "--priority", "1").out) == []
    assert len(json.loads(cli("list", "--json", "--asset", "P-101", "--limit", "2").out)) == 2
    assert cli("list", "--overdue").out == ""
    assert "WO-000001  P3  open" in cli("list").out
    assert cli("list", "--assignee", "ghost").code == 1

    store = open_store(str(cli.db))
    page = list_work_orders(store, actor=ROOT, limit=2)
    seen = [r.label for r in page.rows]
    while page.next_after is not None:
        page = list_work_orders(store, actor=ROOT, limit=2, after=page.next_after)
        seen += [r.label for r in page.rows]
    store.close()
    assert seen == [f"WO-00000{i}" for i in range(5, 0, -1)]


def test_overdue_listing(cli: Cli) -> None:
    from datetime import timedelta

    from wo_tui import clock

    wo = cli("approve", _request(cli)).out.strip()
    clock.freeze(clock.now() + timedelta(days=4))
    rows = json.loads(cli("list", "--overdue", "--json").out)
    assert [r["number"] for r in rows] == [wo] and rows[0]["overdue"] is True
    assert "OVERDUE" in cli("show", wo).out


def test_show_strips_control_characters(cli: Cli) -> None:
    wo = cli("approve", _request(cli)).out.strip()
    store = open_store(str(cli.db))
    with store.write() as s:
        row = s.exec(select(WorkOrder).where(WorkOrder.number == 1)).one()
        assert row.id is not None
        s.add(
            Note(
                work_order_id=row.id,
                author_id=1,
                created_at=row.requested_at,
                body="copied \x1b]52;c;ZXZpbA==\x07 from a terminal\x9b31m",
            )
        )
        row.title = "Title \x1b[2J cleared"
        s.add(row)
    store.close()
    out = cli("show", wo).out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "copied ]52;c;ZXZpbA== from a terminal31m" in out
    assert "\x1b" not in cli("list").out


def test_bad_input_is_one_line_and_saves_nothing(cli: Cli, tmp_path) -> None:
    base = ["request", "add", "--requester", "Ann", "--urgency", "2", "--impact", "2"]
    cases = [
        ([*base, "--asset", "P-101", "--description", "   "], None, "Description is empty"),
        ([*base, "--asset", "P-101", "--description", "-"], "x" * 1_000_000, "limit is 200,000"),
        ([*base, "--asset", "NOPE-1", "--description", "noise"], None, "no asset tagged 'NOPE-1'"),
    ]
    for args, stdin, message in cases:
        run = cli(*args, stdin=stdin)
        assert run.code == 1, run
        assert run.err.count("\n") == 1 and message in run.err and run.out == ""
    assert _count(cli, WorkRequest) == 0

    wo = cli("approve", _request(cli)).out.strip()
    assert cli("assign", wo, "--to", "ghost").err == "wo-tui: There is no active user 'ghost'.\n"
    ghost = cli("list", login="ghost")
    assert ghost.code == 1 and "ghost is not a wo-tui user" in ghost.err
    assert "may not view all work" in cli("show", wo, login="rita").err
    cli("assign", wo, "--to", "alice")
    cli("start", wo, login="alice")
    for day in ("2025-02-30", "2026-13-01", "yesterday"):
        run = cli("labour", wo, "60", "--date", day, login="alice")
        assert run.code == 1 and "is not a valid date" in run.err and run.err.count("\n") == 1
    future = cli("labour", wo, "60", "--date", "2030-01-01", login="alice")
    assert future.code == 1 and "in the future" in future.err
    assert cli("labour", wo, "25h", login="alice").code == 1
    for args in (("part", wo, "BRG-6204", "-1"), ("part", "use", wo, "BRG-6204", "-3")):
        run = cli(*args, login="alice")
        assert (run.code, run.err) == (1, "wo-tui: Quantity used must be more than zero.\n")
    run = cli("labour", wo, "-30", login="alice")
    assert (run.code, run.err) == (1, "wo-tui: Time logged must be more than zero minutes.\n")
    run = cli("complete", wo, "--resolution", "done", login="alice")
    assert run.code == 1 and "missing" in run.err and run.err.count("\n") == 1
    assert cli("show", "WO-999").err == "wo-tui: There is no work order WO-000999.\n"
    assert cli("show", "REQ-1").code == 1

    missing = Cli(tmp_path / "nowhere" / "wo.db")("list")
    assert missing.code == 1 and "No database at" in missing.err and missing.err.count("\n") == 1
    assert not (tmp_path / "nowhere").exists()


def test_bad_usage_exits_2(cli: Cli) -> None:
    assert cli("request", "add", "--requester", "x").code == 2
    assert (
        cli(
            "request",
            "add",
            "--requester",
            "x",
            "--description",
            "y",
            "--urgency",
            "4",
            "--impact",
            "1",
            "--asset",
            "P-101",
        ).code
        == 2
    )
    assert (
        cli(
            "request",
            "add",
            "--requester",
            "x",
            "--description",
            "y",
            "--urgency",
            "1",
            "--impact",
            "1",
        ).code
        == 2
    )
    assert cli("assign", "WO-1").code == 2
    assert cli("complete", "WO-1", "--resolution", "x", "--part", "BRG").code == 2
    assert cli("hold", "WO-1", "--reason", "lunch").code == 2
    assert cli("frobnicate").code == 2


def test_init_on_a_database_that_has_an_admin(cli: Cli, monkeypatch) -> None:
    from wo_tui.domain import identity

    events = _count(cli, AuditEvent)
    monkeypatch.setattr(identity, "os_login", lambda: "root")
    run = cli("init")
    assert run.code == 0 and run.out.endswith("; root is an admin.\n")
    for login in ("alice", "mallory"):
        monkeypatch.setattr(identity, "os_login", lambda login=login: login)
        run = cli("init", login=login)
        assert run.code == 1 and run.out == "" and run.err.count("\n") == 1
        assert f"already has an admin and {login} is not one: ask root to run" in run.err
    assert _count(cli, AuditEvent) == events
    assert "alice   Alice Fitter" in cli("user", "list").out


def test_users_list_deactivate_and_reactivate(cli: Cli) -> None:
    assert cli("user", "add", "zed", "--role", "technician", "--name", "=HYPERLINK(x)").code == 0
    table = cli("user", "list", login="dana").out
    assert "alice" in table and "Mechanical" in table and "45.00" in table
    rows = json.loads(cli("user", "list", "--format", "json").out)
    assert {r["login"] for r in rows} == {"root", "dana", "alice", "bob", "erin", "rita", "zed"}
    alice = next(r for r in rows if r["login"] == "alice")
    assert alice == {
        "login": "alice",
        "name": "Alice Fitter",
        "role": "technician",
        "team": "Mechanical",
        "rate_cents": 4500,
        "active": True,
    }
    csv_out = cli("user", "list", "--format", "csv").out.splitlines()
    assert csv_out[0] == "login,name,role,team,rate_cents,active"
    assert "zed,'=HYPERLINK(x),technician,,0,True" in csv_out
    refused = cli("user", "list", login="alice")
    assert refused.code == 1 and refused.err == (
        "wo-tui: alice is a technician and may not view users.\n"
    )

    assert cli("user", "deactivate", "bob").out == "bob deactivated\n"
    assert "already deactivated" in cli("user", "deactivate", "bob").out
    assert "deactivated" in cli("user", "list").out.split("bob")[1].splitlines()[0]
    for args in (("list",), ()):
        run = cli(*args, login="bob")
        assert run.code == 1 and run.out == "" and run.err.count("\n") == 1
        assert run.err.startswith("wo-tui: bob was deactivated as a wo-tui user")
    assert cli("user", "deactivate", "bob", login="dana").code == 1
    assert cli("user", "add", "bob", "--role", "technician", "--team", "Mechanical").code == 0
    assert cli("list", login="bob").code == 0

    last = cli("user", "deactivate", "root")
    assert last.code == 1 and last.err == (
        "wo-tui: root is the last active admin: make someone else an admin first.\n"
    )
    assert cli("user", "add", "root", "--role", "dispatcher").code == 1
    assert cli("user", "deactivate", "ghost").err == "wo-tui: There is no user 'ghost'.\n"


def test_bad_numbers_and_logins_are_one_line(cli: Cli) -> None:
    cases = [
        (("user", "add", "bad login; rm", "--role", "technician"), "is not a usable login"),
        (("user", "add", "zz", "--role", "technician", "--rate", "1e30"), "is more than"),
        (("user", "add", "zz", "--role", "technician", "--rate", "20000"), "not believable"),
        (("part", "add", "X1", "Thing", "--cost", "1e30"), "is more than"),
        (("team", "add", "Big", "--capacity", "1e30"), "not believable"),
        (("team", "add", "Big", "--capacity", "-5"), "cannot be negative"),
        (("team", "add", "Big", "--capacity", "inf"), "is not hours a week"),
    ]
    events = _count(cli, AuditEvent)
    for args, message in cases:
        run = cli(*args)
        assert run.code == 1 and run.err.count("\n") == 1 and message in run.err, (args, run)
        assert "Traceback" not in run.err
    assert _count(cli, AuditEvent) == events


def test_a_technician_is_refused_the_catalogue_in_its_own_words(cli: Cli) -> None:
    part = cli("part", "add", "X1", "Thing", "--cost", "5", login="alice")
    assert part.err == "wo-tui: alice is a technician and may not manage parts.\n"
    asset = cli("asset", "add", "X-1", "Thing", login="alice")
    assert asset.err == "wo-tui: alice is a technician and may not manage assets.\n"


def test_removing_labour_and_parts(cli: Cli) -> None:
    wo = cli("approve", _request(cli)).out.strip()
    cli("assign", wo, "--to", "alice")
    cli("start", wo, login="alice")
    assert cli("labour", wo, "45", login="alice").out.endswith("(entry #1)\n")
    assert cli("part", wo, "BRG-6204", "2", login="alice").out.endswith("(entry #1)\n")
    shown = cli("show", wo).out
    assert "#1      2026-03-02  alice" in shown and "#1      BRG-6204" in shown
    assert cli("labour", "remove", wo, "1", login="bob").code == 1
    assert cli("labour", "remove", wo, "1", login="alice").out == f"{wo} labour entry #1 removed\n"
    assert cli("part", "remove", wo, "1", login="alice").out == f"{wo} part entry #1 removed\n"
    again = cli("part", "remove", wo, "1", login="alice")
    assert again.err == f"wo-tui: {wo} has no part entry #1.\n"
    shown = cli("show", wo).out
    assert "Labour:\n  none" in shown and "Parts:\n  none" in shown
    assert "remove_labour" in shown and "minutes: 45 -> -" in shown


def test_settings_files_that_cannot_be_used(cli: Cli, tmp_path) -> None:
    missing = tmp_path / "nonexistent.toml"
    run = cli("--config", str(missing), "list")
    assert run.code == 1 and run.err == f"wo-tui: Settings file {missing} does not exist.\n"
    for text, key in (("sla = 5", "sla"), ('codes = "x"', "codes"), ("[codes]\ncause = []", "")):
        path = tmp_path / "settings.toml"
        path.write_text(text + "\n")
        run = cli("--config", str(path), "list")
        assert run.code == 1 and run.err.startswith(f"wo-tui: {path}: ") and key in run.err
        assert run.err.count("\n") == 1

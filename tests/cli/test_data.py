"""export, backup (while another process writes) and demo."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from tests.cli.conftest import Cli
from wo_tui import clock
from wo_tui.domain import demo as demo_data
from wo_tui.domain import lifecycle as lc
from wo_tui.domain.audit import verify
from wo_tui.domain.exporting import COLUMNS, neutralise
from wo_tui.store.db import open_store
from wo_tui.store.models import (
    AuditEvent,
    LabourEntry,
    MeterReading,
    Note,
    PartUsage,
    User,
    WorkOrder,
    WorkRequest,
)
from wo_tui.store.search import search_work_orders


def _work(cli: Cli, description: str) -> str:
    req = cli(
        "request",
        "add",
        "--requester",
        "Ops",
        "--asset",
        "P-101",
        "--description",
        description,
        "--urgency",
        "2",
        "--impact",
        "2",
    ).out.strip()
    return cli("approve", req).out.strip()


def test_export_csv_neutralises_formulas(cli: Cli, tmp_path: Path) -> None:
    hostile = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "plain"]
    for text in hostile:
        _work(cli, text)
    wo = "WO-000001"
    cli("assign", wo, "--to", "alice")
    cli("start", wo, login="alice")
    cli(
        "complete",
        wo,
        "--resolution",
        "=cmd|' /C calc'!A0",
        "--cause",
        "WEAR",
        "--remedy",
        "REPL",
        "--part",
        "BRG-6204:2",
        "--labour",
        "1:00",
        "--no-follow-up",
        login="alice",
    )
    run = cli("export")
    assert run.code == 0, run.err
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert list(rows[0]) == list(COLUMNS)
    by_number = {r["number"]: r for r in rows}
    assert [by_number[f"WO-00000{i + 1}"]["title"] for i in range(5)] == [
        '\'=HYPERLINK("http://x","y")',
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        "plain",
    ]
    first = by_number[wo]
    assert first["resolution"] == "'=cmd|' /C calc'!A0"
    assert first["labour_minutes"] == "60" and first["labour_cost"] == "45.00"
    assert first["parts_cost"] == "25.00" and first["total_cost"] == "70.00"
    assert first["asset"] == "P-101" and first["assignee"] == "alice" and first["priority"] == "P3"
    assert neutralise("\tx") == "'\tx" and neutralise("\rx") == "'\rx" and neutralise(5) == 5

    data = json.loads(cli("export", "--format", "json").out)
    assert len(data) == 5 and data[0]["title"].startswith("=HYPERLINK")
    assert cli("export", "--since", "2030-01-01").out.count("\n") == 1
    assert cli("export", "--since", "2026-02-30").code == 1

    out = tmp_path / "wo.csv"
    run = cli("export", "--output", str(out))
    assert run.code == 0 and run.out == "" and "Exported 5 work orders" in run.err
    assert out.read_text(encoding="utf-8").startswith("number,title,")
    assert cli("export", login="rita").code == 1


WRITER = textwrap.dedent(
    """
    import sys, time
    from wo_tui.domain import identity, services
    from wo_tui.domain.services import Ctx
    from wo_tui.store.db import open_store
    store = open_store(sys.argv[1])
    ctx = Ctx(store, identity.actor_for(store, "dana"))
    print("ready", flush=True)
    deadline = time.monotonic() + float(sys.argv[2])
    n = 0
    while time.monotonic() < deadline:
        services.submit_request(ctx, requester="loop", description="x" * 2000,
                                urgency=2, impact=2, asset_tag="P-101")
        n += 1
    print(n, flush=True)
    """
)


@pytest.mark.sqlite_only
def test_backup_while_another_process_writes(cli: Cli, tmp_path: Path) -> None:
    for i in range(3):
        _work(cli, f"seed {i} " + "y" * 500)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(cli.db), "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    copies = []
    for i in range(3):
        target = tmp_path / f"copy{i}.db"
        run = cli("backup", str(target))
        assert run.code == 0, run.err
        copies.append(target)
        time.sleep(0.3)
    written = int(writer.communicate(timeout=60)[0].strip())
    assert writer.returncode == 0 and written > 0
    counts = []
    for target in copies:
        con = sqlite3.connect(target)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        counts.append(con.execute("SELECT count(*) FROM work_request").fetchone()[0])
        con.close()
    assert counts == sorted(counts) and counts[-1] > 3
    opened = open_store(str(copies[-1]))
    assert verify(opened).ok
    opened.close()
    again = cli("backup", str(copies[0]))
    assert again.code == 1 and "already exists" in again.err


@pytest.mark.sqlite_only
def test_demo_is_realistic_consistent_and_repeatable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from wo_tui.cli import main
    from wo_tui.domain import identity

    def load(name: str) -> Path:
        db = tmp_path / name
        result = CliRunner().invoke(
            main, ["--db", str(db), "demo", "--work-orders", "400", "--seed", "5"]
        )
        assert result.exit_code == 0, result.output
        assert "2 sites, 150 assets, 8 technicians, 40 parts, 400 work orders" in result.stdout
        return db

    clock.freeze(clock.now().replace(microsecond=0))
    try:
        first = load("a.db")
        # The same data when only the newest work is lived step by step (a big demo).
        monkeypatch.setattr(demo_data, "LIVED", 150)
        second = load("b.db")
    finally:
        clock.freeze(None)
    store = open_store(str(first))
    with store.read() as s:
        wos = s.exec(select(WorkOrder).order_by(col(WorkOrder.id))).all()
        me = s.exec(select(User).where(User.login == identity.os_login())).one()
        labour = Counter(s.exec(select(LabourEntry.work_order_id)).all())
        parts = Counter(s.exec(select(PartUsage.work_order_id)).all())
        new_requests = s.exec(
            select(func.count()).select_from(WorkRequest).where(WorkRequest.status == "new")
        ).one()
    assert me.role == "admin"
    assert len(wos) == 400
    assert {w.status for w in wos} == set(lc.STATUSES)
    assert {w.kind for w in wos} == set(lc.KINDS)
    now = clock.now()
    assert any(w.due_at and w.due_at < now and w.status in lc.ACTIVE for w in wos)
    assert min(w.requested_at for w in wos) < now.replace(year=now.year - 1)
    assert new_requests > 0
    for w in wos:
        assert w.requested_at <= w.updated_at <= now
        if w.status in (lc.COMPLETED, lc.CLOSED):
            assert w.started_at and w.completed_at and w.resolution and labour[w.id] > 0
            assert w.requested_at <= w.started_at <= w.completed_at
            assert w.no_parts_used != (parts[w.id] > 0)
            if w.kind in lc.NEEDS_CAUSE:
                assert w.cause_code and w.remedy_code
        if w.status == lc.CLOSED:
            assert w.closed_at and w.completed_at <= w.closed_at <= now
        if w.status == lc.ON_HOLD:
            assert w.hold_reason
        if w.status == lc.CANCELLED:
            assert w.cancel_reason and w.cancelled_at
        if w.status == lc.OPEN:
            assert w.assignee_id is None
        if w.kind == lc.FOLLOW_UP:
            assert w.parent_id is not None
    assert verify(store).ok
    with store.read() as s:
        noted = set(s.exec(select(Note.work_order_id).where(col(Note.body).contains("Vendor"))))
    hits = search_work_orders(store, "vendor engineer booked", limit=1000)
    assert noted and {h.number for h in hits} >= {w.number for w in wos if w.id in noted}
    assert wos[-1].number in {h.number for h in search_work_orders(store, wos[-1].title)}
    store.close()

    def fingerprint(db: Path) -> list[tuple]:
        con = sqlite3.connect(db)
        rows = con.execute(
            "SELECT number, title, status, priority, asset_id, requested_at FROM work_order "
            "ORDER BY number"
        ).fetchall()
        con.close()
        return rows

    assert fingerprint(first) == fingerprint(second)
    store = open_store(str(second))
    assert verify(store).ok
    with store.read() as s:
        imported = s.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "import", AuditEvent.entity == "work_order")
        ).one()
    store.close()
    assert 200 < imported < 400

    result = CliRunner().invoke(main, ["--db", str(first), "demo", "--work-orders", "5"])
    assert result.exit_code == 1 and "already has sites" in result.stderr
    show = CliRunner().invoke(main, ["--db", str(first), "show", "WO-000010"])
    assert show.exit_code == 0 and "Timeline:" in show.stdout


def test_demo_has_pm_history_and_lived_timelines(db_url: str) -> None:
    """PM schedules with their work, and every work order's trail as the services
    would have written it, by the people who did each step; on both backends."""
    from click.testing import CliRunner

    from wo_tui.cli import main
    from wo_tui.domain import identity, pm
    from wo_tui.domain.services import Ctx, submit_request

    result = CliRunner().invoke(main, ["--db", db_url, "demo"])
    assert result.exit_code == 0, result.output
    assert "8 PM schedules" in result.stdout
    store = open_store(db_url)
    schedules = pm.list_schedules(store, actor=identity.actor_for(store, identity.os_login()))
    assert len(schedules) == 8
    triggers = " ".join(r.trigger for r in schedules)
    assert "(fixed)" in triggers and "(floating)" in triggers
    assert any("running_hours" in r.trigger for r in schedules)
    assert all(r.due_count > 0 and r.last_done is not None for r in schedules)
    with store.read() as s:
        wos = s.exec(select(WorkOrder)).all()
        readings = s.exec(select(func.count()).select_from(MeterReading)).one()
        logins = {u.id: u.login for u in s.exec(select(User))}
        events = s.exec(
            select(AuditEvent).where(AuditEvent.entity == "work_order").order_by(col(AuditEvent.id))
        ).all()
    preventive = [w for w in wos if w.kind == lc.PREVENTIVE]
    assert preventive and all(w.pm_schedule_id is not None for w in preventive)
    assert readings > 50
    trail: dict[int, list[tuple[str, str]]] = {}
    for e in events:
        trail.setdefault(e.entity_id, []).append((e.action, logins[e.actor_id]))
    techs = {login for login, *_ in demo_data.TECHNICIANS}
    for w in wos:
        steps = trail[w.id]
        assert steps[0][0] == "create"
        actions = [a for a, _ in steps]
        if w.status == lc.CLOSED:
            who = dict(steps)
            assert {"assign", "start", "complete", "close"} <= set(actions), actions
            assert who["close"] == "dana" and who["start"] in techs and who["complete"] in techs
            assert actions.index("start") < actions.index("complete") < actions.index("close")
        if w.kind == lc.PREVENTIVE:
            assert actions[1] == "pm_meter" if "hour" in w.title else actions[1] == "pm_calendar"
    assert not [w for w in wos if all(a == "import" for a, _ in trail[w.id])]
    assert verify(store).ok
    dispatcher = Ctx(store, identity.actor_for(store, "dana"))
    assert pm.run(dispatcher).generated == []
    req = submit_request(dispatcher, requester="x", description="y", urgency=2, impact=2)
    assert req.id is not None
    store.close()
    show = CliRunner().invoke(main, ["--db", db_url, "show", "WO-000020"])
    assert show.exit_code == 0 and "Timeline:" in show.stdout

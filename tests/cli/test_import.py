"""``wo-tui import``: good, malformed and mapped files, --skip-bad, and speed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from sitebuilder import build_site
from sqlalchemy import func
from sqlmodel import col, select

from tests.cli.conftest import Cli
from wo_tui.domain import importing
from wo_tui.domain import services as sv
from wo_tui.domain.audit import verify
from wo_tui.domain.permissions import ADMIN, Actor
from wo_tui.domain.views import work_order_detail
from wo_tui.store.db import open_store
from wo_tui.store.models import Asset, AuditEvent, MeterReading, WorkOrder, WorkRequest
from wo_tui.store.search import search_work_orders

ROOT = Actor(1, "root", "Site Admin", ADMIN)
"""Who reads the views here: every read model checks its reader."""

REQUESTS = """requester,description,urgency,impact,asset,source,contact,submitted_at
Line 1,Pump P-101 noisy,2,2,P-101,operator,ext 2201,2026-02-27T08:15
Reception,"Air handler smells of burning, please check",1,1,AHU-01,tenant,,2026-02-28
Quality lab,"Two lines
of description",3,2,P-101,,,
"""

HISTORY = """title,requested_at,started_at,completed_at,closed_at,resolution,asset,kind,assignee,cause_code,remedy_code,labour_minutes,parts
Seal leak P-101,2025-06-01T08:00,2025-06-01T09:00,2025-06-01T12:00,2025-06-02,Replaced seal,P-101,corrective,alice,LEAK,REPL,90,SEAL-25:1;BRG-6204:2
Filter change,2025-07-01,,2025-07-01T10:00,,Changed filters,AHU-01,preventive,,,,30,
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _store(cli: Cli):
    return open_store(str(cli.db))


def test_import_requests(cli: Cli, tmp_path: Path) -> None:
    run = cli("import", str(_write(tmp_path, "reqs.csv", REQUESTS)))
    assert run.code == 0, run.err
    assert run.out == "Imported 3 requests (REQ-000001 .. REQ-000003); skipped 0 bad rows.\n"
    store = _store(cli)
    with store.read() as s:
        reqs = s.exec(select(WorkRequest).order_by(col(WorkRequest.number))).all()
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "import")).all()
    store.close()
    assert [r.status for r in reqs] == ["new"] * 3
    assert reqs[1].title == "Air handler smells of burning, please check"
    assert reqs[1].priority == 1 and reqs[1].source == "tenant"
    assert reqs[2].description == "Two lines\nof description"
    assert reqs[0].submitted_at.isoformat().startswith("2026-02-27")
    assert len(events) == 3
    snap = json.loads(events[0].changes)
    assert snap["requester"] == [None, "Line 1"] and snap["number"] == [None, 1]
    assert cli("approve", "REQ-000003").out == "WO-000001\n"
    assert (
        cli(
            "request",
            "add",
            "--requester",
            "x",
            "--asset",
            "P-101",
            "--description",
            "y",
            "--urgency",
            "2",
            "--impact",
            "2",
        ).out
        == "REQ-000004\n"
    )


def test_import_history_with_labour_and_parts(cli: Cli, tmp_path: Path) -> None:
    run = cli("import", str(_write(tmp_path, "hist.csv", HISTORY)), "--kind", "history")
    assert run.code == 0, run.err
    assert "Imported 2 work orders (WO-000001 .. WO-000002)" in run.out
    store = _store(cli)
    first = work_order_detail(store, "WO-000001", actor=ROOT)
    assert (
        first.status == "closed" and first.assignee_login == "alice" and first.team == "Mechanical"
    )
    assert first.labour_minutes == 90 and first.labour_cents == 6750
    assert first.parts_cents == 8900 + 2 * 1250
    assert first.started_at is not None and first.closed_at is not None
    second = work_order_detail(store, "WO-000002", actor=ROOT)
    assert second.no_parts_used and second.labour[0].login == "root"
    assert second.closed_at == second.completed_at
    report = verify(store)
    assert report.ok, [m.sentence() for m in report.mismatches]
    # Indexed for search in bulk (the trigger is set aside during the insert).
    assert [h.number for h in search_work_orders(store, "seal leak")] == [1]
    assert [h.number for h in search_work_orders(store, "filter")] == [2]
    store.close()
    assert "WO-000003" in cli("approve", _request_number(cli)).out


def _request_number(cli: Cli) -> str:
    return cli(
        "request",
        "add",
        "--requester",
        "x",
        "--asset",
        "P-101",
        "--description",
        "y",
        "--urgency",
        "2",
        "--impact",
        "2",
    ).out.strip()


MALFORMED = """requester,description,urgency,impact,asset
Line 1,Pump noisy,2,2,P-101
Line 2,Pump noisy, again,2,2,P-101
Line 3,Short row,2
Line 4,Bad level,5,2,P-101
Line 5,Unknown asset,2,2,NOPE-9
Line 6,,2,2,P-101
Line 7,Pump noisy, once more,2,2,P-101
"""


def test_malformed_file_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.csv", MALFORMED)
    run = cli("import", str(path))
    assert run.code == 1 and run.out == ""
    lines = run.err.splitlines()
    # In line order, whichever check found them (the shape of the row, then its values).
    problems = [
        "bad.csv:3: asset: 6 fields but the header has 5 (an unquoted comma?)",
        "bad.csv:4: impact: missing (the row has 3 fields, the header 5)",
        "bad.csv:5: urgency: '5' is not 1 (high), 2 (medium) or 3 (low)",
        "bad.csv:6: asset: unknown asset 'NOPE-9' (use --create-assets to add it)",
        "bad.csv:7: description: is empty",
        "bad.csv:8: asset: 6 fields but the header has 5 (an unquoted comma?)",
    ]
    assert lines[:-1] == problems
    assert lines[-1] == (
        "wo-tui: bad.csv: 6 bad rows; nothing was imported (fix them, or use --skip-bad "
        "to import the good rows)."
    )
    store = _store(cli)
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(WorkRequest)).one() == 0
    store.close()

    run = cli("import", str(path), "--skip-bad")
    assert run.code == 0
    assert run.out == "Imported 1 request (REQ-000001 .. REQ-000001); skipped 6 bad rows.\n"
    # Each line still starts file:line: so an editor can jump to it.
    assert run.err.splitlines() == ["Not imported (--skip-bad):", *problems]


def test_a_column_named_twice_is_refused(cli: Cli, tmp_path: Path) -> None:
    text = "Requester,description,urgency,impact,asset,requester\nBob,Leak,2,2,P-101,Jim\n"
    run = cli("import", str(_write(tmp_path, "twice.csv", text)), "--skip-bad")
    assert run.code == 1 and run.out == ""
    assert run.err.splitlines() == [
        "twice.csv:1: requester: the header names this column twice",
        "wo-tui: twice.csv: the header has 1 problem; nothing was imported.",
    ]
    text = "Who,description,urgency,impact,asset,who,Who\nBob,Leak,2,2,P-101,Jim,Ann\n"
    mapped = cli("import", str(_write(tmp_path, "m.csv", text)), "--map", "requester=Who")
    assert mapped.err.splitlines()[0] == "m.csv:1: Who: the header names this column 3 times"
    # A repeated column the layout does not read (empty headers from trailing commas) is fine.
    text = "requester,description,urgency,impact,asset,,\nBob,Leak,2,2,P-101,,\n"
    assert cli("import", str(_write(tmp_path, "ok.csv", text))).code == 0
    store = _store(cli)
    with store.read() as s:
        assert s.exec(select(WorkRequest.requester)).all() == ["Bob"]
    store.close()


BAD_HISTORY = """title,requested_at,completed_at,resolution,asset,labour_minutes,cause_code,started_at,assignee,parts
Ok,2025-01-02,2025-01-03,done,P-101,60,WEAR,,,
Impossible,2025-02-30,2025-03-01,done,P-101,60,WEAR,,,
Not a date,yesterday,2025-03-01,done,P-101,60,WEAR,,,
Future,2025-01-01,2031-01-01,done,P-101,60,WEAR,,,
Negative,2025-01-01,2025-01-02,done,P-101,-15,WEAR,,,
Code,2025-01-01,2025-01-02,done,P-101,15,GREMLINS,,,
Order,2025-01-05,2025-01-02,done,P-101,15,WEAR,,,
Who,2025-01-01,2025-01-02,done,P-101,15,WEAR,,zed,
Part,2025-01-01,2025-01-02,done,P-101,15,WEAR,,,NOPE:1
"""


def test_history_row_problems(cli: Cli, tmp_path: Path) -> None:
    run = cli("import", str(_write(tmp_path, "h.csv", BAD_HISTORY)), "--kind", "history")
    assert run.code == 1
    lines = run.err.splitlines()
    assert lines[0] == (
        "h.csv:3: requested_at: '2025-02-30' is not a valid date (day is out of range for "
        "month); expected YYYY-MM-DD or YYYY-MM-DDTHH:MM"
    )
    assert lines[1].startswith("h.csv:4: requested_at: 'yesterday' is not a valid date")
    assert lines[2] == "h.csv:5: completed_at: 2031-01-01 is in the future"
    assert lines[3] == "h.csv:6: labour_minutes: -15 is negative"
    assert lines[4].startswith("h.csv:7: cause_code: unknown code 'GREMLINS' (one of WEAR,")
    assert lines[5] == "h.csv:8: completed_at: is before requested_at"
    assert lines[6] == "h.csv:9: assignee: unknown user 'zed'"
    assert lines[7] == "h.csv:10: parts: unknown part 'NOPE'"
    assert lines[8].startswith("wo-tui: h.csv: 8 bad rows; nothing was imported")


def test_mapped_columns_date_format_and_new_assets(cli: Cli, tmp_path: Path) -> None:
    text = (
        "Reported by;Problem;U;I;Equipment;Date\n"
        "Line 1;Conveyor belt slipping;2;3;CV-900;27/02/2026\n"
        "Line 2;Door jammed;1;2;P-101;28/02/2026\n"
    ).replace(";", ",")
    path = _write(tmp_path, "other.csv", text)
    maps = "requester=Reported by,description=Problem,urgency=U,impact=I,asset=Equipment"
    run = cli(
        "import",
        str(path),
        "--map",
        maps,
        "--map",
        "submitted_at=Date",
        "--date-format",
        "%d/%m/%Y",
    )
    assert run.code == 1 and "other.csv:2: asset: unknown asset 'CV-900'" in run.err
    run = cli(
        "import",
        str(path),
        "--map",
        maps,
        "--map",
        "submitted_at=Date",
        "--date-format",
        "%d/%m/%Y",
        "--create-assets",
    )
    assert run.code == 0, run.err
    assert "Imported 2 requests" in run.out and "Created 1 asset: CV-900" in run.out
    store = _store(cli)
    with store.read() as s:
        asset = s.exec(select(Asset).where(Asset.tag == "CV-900")).one()
        req = s.exec(select(WorkRequest).where(WorkRequest.asset_id == asset.id)).one()
    store.close()
    assert req.description == "Conveyor belt slipping" and req.submitted_at.day == 27

    wrong = cli("import", str(path), "--map", "requester=Nobody")
    assert wrong.code == 1
    assert (
        wrong.err.splitlines()[0]
        == "other.csv:1: Nobody: missing from the header (--map requester)"
    )
    assert cli("import", str(path), "--map", "requester").code == 2
    assert cli("import", str(tmp_path / "absent.csv")).err.startswith("wo-tui: ")
    assert cli("import", str(path), login="alice").code == 1


def test_bulk_import_audits_every_row(cli: Cli, tmp_path: Path) -> None:
    """A few thousand rows in one transaction, each with its audit event; how fast
    that goes is measured by benchmarks/_data.py, not here."""
    rows = 3_000
    lines = ["requester,description,urgency,impact,asset,submitted_at"]
    lines += [
        f"Op {i},Noise report {i},{1 + i % 3},{1 + i % 2},P-101,2026-01-0{1 + i % 9}"
        for i in range(rows)
    ]
    path = _write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    run = cli("import", str(path))
    assert run.code == 0, run.err
    assert f"Imported {rows:,} requests (REQ-000001 .. REQ-0{rows:05d})" in run.out
    store = _store(cli)
    with store.read() as s:
        assert (
            s.exec(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "import")
            ).one()
            == rows
        )

    hist = ["title,requested_at,completed_at,resolution,asset,labour_minutes"]
    hist += [f"Job {i},2025-03-01,2025-03-02,Fixed,P-101,{15 + i % 60}" for i in range(1000)]
    path = _write(tmp_path, "hist.csv", "\n".join(hist) + "\n")
    run = cli("import", str(path), "--kind", "history")
    assert run.code == 0, run.err
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(WorkOrder)).one() == 1000
    assert verify(store).ok
    store.close()


SUBMITTER = textwrap.dedent(
    """
    import json, pathlib, sys, time
    from wo_tui.domain import identity, services
    from wo_tui.domain.services import Ctx
    from wo_tui.store.db import open_store
    store = open_store(sys.argv[1])
    stop = pathlib.Path(sys.argv[2])
    ctx = Ctx(store, identity.actor_for(store, "rita"))
    print("ready", flush=True)
    ok, failed = [], []
    deadline = time.monotonic() + 60
    while not stop.exists() and time.monotonic() < deadline:
        try:
            req = services.submit_request(ctx, requester="Desk", description="Light out",
                                          urgency=3, impact=3, asset_tag="P-101")
            ok.append(req.number)
        except Exception as exc:
            failed.append(str(exc)[:300])
    print(json.dumps({"ok": ok, "failed": failed}), flush=True)
    """
)


def test_import_while_others_submit_loses_nothing(db_url: str, tmp_path: Path) -> None:
    """Ids of imported rows are taken so that no concurrent insert is handed one
    (on PostgreSQL, from the sequence itself, inside the import's transaction)."""
    store = open_store(db_url, create=True)
    site = build_site(store)
    rows = 1000
    lines = ["requester,description,urgency,impact,asset"]
    lines += [f"Op {i},Noise report {i},2,2,P-101" for i in range(rows)]
    path = _write(tmp_path, "many.csv", "\n".join(lines) + "\n")
    stop = tmp_path / "stop"
    submitters = [
        subprocess.Popen(
            [sys.executable, "-c", SUBMITTER, db_url, str(stop)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    try:
        for proc in submitters:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for _ in range(3):
            importing.import_csv(site.dispatcher, path)
    finally:
        stop.touch()
    results = [json.loads(proc.communicate(timeout=60)[0]) for proc in submitters]
    assert [r["failed"] for r in results] == [[], [], []]
    submitted = [n for r in results for n in r["ok"]]
    assert submitted, "the submitters never ran during the import"
    with store.read() as s:
        numbers = s.exec(select(WorkRequest.number).order_by(col(WorkRequest.number))).all()
    assert numbers == list(range(1, 3 * rows + len(submitted) + 1))
    assert set(submitted) <= set(numbers)
    after = sv.submit_request(
        site.requester, requester="Desk", description="After", urgency=3, impact=3
    )
    assert after.number == numbers[-1] + 1
    store.close()


READINGS = """asset,meter,value,read_at
P-101,running_hours,1350.5,2026-02-15T08:00
P-101,running_hours,1200,2026-02-01
AHU-01,cycles,40,
P-101,running_hours,1100,2026-02-20
NOPE-9,running_hours,5,
P-101,,5,
P-101,running_hours,lots,
P-101,running_hours,-3,2026-02-21
"""


def test_import_meter_readings_through_the_pm_rules(cli: Cli, tmp_path: Path) -> None:
    path = _write(tmp_path, "meters.csv", READINGS)
    run = cli("import", str(path), "--kind", "readings")
    assert run.code == 1 and run.out == ""
    lines = run.err.splitlines()
    assert lines[0].startswith("meters.csv:5: value: P-101 running_hours read 1350.5 before; 1100")
    assert lines[1:5] == [
        "meters.csv:6: asset: unknown asset 'NOPE-9'",
        "meters.csv:7: meter: is empty",
        "meters.csv:8: value: 'lots' is not a number",
        "meters.csv:9: value: A meter reading cannot be negative (-3)",
    ]
    assert lines[5].startswith("wo-tui: meters.csv: 5 bad rows; nothing was imported")
    store = _store(cli)
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(MeterReading)).one() == 0

    run = cli("import", str(path), "--kind", "readings", "--skip-bad")
    assert run.code == 0, run.err
    assert run.out == "Imported 3 meter readings; skipped 5 bad rows.\n"
    assert run.err.splitlines()[1].startswith("meters.csv:5: value: P-101 running_hours read")
    reset = _write(
        tmp_path, "reset.csv", "Tag,meter,value,read_at,reset\nP-101,running_hours,12,,yes\n"
    )
    run = cli("import", str(reset), "--kind", "readings", "--map", "asset=Tag")
    assert run.code == 0, run.err
    with store.read() as s:
        readings = s.exec(select(MeterReading).order_by(col(MeterReading.read_at))).all()
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "meter_reading")).all()
    store.close()
    assert [(r.meter, r.value) for r in readings] == [
        ("running_hours", 1200),
        ("running_hours", 1350.5),
        ("cycles", 40),
        ("running_hours", 12),
    ]
    assert len(events) == 4 and json.loads(events[-1].changes)["reset"] == [1350.5, 12]
    assert cli("import", str(path), "--kind", "readings", login="alice").code == 1

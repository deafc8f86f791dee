"""The audit trail is append-only and explains every work order's current row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.domain.wo_factory import good_closeout, make_wo
from tests.reliability.conftest import wo_tui
from wo_tui.domain import audit
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.errors import StoreError
from wo_tui.store.models import AuditEvent


def _rows(store: Any) -> list[tuple[int, str, str]]:
    with store.read() as s:
        return [
            (e.id, e.action, e.changes) for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))
        ]


def test_no_service_updates_or_deletes_an_event(site: Any) -> None:
    """Each step may only append: every earlier row is still there, byte for byte."""
    n = sv.create_work_order(site.dispatcher, title="Pump noisy", asset_tag="P-101").number
    steps: list[Callable[[], Any]] = [
        lambda: sv.assign(site.dispatcher, n, assignee="alice"),
        lambda: sv.start(site.tech, n),
        lambda: sv.hold(site.tech, n, "parts"),
        lambda: sv.resume(site.tech, n),
        lambda: sv.add_note(site.tech, n, "Bearing worn"),
        lambda: sv.log_labour(site.tech, n, 45),
        lambda: sv.use_part(site.tech, n, "BRG-6204", 2),
        lambda: sv.remove_part_usage(site.tech, n, 1),
        lambda: sv.complete(site.tech, n, good_closeout()),
        lambda: sv.send_back(site.dispatcher, n, "Check the coupling too"),
        lambda: sv.complete(site.tech, n, good_closeout()),
        lambda: sv.close(site.dispatcher, n),
        lambda: sv.reopen(site.admin, n, "Wrong asset recorded"),
        lambda: sv.cancel(site.admin, n, "Raised on the wrong pump"),
    ]
    for step in steps:
        before = _rows(site.store)
        step()
        after = _rows(site.store)
        assert after[: len(before)] == before
        assert len(after) > len(before)
    assert audit.verify(site.store).ok


def test_the_orm_refuses_to_change_an_event(site: Any) -> None:
    make_wo(site, lc.ASSIGNED)
    with pytest.raises(StoreError, match="history"), site.store.write() as s:
        event = s.exec(select(AuditEvent)).first()
        event.action = "forged"
        s.add(event)
    with pytest.raises(StoreError, match="history"), site.store.write() as s:
        s.delete(s.exec(select(AuditEvent)).first())


def test_verify_passes_on_work_in_every_status(site: Any) -> None:
    for status in lc.STATUSES:
        make_wo(site, status)
    wo = sv.complete(
        site.admin,
        make_wo(site, lc.IN_PROGRESS),
        good_closeout(
            follow_up=True,
            follow_up_work=sv.FollowUpInput("Align the motor"),
            labour=[sv.LabourInput(30)],
        ),
    )
    report = audit.verify(site.store)
    assert report.ok, [m.sentence() for m in report.mismatches]
    assert report.work_orders == len(lc.STATUSES) + 2 and wo.follow_up == "needed"


def _raw(store: Any, sql: str, **params: Any) -> None:
    """Write as another tool would: plain SQL, no service, no audit."""
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


@pytest.mark.parametrize(
    ("sql", "field"),
    [
        ("UPDATE work_order SET status = 'closed' WHERE number = :n", "status"),
        ("UPDATE work_order SET title = 'Nothing to see' WHERE number = :n", "title"),
        ("UPDATE work_order SET assignee_id = 5 WHERE number = :n", "assignee_id"),
        ("UPDATE work_order SET resolution = 'done' WHERE number = :n", "resolution"),
        (
            "UPDATE work_order SET started_at = '2020-01-01 00:00:00.000000' WHERE number = :n",
            "started_at",
        ),
    ],
)
def test_verify_finds_a_row_edited_behind_the_apps_back(site: Any, sql: str, field: str) -> None:
    make_wo(site, lc.CLOSED)
    n = make_wo(site, lc.IN_PROGRESS)
    _raw(site.store, sql, n=n)
    report = audit.verify(site.store)
    assert [(m.work_order, m.field) for m in report.mismatches] == [(f"WO-{n:06d}", field)]


def test_verify_finds_a_forged_or_missing_event(site: Any) -> None:
    make_wo(site, lc.COMPLETED)
    _raw(site.store, "DELETE FROM audit_event WHERE action = 'start'")
    problems = audit.verify(site.store).mismatches
    assert any(m.field == "status" and "never recorded" in m.problem for m in problems)
    _raw(site.store, "DELETE FROM audit_event WHERE action = 'create'")
    assert any("no creation event" in m.problem for m in audit.verify(site.store).mismatches)


@pytest.mark.sqlite_only
def test_cli_audit_verify(site: Any) -> None:
    n = make_wo(site, lc.ASSIGNED)
    clean = wo_tui("--db", str(site.store.path), "audit", "verify")
    assert clean.exit_code == 0, clean.stderr
    assert "1 work order" in clean.stdout
    _raw(site.store, "UPDATE work_order SET priority = 1 WHERE number = :n", n=n)
    bad = wo_tui("--db", str(site.store.path), "audit", "verify")
    assert bad.exit_code == 1
    assert f"WO-{n:06d} priority" in bad.stdout
    assert "Traceback" not in bad.stderr


def test_verify_replays_imported_history(site: Any, tmp_path: Path) -> None:
    from wo_tui.domain import importing

    history = tmp_path / "history.csv"
    history.write_text(
        "title,requested_at,completed_at,resolution,asset,assignee,cause_code,remedy_code,"
        "labour_minutes,parts\n"
        "Seal replaced,2025-03-01,2025-03-02T14:30,New seal fitted,P-101,alice,LEAK,REPL,90,"
        "SEAL-25:1\n"
        "Belt adjusted,2025-04-01,2025-04-01T11:00,Tensioned,AHU-01,bob,WEAR,ADJ,30,\n",
        encoding="utf-8",
    )
    importing.import_csv(site.dispatcher, history, kind="history")
    make_wo(site, lc.CLOSED)
    report = audit.verify(site.store)
    assert report.ok, [m.sentence() for m in report.mismatches]
    assert report.work_orders == 3
    _raw(site.store, "UPDATE work_order SET resolution = 'Nothing done' WHERE number = 1")
    assert [m.field for m in audit.verify(site.store).mismatches] == ["resolution"]

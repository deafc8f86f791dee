"""The audit trail is append-only and explains every row it covers: work orders, their
labour, parts and notes, requests and users."""

from __future__ import annotations

import re
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
            "UPDATE work_order SET requested_at = '2020-01-01 00:00:00.000000' WHERE number = :n",
            "requested_at",
        ),
        ("UPDATE work_order SET source = 'alert' WHERE number = :n", "source"),
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
    assert [(m.subject, m.field) for m in report.mismatches] == [(f"WO-{n:06d}", field)]


def _lift_append_only(store: Any) -> None:
    """What someone with the database owner's rights can do: set the triggers aside."""
    if store.is_sqlite:
        for name in ("audit_event_no_update", "audit_event_no_delete"):
            _raw(store, f"DROP TRIGGER IF EXISTS {name}")
    else:
        _raw(store, "ALTER TABLE audit_event DISABLE TRIGGER USER")


def test_verify_finds_a_forged_or_missing_event(site: Any) -> None:
    make_wo(site, lc.COMPLETED)
    _lift_append_only(site.store)
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


def test_verify_finds_entries_notes_and_users_edited_behind_the_apps_back(site: Any) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    labour = sv.log_labour(site.tech, n, 45)
    usage = sv.use_part(site.tech, n, "BRG-6204", 2)
    gone = sv.log_labour(site.tech, n, 15)
    sv.remove_labour(site.tech, n, gone.id)
    first = sv.add_note(site.tech, n, "Bearing worn")
    second = sv.add_note(site.tech, n, "Ordered a new one")
    report = audit.verify(site.store)
    assert report.ok, [m.sentence() for m in report.mismatches]
    assert report.users == 6 and report.entries == 4
    label = f"WO-{n:06d}"
    edits = [
        ("UPDATE labour_entry SET minutes = 450 WHERE id = :i", labour.id),
        ("UPDATE part_usage SET quantity = 20 WHERE id = :i", usage.id),
        ("UPDATE note SET body = 'Nothing wrong' WHERE id = :i", first.id),
        ("DELETE FROM note WHERE id = :i", second.id),
        ("UPDATE user_account SET hourly_rate_cents = 9900 WHERE login = 'alice'", 0),
        ("UPDATE user_account SET role = 'admin' WHERE login = 'bob'", 0),
        ("UPDATE user_account SET active = false WHERE login = 'erin'", 0),
        ("UPDATE user_account SET team_id = NULL WHERE login = 'alice'", 0),
    ]
    for sql, row_id in edits:
        _raw(site.store, sql, i=row_id)
    found = {(m.subject, m.field): m for m in audit.verify(site.store).mismatches}
    assert set(found) == {
        (f"{label} labour #{labour.id}", "minutes"),
        (f"{label} part #{usage.id}", "quantity"),
        (f"{label} note #{first.id}", "body"),
        (f"{label} note #{second.id}", "-"),
        ("user alice", "hourly_rate_cents"),
        ("user bob", "role"),
        ("user erin", "active"),
        ("user alice", "team_id"),
    }
    assert "was deleted outside wo-tui" in found[(f"{label} note #{second.id}", "-")].sentence()
    assert all("\n" not in m.sentence() for m in found.values())


def test_verify_finds_entries_added_or_deleted_behind_the_apps_back(site: Any) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    kept = sv.log_labour(site.tech, n, 30)
    gone = sv.use_part(site.tech, n, "SEAL-25", 1)
    _raw(site.store, "DELETE FROM part_usage WHERE id = :i", i=gone.id)
    _raw(
        site.store,
        "INSERT INTO labour_entry (work_order_id, user_id, work_date, minutes, rate_cents, "
        "created_at, created_by_id) SELECT work_order_id, user_id, work_date, 600, rate_cents, "
        "created_at, created_by_id FROM labour_entry WHERE id = :i",
        i=kept.id,
    )
    problems = [m.sentence() for m in audit.verify(site.store).mismatches]
    assert len(problems) == 2, problems
    assert any(f"part #{gone.id} -: was deleted outside wo-tui" in p for p in problems)
    assert any("has no audit event: added outside wo-tui" in p for p in problems)


def test_no_service_updates_or_deletes_audit_events_in_the_source() -> None:
    """The ORM guard on ``AuditEvent`` sees only changes flushed from loaded objects: a
    bulk ``update(AuditEvent)``/``delete(AuditEvent)`` or raw SQL passes it, and only the
    database's triggers would stop it, at run time. So none may appear in the source."""
    src = Path(audit.__file__).parents[1]
    pattern = re.compile(
        r"\b(update|delete)\(\s*AuditEvent\b|\b(UPDATE|DELETE\s+FROM)\s+audit_event\b"
    )
    offenders = [
        f"{path.relative_to(src)}:{number}: {line.strip()}"
        for path in sorted(src.rglob("*.py"))
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []

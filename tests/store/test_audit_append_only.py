"""The database itself refuses to rewrite or remove an audit event (migration 0004),
whoever asks: here raw SQL through wo-tui's own engine, past the ORM's guard."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlmodel import col, select

from wo_tui.domain import services as sv
from wo_tui.errors import StoreError
from wo_tui.store.models import AuditEvent


def _events(site) -> list[tuple[int | None, str, str]]:
    with site.store.read() as s:
        rows = s.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    return [(e.id, e.action, e.changes) for e in rows]


def test_raw_sql_cannot_change_or_remove_an_event(site) -> None:
    wo = sv.create_work_order(site.dispatcher, title="Pump noisy", asset_tag="P-101")
    sv.add_note(site.dispatcher, wo.number, "Bearing worn")
    before = _events(site)
    statements = [
        update(AuditEvent).values(action="forged"),
        update(AuditEvent).where(col(AuditEvent.action) == "add_note").values(changes="{}"),
        delete(AuditEvent),
        delete(AuditEvent).where(col(AuditEvent.action) == "create"),
    ]
    if not site.store.is_sqlite:
        statements.append(text("TRUNCATE audit_event"))
    for statement in statements:
        with pytest.raises(StoreError) as refused, site.store.write() as s:
            s.exec(statement)
        assert refused.value.message == (
            f"The database refused the change ({site.store.label}): the audit trail is append-only."
        ), statement
    assert _events(site) == before
    sv.add_note(site.dispatcher, wo.number, "Still appending")
    assert _events(site)[: len(before)] == before

"""Ids past 2**31 on the tables that grow with every action (both backends)."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import col, select

from wo_tui.domain import services as sv
from wo_tui.store.models import AuditEvent, Note

BIG = 2**31 + 5


def test_notes_and_audit_events_go_past_32_bits(site) -> None:
    wo = sv.create_work_order(site.dispatcher, title="Many notes", asset_tag="P-101")
    with site.store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO note (id, work_order_id, author_id, created_at, body) "
                "VALUES (:id, :wo, :author, :at, 'old')"
            ),
            {"id": BIG, "wo": wo.id, "author": site.dispatcher.actor.id, "at": wo.updated_at},
        )
        conn.execute(
            text(
                "INSERT INTO audit_event (id, at, entity, entity_id, action, changes) "
                "VALUES (:id, :at, 'x', 0, 'probe', '{}')"
            ),
            {"id": BIG, "at": wo.updated_at},
        )
    if not site.store.is_sqlite:  # SQLite takes the next id from the table itself
        with site.store.engine.begin() as conn:
            for table in ("note", "audit_event"):
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :big)"),
                    {"t": table, "big": BIG},
                )
    note = sv.add_note(site.dispatcher, wo.number, "after the jump")
    assert note.id is not None and note.id > BIG
    with site.store.read() as s:
        newest = s.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
        bodies = s.exec(select(Note.body).order_by(col(Note.id))).all()
    assert newest is not None and newest.id > BIG and newest.action == "add_note"
    assert bodies == ["old", "after the jump"]

"""Where SQLite and PostgreSQL differ: each trap checked on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlmodel import col, select

from wo_tui import clock
from wo_tui.domain import services as sv
from wo_tui.store.models import Note, WorkOrder, WorkRequest
from wo_tui.store.search import search_work_orders


def _request_and_approve(site, description: str = "Pump leaking") -> WorkOrder:
    req = sv.submit_request(
        site.requester, requester="Rita", description=description, urgency=2, impact=2
    )
    return sv.approve_request(site.dispatcher, req.number)


def test_nul_bytes_are_stripped_on_save_and_the_text_stays_searchable(site) -> None:
    wo = _request_and_approve(site, "Valve\x00 stuck\x00 open")
    sv.add_note(site.dispatcher, wo.number, "grease\x00nipple\x00")
    with site.store.read() as s:
        row = s.exec(select(WorkOrder).where(WorkOrder.number == wo.number)).one()
        note = s.exec(select(Note).where(Note.work_order_id == row.id)).one()
    assert row.title == "Valve stuck open" and "\x00" not in row.description
    assert note.body == "greasenipple"
    assert [h.number for h in search_work_orders(site.store, "greasen")] == [wo.number]


def test_search_is_case_insensitive_beyond_ascii(site) -> None:
    wo = _request_and_approve(site, "ÜBERLAUF am Kühlturm")
    for query in ("überl", "ÜBERLAUF", "kühlt", "KÜHLTURM"):
        assert [h.number for h in search_work_orders(site.store, query)] == [wo.number], query


def test_timestamps_come_back_aware_and_in_utc(site) -> None:
    local = timezone(timedelta(hours=-5))
    at = datetime(2026, 3, 8, 1, 30, 15, 123456, tzinfo=local)
    clock.freeze(at)
    try:
        wo = _request_and_approve(site)
    finally:
        clock.freeze(None)
    with site.store.read() as s:
        row = s.exec(select(WorkOrder).where(WorkOrder.number == wo.number)).one()
        later = s.exec(
            select(WorkOrder).where(col(WorkOrder.approved_at) > at - timedelta(microseconds=1))
        ).all()
    assert row.approved_at == at and row.approved_at.tzinfo == UTC
    assert row.approved_at.hour == 6 and row.approved_at.microsecond == 123456
    assert [w.number for w in later] == [wo.number]


def test_booleans_round_trip_and_filter(site) -> None:
    first = _request_and_approve(site)
    _request_and_approve(site, "Second job")
    with site.store.write() as s:
        row = s.exec(select(WorkOrder).where(WorkOrder.number == first.number)).one()
        row.no_parts_used = True
        s.add(row)
    with site.store.read() as s:
        yes = s.exec(select(WorkOrder.number).where(col(WorkOrder.no_parts_used).is_(True))).all()
        no = s.exec(select(WorkOrder.number).where(col(WorkOrder.no_parts_used).is_(False))).all()
    assert list(yes) == [first.number] and len(no) == 1


def test_numbers_continue_after_rows_inserted_with_explicit_numbers(site) -> None:
    first = _request_and_approve(site)
    now = clock.now()
    with site.store.write() as s:
        for number in (500, 501, 502):
            s.add(
                WorkOrder(
                    number=number, title=f"Imported {number}", requested_at=now, updated_at=now
                )
            )
            s.add(
                WorkRequest(
                    number=number,
                    requester="import",
                    title="x",
                    description="x",
                    urgency=2,
                    impact=2,
                    priority=3,
                    submitted_at=now,
                )
            )
    req = sv.submit_request(
        site.requester, requester="Rita", description="After import", urgency=2, impact=2
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    assert first.number == 1 and req.number == 503 and wo.number == 503
    assert [h.number for h in search_work_orders(site.store, "imported")] == [502, 501, 500]

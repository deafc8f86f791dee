"""Helpers for PM tests: moving the frozen clock and finishing generated work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from wo_tui import clock
from wo_tui.domain import pm
from wo_tui.domain import services as sv
from wo_tui.domain.services import Ctx
from wo_tui.store.db import Store
from wo_tui.store.models import PMOccurrence, WorkOrder


@pytest.fixture
def at() -> Iterator[object]:
    """``at(date)`` freezes the clock at 09:00 UTC that day."""

    def move(day: date, hour: int = 9) -> datetime:
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        clock.freeze(moment)
        return moment

    move(date(2026, 3, 2))
    yield move
    clock.freeze(None)


def due(year: int, month: int, day: int) -> datetime:
    """When PM work due on a day becomes overdue: the end of that UTC day."""
    return datetime(year, month, day, 23, 59, 59, tzinfo=UTC)


def pm_work(store: Store, schedule_id: int) -> list[WorkOrder]:
    with store.read() as s:
        return list(
            s.exec(
                select(WorkOrder)
                .where(WorkOrder.pm_schedule_id == schedule_id)
                .order_by(col(WorkOrder.id))
            ).all()
        )


def occurrences(store: Store, schedule_id: int) -> list[tuple[str, str]]:
    with store.read() as s:
        return [
            (o.occurrence_key, o.status)
            for o in s.exec(
                select(PMOccurrence)
                .where(PMOccurrence.schedule_id == schedule_id)
                .order_by(col(PMOccurrence.due_at), col(PMOccurrence.id))
            ).all()
        ]


def finish(dispatcher: Ctx, tech: Ctx, number: int) -> None:
    """Take a generated work order through start and complete."""
    with dispatcher.store.read() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == number)).one()
    if wo.status == "open":
        sv.assign(dispatcher, number, assignee=tech.actor.login)
    sv.start(tech, number)
    sv.log_labour(tech, number, 30)
    for item in pm.checklist(tech.store, number, actor=tech.actor):
        pm.set_checklist_item(tech, number, item.position, "pass")
    sv.complete(
        tech,
        number,
        sv.Closeout(resolution="Done per checklist", no_parts_used=True, follow_up=False),
    )

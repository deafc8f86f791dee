"""Preventive work from the technician's side: generated when a dispatcher opens the
app, its checklist ticked by keys in the queue, and completion gated on the checklist."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from tests.conftest import Site
from tests.screens.conftest import AppFor
from tests.screens.test_board import settle
from tests.screens.test_queue import goto
from wo_tui.app import PM_START_DELAY
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import pm
from wo_tui.domain import services as sv
from wo_tui.errors import ValidationError
from wo_tui.store.models import WorkOrder


def _schedule(site: Site) -> None:
    pm.create_schedule(
        site.dispatcher,
        pm.ScheduleInput(
            title="Monthly pump check",
            asset_tag="P-101",
            checklist=["Check seal for leaks", "Check coupling guard"],
            assignee="alice",
            interval_value=1,
            interval_unit="month",
            starts_on=date(2026, 3, 2),
        ),
    )


def _preventive(site: Site) -> list[WorkOrder]:
    with site.store.read() as s:
        return list(s.exec(select(WorkOrder).where(WorkOrder.kind == lc.PREVENTIVE)).all())


async def test_opening_the_app_generates_preventive_work_due(site: Site, app_for: AppFor) -> None:
    """Once the home screen has painted (``PM_START_DELAY``), and only once."""
    _schedule(site)
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(PM_START_DELAY + 0.3)
        await settle(pilot)
        (wo,) = _preventive(site)
        shown = [r.label for r in pilot.app.screen.table.rows_loaded()]
        assert f"WO-{wo.number:06d}" in shown
    assert wo.title == "Monthly pump check"
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(PM_START_DELAY + 0.3)
        await settle(pilot)
    assert len(_preventive(site)) == 1


async def test_checklist_ticked_by_keys_in_the_queue(site: Site, app_for: AppFor) -> None:
    _schedule(site)
    (label,) = pm.run(site.dispatcher).generated
    sv.start(site.tech, label)
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, label)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("p", "j")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("escape")
    items = pm.checklist(site.store, label, actor=site.dispatcher.actor)
    assert [i.result for i in items] == ["pass", "fail"]


def test_completion_waits_for_the_checklist(site: Site) -> None:
    _schedule(site)
    (label,) = pm.run(site.dispatcher).generated
    sv.start(site.tech, label)
    closeout = sv.Closeout(
        resolution="Checked",
        no_parts_used=True,
        follow_up=False,
        labour=[sv.LabourInput(30)],
    )
    with pytest.raises(ValidationError) as refused:
        sv.complete(site.tech, label, closeout)
    assert refused.value.problems == [
        "Checklist: 2 items not ticked (mark each pass, fail or n/a)."
    ]
    pm.set_checklist_item(site.tech, label, 1, "pass")
    pm.set_checklist_item(site.tech, label, 2, "na")
    assert sv.complete(site.tech, label, closeout).status == lc.COMPLETED

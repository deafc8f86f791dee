"""Checklist results on generated PM work, and follow-up work from a failed item."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from wo_tui.domain import pm
from wo_tui.domain import services as sv
from wo_tui.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from wo_tui.store.models import WorkOrder


@pytest.fixture
def pm_wo(site, at) -> str:
    pm.create_schedule(
        site.dispatcher,
        pm.ScheduleInput(
            title="Monthly pump check",
            asset_tag="P-101",
            checklist=["Check seal for leaks", "Check coupling guard"],
            team="Mechanical",
            interval_value=1,
            interval_unit="month",
            starts_on=date(2026, 3, 2),
        ),
    )
    (label,) = pm.run(site.dispatcher).generated
    return label


def test_tick_items_once_work_has_started(site, pm_wo: str) -> None:
    with pytest.raises(InvalidTransition):
        pm.set_checklist_item(site.tech, pm_wo, 1, "pass")
    sv.start(site.tech, pm_wo)
    assert pm.set_checklist_item(site.tech, pm_wo, 1, "pass") is None
    pm.set_checklist_item(site.tech, pm_wo, 2, "na", "Guard removed for overhaul")
    items = pm.checklist(site.store, pm_wo, actor=site.dispatcher.actor)
    assert [(i.result, i.note) for i in items] == [
        ("pass", ""),
        ("na", "Guard removed for overhaul"),
    ]
    with pytest.raises(NotFound):
        pm.set_checklist_item(site.tech, pm_wo, 3, "pass")
    with pytest.raises(ValidationError):
        pm.set_checklist_item(site.tech, pm_wo, 1, "maybe")


def test_only_the_technician_on_the_work(site, pm_wo: str) -> None:
    sv.start(site.tech, pm_wo)  # alice claims it
    with pytest.raises(PermissionDenied):
        pm.set_checklist_item(site.tech2, pm_wo, 1, "pass")
    with pytest.raises(PermissionDenied):
        pm.set_checklist_item(site.other_team_tech, pm_wo, 1, "pass")
    pm.set_checklist_item(site.dispatcher, pm_wo, 1, "pass")


def test_failed_item_raises_follow_up_in_one_call(site, pm_wo: str) -> None:
    sv.start(site.tech, pm_wo)
    with pytest.raises(ValidationError):
        pm.set_checklist_item(
            site.tech, pm_wo, 1, "pass", follow_up=sv.FollowUpInput(description="x")
        )
    follow = pm.set_checklist_item(
        site.tech,
        pm_wo,
        1,
        "fail",
        "Weeping at the gland",
        follow_up=sv.FollowUpInput(description="", urgency=2, impact=2),
    )
    assert follow is not None and follow.kind == "follow_up"
    with site.store.read() as s:
        parent = s.exec(select(WorkOrder).where(WorkOrder.number == int(pm_wo[3:]))).one()
    assert follow.parent_id == parent.id and follow.asset_id == parent.asset_id
    assert "Check seal for leaks" in follow.description
    assert "Weeping at the gland" in follow.description
    assert pm.checklist(site.store, pm_wo, actor=site.dispatcher.actor)[0].result == "fail"


def test_a_failed_item_raises_its_follow_up_once(site, pm_wo: str) -> None:
    sv.start(site.tech, pm_wo)
    first = pm.set_checklist_item(
        site.tech, pm_wo, 2, "fail", follow_up=sv.FollowUpInput(description="Refit guard")
    )
    assert first is not None
    assert pm.checklist_follow_ups(site.store, pm_wo, actor=site.dispatcher.actor) == {
        2: first.number
    }
    with pytest.raises(InvalidTransition, match=f"already raised follow-up WO-{first.number:06d}"):
        pm.set_checklist_item(
            site.tech, pm_wo, 2, "fail", follow_up=sv.FollowUpInput(description="Again")
        )
    # Another item may still raise its own.
    assert pm.set_checklist_item(
        site.tech, pm_wo, 1, "fail", follow_up=sv.FollowUpInput(description="Reseal")
    )
    with site.store.read() as s:
        follow_ups = s.exec(select(WorkOrder).where(WorkOrder.kind == "follow_up")).all()
    assert len(follow_ups) == 2

"""Generation: fixed and floating schedules, lead time, meters, pausing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from tests.pm.conftest import due, finish, occurrences, pm_work
from wo_tui.domain import pm
from wo_tui.domain import services as sv
from wo_tui.errors import PermissionDenied, ValidationError
from wo_tui.store.models import ChecklistItem, PMSchedule


def _monthly(site, **kw) -> PMSchedule:
    values = dict(
        title="Grease pump bearings",
        asset_tag="P-101",
        checklist=["Grease DE bearing", "Grease NDE bearing", "Check vibration"],
        team="Mechanical",
        estimated_minutes=45,
        interval_value=1,
        interval_unit="month",
    )
    values.update(kw)
    return pm.create_schedule(site.dispatcher, pm.ScheduleInput(**values))


def test_fixed_monthly_catches_up_and_records_the_missed_date(site, at) -> None:
    sched = _monthly(site, starts_on=date(2026, 1, 31))
    assert sched.next_due_at == due(2026, 1, 31)
    # Today is 2026-03-02: Jan 31 and Feb 28 are both past; only the newest becomes work.
    result = pm.run(site.dispatcher)
    assert result.skipped == 1 and len(result.generated) == 1
    assert occurrences(site.store, sched.id) == [
        ("cal:2026-01-31", "skipped"),
        ("cal:2026-02-28", "generated"),
    ]
    assert pm.get_schedule(site.store, sched.id).next_due_at == due(2026, 3, 31)
    # Running again changes nothing.
    assert pm.run(site.dispatcher).generated == []
    # Looking ahead to April 30 creates Mar 31 and Apr 30 (the 31st is kept after February).
    result = pm.run(site.dispatcher, date(2026, 4, 30))
    assert len(result.generated) == 2
    dues = [w.due_at for w in pm_work(site.store, sched.id)]
    assert dues == [due(2026, m, d) for m, d in ((2, 28), (3, 31), (4, 30))]


def test_generated_work_is_preventive_with_its_checklist(site, at) -> None:
    sched = _monthly(site, starts_on=date(2026, 3, 2), priority=3)
    pm.run(site.dispatcher)
    (wo,) = pm_work(site.store, sched.id)
    assert wo.kind == "preventive" and wo.priority == 3 and wo.estimated_minutes == 45
    assert wo.status == "assigned" and wo.team_id is not None and wo.assignee_id is None
    assert wo.due_at == due(2026, 3, 2)
    with site.store.read() as s:
        items = s.exec(select(ChecklistItem).where(ChecklistItem.work_order_id == wo.id)).all()
    assert [(i.position, i.text, i.result) for i in items] == [
        (1, "Grease DE bearing", ""),
        (2, "Grease NDE bearing", ""),
        (3, "Check vibration", ""),
    ]


def test_lead_time_generates_days_before_due(site, at) -> None:
    sched = _monthly(
        site, interval_value=1, interval_unit="week", starts_on=date(2026, 3, 9), lead_days=3
    )
    assert pm.run(site.dispatcher).generated == []  # Mar 9 - 3 days = Mar 6 > Mar 2
    at(date(2026, 3, 5))
    assert pm.run(site.dispatcher).generated == []
    at(date(2026, 3, 6))
    assert len(pm.run(site.dispatcher).generated) == 1
    (wo,) = pm_work(site.store, sched.id)
    assert wo.due_at == due(2026, 3, 9)


def test_floating_follows_the_last_completion(site, at) -> None:
    sched = _monthly(site, mode="floating", starts_on=date(2026, 1, 31))
    (label,) = pm.run(site.dispatcher).generated
    assert pm.run(site.dispatcher, date(2026, 12, 31)).generated == []  # one at a time
    at(date(2026, 3, 10))
    finish(site.dispatcher, site.tech, int(label[3:]))
    assert pm.run(site.dispatcher).generated == []
    assert pm.get_schedule(site.store, sched.id).next_due_at == due(2026, 4, 10)
    assert len(pm.run(site.dispatcher, date(2026, 4, 10)).generated) == 1
    assert [w.due_at.date() for w in pm_work(site.store, sched.id)] == [
        date(2026, 1, 31),
        date(2026, 4, 10),
    ]


def test_floating_from_month_end_in_a_leap_year(site, at) -> None:
    at(date(2024, 1, 31))
    sched = _monthly(site, mode="floating", starts_on=date(2024, 1, 31))
    (label,) = pm.run(site.dispatcher).generated
    finish(site.dispatcher, site.tech, int(label[3:]))
    pm.run(site.dispatcher)
    assert pm.get_schedule(site.store, sched.id).next_due_at == due(2024, 2, 29)


def test_meter_every_n_units_since_the_last_pm(site, at) -> None:
    sched = _monthly(
        site, interval_value=None, interval_unit="", meter="running_hours", meter_every=500
    )
    pm.record_reading(site.tech, "P-101", "running_hours", 300)
    assert pm.run(site.dispatcher).generated == []
    pm.record_reading(site.tech, "P-101", "running_hours", 520)
    (label,) = pm.run(site.dispatcher).generated
    pm.record_reading(site.tech, "P-101", "running_hours", 900)
    assert pm.run(site.dispatcher).generated == []  # the first is still open
    at(date(2026, 3, 3))
    finish(site.dispatcher, site.tech, int(label[3:]))  # done at 900 h
    at(date(2026, 3, 4))
    pm.record_reading(site.tech, "P-101", "running_hours", 1350)
    assert pm.run(site.dispatcher).generated == []  # 900 + 500 = 1400 not reached
    pm.record_reading(site.tech, "P-101", "running_hours", 1410)
    assert len(pm.run(site.dispatcher).generated) == 1
    assert [k for k, _ in occurrences(site.store, sched.id)] == ["meter:500", "meter:1400"]


def test_meter_threshold_crossing_once_per_crossing(site, at) -> None:
    sched = _monthly(
        site, interval_value=None, interval_unit="", meter="vibration_mm_s", meter_threshold=7
    )
    pm.record_reading(site.tech, "P-101", "vibration_mm_s", 5)
    assert pm.run(site.dispatcher).generated == []
    crossing = pm.record_reading(site.tech, "P-101", "vibration_mm_s", 8)
    (label,) = pm.run(site.dispatcher).generated
    sv.cancel(site.dispatcher, label, "Vibration probe was loose")
    pm.record_reading(site.tech, "P-101", "vibration_mm_s", 9)
    # Still the same crossing: recorded as cancelled, not generated again.
    assert pm.run(site.dispatcher).generated == []
    assert occurrences(site.store, sched.id) == [(f"threshold:{crossing.id}", "cancelled")]
    pm.record_reading(site.tech, "P-101", "vibration_mm_s", 4)
    pm.record_reading(site.tech, "P-101", "vibration_mm_s", 7.5)
    assert len(pm.run(site.dispatcher).generated) == 1


def test_calendar_or_meter_whichever_first(site, at) -> None:
    sched = _monthly(site, starts_on=date(2026, 3, 31), meter="running_hours", meter_every=500)
    pm.record_reading(site.tech, "P-101", "running_hours", 510)
    (label,) = pm.run(site.dispatcher).generated
    assert occurrences(site.store, sched.id) == [("meter:500", "generated")]
    # The meter PM stands in for the Mar 31 date: the calendar moves to Apr 30.
    assert pm.get_schedule(site.store, sched.id).next_due_at == due(2026, 4, 30)
    finish(site.dispatcher, site.tech, int(label[3:]))
    assert len(pm.run(site.dispatcher, date(2026, 4, 30)).generated) == 1
    assert occurrences(site.store, sched.id)[-1] == ("cal:2026-04-30", "generated")


def test_pause_and_resume_record_missed_dates(site, at) -> None:
    sched = _monthly(site, interval_unit="week", starts_on=date(2026, 3, 2))
    pm.run(site.dispatcher)
    pm.set_active(site.dispatcher, sched.id, False, "Pump out of service")
    at(date(2026, 3, 20))
    assert pm.run(site.dispatcher).generated == []
    pm.set_active(site.dispatcher, sched.id, True)
    assert occurrences(site.store, sched.id) == [
        ("cal:2026-03-02", "generated"),
        ("cal:2026-03-09", "skipped"),
        ("cal:2026-03-16", "skipped"),
    ]
    assert pm.get_schedule(site.store, sched.id).next_due_at == due(2026, 3, 23)


def test_skip_next_records_the_reason(site, at) -> None:
    sched = _monthly(site, starts_on=date(2026, 3, 31))
    assert pm.skip_next(site.dispatcher, sched.id, "Shutdown week") == date(2026, 3, 31)
    assert occurrences(site.store, sched.id) == [("cal:2026-03-31", "skipped")]
    pm.run(site.dispatcher, date(2026, 4, 30))
    assert [w.due_at.date() for w in pm_work(site.store, sched.id)] == [date(2026, 4, 30)]


def test_edit_retimes_and_list_shows_compliance(site, at) -> None:
    sched = _monthly(site, starts_on=date(2026, 2, 1))
    (label,) = pm.run(site.dispatcher).generated  # due Mar 1 (Feb 1 superseded)
    at(date(2026, 3, 3))  # Mar 3 <= Mar 1 + 3 days grace (10 % of 30 days)
    finish(site.dispatcher, site.tech, int(label[3:]))
    (row,) = pm.list_schedules(site.store, actor=site.dispatcher.actor)
    assert row.due_count == 1 and row.on_time == 1 and row.compliance == 100.0
    assert row.last_done == datetime(2026, 3, 3, 9, tzinfo=UTC) and row.target == "P-101"
    inp = pm.schedule_input(site.store, sched.id)
    assert (
        inp.asset_tag == "P-101"
        and inp.team == "Mechanical"
        and inp.checklist
        == [
            "Grease DE bearing",
            "Grease NDE bearing",
            "Check vibration",
        ]
    )
    inp.interval_value = 2
    pm.update_schedule(site.dispatcher, sched.id, inp)
    assert pm.get_schedule(site.store, sched.id).next_due_at == due(2026, 4, 1)
    assert (
        "every 2 months (fixed)"
        in pm.list_schedules(site.store, actor=site.dispatcher.actor)[0].trigger
    )


def test_validation_and_permissions(site, at) -> None:
    with pytest.raises(PermissionDenied):
        _monthly(site.__class__(**{**site.__dict__, "dispatcher": site.tech}))
    with pytest.raises(ValidationError) as err:
        pm.create_schedule(
            site.dispatcher,
            pm.ScheduleInput(
                title="", interval_value=1, interval_unit="fortnight", day_of_month=40
            ),
        )
    assert len(err.value.problems) >= 4
    with pytest.raises(PermissionDenied):
        pm.run(site.tech)
    with pytest.raises(PermissionDenied):
        pm.record_reading(site.requester, "P-101", "running_hours", 1)

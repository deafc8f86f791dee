"""The PM schedules screen by keystrokes: list, create, edit, pause, skip, generate."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Select

from tests.conftest import Site
from tests.screens.conftest import AppFor
from tests.screens.test_board import settle
from wo_tui.domain import formreads, pm
from wo_tui.domain import services as sv
from wo_tui.screens.pm import ChecklistDialog, MeterReadingDialog, PMScreen, ScheduleForm
from wo_tui.store.models import MeterReading, PMSchedule, WorkOrder


def _seed(site: Site) -> int:
    sched = pm.create_schedule(
        site.dispatcher,
        pm.ScheduleInput(
            title="Grease pump bearings",
            asset_tag="P-101",
            team="Mechanical",
            interval_value=1,
            interval_unit="month",
            starts_on=date(2026, 3, 2),
            checklist=["Grease DE", "Grease NDE"],
        ),
    )
    assert sched.id is not None
    return sched.id


async def _new_schedule_form(pilot: Pilot[Any]) -> ScheduleForm:
    """The PM section's form for a new schedule, opened by keys."""
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ScheduleForm)
    return form


def _schedules(site: Site) -> list[PMSchedule]:
    with site.store.read() as s:
        return list(s.exec(select(PMSchedule).order_by(PMSchedule.id)).all())


async def test_list_generate_pause_skip(site: Site, app_for: AppFor) -> None:
    sid = _seed(site)
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PMScreen)
        assert [r.title for r in screen.rows] == ["Grease pump bearings"]
        assert screen.table.row_count == 1
        await pilot.press("w")
        await settle(pilot)
        with site.store.read() as s:
            made = s.exec(select(WorkOrder).where(WorkOrder.pm_schedule_id == sid)).all()
        assert len(made) == 1 and made[0].kind == "preventive"
        assert screen.rows[0].open_work == 1
        await pilot.press("p")
        await settle(pilot)
        assert _schedules(site)[0].active is False
        await pilot.press("p")
        await settle(pilot)
        assert _schedules(site)[0].active is True
        await pilot.press("x")
        await settle(pilot)
        await pilot.press(*"Shutdown", "enter")
        await settle(pilot)
        assert [o.status for o in pm.occurrences(site.store, sid, actor=site.dispatcher.actor)] == [
            "skipped",
            "generated",
        ]


async def test_create_and_edit_in_the_form(site: Site, app_for: AppFor) -> None:
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        form = await _new_schedule_form(pilot)
        await pilot.press(*"Filter change")
        form.query_one("#f_asset").value = "AHU-01"
        form.query_one("#f_every").value = "3 months"
        form.query_one("#f_day_of_month").value = "31"
        form.query_one("#f_lead").value = "7"
        form.query_one("#f_team").value = "Electrical"
        form.query_one("#f_estimate").value = "1:30"
        form.query_one("#f_starts").value = "2026-03-02"
        form.query_one("#f_checklist").text = "Swap filters\nRecord pressure drop"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PMScreen)
        (sched,) = _schedules(site)
        assert (sched.interval_value, sched.interval_unit, sched.day_of_month) == (3, "month", 31)
        assert sched.estimated_minutes == 90 and sched.lead_days == 7
        assert sched.next_due_at is not None and sched.next_due_at.date() == date(2026, 3, 31)
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, ScheduleForm)
        assert form.query_one("#f_team").value == "Electrical"
        form.query_one("#f_every").value = "fortnight"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not an interval" in str(form.query_one("#problems").render())
        form.query_one("#f_every").value = "6 months"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _schedules(site)[0].interval_value == 6


async def test_technician_cannot_manage(site: Site, app_for: AppFor) -> None:
    _seed(site)
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, PMScreen)


async def test_tick_checklist_by_keys(site: Site, app_for: AppFor) -> None:
    _seed(site)
    (label,) = pm.run(site.dispatcher).generated
    number = int(label[3:])
    sv.start(site.tech, number)
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.push_screen(ChecklistDialog(number))
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("j", "F")
        await settle(pilot)
        await pilot.press(*"Replace grease nipple", "enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*"Nipple blocked", "enter")
        await settle(pilot)
        # F again on the same item: no second prompt, no second follow-up.
        await pilot.press("F")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ChecklistDialog) and list(dialog.follow_ups) == [2]
        items = pm.checklist(site.store, number, actor=site.dispatcher.actor)
        assert [(i.result, i.note) for i in items] == [("pass", ""), ("fail", "Nipple blocked")]
        with site.store.read() as s:
            follow = s.exec(select(WorkOrder).where(WorkOrder.kind == "follow_up")).one()
        assert "Replace grease nipple" in follow.description
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ChecklistDialog)


async def test_meter_reading_and_occurrences_in_the_pane(site: Site, app_for: AppFor) -> None:
    sched = pm.create_schedule(
        site.dispatcher,
        pm.ScheduleInput(
            title="Pump service",
            asset_tag="P-101",
            meter="running_hours",
            meter_every=500,
            interval_value=1,
            interval_unit="month",
            starts_on=date(2026, 3, 2),
        ),
    )
    assert sched.id is not None
    pm.skip_next(site.dispatcher, sched.id, "Shutdown week")
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PMScreen)
        pane = str(screen.query_one("#detail-body").render())
        assert "2026-03-02  skipped" in pane and "Shutdown week" in pane
        assert "Meter running_hours: no reading yet; next PM at 500" in pane
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MeterReadingDialog)
        await pilot.press(*"520", "enter")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"90", "enter")  # lower than 520 and no reset: refused
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"15", "tab", "space", "enter")  # a new meter
        await settle(pilot)
        assert isinstance(pilot.app.screen, PMScreen)
        assert "Meter running_hours: 15" in str(screen.query_one("#detail-body").render())
    with site.store.read() as s:
        readings = s.exec(select(MeterReading.value).order_by(MeterReading.id)).all()
    assert readings == [520.0, 15.0]
    # 520 reached 0 + 500 before the reset; none generated yet, so the 520 h since the
    # baseline carry over: 15 - 520 = -505.
    assert pm.get_schedule(site.store, sched.id).last_meter_value == -505.0


async def test_location_only_pm_with_instructions_from_the_form(
    site: Site, app_for: AppFor
) -> None:
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        form = await _new_schedule_form(pilot)
        await pilot.press(*"Fire door check")
        form.query_one("#f_asset").value = ""
        loc_id = formreads.location_choices(site.store)[0][0]
        form.query_one("#f_location", Select).value = loc_id
        form.query_one("#f_instructions").text = "Close each door; check it latches."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PMScreen)
    (sched,) = _schedules(site)
    assert sched.asset_id is None and sched.location_id == loc_id
    assert sched.instructions == "Close each door; check it latches."
    assert pm.schedule_input(site.store, sched.id).location_id == loc_id

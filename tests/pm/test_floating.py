"""Floating schedules after a skip, a cancelled work order or work done early, their
first date on an allowed weekday, and lead time across a month end.

Dates worked out by hand: 2026-03-02 is a Monday; a floating schedule is next due one
interval after the later of its last completion and the newest date it already had.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.pm.conftest import due, finish, occurrences, pm_work
from wo_tui.domain import pm
from wo_tui.domain import reports as rp
from wo_tui.domain import services as sv
from wo_tui.errors import InvalidTransition


def _floating(site, **kw) -> int:
    values = dict(
        title="Seal check",
        asset_tag="P-101",
        team="Mechanical",
        interval_value=1,
        interval_unit="month",
        mode="floating",
        starts_on=date(2026, 3, 2),
    )
    values.update(kw)
    sched = pm.create_schedule(site.dispatcher, pm.ScheduleInput(**values))
    assert sched.id is not None
    return sched.id


def test_skip_moves_a_floating_schedule_on(site, at) -> None:
    sid = _floating(site)
    assert pm.skip_next(site.dispatcher, sid, "Line stopped") == date(2026, 3, 2)
    # Skipped Mar 2: next due one month after it, Apr 2; the run must not fall back to
    # the start date (whose occurrence is the skipped one) and stop for good.
    assert pm.run(site.dispatcher).generated == []
    assert pm.get_schedule(site.store, sid).next_due_at == due(2026, 4, 2)
    (label,) = pm.run(site.dispatcher, date(2026, 4, 2)).generated
    assert occurrences(site.store, sid) == [
        ("cal:2026-03-02", "skipped"),
        ("cal:2026-04-02", "generated"),
    ]
    # With work open, the next date is that work's own: skipping it is refused.
    with pytest.raises(InvalidTransition, match="already has work for 2026-04-02"):
        pm.skip_next(site.dispatcher, sid, "again")
    assert label.startswith("WO-")


def test_cancelled_work_moves_a_floating_schedule_on(site, at) -> None:
    sid = _floating(site)
    (label,) = pm.run(site.dispatcher).generated
    sv.cancel(site.dispatcher, label, "Pump removed for overhaul")
    # Cancelled Mar 2 occurrence: next due Apr 2 (one month after the date it had).
    assert pm.run(site.dispatcher).generated == []
    assert pm.get_schedule(site.store, sid).next_due_at == due(2026, 4, 2)
    assert len(pm.run(site.dispatcher, date(2026, 4, 2)).generated) == 1
    assert occurrences(site.store, sid) == [
        ("cal:2026-03-02", "cancelled"),
        ("cal:2026-04-02", "generated"),
    ]


def test_lead_time_on_a_floating_schedule_done_early(site, at) -> None:
    # Weekly, floating, 7 days' lead, from Mon Mar 9: generated Mar 2 (9 - 7).
    sid = _floating(site, interval_unit="week", starts_on=date(2026, 3, 9), lead_days=7)
    (label,) = pm.run(site.dispatcher).generated
    assert pm_work(site.store, sid)[0].due_at == due(2026, 3, 9)
    finish(site.dispatcher, site.tech, int(label[3:]))  # done Mar 2, a week early
    # Floating from the completion alone would give Mar 2 + 7 = Mar 9, the date just
    # done; the later of Mar 2 and Mar 9 is Mar 9, so next due Mar 16, generated Mar 9.
    assert pm.run(site.dispatcher).generated == []
    assert pm.get_schedule(site.store, sid).next_due_at == due(2026, 3, 16)
    at(date(2026, 3, 8))
    assert pm.run(site.dispatcher).generated == []  # 16 - 7 = Mar 9 > Mar 8
    at(date(2026, 3, 9))
    assert len(pm.run(site.dispatcher).generated) == 1
    assert [w.due_at for w in pm_work(site.store, sid)] == [due(2026, 3, 9), due(2026, 3, 16)]


def test_floating_first_date_is_on_an_allowed_weekday(site, at) -> None:
    # Starts Tue Mar 3, Saturdays only: first due Sat Mar 7, not the Tuesday.
    sid = _floating(site, interval_unit="week", weekdays=[5], starts_on=date(2026, 3, 3))
    assert pm.get_schedule(site.store, sid).next_due_at == due(2026, 3, 7)


def test_lead_time_across_a_month_end(site, at) -> None:
    # Fixed monthly from Mar 2 with 3 days' lead: 2026-03-02 - 3 days = Feb 27 (2026 is
    # not a leap year: Mar 1, Feb 28, Feb 27); Apr 2 - 3 days = Mar 30.
    at(date(2026, 2, 26))
    sid = _floating(site, mode="fixed", lead_days=3)
    assert pm.run(site.dispatcher).generated == []
    at(date(2026, 2, 27))
    assert len(pm.run(site.dispatcher).generated) == 1
    at(date(2026, 3, 29))
    assert pm.run(site.dispatcher).generated == []
    at(date(2026, 3, 30))
    assert len(pm.run(site.dispatcher).generated) == 1
    assert [w.due_at for w in pm_work(site.store, sid)] == [due(2026, 3, 2), due(2026, 4, 2)]


def test_work_generated_on_its_due_day_is_not_overdue(site, at) -> None:
    sid = _floating(site, mode="fixed")
    pm.run(site.dispatcher)  # at Mar 2 09:00, due Mar 2
    (wo,) = pm_work(site.store, sid)
    assert wo.due_at == due(2026, 3, 2)
    assert rp.overdue(site.store, rp.Period.of()).rows == []
    at(date(2026, 3, 3), hour=0)
    assert [row[0] for row in rp.overdue(site.store, rp.Period.of()).rows] == [
        f"WO-{wo.number:06d}"
    ]

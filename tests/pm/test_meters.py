"""Meter readings: what is refused, a replaced meter, exact meter keys, and a fixed
schedule with a meter that has fallen behind."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.pm.conftest import due, finish, occurrences, pm_work
from wo_tui.domain import pm
from wo_tui.errors import ValidationError


def _metered(site, **kw) -> int:
    values = dict(
        title="Pump service",
        asset_tag="P-101",
        team="Mechanical",
        meter="running_hours",
        meter_every=500.0,
    )
    values.update(kw)
    sched = pm.create_schedule(site.dispatcher, pm.ScheduleInput(**values))
    assert sched.id is not None
    return sched.id


def test_readings_refused(site, at) -> None:
    _metered(site)
    read = pm.record_reading
    for bad in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(ValidationError, match="finite number"):
            read(site.tech, "P-101", "running_hours", bad)
    with pytest.raises(ValidationError, match="cannot be negative"):
        read(site.tech, "P-101", "running_hours", -1)
    read(site.tech, "P-101", "running_hours", 300, datetime(2026, 3, 1, 9, tzinfo=UTC))
    read(site.tech, "P-101", "running_hours", 400, datetime(2026, 3, 2, 8, tzinfo=UTC))
    with pytest.raises(ValidationError, match=r"read 400 before; 390 is lower.*as a meter reset"):
        read(site.tech, "P-101", "running_hours", 390)
    # Back-dated between its neighbours it fits; above the later one it cannot.
    read(site.tech, "P-101", "running_hours", 350, datetime(2026, 3, 1, 20, tzinfo=UTC))
    with pytest.raises(ValidationError, match="read 400 later"):
        read(site.tech, "P-101", "running_hours", 450, datetime(2026, 3, 1, 21, tzinfo=UTC))
    with pytest.raises(ValidationError, match="a reset must be the newest reading"):
        read(site.tech, "P-101", "running_hours", 0, datetime(2026, 3, 1, 21, tzinfo=UTC), True)
    for field, value in (("meter_every", float("nan")), ("meter_every", float("inf"))):
        with pytest.raises(ValidationError, match="Meter interval must be a finite number"):
            _metered(site, **{field: value})
    with pytest.raises(ValidationError, match="Meter threshold must be a finite number"):
        _metered(site, meter_every=None, meter_threshold=float("nan"))


def test_replaced_meter_keeps_the_hours_since_the_last_pm(site, at) -> None:
    sid = _metered(site)
    read = pm.record_reading
    read(site.tech, "P-101", "running_hours", 900)
    (label,) = pm.run(site.dispatcher).generated  # 0 + 500 reached
    finish(site.dispatcher, site.tech, int(label[3:]))  # last PM at 900
    at(date(2026, 3, 3))
    read(site.tech, "P-101", "running_hours", 1200)  # 300 h since the PM; due at 1400
    # New meter reading 0: the 300 h carry over, so the next PM is due at
    # 0 - 300 + 500 = 200 on the new meter.
    read(site.tech, "P-101", "running_hours", 0, reset=True)
    assert pm.get_schedule(site.store, sid).last_meter_value == -300.0
    read(site.tech, "P-101", "running_hours", 150)
    assert pm.run(site.dispatcher).generated == []
    read(site.tech, "P-101", "running_hours", 210)
    assert len(pm.run(site.dispatcher).generated) == 1
    keys = occurrences(site.store, sid)
    assert keys[0] == ("meter:500", "generated") and keys[-1] == ("meter:200@1", "generated")
    assert keys[1][1] == "reset"


def test_meter_keys_are_exact(site, at) -> None:
    # Every 2 units from 2,000,000: targets 2,000,002 and 2,000,004 (six significant
    # digits would make both "2e+06" and block the second).
    sid = _metered(site, meter_every=2.0, meter_baseline=2_000_000.0)
    pm.record_reading(site.tech, "P-101", "running_hours", 2_000_002)
    (label,) = pm.run(site.dispatcher).generated
    finish(site.dispatcher, site.tech, int(label[3:]))
    at(date(2026, 3, 3))
    pm.record_reading(site.tech, "P-101", "running_hours", 2_000_004)
    assert len(pm.run(site.dispatcher).generated) == 1
    assert [k for k, _ in occurrences(site.store, sid)] == ["meter:2000002", "meter:2000004"]
    assert pm.meter_target(pm.meter_key(0.1 + 0.2, 2)) == 0.1 + 0.2


def test_fixed_schedule_with_a_meter_catches_up_without_flooding(site, at) -> None:
    # Monthly fixed from Mar 2 or every 500 h; the Mar 2 work is left open until Jun 10.
    sid = _metered(site, interval_value=1, interval_unit="month", starts_on=date(2026, 3, 2))
    (label,) = pm.run(site.dispatcher).generated
    at(date(2026, 6, 10))
    assert pm.run(site.dispatcher).generated == []  # one at a time
    finish(site.dispatcher, site.tech, int(label[3:]))
    # Jun 11: Apr 2 and May 2 have passed and so has Jun 2, the newest: that one
    # becomes work, the two older ones are recorded as missed.
    at(date(2026, 6, 11))
    result = pm.run(site.dispatcher)
    assert len(result.generated) == 1 and result.skipped == 2
    assert occurrences(site.store, sid) == [
        ("cal:2026-03-02", "generated"),
        ("cal:2026-04-02", "skipped"),
        ("cal:2026-05-02", "skipped"),
        ("cal:2026-06-02", "generated"),
    ]
    assert [w.due_at for w in pm_work(site.store, sid)] == [due(2026, 3, 2), due(2026, 6, 2)]
    assert pm.get_schedule(site.store, sid).next_due_at == due(2026, 7, 2)

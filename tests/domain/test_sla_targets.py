"""Priority and SLA targets at their boundaries.

The clock starts when the request was made (not when it was approved), so a slow
triage eats into the target rather than extending it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from wo_factory import each, load, make_wo

from wo_tui import clock
from wo_tui.config import DEFAULT_SLA_HOURS, Settings, SlaPolicy, load_settings
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.domain import sla
from wo_tui.errors import ValidationError, WoError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

DOCUMENTED = {
    1: (timedelta(hours=1), timedelta(hours=4)),
    2: (timedelta(hours=4), timedelta(hours=24)),
    3: (timedelta(days=1), timedelta(days=3)),
    4: (timedelta(days=3), timedelta(days=14)),
    5: (timedelta(days=7), timedelta(days=30)),
}


@pytest.mark.parametrize("urgency", [1, 2, 3])
@pytest.mark.parametrize("impact", [1, 2, 3])
def test_priority_matrix(urgency: int, impact: int) -> None:
    assert sla.priority(urgency, impact) == urgency + impact - 1


def test_matrix_corners() -> None:
    assert sla.priority(1, 1) == 1
    assert sla.priority(3, 3) == 5
    assert {sla.priority(u, i) for u in (1, 2, 3) for i in (1, 2, 3)} == {1, 2, 3, 4, 5}


@pytest.mark.parametrize("bad", [0, 4, -1, 10])
def test_levels_out_of_range_are_refused(bad: int) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^Urgency must be 1 \(high\), 2 \(medium\) or 3 \(low\), not {bad}\.$",
    ):
        sla.priority(bad, 2)
    with pytest.raises(ValidationError, match=r"^Impact must be"):
        sla.priority(2, bad)


def test_default_policy_is_the_documented_one() -> None:
    policy = SlaPolicy()
    for prio, (response, resolution) in DOCUMENTED.items():
        assert (policy.response(prio), policy.resolution(prio)) == (response, resolution)
    assert set(DEFAULT_SLA_HOURS) == set(DOCUMENTED)


def test_due_dates_at_approval_count_from_the_request(site, frozen_clock) -> None:
    each(
        [(1, 1), (1, 2), (2, 2), (3, 2), (3, 3)],
        lambda case: _check_due_dates(site, frozen_clock, *case),
    )


def _check_due_dates(site, frozen_clock, urgency: int, impact: int) -> None:
    clock.freeze(frozen_clock)
    req = sv.submit_request(
        site.requester, requester="Rita", description="Fault", urgency=urgency, impact=impact
    )
    clock.freeze(frozen_clock + timedelta(hours=3))
    wo = sv.approve_request(site.dispatcher, req.number)
    prio = urgency + impact - 1
    response, resolution = DOCUMENTED[prio]
    stored = load(site.store, wo.number)
    assert stored.priority == prio
    assert stored.requested_at == frozen_clock
    assert stored.approved_at == frozen_clock + timedelta(hours=3)
    assert stored.response_due_at == frozen_clock + response
    assert stored.due_at == frozen_clock + resolution


def test_work_raised_directly_is_due_from_now(site, frozen_clock) -> None:
    wo = sv.create_work_order(site.dispatcher, title="Lamp", urgency=1, impact=1)
    assert load(site.store, wo.number).due_at == frozen_clock + timedelta(hours=4)


def test_settings_override_the_targets(site, frozen_clock, tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        "[sla.P1]\nresponse_hours = 0.5\nresolution_hours = 2\n[sla.P5]\nresolution_hours = 240\n",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.sla.hours[1] == (0.5, 2)
    assert settings.sla.hours[5] == (168, 240)
    assert settings.sla.hours[3] == DEFAULT_SLA_HOURS[3]
    ctx = sv.Ctx(site.store, site.dispatcher.actor, settings)
    p1 = sv.create_work_order(ctx, title="Flood", urgency=1, impact=1)
    p5 = sv.create_work_order(ctx, title="Paint", urgency=3, impact=3)
    assert load(site.store, p1.number).response_due_at == frozen_clock + timedelta(minutes=30)
    assert load(site.store, p1.number).due_at == frozen_clock + timedelta(hours=2)
    assert load(site.store, p5.number).due_at == frozen_clock + timedelta(days=10)


@pytest.mark.parametrize(
    "body",
    [
        "[sla.P9]\nresolution_hours = 2\n",
        "[sla.P1]\nresponse_hours = 5\nresolution_hours = 2\n",
        "[sla.P1]\nresolution_hours = 0\n",
        "[sla.P1]\nresolution_hours = 'soon'\n",
        "[sla]\nP1 = 4\n",
    ],
)
def test_bad_sla_settings_are_one_line(tmp_path: Path, body: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(WoError) as err:
        load_settings(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_changing_priority_moves_the_due_dates(site, frozen_clock) -> None:
    n = make_wo(site, lc.OPEN)
    clock.freeze(frozen_clock + timedelta(hours=1))
    sv.set_priority(site.dispatcher, n, 1, 1)
    wo = load(site.store, n)
    assert wo.priority == 1
    assert wo.due_at == frozen_clock + timedelta(hours=4)
    assert wo.response_due_at == frozen_clock + timedelta(hours=1)


def test_due_dates_function() -> None:
    response, due = sla.due_dates(T0, 2, SlaPolicy())
    assert (response, due) == (T0 + timedelta(hours=4), T0 + timedelta(hours=24))


def test_time_to_breach_sign_at_the_boundary() -> None:
    due = T0 + timedelta(hours=4)
    assert sla.time_to_breach(due, due - timedelta(seconds=1)) == timedelta(seconds=1)
    assert sla.time_to_breach(due, due) == timedelta(0)
    assert sla.time_to_breach(due, due + timedelta(seconds=1)) == timedelta(seconds=-1)
    assert sla.time_to_breach(None, due) is None


def test_time_to_breach_sorts_most_urgent_first() -> None:
    now = T0
    dues = [now + timedelta(hours=5), now - timedelta(hours=2), now, now + timedelta(minutes=1)]
    ordered = sorted(dues, key=lambda d: sla.time_to_breach(d, now))
    assert ordered == sorted(dues)


def test_breach_label_at_the_boundary() -> None:
    due = T0
    assert sla.breach_label(due, due) == "in 0m"
    assert sla.breach_label(due, due + timedelta(minutes=1)) == "1m late"
    assert sla.breach_label(due, due - timedelta(hours=2, minutes=5)) == "in 2h 05m"
    assert sla.breach_label(due, due + timedelta(days=3, hours=4)) == "3d 4h late"
    assert sla.breach_label(due, due - timedelta(days=12)) == "in 12d"
    assert sla.breach_label(None, due) == "-"


def test_response_met_at_the_boundary() -> None:
    due = T0 + timedelta(hours=1)
    assert sla.response_met(due, due) is True
    assert sla.response_met(due + timedelta(seconds=1), due) is False
    assert sla.response_met(None, due) is None
    assert sla.resolution_met(due, due) is True
    assert sla.resolution_met(due + timedelta(microseconds=1), due) is False
    assert sla.resolution_met(due, None) is None


def test_response_is_met_when_work_starts_within_target(site, frozen_clock) -> None:
    n = make_wo(site, lc.ASSIGNED)
    wo = load(site.store, n)
    clock.freeze(wo.response_due_at)
    sv.start(site.tech, n)
    started = load(site.store, n)
    assert sla.response_met(started.started_at, started.response_due_at) is True


def test_overdue_boundary_on_the_stored_due_date(site, frozen_clock) -> None:
    """Overdue means due_at has passed: at due_at exactly the time left is zero, not negative."""
    n = make_wo(site, lc.IN_PROGRESS)
    wo = load(site.store, n)
    assert wo.due_at == frozen_clock + Settings().sla.resolution(wo.priority)
    assert sla.time_to_breach(wo.due_at, wo.due_at) == timedelta(0)
    assert sla.time_to_breach(wo.due_at, wo.due_at + timedelta(microseconds=1)) < timedelta(0)

"""Edge cases worked out by hand: age-bucket boundaries, one record through the
reports, the PM compliance grace boundary, and MTBF over a period that has not
ended or that a repair straddles.

The site (tests/sitebuilder.py): Mechanical 4 x 38 h = 152 h a week, Electrical
3 x 38 h = 114 h; alice (Mechanical) 45.00/h. Urgency 2 x impact 2 gives P3:
response 24 h, resolution 72 h.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from wo_tui import clock
from wo_tui.domain import pm
from wo_tui.domain import reports as rp
from wo_tui.domain import services as sv

MAR2 = rp.Period.of(date(2026, 3, 2), date(2026, 3, 2))
MARCH = rp.Period.of(date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _freeze(moment: datetime) -> None:
    """Move the clock (the ``frozen_clock`` fixture unfreezes it after the test)."""
    clock.freeze(moment)


def _complete(ctx: sv.Ctx, number: int) -> None:
    sv.complete(
        ctx,
        number,
        sv.Closeout(
            resolution="Fixed",
            cause_code="WEAR",
            remedy_code="REPL",
            no_parts_used=True,
            follow_up=False,
        ),
    )


def test_age_bucket_boundaries(site, frozen_clock) -> None:
    # Age = days since requested; 0-7 holds ages below 8 days, 8-30 below 31, 31-90 below
    # 91. 7 d 23 h -> 0-7; 8 d 1 h and 30 d 23 h -> 8-30; 31 d 1 h and 90 d 23 h -> 31-90;
    # 91 d 1 h -> >90.
    for days, hours in ((7, 23), (8, 1), (30, 23), (31, 1), (90, 23), (91, 1)):
        _freeze(NOW - timedelta(days=days, hours=hours))
        sv.create_work_order(site.dispatcher, title=f"{days}d{hours}h", asset_tag="P-101")
    _freeze(NOW)
    r = rp.backlog(site.store, MAR2)
    assert r.rows == [
        ("open", "P3", "0-7", 1, 0.0),
        ("open", "P3", "8-30", 2, 0.0),
        ("open", "P3", "31-90", 2, 0.0),
        ("open", "P3", ">90", 1, 0.0),
    ]


def test_one_work_order_through_the_reports(site, frozen_clock) -> None:
    d, alice = site.dispatcher, site.tech
    _freeze(NOW)
    n = sv.create_work_order(
        d, title="Realign coupling", asset_tag="P-101", estimated_minutes=38 * 60
    ).number
    sv.assign(d, n, assignee="alice")
    # Open: 38 h of assigned P3 work aged 0 days. Crew-weeks 38 / (152 + 114) = 0.1429
    # -> 0.14; Mechanical alone 38 / 152 = 0.25.
    backlog = rp.backlog(site.store, MAR2)
    assert backlog.rows == [("assigned", "P3", "0-7", 1, 38.0)]
    assert backlog.summary == {
        "work_orders": 1,
        "backlog_hours": 38.0,
        "ready_hours": 38.0,
        "weekly_capacity_hours": 266.0,
        "crew_weeks": 0.14,
        "ready_crew_weeks": 0.14,
        "teams": [
            {
                "team": "Mechanical",
                "backlog_hours": 38.0,
                "ready_hours": 38.0,
                "weekly_capacity_hours": 152.0,
                "crew_weeks": 0.25,
                "ready_crew_weeks": 0.25,
            }
        ],
    }
    assert rp.workload(site.store, MAR2).rows == [
        ("Electrical", "*", 0, 0.0, 0.0, 114.0),
        ("Electrical", "erin", 0, 0.0, 0.0, None),
        ("Mechanical", "*", 1, 38.0, 0.0, 152.0),
        ("Mechanical", "alice", 1, 38.0, 0.0, None),
        ("Mechanical", "bob", 0, 0.0, 0.0, None),
    ]
    # Started 1 h after the request (response target 24 h: met), 90 min logged at
    # 45.00/h = 67.50, completed 3 h after the request (resolution target 72 h: met).
    _freeze(NOW + timedelta(hours=1))
    sv.start(alice, n)
    _freeze(NOW + timedelta(hours=3))
    sv.log_labour(alice, n, 90)
    _complete(alice, n)
    sla = rp.sla(site.store, MAR2)
    one = (1, 1, 1, 100.0, 1, 1, 100.0)
    assert sla.rows == [
        ("2026-03", "P3", *one),
        ("2026-03", "all", *one),
        ("all", "P3", *one),
        ("all", "all", *one),
    ]
    assert rp.bad_actors(site.store, MAR2).rows == [
        ("cost", 1, "P-101", "Feed pump 1", 6750, 1),
        ("failures", 1, "P-101", "Feed pump 1", 6750, 1),
    ]
    workload = rp.workload(site.store, MAR2)
    assert workload.rows[2:4] == [
        ("Mechanical", "*", 0, 0.0, 1.5, 152.0),
        ("Mechanical", "alice", 0, 0.0, 1.5, None),
    ]
    assert rp.backlog(site.store, MAR2).rows == []


def test_preventive_work_without_a_schedule_counts(site, frozen_clock) -> None:
    # A preventive job raised by hand: P3, due 72 h after 03-02 09:00 = 03-05 09:00, no
    # schedule so no grace. Before its due date it is pending; completed an hour late
    # it is late: compliance 0 / (1 - 0) = 0 %.
    _freeze(NOW)
    n = sv.create_work_order(
        site.dispatcher, title="Annual inspection", kind="preventive", asset_tag="P-101"
    ).number
    _freeze(datetime(2026, 3, 3, 9, tzinfo=UTC))
    assert rp.pm_compliance(site.store, MARCH).rows[-1] == ("all", 1, 0, 0, 0, 1, None)
    sv.assign(site.dispatcher, n, assignee="alice")
    sv.start(site.tech, n)
    _freeze(datetime(2026, 3, 5, 10, tzinfo=UTC))
    sv.log_labour(site.tech, n, 30)
    sv.complete(site.tech, n, sv.Closeout(resolution="Done", no_parts_used=True, follow_up=False))
    assert rp.pm_compliance(site.store, MARCH).rows == [
        ("2026-03", 1, 0, 1, 0, 0, 0.0),
        ("all", 1, 0, 1, 0, 0, 0.0),
    ]


def test_pm_compliance_grace_boundary(site, frozen_clock) -> None:
    # Three monthly schedules from 03-02: work due 03-02 23:59:59, grace 10 % of 30 days
    # = 72 h, so the window closes 03-05 23:59:59.
    _freeze(NOW)
    for title in ("A", "B", "C"):
        pm.create_schedule(
            site.dispatcher,
            pm.ScheduleInput(
                title=title,
                asset_tag="P-101",
                assignee="alice",
                interval_value=1,
                interval_unit="month",
                starts_on=date(2026, 3, 2),
            ),
        )
    a, b, c = (int(label[3:]) for label in pm.run(site.dispatcher).generated)
    for n in (a, b, c):
        sv.start(site.tech, n)
        sv.log_labour(site.tech, n, 15)
    closed = datetime(2026, 3, 5, 23, 59, 59, tzinfo=UTC)
    # One second before the window closes: all three open and pending, nothing decided.
    _freeze(closed - timedelta(seconds=1))
    assert rp.pm_compliance(site.store, MARCH).rows[-1] == ("all", 3, 0, 0, 0, 3, None)
    (row,) = pm.list_schedules(site.store, actor=site.dispatcher.actor)[:1]
    assert (row.due_count, row.pending, row.compliance_text) == (0, 1, "1 pending")
    done = sv.Closeout(resolution="Done", no_parts_used=True, follow_up=False)
    sv.complete(site.tech, a, done)  # 71 h 59 m 59 s after due: on time
    _freeze(closed + timedelta(seconds=1))
    sv.complete(site.tech, b, done)  # 72 h 0 m 1 s after due: late
    # C is open one second past its window: not done. 1 on time / (3 - 0) = 33.3 %.
    assert rp.pm_compliance(site.store, MARCH).rows[-1] == ("all", 3, 1, 1, 1, 0, 33.3)


def test_mtbf_counts_only_hours_that_have_happened(site, frozen_clock) -> None:
    # Started 03-01 22:00, completed 03-02 02:00: a 4 h repair, 2 h of it on 03-02.
    _freeze(datetime(2026, 3, 1, 21, tzinfo=UTC))
    n = sv.create_work_order(site.dispatcher, title="Tripped", asset_tag="P-101").number
    sv.assign(site.dispatcher, n, assignee="alice")
    _freeze(datetime(2026, 3, 1, 22, tzinfo=UTC))
    sv.start(site.tech, n)
    _freeze(datetime(2026, 3, 2, 2, tzinfo=UTC))
    sv.log_labour(site.tech, n, 240)
    _complete(site.tech, n)
    # Asked at 03-02 12:00 about 03-02: 12 h have happened, less 2 h of repair inside the
    # day = 10 h operating; MTBF 10 h; MTTR 4 h; availability 10 / 14 = 71.4 %.
    _freeze(datetime(2026, 3, 2, 12, tzinfo=UTC))
    r = rp.mttr_mtbf(site.store, MAR2)
    assert r.rows == [("P-101", "Feed pump 1", 1, 4.0, None, 10.0, 10.0, 71.4)]
    assert r.summary["period_hours"] == 12.0
    # Asked two days later: the whole 24 h day, 22 h operating, availability 22 / 26 = 84.6 %.
    _freeze(datetime(2026, 3, 4, 12, tzinfo=UTC))
    r = rp.mttr_mtbf(site.store, MAR2)
    assert r.rows == [("P-101", "Feed pump 1", 1, 4.0, None, 22.0, 22.0, 84.6)]
    assert r.summary["period_hours"] == 24.0

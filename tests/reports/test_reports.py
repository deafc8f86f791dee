"""Every report on the hand-built history (see conftest.py for the timeline).

Expected numbers are worked out from the definitions in each comment, not taken
from running the code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.reports.conftest import MARCH, History
from wo_tui.domain import reports as rp
from wo_tui.domain.refs import wo_label
from wo_tui.errors import NotFound, ValidationError


def test_backlog(history: History) -> None:
    r = rp.backlog(history.store, MARCH)
    # Open now (04-10 12:00): w13 open P3 age 2d (2.0 h est), w14 open P3 age 68d (0.5 h),
    # pm9/pm10 assigned P4 age 18d/11d (1 h each), w4 assigned P5 age 16d (0 h),
    # w12 on hold P3 age 130d (8 h).
    assert r.rows == [
        ("open", "P3", "0-7", 1, 2.0),
        ("open", "P3", "31-90", 1, 0.5),
        ("assigned", "P4", "8-30", 2, 2.0),
        ("assigned", "P5", "8-30", 1, 0.0),
        ("on_hold", "P3", ">90", 1, 8.0),
    ]
    s = r.summary
    assert s["work_orders"] == 6 and s["backlog_hours"] == 12.5 and s["ready_hours"] == 4.5
    # Capacity: Mechanical 4 x 38 h + Electrical 3 x 38 h = 266 h a week.
    assert s["weekly_capacity_hours"] == 266.0
    assert s["crew_weeks"] == round(12.5 / 266, 2) and s["ready_crew_weeks"] == round(4.5 / 266, 2)
    teams = {t["team"]: t for t in s["teams"]}
    assert teams["Mechanical"]["backlog_hours"] == 2.0
    assert teams["Mechanical"]["crew_weeks"] == round(2 / 152, 2)
    assert teams["Electrical"]["backlog_hours"] == 8.0 and teams["Electrical"]["ready_hours"] == 0.0
    assert teams["(no team)"]["crew_weeks"] is None
    # Open at the end of March: 12 requested before Apr 1 (all but w13) minus 6 finished
    # in time (w1, w2, w5 cancelled, w11, pm6, pm8).
    assert r.series == [("2026-03", 6.0)]
    # Month ends from December: w12 (Dec), + w14 (Feb), 6 at March's end; by Apr 10
    # w13 opened and w3 finished. A period starting mid-February starts with February.
    wide = rp.backlog(history.store, rp.Period.of(date(2025, 12, 1), date(2026, 4, 10)))
    assert wide.series == [
        ("2025-12", 1.0),
        ("2026-01", 1.0),
        ("2026-02", 2.0),
        ("2026-03", 6.0),
        ("2026-04", 6.0),
    ]
    mid = rp.backlog(history.store, rp.Period.of(date(2026, 2, 15), date(2026, 4, 10)))
    assert mid.series == wide.series[2:]


def test_overdue(history: History) -> None:
    r = rp.overdue(history.store, MARCH)
    w = history.wo
    # Due dates: w12 2025-12-04 08:00 (P3 = 72 h), w14 02-04 12:00, pm9 the end of 03-23
    # (23:59:59), pm10 the end of 03-30. Late to 04-10 12:00: 127 d 4 h = 3052 h,
    # 65 d = 1560 h, 17 d 12 h 1 s = 420.0 h, 10 d 12 h 1 s = 252.0 h (2 decimals).
    # Mean (3052 + 1560 + 420 + 252) / 4 = 1321.
    assert [(row[0], row[2], row[8]) for row in r.rows] == [
        (wo_label(w["w12"]), "corrective", 3052.0),
        (wo_label(w["w14"]), "corrective", 1560.0),
        (wo_label(w["pm9"]), "preventive", 420.0),
        (wo_label(w["pm10"]), "preventive", 252.0),
    ]
    assert r.rows[0][5:8] == ("AHU-01", "erin", datetime(2025, 12, 4, 8, tzinfo=UTC))
    assert r.summary == {"work_orders": 4, "mean_hours_late": 1321.0}


def test_sla(history: History) -> None:
    r = rp.sla(history.store, MARCH)
    # Counted: w11 P1, w1 P2, w2 P3, w3 P4, w4 P5 (w5 cancelled, PM excluded).
    # Response: w11, w1 met; w2 (started 48 h after), w3 (5 days) missed; w4 undecided
    # (due 04-01 10:00, after the period). Resolution: w11, w1, w2 met; w3 completed late;
    # w4 undecided.
    assert r.rows == [
        ("2026-03", "P1", 1, 1, 1, 100.0, 1, 1, 100.0),
        ("2026-03", "P2", 1, 1, 1, 100.0, 1, 1, 100.0),
        ("2026-03", "P3", 1, 0, 1, 0.0, 1, 1, 100.0),
        ("2026-03", "P4", 1, 0, 1, 0.0, 0, 1, 0.0),
        ("2026-03", "P5", 1, 0, 0, None, 0, 0, None),
        ("2026-03", "all", 5, 2, 4, 50.0, 3, 4, 75.0),
        ("all", "P1", 1, 1, 1, 100.0, 1, 1, 100.0),
        ("all", "P2", 1, 1, 1, 100.0, 1, 1, 100.0),
        ("all", "P3", 1, 0, 1, 0.0, 1, 1, 100.0),
        ("all", "P4", 1, 0, 1, 0.0, 0, 1, 0.0),
        ("all", "P5", 1, 0, 0, None, 0, 0, None),
        ("all", "all", 5, 2, 4, 50.0, 3, 4, 75.0),
    ]
    assert r.summary == {"work_orders": 5, "response_pct": 50.0, "resolution_pct": 75.0}
    assert r.series == [("2026-03", 75.0)]


def test_mttr_mtbf(history: History) -> None:
    r = rp.mttr_mtbf(history.store, MARCH)
    # Failures completed in March: w1 (P-101, 4 h repair, 24 h to close), w2 (P-101, 6 h,
    # not closed), w11 (C-301, 2.5 h, 24 h to close); w3 completed in April.
    # March = 744 h. P-101: operating 744 - 10 = 734, MTBF 367, MTTR 5,
    # availability 367 / 372 = 98.66 %. C-301: operating 741.5, MTBF 741.5, MTTR 2.5,
    # availability 741.5 / 744 = 99.66 %.
    assert r.rows == [
        ("P-101", "Feed pump 1", 2, 5.0, 24.0, 734.0, 367.0, 98.7),
        ("C-301", "Compressor 1", 1, 2.5, 24.0, 741.5, 741.5, 99.7),
    ]
    assert r.summary == {
        "failures": 3,
        "mttr_hours": round(12.5 / 3, 2),
        "mttr_request_to_close_hours": 24.0,
        "period_hours": 744.0,
    }
    north = rp.mttr_mtbf(history.store, rp.Period(MARCH.since, MARCH.until, "NORTH"))
    assert [row[0] for row in north.rows] == ["P-101"] and north.summary["failures"] == 2


def test_pm_compliance(history: History) -> None:
    r = rp.pm_compliance(history.store, MARCH)
    # Due in March, each at the end of its day: pm6 (due 03-01 23:59:59, done 03-03 12:00 =
    # 36 h late, grace 10 % of 30 d = 72 h: on time), pm8 (due 03-16 23:59:59, done 03-17
    # 08:00 = 8 h late, grace 10 % of 7 d = 16.8 h: on time), pm9 and pm10 open, their
    # grace closed on 03-24 and 03-31 (before now, 04-10): not done, none pending.
    # Compliance = 2 / (4 - 0) = 50 %.
    assert r.rows == [("2026-03", 4, 2, 0, 2, 0, 50.0), ("all", 4, 2, 0, 2, 0, 50.0)]
    assert r.summary == {
        "due": 4,
        "on_time": 2,
        "late": 0,
        "not_done": 2,
        "pending": 0,
        "compliance_pct": 50.0,
        "skipped": 0,
    }


def test_planned_vs_reactive(history: History) -> None:
    r = rp.planned_vs_reactive(history.store, MARCH)
    # reactive: w1 120 + w3 60 + w11 30 = 210 min; corrective: w2 180; preventive:
    # pm6 90 + pm8 60 = 150. Total 540 min = 9 h; planned 330 min = 61.1 %.
    assert r.rows == [
        ("reactive", "no", 3.5, 38.9),
        ("corrective", "yes", 3.0, 33.3),
        ("preventive", "yes", 2.5, 27.8),
    ]
    assert r.summary == {
        "labour_hours": 9.0,
        "planned_hours": 5.5,
        "unplanned_hours": 3.5,
        "planned_pct": 61.1,
    }


def test_cost(history: History) -> None:
    r = rp.cost(history.store, MARCH)
    # Labour: w1 120 min x 45/h = 90.00, w2 180 x 40 = 120.00, w3 60 x 50 = 50.00,
    # pm6 90 x 50 = 75.00, pm8 60 x 45 = 45.00, w11 30 x 45 = 22.50.
    # Parts: w1 1 x 89.00, w2 2 x 12.50 = 25.00.
    assert r.rows == [
        ("2026-03", "NORTH", "AHU-01", 12500, 0, 12500),
        ("2026-03", "NORTH", "P-101", 25500, 11400, 36900),
        ("2026-03", "SOUTH", "C-301", 2250, 0, 2250),
    ]
    assert r.summary == {"labour_cents": 40250, "parts_cents": 11400, "total_cents": 51650}
    assert r.series == [("2026-03", 516.5)]
    south = rp.cost(history.store, rp.Period(MARCH.since, MARCH.until, "SOUTH"))
    assert south.rows == [("2026-03", "SOUTH", "C-301", 2250, 0, 2250)]


def test_bad_actors(history: History) -> None:
    r = rp.bad_actors(history.store, MARCH)
    assert r.rows == [
        ("cost", 1, "P-101", "Feed pump 1", 36900, 2),
        ("cost", 2, "AHU-01", "Air handler 1", 12500, 0),
        ("cost", 3, "C-301", "Compressor 1", 2250, 1),
        ("failures", 1, "P-101", "Feed pump 1", 36900, 2),
        ("failures", 2, "C-301", "Compressor 1", 2250, 1),
    ]


def test_workload(history: History) -> None:
    r = rp.workload(history.store, MARCH)
    # Open: bob holds w4 (0 h); erin holds w12 (8 h, Electrical); Mechanical team work:
    # w4, pm9, pm10 (0 + 1 + 1 h). Logged in March: alice 120 + 60 + 30 = 210 min,
    # bob 180, erin 60 + 90 = 150.
    assert r.rows == [
        ("Electrical", "*", 1, 8.0, 2.5, 114.0),
        ("Electrical", "erin", 1, 8.0, 2.5, None),
        ("Mechanical", "*", 3, 2.0, 6.5, 152.0),
        ("Mechanical", "alice", 0, 0.0, 3.5, None),
        ("Mechanical", "bob", 1, 0.0, 3.0, None),
    ]
    assert r.summary == {"open_work_orders_assigned": 2, "logged_hours": 9.0}


def test_empty_period(history: History) -> None:
    for name in rp.REPORTS:
        r = rp.build(history.store, name, rp.Period.of(date(2025, 6, 1), date(2025, 6, 30)))
        assert r.formula and r.columns
        if name in ("backlog", "overdue", "workload"):
            continue  # snapshots of open work: the period only touches trends and hours
        if name == "sla":
            assert r.rows == [("all", "all", 0, 0, 0, None, 0, 0, None)]
        elif name == "pm-compliance":
            assert r.rows == [("all", 0, 0, 0, 0, 0, None)] and r.summary["compliance_pct"] is None
        else:
            assert r.rows == [], name
    quiet = rp.workload(history.store, rp.Period.of(date(2025, 6, 1), date(2025, 6, 30)))
    assert all(row[4] == 0.0 for row in quiet.rows)


def test_empty_database(store) -> None:
    for name in rp.REPORTS:
        r = rp.build(store, name, rp.Period.of(date(2026, 1, 1), date(2026, 1, 31)))
        numbers = {k: v for k, v in r.summary.items() if k != "period_hours"}
        assert all(v in (0, None, []) for v in numbers.values()), name
        assert r.rows in (
            [],
            [("all", "all", 0, 0, 0, None, 0, 0, None)],
            [("all", 0, 0, 0, 0, 0, None)],
        )


def test_single_failure(site, frozen_clock) -> None:
    # One corrective job on P-101: started 10:00, completed 12:00 on 2026-03-02, and the
    # report asked at 12:00 that day. The period is 03-02 but only 00:00-12:00 has
    # happened: 12 h, less 2 h repair = 10 h operating, MTBF 10 h, MTTR 2 h,
    # availability 10 / 12 = 83.3 %.
    wo = site.dispatcher
    from wo_tui import clock
    from wo_tui.domain import services as sv

    n = sv.create_work_order(wo, title="Noisy pump", asset_tag="P-101").number
    sv.assign(wo, n, assignee="alice")
    clock.freeze(datetime(2026, 3, 2, 10, tzinfo=UTC))
    sv.start(site.tech, n)
    clock.freeze(datetime(2026, 3, 2, 12, tzinfo=UTC))
    sv.log_labour(site.tech, n, 120)
    sv.complete(
        site.tech,
        n,
        sv.Closeout(
            resolution="Tightened",
            cause_code="WEAR",
            remedy_code="ADJ",
            no_parts_used=True,
            follow_up=False,
        ),
    )
    day = rp.Period.of(date(2026, 3, 2), date(2026, 3, 2))
    r = rp.mttr_mtbf(site.store, day)
    assert r.rows == [("P-101", "Feed pump 1", 1, 2.0, None, 10.0, 10.0, 83.3)]
    assert r.summary["period_hours"] == 12.0
    assert rp.cost(site.store, day).rows == [("2026-03", "NORTH", "P-101", 9000, 0, 9000)]
    assert rp.planned_vs_reactive(site.store, day).summary["planned_pct"] == 100.0


def test_bad_input(store) -> None:
    with pytest.raises(ValidationError):
        rp.Period.of(date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(NotFound):
        rp.build(store, "nonsense", rp.Period.of())
    with pytest.raises(NotFound):
        rp.cost(store, rp.Period.of(site="NOWHERE"))

"""Asset history: every work order newest first with its cost, totals and reliability."""

from __future__ import annotations

import pytest

from tests.reports.conftest import History
from wo_tui.domain.history import asset_history
from wo_tui.domain.refs import wo_label
from wo_tui.errors import NotFound


def test_pump_history(history: History) -> None:
    h = asset_history(history.store, "P-101")
    w = history.wo
    newest_first = ["w13", "pm10", "w4", "pm9", "pm8", "w2", "w5", "w1", "w14"]
    assert [wo_label(r.number) for r in h.rows] == [wo_label(w[k]) for k in newest_first]
    by_key = {k: h.rows[i] for i, k in enumerate(newest_first)}
    # w1: 120 min x 45.00/h = 90.00 + one seal 89.00; w2: 180 min x 40.00/h + 2 x 12.50;
    # pm8: 60 min x 45.00/h.
    assert (by_key["w1"].labour_cents, by_key["w1"].parts_cents) == (9000, 8900)
    assert (by_key["w2"].labour_cents, by_key["w2"].parts_cents) == (12000, 2500)
    assert by_key["pm8"].cost_cents == 4500 and by_key["pm8"].kind == "preventive"
    assert by_key["w5"].status == "cancelled" and by_key["w5"].cost_cents == 0
    assert (h.work_orders, h.labour_minutes, h.labour_cents, h.parts_cents) == (
        9,
        360,
        25500,
        11400,
    )
    assert h.cost_cents == 36900
    # Observed from its first work order (02-01 12:00) to now (04-10 12:00): 68 days =
    # 1632 h. Failures w1 (4 h repair) and w2 (6 h): operating 1622 h, MTBF 811 h,
    # MTTR 5 h, availability 811 / 816.
    rel = h.reliability
    assert rel.failures == 2 and rel.mttr_hours == pytest.approx(5.0)
    assert rel.mttr_close_hours == pytest.approx(24.0)
    assert rel.mtbf_hours == pytest.approx(811.0, abs=1e-3)
    assert rel.availability == pytest.approx(811 / 816, abs=1e-6)


def test_asset_without_failures_and_limit(history: History) -> None:
    h = asset_history(history.store, "AHU-01", limit=2)
    assert len(h.rows) == 2 and h.work_orders == 3
    # w3 is a failure completed on 04-05 (repair from 03-20 09:00: 384 h).
    assert h.reliability.failures == 1 and h.reliability.mttr_hours == pytest.approx(384.0)
    with pytest.raises(NotFound):
        asset_history(history.store, "NOPE")


def test_new_asset_has_no_history(site) -> None:
    h = asset_history(site.store, "AHU-01")
    assert h.rows == [] and h.cost_cents == 0
    assert h.reliability.failures == 0 and h.reliability.mtbf_hours is None

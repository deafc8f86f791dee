"""Typed numbers that cannot exist, and filter text no database stores, on both
backends: no match, never a database error.

Work order and request numbers are 32-bit columns: PostgreSQL refuses to compare
one with 2**31 ("integer out of range"), SQLite just finds nothing; both must say
"There is no work order ...". The board's filter box may hold anything pasted.
"""

from __future__ import annotations

import pytest

from wo_tui import clock
from wo_tui.domain import services as sv
from wo_tui.domain.refs import MAX_NUMBER, parse_req, parse_wo
from wo_tui.domain.views import work_order_detail
from wo_tui.errors import NotFound
from wo_tui.store import queries
from wo_tui.store.queries import BoardFilter
from wo_tui.store.search import search_work_orders

TOO_BIG = ("WO-2147483648", "2147483648", "wo9999999999", "WO-999999999999")


def _board(site, text: str) -> list[str]:
    rows = queries.board_page(site.store, BoardFilter(text=text), clock.now(), 50)
    counts = queries.board_counts(site.store, BoardFilter(text=text), clock.now())
    assert counts.total == len(rows), text
    return sorted(r.label for r in rows)


def _digits(ref: str) -> int:
    return int("".join(ch for ch in ref if ch.isdigit()))


def test_numbers_too_big_for_the_column_are_no_match(site) -> None:
    wo = sv.create_work_order(site.dispatcher, title="Pump noisy", asset_tag="P-101")
    assert parse_wo(MAX_NUMBER) == MAX_NUMBER
    for ref in TOO_BIG:
        with pytest.raises(NotFound) as missing:
            work_order_detail(site.store, ref, actor=site.dispatcher.actor)
        assert missing.value.message == f"There is no work order WO-{_digits(ref):06d}."
        with pytest.raises(NotFound, match="There is no work order"):
            sv.start(site.tech, ref)
        assert search_work_orders(site.store, ref) == []
        assert _board(site, ref) == []
        assert queries.find_work_orders(site.store, ref) == []
    with pytest.raises(NotFound) as missing:
        parse_req("REQ-2147483648")
    assert missing.value.message == "There is no request REQ-2147483648."
    assert [h.number for h in search_work_orders(site.store, f"WO-{wo.number}")] == [wo.number]


def test_filter_text_with_nul_or_other_digits(site) -> None:
    sv.create_work_order(site.dispatcher, title="Pump noisy", asset_tag="P-101")
    sv.create_work_order(site.dispatcher, title="Fan belt ² squeal", asset_tag="AHU-01")
    assert _board(site, "pump\x00") == ["WO-000001"]
    assert _board(site, "\x00p\x1bump") == ["WO-000001"]
    assert _board(site, "\x00") == ["WO-000001", "WO-000002"]
    assert _board(site, "WO-²") == []
    assert _board(site, "١") == []
    assert queries.find_work_orders(site.store, "pump\x00")[0].number == 1
    assert queries.find_work_orders(site.store, "²")[0].number == 2
    assert [a.key for a in queries.find_assets(site.store, "P-1\x00")] == ["P-101"]

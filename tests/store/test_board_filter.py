"""The board's filter box finds work by any word (title, asset, description, notes)
through the search index, by number, and by punctuation alone."""

from __future__ import annotations

from wo_tui import clock
from wo_tui.domain import services as sv
from wo_tui.store import queries
from wo_tui.store.queries import BoardFilter


def _labels(site, text: str) -> list[str]:
    rows = queries.board_page(site.store, BoardFilter(text=text), clock.now(), 50)
    return sorted(r.label for r in rows)


def test_filter_words_numbers_and_punctuation(site) -> None:
    pump = sv.create_work_order(site.dispatcher, title="Seal leaking", asset_tag="P-101")
    fan = sv.create_work_order(site.dispatcher, title="Fan belt [/] squeal", asset_tag="AHU-01")
    sv.add_note(site.dispatcher, fan.number, "Ordered a Gates belt")
    assert _labels(site, "leak") == ["WO-000001"]
    assert _labels(site, "gates") == ["WO-000002"]  # a word only in a note
    assert _labels(site, "feed pu") == ["WO-000001"]  # the asset's name, prefixes
    assert _labels(site, "ahu") == ["WO-000002"]
    assert _labels(site, f"WO-{pump.number:06d}") == ["WO-000001"]
    assert _labels(site, "[/]") == ["WO-000002"]
    assert _labels(site, "nothing like this") == []
    counts = queries.board_counts(site.store, BoardFilter(text="belt"), clock.now())
    assert sum(counts.by_status.values()) == 1


def test_text_filter_pages_counts_and_positions_agree_with_the_whole_board(site) -> None:
    """The searched path (one query over every status) gives the rows, counts and
    positions the unfiltered board gives for the same work orders."""
    from datetime import timedelta

    made = []
    for i in range(14):
        clock.freeze(clock.now() - timedelta(hours=37 * i))
        wo = sv.create_work_order(
            site.dispatcher, title=f"Pump {i} noisy" if i % 3 else f"Belt {i}", asset_tag="AHU-01"
        )
        made.append(wo)
        if i % 4 == 1:
            sv.assign(site.dispatcher, wo.number, assignee="alice")
        if i % 4 == 2:
            sv.assign(site.dispatcher, wo.number, assignee="alice")
            sv.start(site.tech, wo.number)
    clock.freeze(None)
    now = clock.now()
    everything = queries.board_page(site.store, BoardFilter(), now, 100)
    expected = [r for r in everything if r.title.startswith("Pump")]
    flt = BoardFilter(text="pump")
    first = queries.board_page(site.store, flt, now, 4)
    rest = queries.board_page(site.store, flt, now, 100, after=first[-1].key)
    assert [r.label for r in first + rest] == [r.label for r in expected]
    back = queries.board_page(site.store, flt, now, 3, before=rest[2].key)
    assert [r.label for r in back] == [r.label for r in (first + rest)[3:6]]
    counts = queries.board_counts(site.store, flt, now)
    by_status: dict[str, int] = {}
    for r in expected:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    assert {k: v for k, v in counts.by_status.items() if v} == by_status
    assert counts.overdue == sum(1 for r in expected if r.due_at is not None and r.due_at < now)
    for i, row in enumerate(expected):
        assert queries.board_position(site.store, flt, now, row) == i

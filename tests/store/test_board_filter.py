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

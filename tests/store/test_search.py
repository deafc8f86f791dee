"""Search: the same words find the same work orders on SQLite and PostgreSQL.

Every test runs on both backends (the ``store`` fixture) and asserts one expected
answer, so the two backends are held to the same results.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.domain.wo_factory import make_wo
from wo_tui import clock
from wo_tui.domain import admin
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.store.models import Asset, Note, WorkOrder
from wo_tui.store.search import MAX_WORDS, search_assets, search_work_orders, words

HOSTILE = [
    '"',
    "'",
    "''",
    '"pump',
    "pump'",
    "AND",
    "OR pump",
    "pump NOT",
    "NEAR(pump leak)",
    "pump*",
    "pu:*",
    "!pump",
    "pump & | ! <->",
    "title:pump",
    "-pump",
    "^pump",
    "(",
    ")",
    "{pump}",
    "[b]pump[/b]",
    "[@click=app.quit]x[/]",
    "\\",
    "%_",
    "😀 pump",
    "\x00pump\x1b]52;c;x\x07",
    "pump;DROP TABLE work_order;--",
    "a" * 10_000,
    "x " * 500,
    "   ",
    "",
]


def _wo(site, description: str, asset: str | None = None, urgency: int = 2) -> int:
    req = sv.submit_request(
        site.requester,
        requester="Rita",
        description=description,
        urgency=urgency,
        impact=2,
        asset_tag=asset,
    )
    return sv.approve_request(site.dispatcher, req.number).number


def _numbers(store, query: str, **kw) -> list[int]:
    return [h.number for h in search_work_orders(store, query, **kw)]


@pytest.fixture
def jobs(site) -> dict[str, int]:
    """Three work orders: the words sit in different fields of each."""
    return {
        "leak": _wo(site, "Pump leaking\nunder the skid, puddle spreading", "P-101"),
        "noise": _wo(site, "Air handler noisy\nbelt squeals at start", "AHU-01"),
        "light": _wo(site, "Light out in corridor\nnear the pump room"),
    }


def test_prefix_of_every_word_across_fields(site, jobs) -> None:
    assert _numbers(site.store, "pum lea") == [jobs["leak"]]
    assert _numbers(site.store, "PUMP LEAK") == [jobs["leak"]]
    assert _numbers(site.store, "squ bel") == [jobs["noise"]]
    assert _numbers(site.store, "corr") == [jobs["light"]]
    assert _numbers(site.store, "pump electrical") == []


def test_asset_tag_and_name_are_searched(site, jobs) -> None:
    assert _numbers(site.store, "feed") == [jobs["leak"]]
    assert _numbers(site.store, "p-101") == [jobs["leak"]]
    assert _numbers(site.store, "p10") == [jobs["leak"]]
    assert _numbers(site.store, "ahu") == [jobs["noise"]]


def test_title_outranks_the_same_word_in_the_description(site, jobs) -> None:
    hits = search_work_orders(site.store, "pump")
    assert [h.number for h in hits] == [jobs["leak"], jobs["light"]]
    assert hits[0].rank > hits[1].rank
    leak = hits[0]
    assert (leak.title, leak.status, leak.priority, leak.asset_tag) == (
        "Pump leaking",
        "open",
        3,
        "P-101",
    )
    assert hits[1].asset_tag is None


def test_notes_are_found_and_follow_edits_and_deletes(site, jobs) -> None:
    sv.add_note(site.dispatcher, jobs["noise"], "Ordered a replacement gearbox")
    assert _numbers(site.store, "gearb") == [jobs["noise"]]
    with site.store.write() as s:
        note = s.exec(select(Note)).one()
        note.body = "Ordered a new motor"
        s.add(note)
    assert _numbers(site.store, "gearb") == []
    assert _numbers(site.store, "motor") == [jobs["noise"]]
    with site.store.write() as s:
        s.delete(s.exec(select(Note)).one())
    assert _numbers(site.store, "motor") == []
    assert _numbers(site.store, "squeal") == [jobs["noise"]]


def test_index_follows_title_description_and_asset_changes(site, jobs) -> None:
    with site.store.write() as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == jobs["light"])).one()
        asset = s.exec(select(Asset).where(Asset.tag == "AHU-01")).one()
        wo.title = "Lamp replacement"
        wo.description = "Lamp flickering"
        wo.asset_id = asset.id
        s.add(wo)
    assert _numbers(site.store, "corridor") == []
    assert _numbers(site.store, "flick") == [jobs["light"]]
    assert _numbers(site.store, "ahu") == [jobs["light"], jobs["noise"]]
    with site.store.write() as s:
        asset = s.exec(select(Asset).where(Asset.tag == "AHU-01")).one()
        asset.tag = "AHU-77"
        asset.name = "Rooftop unit"
        s.add(asset)
    assert _numbers(site.store, "rooftop") == [jobs["light"], jobs["noise"]]
    assert _numbers(site.store, "ahu77") == [jobs["light"], jobs["noise"]]
    assert _numbers(site.store, "ahu01") == []


def test_rows_written_behind_the_services_are_indexed_and_unindexed(site) -> None:
    now = clock.now()
    with site.store.write() as s:
        s.add(WorkOrder(number=900, title="Imported lamp job", requested_at=now, updated_at=now))
    assert _numbers(site.store, "lamp") == [900]
    with site.store.write() as s:
        s.delete(s.exec(select(WorkOrder).where(WorkOrder.number == 900)).one())
    assert _numbers(site.store, "lamp") == []


def test_a_typed_number_comes_first(site, jobs) -> None:
    leak = jobs["leak"]
    for query in (f"WO-{leak:06d}", f"wo{leak}", str(leak), f" wo-{leak} "):
        hits = search_work_orders(site.store, query)
        assert hits[0].number == leak and hits[0].rank == float("inf"), query
    assert _numbers(site.store, "WO-999999") == []


def test_statuses_and_limit(site, jobs) -> None:
    sv.assign(site.dispatcher, jobs["light"], assignee="alice")
    assert _numbers(site.store, "pump", statuses=["open"]) == [jobs["leak"]]
    assert _numbers(site.store, "pump", statuses=["assigned"]) == [jobs["light"]]
    assert _numbers(site.store, str(jobs["light"]), statuses=["open"]) == []
    assert _numbers(site.store, "pump", statuses=[]) == []
    assert _numbers(site.store, "pump", limit=1) == [jobs["leak"]]
    assert _numbers(site.store, "pump", limit=0) == []


def test_any_input_is_words_never_query_syntax(site, jobs) -> None:
    for query in HOSTILE:
        plain = " ".join(words(query))
        assert _numbers(site.store, query) == _numbers(site.store, plain), query
        assert search_assets(site.store, query) == search_assets(site.store, plain), query


def test_quotes_and_operators_do_not_change_the_answer(site, jobs) -> None:
    both = [jobs["leak"], jobs["light"]]
    for query in ('"pump', "pump'", "pump*", "!pump", "{pump}", "-pump", "^pump"):
        assert _numbers(site.store, query) == both, query
    assert _numbers(site.store, "NEAR(pump leak)") == []
    assert _numbers(site.store, "pump;DROP TABLE work_order;--") == []
    assert _numbers(site.store, "leak") == [jobs["leak"]]


def test_operators_are_plain_words(site, jobs) -> None:
    _wo(site, "Pump OR valve NEAR the AND gate")
    assert len(_numbers(site.store, "pump or")) == 1
    assert len(_numbers(site.store, "near and")) == 1
    assert len(words("a b c d e f g h i j")) == MAX_WORDS


def test_search_assets_by_tag_or_name(site) -> None:
    admin.add_asset(site.admin, "P-1010", "Booster pump")
    assert [a.tag for a in search_assets(site.store, "P-101")] == ["P-101", "P-1010"]
    assert {a.tag for a in search_assets(site.store, "p10")} == {"P-101", "P-1010"}
    assert {a.tag for a in search_assets(site.store, "pump")} == {"P-101", "P-1010"}
    assert [a.tag for a in search_assets(site.store, "boost")] == ["P-1010"]
    assert [a.tag for a in search_assets(site.store, "air hand")] == ["AHU-01"]
    assert len(search_assets(site.store, "pump", limit=1)) == 1
    hit = search_assets(site.store, "ahu")[0]
    assert (hit.tag, hit.name) == ("AHU-01", "Air handler 1") and hit.id > 0


def test_search_tables_exist_at_head(store) -> None:
    """A later batch migration that copies work_order, note or asset on SQLite drops
    their triggers; this fails if one does."""
    with store.read() as s:
        if store.is_sqlite:
            names = set(
                s.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
            )
            expected = {
                "wo_search_wo_insert",
                "wo_search_wo_update",
                "wo_search_wo_delete",
                "wo_search_note_insert",
                "wo_search_note_update",
                "wo_search_note_delete",
                "wo_search_asset_update",
                "asset_search_insert",
                "asset_search_delete",
            }
        else:
            names = set(
                s.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars()
            )
            expected = {
                "wo_search_new_work_orders",
                "wo_search_work_order",
                "wo_search_new_notes",
                "wo_search_note",
                "wo_search_asset",
            }
    assert expected <= names


def test_status_filter_applies_before_the_candidate_cap(
    site, jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wo_tui.store import search

    monkeypatch.setattr(search, "CANDIDATES", 1)
    sv.assign(site.dispatcher, jobs["leak"], assignee="alice")
    newer = _wo(site, "Pump seal weeping")
    assert _numbers(site.store, "pump") == [newer]
    assert _numbers(site.store, "pump", statuses=["assigned"]) == [jobs["leak"]]


def test_work_still_to_do_ranks_above_finished_work(site) -> None:
    """Closed and cancelled jobs with the words in their titles (the better match)
    come after the open ones that mention them only in passing."""
    finished = []
    for status in (lc.CLOSED, lc.CANCELLED, lc.CLOSED):
        n = make_wo(site, status)
        with site.store.write() as s:
            wo = s.exec(select(WorkOrder).where(WorkOrder.number == n)).one()
            wo.title = "Leaking seal"
            s.add(wo)
        finished.append(n)
    waiting = _wo(site, "Pump noisy\nalso a leaking seal at the gland")
    started = make_wo(site, lc.IN_PROGRESS)
    sv.add_note(site.admin, started, "The seal is leaking again")
    done = make_wo(site, lc.COMPLETED)
    sv.add_note(site.admin, done, "Leaking seal replaced")
    hits = search_work_orders(site.store, "leaking seal")
    current = [h.number for h in hits if h.status not in (lc.CLOSED, lc.CANCELLED)]
    assert sorted(current) == sorted([waiting, started, done])
    assert [h.number for h in hits[:3]] == current
    assert sorted(h.number for h in hits[3:]) == sorted(finished)
    assert hits[0].number == waiting, "the description outranks a note"
    assert _numbers(site.store, "leaking seal", statuses=[lc.CLOSED]) == [finished[2], finished[0]]


def test_old_open_work_is_found_behind_newer_finished_work(
    site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Current work is looked for apart from the newest matches, and stays current or
    finished as its status changes (on PostgreSQL a flag kept by a trigger)."""
    from wo_tui.store import search

    monkeypatch.setattr(search, "CANDIDATES", 2)
    waiting = _wo(site, "Fan noisy")
    finished = [make_wo(site, lc.CANCELLED) for _ in range(2)] + [make_wo(site, lc.CLOSED)]
    assert _numbers(site.store, "noisy")[0] == waiting
    sv.reopen(site.admin, finished[-1], "Noise is back")
    hits = _numbers(site.store, "noisy")
    assert sorted(hits[:2]) == sorted([waiting, finished[-1]])
    sv.cancel(site.dispatcher, waiting, "Duplicate of the reopened job")
    assert _numbers(site.store, "noisy")[0] == finished[-1]
    if not site.store.is_sqlite:
        with site.store.read() as s:
            flags = s.execute(
                text(
                    "SELECT w.number, s.current FROM wo_search s "
                    "JOIN work_order w ON w.id = s.work_order_id ORDER BY w.number"
                )
            ).all()
        assert flags == [(waiting, False), (2, False), (3, False), (finished[-1], True)]

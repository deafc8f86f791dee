"""A PostgreSQL database created with LC_CTYPE 'C' searches words in every script as
SQLite does (migration 0004), re-indexes what was written before, and ``doctor`` says
when search cannot see them.

Skipped, with the reason, when ``WO_TUI_TEST_POSTGRES_URL`` is not set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import PgServer, Site, build_site
from wo_tui.domain import admin, doctor
from wo_tui.domain import services as sv
from wo_tui.store.db import SCHEMA_HEAD, Store, open_store
from wo_tui.store.migrate import upgrade
from wo_tui.store.search import search_assets, search_work_orders

QUERIES = ("überl", "ÜBERLAUF", "kühlt", "KÜHLTURM", "lüft", "wasserstand")


@pytest.fixture
def c_locale_url(pg_server: PgServer) -> Iterator[str]:
    name = pg_server.create(ctype="C")
    yield pg_server.url_for(name)
    pg_server.drop(name)


def _write(store: Store) -> Site:
    site = build_site(store)
    sv.create_work_order(site.dispatcher, title="ÜBERLAUF am Kühlturm", asset_tag="P-101")
    noisy = sv.create_work_order(site.dispatcher, title="Pump noisy", asset_tag="AHU-01")
    sv.add_note(site.dispatcher, noisy.number, "Lüfter geprüft, Wasserstand ok")
    admin.add_asset(site.admin, "KT-1", "Kühlturm Lüfter")
    return site


def _found(store: Store) -> list[list[int]]:
    return [[h.number for h in search_work_orders(store, q)] for q in QUERIES]


def _assets(store: Store) -> list[str]:
    return [a.tag for a in search_assets(store, "KÜHL")]


def _locale(url: str) -> doctor.Finding:
    return next(f for f in doctor.check(url) if f.check == "locale")


def test_a_c_locale_database_finds_what_sqlite_finds(c_locale_url: str, tmp_path: Path) -> None:
    sqlite = open_store(str(tmp_path / "wo.db"), create=True)
    pg = open_store(c_locale_url, migrate=False)
    try:
        with pg.engine.connect() as conn:
            assert conn.execute(text("SHOW lc_ctype")).scalar() == "C"
        upgrade(pg, "0003")
        sites = [_write(store) for store in (sqlite, pg)]
        expected = _found(sqlite)
        assert expected == [[1], [1], [1], [1], [2], [2]]
        assert _assets(sqlite) == ["KT-1"]
        with pg.engine.connect() as conn:
            doc = conn.execute(text("SELECT doc FROM wo_search WHERE work_order_id = 1")).scalar()
        assert "'hlturm'" in doc and "'kühlturm'" not in doc, "0003 saw ASCII words only"
        before = _locale(c_locale_url)
        assert before.level == doctor.WARN and "run wo-tui init" in before.fix

        assert upgrade(pg) is True
        assert _found(pg) == expected
        assert _assets(pg) == ["KT-1"]
        for site in sites:
            sv.create_work_order(site.dispatcher, title="Kühlwasser trüb")
        assert [h.number for h in search_work_orders(pg, "trüb kühlw")] == [3]
        assert [h.number for h in search_work_orders(sqlite, "trüb kühlw")] == [3]
        assert _locale(c_locale_url).level == doctor.OK
    finally:
        sqlite.close()
        pg.close()


def test_doctor_warns_when_no_collation_can_cover_the_locale(c_locale_url: str) -> None:
    """As on a server without ICU or any UTF-8 locale: the indexing function stays on
    the database's C locale (written here as the migration would leave it)."""
    store = open_store(c_locale_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE OR REPLACE FUNCTION wo_search_words(t text) RETURNS text"
                    " LANGUAGE sql IMMUTABLE PARALLEL SAFE"
                    " RETURN regexp_replace(lower(coalesce(t, '')), '[^[:alnum:]]+', ' ', 'g')"
                )
            )
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
                SCHEMA_HEAD
            )
    finally:
        store.close()
    finding = _locale(c_locale_url)
    assert finding.level == doctor.WARN
    assert finding.detail.startswith("LC_CTYPE C, encoding UTF8: search sees only ASCII words")
    assert "neither ICU nor a UTF-8 locale" in finding.detail
    assert finding.fix.startswith("create a database with a UTF-8 locale")

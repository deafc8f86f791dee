"""A small, hand-built history whose report numbers are worked out in the tests.

Timeline (UTC; rates: alice 45.00/h, bob 40.00/h, erin 50.00/h; parts: SEAL-25
89.00, BRG-6204 12.50). Sites: NORTH (P-101, AHU-01), SOUTH (C-301).

==== ========= ======== ==== ================================================
WO   kind      asset    prio story
==== ========= ======== ==== ================================================
w1   reactive  P-101    P2   req 03-02 08:00; alice starts 10:00, 120 min, 1 seal,
                             completes 14:00, closed 03-03 08:00
w2   corrective P-101   P3   created 03-10 08:00; bob starts 03-12 08:00, 2 bearings,
                             180 min, completes 14:00 (not closed)
w3   reactive  AHU-01   P4   req 03-15 09:00; erin starts 03-20 09:00, 60 min,
                             completes 04-05 09:00
w4   reactive  P-101    P5   req 03-25 10:00; assigned to bob, not started
w5   reactive  P-101    P3   req 03-05 09:00; cancelled 03-06 10:00
w11  reactive  C-301    P1   req 03-04 12:00; alice starts 12:30, 30 min,
                             completes 15:00, closed 03-05 12:00
w12  corrective AHU-01  P3   created 2025-12-01 08:00, 8 h est; erin on hold since 12-02
w13  corrective P-101   P3   created 04-08 12:00, 2 h est, open
w14  corrective P-101   P3   created 02-01 12:00, 0.5 h est, open
pm6  preventive AHU-01  P4   monthly fixed from 03-01 (Electrical, 90 min est); due 03-01,
                             erin 90 min, completed 03-03 12:00
pm8  preventive P-101   P4   weekly fixed from 03-16 (Mechanical, 60 min est); due 03-16,
                             alice 60 min, completed 03-17 08:00
pm9  preventive P-101   P4   due 03-23 (generated 03-23 06:00), not done
pm10 preventive P-101   P4   due 03-30 (generated 03-30 06:00), not done
==== ========= ======== ==== ================================================

Reports are then run at 2026-04-10 12:00 over March 2026.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.conftest import build_site
from wo_tui import clock
from wo_tui.domain import admin, pm
from wo_tui.domain import services as sv
from wo_tui.domain.reports import Period
from wo_tui.store.db import Store, open_store

NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
MARCH = Period.of(date(2026, 3, 1), date(2026, 3, 31))


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> None:
    clock.freeze(datetime(year, month, day, hour, minute, tzinfo=UTC))


@dataclass
class History:
    store: Store
    wo: dict[str, int]


def _done(tech: sv.Ctx, n: int, cause: str = "", remedy: str = "") -> None:
    sv.complete(
        tech,
        n,
        sv.Closeout(
            resolution="Fixed",
            cause_code=cause,
            remedy_code=remedy,
            no_parts_used=False,
            follow_up=False,
        ),
    )


def build_history(store: Store) -> History:
    at(2, 20, year=2025)
    site = build_site(store)
    d, alice, bob, erin, rita = (
        site.dispatcher,
        site.tech,
        site.tech2,
        site.other_team_tech,
        site.requester,
    )
    admin.add_site(site.admin, "SOUTH", "South Works")
    house = admin.add_location(site.admin, "SOUTH", "Compressor house")
    admin.add_asset(site.admin, "C-301", "Compressor 1", location_id=house.id)
    wo: dict[str, int] = {}

    def request(key: str, tag: str, urgency: int, impact: int) -> int:
        req = sv.submit_request(
            rita,
            requester="Rita",
            description=f"{key} problem",
            urgency=urgency,
            impact=impact,
            asset_tag=tag,
        )
        wo[key] = sv.approve_request(d, req.number).number
        return wo[key]

    def create(key: str, tag: str, minutes: int) -> int:
        wo[key] = sv.create_work_order(
            d, title=key, asset_tag=tag, estimated_minutes=minutes
        ).number
        return wo[key]

    at(12, 1, 8, year=2025)
    n = create("w12", "AHU-01", 480)
    sv.assign(d, n, assignee="erin")
    at(12, 2, 8, year=2025)
    sv.start(erin, n)
    sv.hold(erin, n, "parts")

    at(2, 1, 12)
    create("w14", "P-101", 30)

    at(3, 1, 0, 30)
    pm.create_schedule(
        d,
        pm.ScheduleInput(
            title="AHU monthly",
            asset_tag="AHU-01",
            team="Electrical",
            estimated_minutes=90,
            interval_value=1,
            interval_unit="month",
            starts_on=date(2026, 3, 1),
        ),
    )
    pm.create_schedule(
        d,
        pm.ScheduleInput(
            title="Pump weekly",
            asset_tag="P-101",
            team="Mechanical",
            estimated_minutes=60,
            interval_value=1,
            interval_unit="week",
            starts_on=date(2026, 3, 16),
        ),
    )
    (label,) = pm.run(d).generated
    wo["pm6"] = int(label[3:])

    at(3, 2, 8)
    n = request("w1", "P-101", 1, 2)
    at(3, 2, 8, 15)
    sv.assign(d, n, assignee="alice")
    at(3, 2, 9)
    sv.start(erin, wo["pm6"])
    at(3, 2, 10)
    sv.start(alice, n)
    at(3, 2, 12)
    sv.use_part(alice, n, "SEAL-25", 1)
    at(3, 2, 14)
    sv.log_labour(alice, n, 120)
    _done(alice, n, "WEAR", "REPL")
    at(3, 3, 8)
    sv.close(d, n)

    at(3, 3, 12)
    sv.log_labour(erin, wo["pm6"], 90)
    sv.complete(
        erin, wo["pm6"], sv.Closeout(resolution="Done", no_parts_used=True, follow_up=False)
    )

    at(3, 4, 12)
    n = request("w11", "C-301", 1, 1)
    sv.assign(d, n, assignee="alice")
    at(3, 4, 12, 30)
    sv.start(alice, n)
    at(3, 4, 15)
    sv.log_labour(alice, n, 30)
    sv.complete(
        alice,
        n,
        sv.Closeout(
            resolution="Reset",
            cause_code="ELEC",
            remedy_code="RESET",
            no_parts_used=True,
            follow_up=False,
        ),
    )
    at(3, 5, 12)
    sv.close(d, n)

    at(3, 5, 9)
    n = request("w5", "P-101", 2, 2)
    at(3, 6, 10)
    sv.cancel(d, n, "Duplicate of an inspection finding")

    at(3, 10, 8)
    n = create("w2", "P-101", 0)
    sv.assign(d, n, assignee="bob")
    at(3, 12, 8)
    sv.start(bob, n)
    at(3, 12, 10)
    sv.use_part(bob, n, "BRG-6204", 2)
    at(3, 12, 14)
    sv.log_labour(bob, n, 180)
    _done(bob, n, "WEAR", "REPL")

    at(3, 15, 9)
    n = request("w3", "AHU-01", 2, 3)
    sv.assign(d, n, assignee="erin")
    at(3, 16, 6)
    (label,) = pm.run(d).generated
    wo["pm8"] = int(label[3:])
    at(3, 16, 8)
    sv.start(alice, wo["pm8"])
    at(3, 17, 8)
    sv.log_labour(alice, wo["pm8"], 60, work_date=date(2026, 3, 16))
    sv.complete(
        alice, wo["pm8"], sv.Closeout(resolution="Done", no_parts_used=True, follow_up=False)
    )
    at(3, 20, 9)
    sv.start(erin, wo["w3"])
    sv.log_labour(erin, wo["w3"], 60)
    at(3, 23, 6)
    (label,) = pm.run(d).generated
    wo["pm9"] = int(label[3:])
    at(3, 25, 10)
    n = request("w4", "P-101", 3, 3)
    at(3, 26, 9)
    sv.assign(d, n, assignee="bob")
    at(3, 30, 6)
    (label,) = pm.run(d).generated
    wo["pm10"] = int(label[3:])
    at(4, 5, 9)
    sv.complete(
        erin,
        wo["w3"],
        sv.Closeout(
            resolution="Rewired",
            cause_code="ELEC",
            remedy_code="REPAIR",
            no_parts_used=True,
            follow_up=False,
        ),
    )
    at(4, 8, 12)
    create("w13", "P-101", 120)
    clock.freeze(NOW)
    return History(store, wo)


@pytest.fixture(scope="session")
def history_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The SQLite history built once per session; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("history") / "wo.db"
    store = open_store(str(path), create=True)
    try:
        wo = build_history(store).wo
    finally:
        store.close()
        clock.freeze(None)
    raw = sqlite3.connect(path)
    try:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    return path, wo


@pytest.fixture
def history(backend: str, db_url: str, request: pytest.FixtureRequest) -> Iterator[History]:
    if backend == "sqlite":
        template, wo = request.getfixturevalue("history_template")
        shutil.copyfile(template, db_url)
        store = open_store(db_url)
        clock.freeze(NOW)
        h = History(store, dict(wo))
    else:
        store = open_store(db_url, create=True)
        h = build_history(store)
    yield h
    store.close()
    clock.freeze(None)

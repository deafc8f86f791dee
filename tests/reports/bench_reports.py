"""Time every report on a large SQLite database (not collected by pytest).

    .venv/bin/python -m tests.reports.bench_reports [--work-orders 1000000] [--db PATH]

The rows are bulk-inserted with sqlite3 (the services would take hours for a
million work orders); their shape is realistic: three years of work over 200
assets, most of it closed, with labour on every finished order and parts on a
third of them.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from wo_tui.domain import admin
from wo_tui.domain import reports as rp
from wo_tui.domain.identity import actor_for
from wo_tui.domain.services import Ctx
from wo_tui.store.db import open_store

FMT = "%Y-%m-%d %H:%M:%S.%f"
KINDS = ["reactive"] * 10 + ["corrective"] * 4 + ["preventive"] * 5 + ["follow_up"]
STATUSES = (
    ["closed"] * 90
    + ["completed"] * 3
    + ["cancelled"] * 2
    + ["open", "assigned"] * 2
    + [
        "in_progress",
        "on_hold",
        "open",
    ]
)


def fill(path: Path, n: int) -> None:
    store = open_store(str(path), create=True)
    admin.bootstrap_admin(store, "root")
    root = Ctx(store, actor_for(store, "root"))
    admin.add_team(root, "Mechanical", 4 * 38 * 60)
    for login in ("alice", "bob", "erin"):
        admin.add_user(root, login, "technician", team="Mechanical", rate_cents=4500)
    admin.add_site(root, "NORTH", "North Plant")
    admin.add_location(root, "NORTH", "Building A")
    admin.add_part(root, "BRG-6204", "Bearing 6204", 1250)
    store.close()
    rnd = random.Random(4)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    con.executemany(
        "INSERT INTO asset (tag, name, category, site_id, location_id, criticality) "
        "VALUES (?, ?, 'pump', 1, 1, 3)",
        [(f"A-{i:04d}", f"Asset {i}") for i in range(200)],
    )
    start = datetime(2023, 11, 1, tzinfo=UTC)
    span = (datetime(2026, 11, 1, tzinfo=UTC) - start).total_seconds()
    wo, labour, parts = [], [], []
    for i in range(1, n + 1):
        req = start + timedelta(seconds=rnd.random() * span)
        status = rnd.choice(STATUSES)
        prio = rnd.randint(1, 5)
        kind = rnd.choice(KINDS)
        started = req + timedelta(hours=rnd.random() * 48) if status not in ("open",) else None
        done = (
            started + timedelta(hours=rnd.random() * 12)
            if status in ("closed", "completed") and started
            else None
        )
        closed = done + timedelta(hours=rnd.random() * 48) if status == "closed" and done else None
        cancelled = req + timedelta(hours=5) if status == "cancelled" else None
        ts = lambda d: d.strftime(FMT) if d else None  # noqa: E731
        wo.append(
            (
                i,
                i,
                f"Job {i}",
                "",
                kind,
                "operator",
                "",
                2,
                2,
                prio,
                status,
                1,
                1 + rnd.randrange(200),
                1,
                rnd.randint(2, 4),
                1,
                None,
                None,
                rnd.choice((0, 30, 60, 120)),
                ts(req),
                ts(req),
                ts(req + timedelta(hours=4)),
                ts(req + timedelta(hours=24 * prio)),
                ts(started),
                ts(done),
                ts(closed),
                ts(cancelled),
                "",
                "",
                "",
                0,
                "",
                "",
                "",
                "",
                ts(req),
                2,
                1,
            )
        )
        if done:
            labour.append(
                (
                    i,
                    rnd.randint(2, 4),
                    done.date().isoformat(),
                    rnd.randint(15, 240),
                    4500,
                    ts(done),
                    2,
                )
            )
            if rnd.random() < 0.33:
                parts.append((i, 1, rnd.randint(1, 4), 1250, ts(done), 2))
        if len(wo) == 50_000:
            _flush(con, wo, labour, parts)
    _flush(con, wo, labour, parts)
    con.execute(f"UPDATE counter SET value = {n} WHERE name = 'WO'")
    con.commit()
    con.execute("ANALYZE")
    con.close()


def _flush(con: sqlite3.Connection, wo: list, labour: list, parts: list) -> None:
    con.executemany(f"INSERT INTO work_order VALUES ({', '.join('?' * 38)})", wo)
    con.executemany(
        "INSERT INTO labour_entry (work_order_id, user_id, work_date, minutes, rate_cents, "
        "created_at, created_by_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        labour,
    )
    con.executemany(
        "INSERT INTO part_usage (work_order_id, part_id, quantity, unit_cost_cents, created_at, "
        "created_by_id) VALUES (?, ?, ?, ?, ?, ?)",
        parts,
    )
    con.commit()
    wo.clear()
    labour.clear()
    parts.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-orders", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/wo-bench-reports.db"))
    args = parser.parse_args()
    if not args.db.exists():
        t0 = time.perf_counter()
        fill(args.db, args.work_orders)
        print(f"filled {args.work_orders:,} work orders in {time.perf_counter() - t0:.1f} s")
    store = open_store(str(args.db))
    year = rp.Period.of(date(2025, 11, 1), date(2026, 10, 31))
    for name in rp.REPORTS:
        t0 = time.perf_counter()
        report = rp.build(store, name, year)
        print(f"{name:14} {time.perf_counter() - t0:6.2f} s  {len(report.rows):>6} rows")
    store.close()


if __name__ == "__main__":
    main()

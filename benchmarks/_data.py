"""Data in and out: CSV import and export throughput, and every report's time.

    python benchmarks/_data.py DB SCRATCH [--import-rows 20000] [--runs 3]

Import and export go through the real command line in a process of their own
(``wo-tui import``, ``wo-tui export``), so their rows per second include start-up,
as a user sees it; the import is also timed in-process (``importing.import_csv``),
which is the throughput of the import itself. Imports write into SCRATCH, a copy
of DB. Reports are timed in-process (``reports.build``, the default period: the
last 365 days) and once through ``wo-tui report NAME --format json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

from _common import summary, wo_tui

DESCRIPTIONS = (
    "Pump {tag} leaking at the mechanical seal, puddle under the base",
    "{tag} making a grinding noise since the morning shift",
    "{tag} tripped twice today, reset worked both times",
    "Strong smell of burning near {tag}, operator switched it off",
)


def request_csv(path: Path, rows: int, tags: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["requester", "description", "urgency", "impact", "asset", "source"])
        for i in range(rows):
            tag = tags[i % len(tags)]
            w.writerow(
                [
                    f"Operator {i % 40}",
                    DESCRIPTIONS[i % len(DESCRIPTIONS)].format(tag=tag) + f" (ticket {i})",
                    1 + i % 3,
                    1 + (i // 3) % 3,
                    tag,
                    "operator",
                ]
            )


def _asset_tags(db: Path) -> list[str]:
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute("SELECT tag FROM asset ORDER BY id LIMIT 50")]
    finally:
        con.close()


def imports(scratch: Path, rows: int, runs: int) -> dict[str, Any]:
    from wo_tui.config import Settings
    from wo_tui.domain import identity, importing
    from wo_tui.domain.services import Ctx
    from wo_tui.store.db import open_store

    csv_path = scratch.parent / f"requests-{rows}.csv"
    request_csv(csv_path, rows, _asset_tags(scratch))
    cli: list[float] = []
    domain: list[float] = []
    domain_cpu: list[float] = []
    for _ in range(runs):
        began = time.perf_counter()
        wo_tui(scratch, "import", str(csv_path))
        cli.append(rows / (time.perf_counter() - began))
        store = open_store(str(scratch))
        try:
            ctx = Ctx(store, identity.actor_for(store, identity.os_login()), Settings())
            began, began_cpu = time.perf_counter(), time.process_time()
            importing.import_csv(ctx, csv_path, kind="requests")
            domain.append(rows / (time.perf_counter() - began))
            domain_cpu.append(rows / (time.process_time() - began_cpu))
        finally:
            store.close()
    return {
        "rows": rows,
        "cli_rows_per_s": summary(cli),
        "domain_rows_per_s": summary(domain),
        "domain_rows_per_cpu_s": summary(domain_cpu),
    }


def exports(db: Path, scratch: Path, runs: int) -> dict[str, Any]:
    out = scratch.parent / "export.csv"
    rates: list[float] = []
    count = 0
    for _ in range(runs):
        began = time.perf_counter()
        done = wo_tui(db, "export", "--output", str(out))
        seconds = time.perf_counter() - began
        count = int(done.stderr.split()[1])
        rates.append(count / seconds)
    out.unlink(missing_ok=True)
    return {"rows": count, "cli_rows_per_s": summary(rates)}


def reports(db: Path, runs: int, cli_count: int) -> dict[str, Any]:
    from wo_tui.domain import reports as rp
    from wo_tui.store.db import open_store

    store = open_store(str(db))
    got: dict[str, Any] = {}
    try:
        period = rp.Period.of()
        for i, name in enumerate(rp.REPORTS):
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                rp.build(store, name, period)
                times.append((time.perf_counter() - began) * 1000)
            got[name] = {"ms": summary(times), "cli_ms": None}
            if i < cli_count:
                began = time.perf_counter()
                wo_tui(db, "report", name, "--format", "json")
                got[name]["cli_ms"] = (time.perf_counter() - began) * 1000
    finally:
        store.close()
    return got


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("scratch", type=Path)
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--export-runs", type=int, default=1)
    parser.add_argument(
        "--cli-reports", type=int, default=100, help="how many reports to run through the CLI too"
    )
    parser.add_argument("--only", choices=("import", "export", "reports"), action="append")
    args = parser.parse_args(argv)
    only = set(args.only or ("import", "export", "reports"))
    db, scratch = args.db.resolve(), args.scratch.resolve()
    result: dict[str, Any] = {}
    if "reports" in only:
        result["reports"] = reports(db, args.runs, args.cli_reports)
    if "export" in only:
        result["export"] = exports(db, scratch, args.export_runs)
    if "import" in only:
        result["import"] = imports(scratch, args.import_rows, args.runs)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure wo-tui at several database sizes; print a table and write JSON.

    python benchmarks/run.py --sizes 1000,100000,1000000
    python benchmarks/run.py --sizes 1000 --quick          # the CI smoke run

For each size, a demo database built by ``wo-tui demo`` (cached under
benchmarks/results/cache), then: cold start next to the import floor, key-to-repaint
latency on the board, search as you type, write latency, import and export
throughput, every report, and peak memory. Write latency under ``stress.py`` is
measured once (it does not depend on the size). See benchmarks/README.md for what
each number means. Numbers are medians unless the row says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _coldstart import byte_compile, cold_start, floor_seconds
from _common import CACHE, RESULTS, demo_db, drop, load_average, log, run_json, scratch_copy


@dataclass(frozen=True)
class Plan:
    """How much of everything one run does (``--quick`` keeps the smoke test short)."""

    cold_runs: int
    ui_runs: int
    write_cycles: int
    import_rows: int
    data_runs: int
    cli_reports: int
    stress_seconds: float

    @classmethod
    def of(cls, quick: bool) -> Plan:
        if quick:
            return cls(1, 1, 3, 500, 1, 1, 0)
        return cls(5, 3, 30, 20_000, 2, 100, 40)


def _git() -> dict[str, Any]:
    """Which code was measured: the commit, and the files changed in the working tree
    (several people share it, so their unfinished work is measured too)."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=Path(__file__).parent
        ).stdout.strip()

    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "changed": git("status", "--short").splitlines(),
    }


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure_size(n: int, plan: Plan, cache: Path) -> dict[str, Any]:
    db, build = demo_db(n, cache)
    out: dict[str, Any] = {"work_orders": n, "db": str(db), "build": build}
    log(f"[{n:,}] cold start x{plan.cold_runs} (load {load_average()})")
    floors: list[tuple[float, float]] = []
    bare: list[tuple[float, float]] = []
    colds: list[dict[str, float]] = []
    textual: list[dict[str, float]] = []
    byte_compile()
    for _ in range(plan.cold_runs):
        floors.append(floor_seconds())
        bare.append(floor_seconds(teardown=False))
        textual.append(vars(cold_start(None)))
        colds.append(vars(cold_start(db)))
    out["cold"] = {
        "floor_s": [w for w, _ in floors],
        "floor_cpu_s": [c for _, c in floors],
        "floor_no_exit_s": [w for w, _ in bare],
        "floor_no_exit_cpu_s": [c for _, c in bare],
        "bare_textual_s": [c["seconds"] for c in textual],
        "bare_textual_cpu_s": [c["cpu_seconds"] for c in textual],
        "app_s": [c["seconds"] for c in colds],
        "app_cpu_s": [c["cpu_seconds"] for c in colds],
        "rss_kb_first_page": [c["rss_kb_first_page"] for c in colds],
        "rss_kb_after_end": [c["rss_kb_after_end"] for c in colds],
    }
    log(f"[{n:,}] board keys and search (load {load_average()})")
    out["ui"] = run_json("_ui.py", str(db), "--runs", str(plan.ui_runs))
    scratch = scratch_copy(db)
    try:
        log(f"[{n:,}] writes x{plan.write_cycles} (load {load_average()})")
        out["writes"] = run_json("_writes.py", str(scratch), "--cycles", str(plan.write_cycles))
        log(f"[{n:,}] reports, export, import (load {load_average()})")
        out["data"] = run_json(
            "_data.py",
            str(db),
            str(scratch),
            "--import-rows",
            str(plan.import_rows),
            "--runs",
            str(plan.data_runs),
            "--cli-reports",
            str(plan.cli_reports),
        )
    finally:
        drop(scratch)
    out["load_after"] = load_average()
    return out


# ---------------------------------------------------------------- the table


def _fmt(value: float | None, unit: str) -> str:
    if value is None or value != value:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "rows/s":
        return f"{value:,.0f}"
    if unit == "MB":
        return f"{value:,.1f}"
    if unit == "s":
        return f"{value:.2f}"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def rows_of(result: dict[str, Any]) -> list[tuple[str, str, dict[int, float | None]]]:
    """(label, unit, value per size) for every line of the table."""
    sizes: dict[int, dict[str, Any]] = {int(k): v for k, v in result["sizes"].items()}
    lines: list[tuple[str, str, dict[int, float | None]]] = []

    def line(label: str, unit: str, pick: Any) -> None:
        values: dict[int, float | None] = {}
        for n, r in sizes.items():
            try:
                values[n] = pick(r)
            except (KeyError, TypeError, IndexError):
                values[n] = None
        lines.append((label, unit, values))

    line("board rows (requests + open work)", "", lambda r: r["ui"]["board_rows"])
    line("import floor", "s", lambda r: _median(r["cold"]["floor_s"]))
    line("cold start to board painted", "s", lambda r: _median(r["cold"]["app_s"]))
    line(
        "cold start / floor",
        "x",
        lambda r: _median(r["cold"]["app_s"]) / _median(r["cold"]["floor_s"]),
    )
    line("import floor without exit", "s", lambda r: _median(r["cold"]["floor_no_exit_s"]))
    line("bare Textual app to first frame", "s", lambda r: _median(r["cold"]["bare_textual_s"]))
    line(
        "cold start / floor without exit",
        "x",
        lambda r: _median(r["cold"]["app_s"]) / _median(r["cold"]["floor_no_exit_s"]),
    )
    line("CPU: import floor", "s", lambda r: _median(r["cold"]["floor_cpu_s"]))
    line("CPU: import floor without exit", "s", lambda r: _median(r["cold"]["floor_no_exit_cpu_s"]))
    line("CPU: cold start to board painted", "s", lambda r: _median(r["cold"]["app_cpu_s"]))
    line(
        "CPU: bare Textual app to first frame",
        "s",
        lambda r: _median(r["cold"]["bare_textual_cpu_s"]),
    )
    line(
        "CPU: bare Textual app / floor without exit",
        "x",
        lambda r: (
            _median(r["cold"]["bare_textual_cpu_s"]) / _median(r["cold"]["floor_no_exit_cpu_s"])
        ),
    )
    line(
        "CPU: cold start / floor without exit",
        "x",
        lambda r: _median(r["cold"]["app_cpu_s"]) / _median(r["cold"]["floor_no_exit_cpu_s"]),
    )
    line("board first page (in-process)", "ms", lambda r: r["ui"]["first_page_ms"])
    for name in (
        "cursor_down",
        "page_down",
        "end",
        "home",
        "open_detail",
        "back",
        "filter_overdue",
        "clear_filter",
    ):
        line(f"key {name}", "ms", lambda r, k=name: r["ui"]["keys"][k]["wall"]["median"])
    line("key, all (median)", "ms", lambda r: r["ui"]["keys_all"]["wall"]["median"])
    line("key, all (median CPU time)", "ms", lambda r: r["ui"]["keys_all"]["cpu"]["median"])
    line("keys never repainted within 10 s", "", lambda r: r["ui"]["keys_missed"])
    for n in (1, 3, 8):
        line(
            f"search {n} chars (store)",
            "ms",
            lambda r, n=n: r["ui"]["search"][f"search_{n}"]["wall"]["median"],
        )
    for n in (1, 3, 8):
        line(
            f"board filter {n} chars (key to rows)",
            "ms",
            lambda r, n=n: r["ui"]["board_search"][f"board_filter_{n}"]["wall"]["median"],
        )
    for verb in ("approve", "assign", "start", "log_labour", "complete", "close"):
        line(f"write {verb}", "ms", lambda r, v=verb: r["writes"]["verbs"][v]["median"])
    line("write, all p99", "ms", lambda r: r["writes"]["all"]["p99"])
    line(
        "import, wo-tui import", "rows/s", lambda r: r["data"]["import"]["cli_rows_per_s"]["median"]
    )
    line(
        "import, in-process", "rows/s", lambda r: r["data"]["import"]["domain_rows_per_s"]["median"]
    )
    line(
        "import, in-process per CPU second",
        "rows/s",
        lambda r: r["data"]["import"]["domain_rows_per_cpu_s"]["median"],
    )
    line(
        "export, wo-tui export", "rows/s", lambda r: r["data"]["export"]["cli_rows_per_s"]["median"]
    )
    first = next(iter(sizes.values()), {})
    for name in first.get("data", {}).get("reports", {}):
        line(f"report {name}", "ms", lambda r, k=name: r["data"]["reports"][k]["ms"]["median"])
    line(
        "peak RSS, first page",
        "MB",
        lambda r: max(r["cold"]["rss_kb_first_page"]) / 1024,
    )
    line("peak RSS, after G", "MB", lambda r: max(r["cold"]["rss_kb_after_end"]) / 1024)
    return lines


def table(result: dict[str, Any]) -> str:
    sizes = [int(k) for k in result["sizes"]]
    head = f"{'':44}" + "".join(f"{n:>14,}" for n in sizes)
    out = [head, "-" * len(head)]
    for label, unit, values in rows_of(result):
        cells = "".join(f"{_fmt(values.get(n), unit):>14}" for n in sizes)
        out.append(f"{label + (f' ({unit})' if unit and unit != 'x' else ''):44}{cells}")
    stress = result.get("stress")
    if stress:
        out.append("")
        out.append(
            f"writes under stress.py ({stress['stress_technicians']} technicians + 1 dispatcher"
            f" on the same file): median {_fmt(stress['all']['median'], 'ms')} ms, "
            f"p99 {_fmt(stress['all']['p99'], 'ms')} ms, max {_fmt(stress['all']['max'], 'ms')} ms; "
            f"{stress.get('refused_cycles', 0)} cycles cut short by the crew"
        )
        for verb, s in stress["verbs"].items():
            out.append(
                f"  {verb:12} median {_fmt(s['median'], 'ms'):>8} ms  p99 {_fmt(s['p99'], 'ms'):>8} ms"
            )
    out.append("")
    for t in result["targets"]:
        mark = {True: "met   ", False: "MISSED", None: "n/a   "}[t["met"]]
        out.append(f"{mark} {t['target']}: {t['value']}")
    out.append(
        f"load: before {result['machine']['load_before']}, after {result['machine']['load_after']}"
    )
    return "\n".join(out)


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    lines = {label: values for label, _, values in rows_of(result)}
    sizes = sorted(int(k) for k in result["sizes"])
    small, large = sizes[0], sizes[-1]
    got: list[dict[str, Any]] = []

    def add(name: str, met: bool | None, value: str) -> None:
        got.append({"target": name, "met": met, "value": value})

    def ratio(label: str) -> float | None:
        a, b = lines[label].get(small), lines[label].get(large)
        return b / a if a and b and len(sizes) > 1 else None

    for label in (
        "cold start / floor",
        "cold start / floor without exit",
        "CPU: cold start / floor without exit",
    ):
        cold = lines[label]
        add(
            f"cold start <= 1.3x the import floor at every size ({label})",
            all(v is not None and v <= 1.3 for v in cold.values()),
            ", ".join(f"{n:,}: {_fmt(v, 'x')}" for n, v in cold.items()),
        )
    for label in (
        "cold start to board painted",
        "CPU: cold start to board painted",
        "board first page (in-process)",
        "key, all (median)",
        "key, all (median CPU time)",
    ):
        r = ratio(label)
        add(
            f"board cost at {large:,} / at {small:,} <= 1.1 ({label})",
            None if r is None else r <= 1.1,
            _fmt(r, "x"),
        )
    keys = lines["key, all (median)"]
    add(
        "key-to-repaint median <= 16 ms",
        all(v is not None and v <= 16 for v in keys.values()),
        ", ".join(f"{n:,}: {_fmt(v, 'ms')} ms" for n, v in keys.items()),
    )
    worst = {
        n: max(lines[f"search {c} chars (store)"][n] or float("inf") for c in (1, 3, 8))
        for n in sizes
    }
    add(
        "search <= 50 ms (store, slowest of 1/3/8 chars)",
        all(v <= 50 for v in worst.values()),
        ", ".join(f"{n:,}: {_fmt(v, 'ms')} ms" for n, v in worst.items()),
    )
    board = {
        n: max(lines[f"board filter {c} chars (key to rows)"][n] or float("inf") for c in (1, 3, 8))
        for n in sizes
    }
    add(
        "search <= 50 ms (board filter box, keystroke to rows painted)",
        all(v <= 50 for v in board.values()),
        ", ".join(f"{n:,}: {_fmt(v, 'ms')} ms" for n, v in board.items()),
    )
    stress = result.get("stress")
    p99 = stress["all"]["p99"] if stress else None
    add(
        "commit p99 <= 50 ms under load",
        None if p99 is None else p99 <= 50,
        f"{_fmt(p99, 'ms')} ms",
    )
    imp = lines["import, in-process"]
    add(
        "import >= 20,000 rows/s (in-process)",
        all(v is not None and v >= 20_000 for v in imp.values()),
        ", ".join(f"{n:,}: {_fmt(v, 'rows/s')}" for n, v in imp.items()),
    )
    r = ratio("peak RSS, after G")
    add(
        f"peak memory at {large:,} / at {small:,} <= 1.5",
        None if r is None else r <= 1.5,
        _fmt(r, "x"),
    )
    return got


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="work orders, comma separated")
    parser.add_argument("--quick", action="store_true", help="one run of each, small import")
    parser.add_argument("--no-stress", action="store_true", help="skip writes under stress.py")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where demo databases are kept")
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default: results/)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    plan = Plan.of(args.quick)
    started = datetime.now(UTC)
    result: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "args": {"sizes": sizes, "quick": args.quick},
        "plan": vars(plan),
        "machine": {
            "load_before": load_average(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "git": _git(),
        "sizes": {},
    }
    began = time.perf_counter()
    out = args.out or RESULTS / f"run-{started:%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        result["sizes"][str(n)] = measure_size(n, plan, args.cache.resolve())
        out.write_text(json.dumps(result, indent=2))
    if plan.stress_seconds and not args.no_stress:
        log(f"writes under stress.py (load {load_average()})")
        try:
            result["stress"] = run_json(
                "_writes.py",
                "--stress",
                "--cycles",
                str(plan.write_cycles),
                "--seconds",
                str(plan.stress_seconds),
            )
        except RuntimeError as exc:
            log(str(exc))
            result["stress_error"] = str(exc)[-2000:]
    result["machine"]["load_after"] = load_average()
    result["seconds"] = time.perf_counter() - began
    result["targets"] = targets(result)
    out.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"\nJSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

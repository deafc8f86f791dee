"""What every benchmark shares: where things live, demo databases cached by size, and
summaries of repeated measurements.

Databases are built once per size with the real ``wo-tui demo`` command and reused:
a million work orders take minutes to build and the numbers are about reading them,
not about making them. A sidecar JSON file says the build finished, so a build
interrupted half way is never mistaken for a finished one. The file name carries a
hash of the schema (models and migrations) and of the demo generator: a migration
edited in place (an index added to the search table, say) is never applied to an
existing file, so a database built before it would measure code that no longer exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
CACHE = RESULTS / "cache"
PYTHON = sys.executable


def log(message: str) -> None:
    """Progress goes to stderr so stdout stays the table (and child output stays JSON)."""
    print(message, file=sys.stderr, flush=True)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} cores"


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """Median and tail of one measurement repeated; ``None`` when nothing was measured."""
    clean = sorted(v for v in values if v == v)
    if not clean:
        return {"n": 0, "median": None, "p95": None, "p99": None, "min": None, "max": None}

    def pick(q: float) -> float:
        return clean[min(len(clean) - 1, round(q * (len(clean) - 1)))]

    return {
        "n": len(clean),
        "median": statistics.median(clean),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "min": clean[0],
        "max": clean[-1],
    }


def wo_tui(db: Path, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    """The real command line, in a process of its own (as a user would run it)."""
    return subprocess.run(
        [PYTHON, "-m", "wo_tui", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
        cwd=ROOT,
    )


BUILD_INPUTS = (
    "src/wo_tui/store/models.py",
    "src/wo_tui/store/migrations/versions",
    "src/wo_tui/domain/demo.py",
)


def build_hash() -> str:
    """What a demo database depends on, hashed: a change to any of it means a rebuild."""
    digest = hashlib.sha256()
    for name in BUILD_INPUTS:
        path = ROOT / name
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:10]


def _sidecar(db: Path) -> Path:
    return db.with_suffix(".json")


def demo_db(work_orders: int, cache: Path = CACHE) -> tuple[Path, dict[str, Any]]:
    """The demo database with ``work_orders`` work orders, built by ``wo-tui demo`` unless
    a finished build is cached; returns it and what its build took."""
    cache.mkdir(parents=True, exist_ok=True)
    db = cache / f"demo-{work_orders}-{build_hash()}.db"
    info_path = _sidecar(db)
    if db.exists() and info_path.exists():
        info: dict[str, Any] = json.loads(info_path.read_text())
        info["reused"] = True
        return db, info
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    log(f"building the demo database with {work_orders:,} work orders ({db}) ...")
    began = time.perf_counter()
    done = wo_tui(db, "demo", "--work-orders", str(work_orders))
    info = {
        "work_orders": work_orders,
        "build_hash": build_hash(),
        "build_seconds": time.perf_counter() - began,
        "bytes": db.stat().st_size,
        "output": done.stdout.strip(),
        "load": load_average(),
    }
    info_path.write_text(json.dumps(info, indent=2))
    info["reused"] = False
    return db, info


def scratch_copy(db: Path) -> Path:
    """A throwaway copy to write into, so the cached database stays as built; in a
    folder of its own, since two runs (a developer's and the test suite's smoke run)
    may well be going at once."""
    folder = Path(tempfile.mkdtemp(prefix="wo-bench-"))
    copy = folder / db.name
    shutil.copyfile(db, copy)
    return copy


def drop(db: Path) -> None:
    shutil.rmtree(db.parent, ignore_errors=True)


def run_json(script: str, *args: str, timeout: float = 3600) -> dict[str, Any]:
    """Run a helper of this folder in a fresh interpreter and read the JSON it prints.

    A fresh process per size keeps one size's imports, caches and memory out of the
    next size's numbers."""
    done = subprocess.run(
        [PYTHON, str(HERE / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result

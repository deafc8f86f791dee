"""The benchmark script still runs end to end (a smoke test of the script, never of the
timings: a shared machine's clock proves nothing about speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--sizes",
            "1000",
            "--quick",
            "--cache",
            str(tmp_path / "cache"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    size = result["sizes"]["1000"]
    assert size["ui"]["board_rows"] > 0
    assert size["cold"]["app_s"] and size["writes"]["verbs"]["close"]["n"] == 3
    assert size["data"]["import"]["rows"] == 500
    assert {t["target"] for t in result["targets"]}
    assert "cold start / floor" in done.stdout

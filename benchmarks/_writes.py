"""Write latency: each verb of a work order's life is one transaction, timed alone and
while ``stress.py`` hammers the same database file from other processes.

    python benchmarks/_writes.py DB [--cycles 20]              # alone, on DB (written to)
    python benchmarks/_writes.py --stress [--cycles 20]        # under stress.py's load

One cycle submits a request (not timed), then times approve, assign, start, log
labour, complete and close, each a service call from the caller's side: permission
check, the change, its audit event and the commit (``synchronous=FULL``, so an fsync).
Under load, ``stress.py`` gets a fresh file of its own (it insists on an empty
database) and this process works on that file too, as the admin ``root`` it creates.
Its dispatcher may close or reassign a benchmark work order first: that cycle stops
there (the refusal is counted, nothing is timed for it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import HERE, PYTHON, ROOT, log, summary

VERBS = ("approve", "assign", "start", "log_labour", "complete", "close")


def cycles(db: Path, count: int, login: str | None = None) -> dict[str, list[float]]:
    from wo_tui.config import Settings
    from wo_tui.domain import identity
    from wo_tui.domain import services as sv
    from wo_tui.errors import WoError
    from wo_tui.store.db import open_store
    from wo_tui.store.queries import technicians

    store = open_store(str(db))
    settings = Settings()
    ctx = sv.Ctx(store, identity.actor_for(store, login or identity.os_login()), settings)
    tech = technicians(store)[0].login
    cause = next(iter(settings.cause_codes))
    remedy = next(iter(settings.remedy_codes))
    times: dict[str, list[float]] = {verb: [] for verb in VERBS}
    refused: list[str] = []

    def timed(verb: str, fn: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        result = fn()
        times[verb].append((time.perf_counter() - began) * 1000)
        return result

    try:
        for i in range(count):
            req = sv.submit_request(
                ctx,
                requester="Benchmark",
                description=f"Benchmark cycle {i}: pump P-101 leaking at the seal",
                urgency=2,
                impact=2,
            )
            closeout = sv.Closeout(
                resolution="Replaced the seal.",
                cause_code=cause,
                remedy_code=remedy,
                no_parts_used=True,
                follow_up=False,
            )
            try:
                wo = timed("approve", lambda req=req: sv.approve_request(ctx, req.number))
                n = wo.number
                timed("assign", lambda n=n: sv.assign(ctx, n, assignee=tech))
                timed("start", lambda n=n: sv.start(ctx, n))
                timed("log_labour", lambda n=n: sv.log_labour(ctx, n, 30, login=tech))
                timed("complete", lambda n=n, c=closeout: sv.complete(ctx, n, c))
                timed("close", lambda n=n: sv.close(ctx, n))
            except WoError as exc:
                refused.append(exc.message)
    finally:
        store.close()
    if refused:
        times["refused"] = [float(len(refused))]
        log(f"{len(refused)} cycles cut short (the stress crew acted first): {refused[0]}")
    return times


def _users(db: Path) -> int:
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT count(*) FROM user_account").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def under_stress(count: int, technicians: int, seconds: float) -> dict[str, Any]:
    """Start ``stress.py`` on a new file, wait for its crew to be at work, then run the
    cycles on the same file; stress.py runs on to its end and checks nothing was lost."""
    folder = Path(tempfile.mkdtemp(prefix="wo-bench-stress-"))
    db = folder / "stress.db"
    stress = subprocess.Popen(
        [
            PYTHON,
            str(HERE / "stress.py"),
            "-n",
            str(technicians),
            "-t",
            str(seconds),
            "--db",
            str(db),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.perf_counter() + 120
        while _users(db) < technicians + 2:
            if stress.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"stress.py did not start: {stress.communicate()[0][-2000:]}")
            time.sleep(0.2)
        time.sleep(2.0)
        began = time.perf_counter()
        times = cycles(db, count, login="root")
        overlap = time.perf_counter() - began
        still_running = stress.poll() is None
        output, _ = stress.communicate(timeout=seconds + 300)
    finally:
        if stress.poll() is None:
            os.kill(stress.pid, signal.SIGTERM)
            stress.wait()
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "times": times,
        "seconds": overlap,
        "stress_technicians": technicians,
        "stress_still_running_at_end": still_running,
        "stress_exit": stress.returncode,
        "stress_report": output.strip().splitlines()[-20:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path, nargs="?")
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--stress", action="store_true")
    parser.add_argument("--technicians", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    if args.stress:
        got = under_stress(args.cycles, args.technicians, args.seconds)
        times = got.pop("times")
    elif args.db is None:
        parser.error("give a database, or --stress")
    else:
        got = {}
        times = cycles(args.db.resolve(), args.cycles)
    got["refused_cycles"] = int(times.pop("refused", [0])[0])
    got["verbs"] = {verb: summary(v) for verb, v in times.items()}
    got["all"] = summary([x for v in times.values() for x in v])
    if got.get("stress_still_running_at_end") is False:
        log("warning: stress.py ended before the cycles did; raise --seconds")
    json.dump(got, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

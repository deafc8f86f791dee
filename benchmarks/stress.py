"""A dispatcher and a crew working on one database at once, then a check that nothing was lost.

Each worker is a process of its own (as each person is over SSH) and acts only
through the domain services: the dispatcher submits, approves, assigns, reassigns
held work, sends back and closes; each technician starts, notes, logs labour, uses
parts, holds, resumes and completes the work assigned to them. Actions that depend
on what was just read pass ``expected_version``, so a race ends in a refusal, never
a lost update.

Every worker logs each action the service reported as done. Afterwards the
database must hold every one of them: each created record by id, and for each
(entity, action, person) exactly as many audit events as successes logged, no
more and no fewer. ``PRAGMA integrity_check`` and ``audit verify`` must pass.

    python benchmarks/stress.py                       # 1 dispatcher + 12 technicians, 10 s
    python benchmarks/stress.py -n 6 -t 3 --db /tmp/x.db
    python benchmarks/stress.py --db postgresql://user@host/empty_db
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TECH_PREFIX = "tech"
DISPATCHER = "dana"
PARTS = ("BRG-6204", "SEAL-25", "FILT-10")
ASSETS = ("P-101", "P-102", "AHU-01", "CMP-01")
NOT_SQLITE = "n/a (not SQLite)"


@dataclass
class Summary:
    """What a run measured and what the check found."""

    workers: int
    seconds: float
    wall: float = 0.0
    ops: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    lock_errors: int = 0
    stale_refusals: int = 0
    races_lost: int = 0
    other_errors: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    integrity: str = ""
    audit_problems: list[str] = field(default_factory=list)
    work_orders: int = 0

    @property
    def ops_per_second(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def verified(self) -> bool:
        return (
            not self.missing
            and not self.audit_problems
            and not self.other_errors
            and self.integrity in ("ok", NOT_SQLITE)
        )

    def report(self) -> str:
        lines = [
            f"workers            {self.workers} processes for {self.seconds:.1f} s "
            f"({self.wall:.1f} s until the last one finished)",
            f"operations         {self.ops} ({self.ops_per_second:.1f}/s)",
            f"commit latency     p50 {self.percentile(0.5):.1f} ms, "
            f"p99 {self.percentile(0.99):.1f} ms, "
            f"max {max(self.latencies_ms, default=0):.1f} ms",
            f"lock errors        {self.lock_errors}",
            f"stale refusals     {self.stale_refusals}",
            f"races lost         {self.races_lost} (work moved on before the action)",
            f"work orders        {self.work_orders}",
            f"integrity_check    {self.integrity}",
            f"missing successes  {len(self.missing)}",
            f"audit mismatches   {len(self.audit_problems)}",
            f"unexpected errors  {len(self.other_errors)}",
            f"verification       {'PASSED' if self.verified else 'FAILED'}",
        ]
        lines += [f"  missing: {m}" for m in self.missing[:10]]
        lines += [f"  audit: {m}" for m in self.audit_problems[:10]]
        lines += [f"  error: {m}" for m in self.other_errors[:10]]
        return "\n".join(lines)


# ---------------------------------------------------------------- setup


def technicians(n: int) -> list[str]:
    return [f"{TECH_PREFIX}{i:02d}" for i in range(1, n + 1)]


def setup(db: str, n_techs: int, seed_per_tech: int = 4) -> int:
    """Users, assets, parts and some assigned work; returns the last audit id before the run."""
    from sqlalchemy import func
    from sqlmodel import select

    from wo_tui.domain import admin, identity
    from wo_tui.domain import services as sv
    from wo_tui.domain.permissions import Actor
    from wo_tui.store.db import open_store
    from wo_tui.store.models import AuditEvent, User

    store = open_store(db, create=True)
    try:
        with store.read() as s:
            if s.exec(select(func.count()).select_from(User)).one():
                raise SystemExit(f"{store.label} already has users: give an empty database.")
        root = admin.bootstrap_admin(store, "root", "Stress Admin")
        assert root.id is not None
        boss = sv.Ctx(store, Actor(root.id, "root", "Stress Admin", "admin"))
        admin.add_user(boss, DISPATCHER, "dispatcher", display_name="Dana Dispatch")
        for i, login in enumerate(technicians(n_techs)):
            team = "Mechanical" if i % 2 == 0 else "Electrical"
            admin.add_user(boss, login, "technician", team=team, rate_cents=4000 + 100 * i)
        for tag in ASSETS:
            admin.add_asset(boss, tag, f"Asset {tag}")
        for number in PARTS:
            admin.add_part(boss, number, f"Part {number}", 1000)
        dana = sv.Ctx(store, identity.actor_for(store, DISPATCHER))
        for login in technicians(n_techs):
            for k in range(seed_per_tech):
                wo = sv.create_work_order(
                    dana, title=f"Seed work {k} for {login}", asset_tag=random.choice(ASSETS)
                )
                sv.assign(dana, wo.number, assignee=login)
        with store.read() as s:
            return int(s.exec(select(func.coalesce(func.max(AuditEvent.id), 0))).one())
    finally:
        store.close()


# ---------------------------------------------------------------- workers


@dataclass
class Worker:
    """One person's process: acts, times each action, logs each success."""

    db: str
    login: str
    seconds: float
    out: Path
    seed: int
    think_ms: float = 0.0
    latencies: list[float] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def run(self, barrier: Any) -> None:
        from sqlmodel import select

        from wo_tui.domain import identity
        from wo_tui.domain.services import Ctx
        from wo_tui.store.db import open_store
        from wo_tui.store.models import User

        self.rng = random.Random(self.seed)
        self.store = open_store(self.db)
        self.ctx = Ctx(self.store, identity.actor_for(self.store, self.login))
        with self.store.read() as s:
            self.techs = list(s.exec(select(User.login).where(User.role == "technician")))
        self.log = (self.out / f"{self.login}.jsonl").open("w", encoding="utf-8")
        barrier.wait()
        deadline = time.monotonic() + self.seconds
        step = self.dispatch if self.ctx.actor.role == "dispatcher" else self.work
        try:
            while time.monotonic() < deadline:
                step()
        finally:
            self.log.close()
            self.store.close()
            (self.out / f"{self.login}.result.json").write_text(
                json.dumps(
                    {"latencies": self.latencies, "counts": self.counts, "errors": self.errors}
                )
            )

    def act(self, fn: Callable[[], Any]) -> Any:
        """Call one service and time it; a refusal is counted by kind and gives ``None``."""
        from wo_tui.errors import (
            DatabaseLocked,
            InvalidTransition,
            NotFound,
            PermissionDenied,
            StaleEdit,
            ValidationError,
            WoError,
        )

        if self.think_ms:
            time.sleep(self.rng.uniform(0, self.think_ms) / 1000)
        began = time.perf_counter()
        try:
            result = fn()
        except DatabaseLocked:
            self.counts["lock"] += 1
            return None
        except StaleEdit:
            self.counts["stale"] += 1
            return None
        except (InvalidTransition, PermissionDenied, NotFound, ValidationError):
            self.counts["race"] += 1
            return None
        except WoError as exc:
            self.errors.append(f"{self.login}: {exc.message}")
            return None
        self.latencies.append((time.perf_counter() - began) * 1000)
        self.counts["ok"] += 1
        return result

    def record(self, events: list[tuple[str, int, str]], **created: int) -> None:
        line = {"login": self.login, "events": events, "created": created}
        self.log.write(json.dumps(line) + "\n")
        self.log.flush()

    def _mine(self, statuses: tuple[str, ...], assignee_only: bool = True) -> list[Any]:
        from sqlmodel import col, select

        from wo_tui.store.models import WorkOrder

        query = select(WorkOrder).where(col(WorkOrder.status).in_(statuses))
        if assignee_only:
            query = query.where(WorkOrder.assignee_id == self.ctx.actor.id)
        with self.store.read() as s:
            return list(s.exec(query.order_by(col(WorkOrder.id)).limit(50)))

    # -- the dispatcher

    def dispatch(self) -> None:
        from wo_tui.domain import lifecycle as lc

        roll = self.rng.random()
        if roll < 0.35:
            done = self._mine((lc.COMPLETED,), assignee_only=False)
            if done:
                self.review(self.rng.choice(done))
                return
        if roll < 0.45:
            held = self._mine((lc.ON_HOLD,), assignee_only=False)
            if held:
                self.reassign(self.rng.choice(held))
                return
        if roll < 0.6:
            active = self._mine((lc.ASSIGNED, lc.IN_PROGRESS, lc.ON_HOLD), assignee_only=False)
            if active:
                self.reprioritise(self.rng.choice(active))
                return
        self.new_work()

    def new_work(self) -> None:
        from wo_tui.domain import services as sv

        tag = self.rng.choice(ASSETS)
        req = self.act(
            lambda: sv.submit_request(
                self.ctx,
                requester="Line operator",
                description=f"Noise from {tag}\nreported during the stress run",
                urgency=self.rng.randint(1, 3),
                impact=self.rng.randint(1, 3),
                asset_tag=tag,
            )
        )
        if req is None:
            return
        self.record([("work_request", req.id, "submit")], request=req.id)
        wo = self.act(lambda: sv.approve_request(self.ctx, req.number))
        if wo is None:
            return
        self.record(
            [("work_request", req.id, "approve"), ("work_order", wo.id, "create")], work_order=wo.id
        )
        tech = self.rng.choice(self.techs)
        version = wo.version
        if self.act(
            lambda: sv.assign(self.ctx, wo.number, assignee=tech, expected_version=version)
        ):
            self.record([("work_order", wo.id, "assign")])

    def review(self, wo: Any) -> None:
        from wo_tui.domain import services as sv

        if self.rng.random() < 0.15:
            done = self.act(
                lambda: sv.send_back(
                    self.ctx, wo.number, "Photo of the repair missing", expected_version=wo.version
                )
            )
            action = "send_back"
        else:
            done = self.act(lambda: sv.close(self.ctx, wo.number, expected_version=wo.version))
            action = "close"
        if done is not None:
            self.record([("work_order", wo.id, action)])

    def reassign(self, wo: Any) -> None:
        from wo_tui.domain import services as sv

        tech = self.rng.choice(self.techs)
        if self.act(
            lambda: sv.assign(self.ctx, wo.number, assignee=tech, expected_version=wo.version)
        ):
            self.record([("work_order", wo.id, "assign")])

    def reprioritise(self, wo: Any) -> None:
        from wo_tui.domain import services as sv

        urgency, impact = self.rng.randint(1, 3), self.rng.randint(1, 3)
        if self.act(
            lambda: sv.set_priority(
                self.ctx, wo.number, urgency, impact, expected_version=wo.version
            )
        ):
            self.record([("work_order", wo.id, "set_priority")])

    # -- a technician

    def work(self) -> None:
        from wo_tui.domain import lifecycle as lc

        queue = self._mine((lc.ASSIGNED, lc.IN_PROGRESS, lc.ON_HOLD))
        if not queue:
            time.sleep(0.02)
            return
        wo = self.rng.choice(queue)
        if wo.status == lc.ASSIGNED:
            self.transition(wo, "start")
        elif wo.status == lc.ON_HOLD:
            self.transition(wo, "resume")
        else:
            self.progress(wo)

    def transition(self, wo: Any, action: str) -> None:
        from wo_tui.domain import services as sv

        fn = getattr(sv, action)
        if action == "hold":
            done = self.act(lambda: fn(self.ctx, wo.number, "parts", expected_version=wo.version))
        else:
            done = self.act(lambda: fn(self.ctx, wo.number, expected_version=wo.version))
        if done is not None:
            self.record([("work_order", wo.id, action)])

    def progress(self, wo: Any) -> None:
        from sqlmodel import func, select

        from wo_tui.domain import services as sv
        from wo_tui.store.models import LabourEntry, PartUsage

        roll = self.rng.random()
        if roll < 0.3:
            body = f"Checked {wo.number}: {self.login} step {self.counts['ok']}"
            note = self.act(lambda: sv.add_note(self.ctx, wo.number, body))
            if note is not None:
                self.record([("work_order", wo.id, "add_note")], note=note.id)
        elif roll < 0.55:
            minutes = self.rng.choice((15, 30, 45, 60, 90))
            entry = self.act(lambda: sv.log_labour(self.ctx, wo.number, minutes))
            if entry is not None:
                self.record([("work_order", wo.id, "log_labour")], labour=entry.id)
        elif roll < 0.7:
            part = self.rng.choice(PARTS)
            usage = self.act(lambda: sv.use_part(self.ctx, wo.number, part, 1))
            if usage is not None:
                self.record([("work_order", wo.id, "use_part")], part_usage=usage.id)
        elif roll < 0.8:
            self.transition(wo, "hold")
        else:
            with self.store.read() as s:
                labour = s.exec(
                    select(func.count())
                    .select_from(LabourEntry)
                    .where(LabourEntry.work_order_id == wo.id)
                ).one()
                parts = s.exec(
                    select(func.count())
                    .select_from(PartUsage)
                    .where(PartUsage.work_order_id == wo.id)
                ).one()
            closeout = sv.Closeout(
                resolution="Replaced the worn part and tested under load.",
                cause_code="WEAR",
                remedy_code="REPL",
                no_parts_used=parts == 0,
                follow_up=False,
                labour=[] if labour else [sv.LabourInput(30)],
            )
            done = self.act(
                lambda: sv.complete(self.ctx, wo.number, closeout, expected_version=wo.version)
            )
            if done is not None:
                events = [("work_order", wo.id, "log_labour")] if not labour else []
                self.record([*events, ("work_order", wo.id, "complete")])


def _work(worker: Worker, barrier: Any) -> None:
    worker.run(barrier)


# ---------------------------------------------------------------- the run


def run(
    db: str,
    *,
    techs: int = 12,
    seconds: float = 10.0,
    out: Path | None = None,
    start_method: str = "spawn",
    think_ms: float = 0.0,
    seed: int = 1,
    during: Callable[[], Any] | None = None,
) -> Summary:
    """Set up, run 1 dispatcher + ``techs`` technicians for ``seconds``, then verify.

    ``during`` is called in this process while the workers run (a backup, say).
    """
    out = out or Path(tempfile.mkdtemp(prefix="wo-stress-"))
    out.mkdir(parents=True, exist_ok=True)
    baseline = setup(db, techs)
    logins = [DISPATCHER, *technicians(techs)]
    mpctx = mp.get_context(start_method)
    barrier = mpctx.Barrier(len(logins) + 1)
    procs = [
        mpctx.Process(
            target=_work,
            args=(Worker(db, login, seconds, out, seed * 1000 + i, think_ms), barrier),
        )
        for i, login in enumerate(logins)
    ]
    for p in procs:
        p.start()
    barrier.wait(timeout=120)
    began = time.monotonic()
    if during is not None:
        during()
    for p in procs:
        p.join(timeout=seconds + 120)
    summary = Summary(workers=len(logins), seconds=seconds, wall=time.monotonic() - began)
    for p, login in zip(procs, logins, strict=True):
        if p.exitcode != 0:
            summary.other_errors.append(f"{login}'s process ended with exit code {p.exitcode}")
    for login in logins:
        result_file = out / f"{login}.result.json"
        if not result_file.exists():
            continue
        result = json.loads(result_file.read_text())
        summary.latencies_ms += result["latencies"]
        counts = Counter(result["counts"])
        summary.ops += counts["ok"]
        summary.lock_errors += counts["lock"]
        summary.stale_refusals += counts["stale"]
        summary.races_lost += counts["race"]
        summary.other_errors += result["errors"]
    verify(db, out, logins, baseline, summary)
    return summary


def verify(db: str, out: Path, logins: list[str], baseline: int, summary: Summary) -> None:
    """Every logged success is in the database, and the audit holds exactly those."""
    from sqlalchemy import func, text
    from sqlmodel import col, select

    from wo_tui.domain import audit
    from wo_tui.store.db import open_store
    from wo_tui.store.models import (
        AuditEvent,
        LabourEntry,
        Note,
        PartUsage,
        User,
        WorkOrder,
        WorkRequest,
    )

    expected: Counter[tuple[str, int, str, str]] = Counter()
    created: dict[str, set[int]] = {}
    for login in logins:
        log = out / f"{login}.jsonl"
        if not log.exists():
            continue
        for line in log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            for entity, entity_id, action in entry["events"]:
                expected[(entity, entity_id, action, entry["login"])] += 1
            for kind, row_id in entry["created"].items():
                created.setdefault(kind, set()).add(row_id)
    models = {
        "request": WorkRequest,
        "work_order": WorkOrder,
        "note": Note,
        "labour": LabourEntry,
        "part_usage": PartUsage,
    }
    store = open_store(db)
    try:
        with store.read() as s:
            for kind, ids in created.items():
                model: Any = models[kind]
                found = set(s.exec(select(model.id).where(col(model.id).in_(ids))))
                summary.missing += [f"{kind} #{i}" for i in sorted(ids - found)]
            actual: Counter[tuple[str, int, str, str]] = Counter()
            rows = s.exec(
                select(AuditEvent.entity, AuditEvent.entity_id, AuditEvent.action, User.login)
                .join(User, col(User.id) == col(AuditEvent.actor_id))
                .where(col(AuditEvent.id) > baseline)
            )
            for entity, entity_id, action, login in rows:
                actual[(entity, entity_id, action, login)] += 1
            for key in (expected - actual) + (actual - expected):
                summary.audit_problems.append(
                    f"{key[3]} {key[2]} on {key[0]} #{key[1]}: "
                    f"{expected[key]} reported, {actual[key]} audited"
                )
            summary.work_orders = int(s.exec(select(func.count()).select_from(WorkOrder)).one())
        if store.is_sqlite:
            with store.engine.connect() as conn:
                summary.integrity = str(conn.execute(text("PRAGMA integrity_check")).scalar())
        else:
            summary.integrity = NOT_SQLITE
        summary.audit_problems += [m.sentence() for m in audit.verify(store).mismatches]
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--technicians", type=int, default=12)
    parser.add_argument("-t", "--seconds", type=float, default=10.0)
    parser.add_argument("--db", help="an empty database: file path or URL (default: a temp file)")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause before each action")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    db = args.db or str(Path(tempfile.mkdtemp(prefix="wo-stress-")) / "stress.db")
    summary = run(
        db,
        techs=args.technicians,
        seconds=args.seconds,
        think_ms=args.think_ms,
        seed=args.seed,
    )
    print(f"database           {db}")
    print(summary.report())
    return 0 if summary.verified else 1


if __name__ == "__main__":
    sys.exit(main())

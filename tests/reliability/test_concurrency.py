"""Two people, two processes, one work order: the second save is refused with who and
when, and nothing either of them did is lost.

Domain level: the command line's verbs read and write in one transaction (there is
no screen a person looks at in between), so ``expected_version`` has nothing to
carry there; the app passes the version it displayed. Both backends: the children
need only the store's URL (on SQLite its file).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
from typing import Any

import pytest
from sqlmodel import func, select

from tests.domain.wo_factory import audit_count, load, make_wo
from wo_tui.domain import identity
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.errors import InvalidTransition, StaleEdit
from wo_tui.store.db import open_store
from wo_tui.store.models import Note


def _in_child(target: Any, *args: Any) -> int:
    """Run ``target`` in a forked process of its own; its exit code."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            target(*args)
            code = 0
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _alice_starts(db: str, number: int) -> None:
    store = open_store(db)
    try:
        sv.start(sv.Ctx(store, identity.actor_for(store, "alice")), number)
    finally:
        store.close()


def test_second_session_is_refused_with_who_and_when(site: Any, db_url: str) -> None:
    n = make_wo(site, lc.ASSIGNED)
    seen = load(site.store, n)
    assert _in_child(_alice_starts, db_url, n) == 0
    before = audit_count(site.store)
    with pytest.raises(StaleEdit) as refused:
        sv.assign(site.dispatcher, n, assignee="bob", expected_version=seen.version)
    assert re.fullmatch(
        rf"WO-{n:06d} was changed by alice at \d\d:\d\d - reloaded\.", refused.value.message
    )
    now = load(site.store, n)
    assert (now.status, now.assignee_id) == (lc.IN_PROGRESS, seen.assignee_id)
    assert audit_count(site.store) == before
    with pytest.raises(InvalidTransition):
        sv.assign(site.dispatcher, n, assignee="bob", expected_version=now.version)


def _race(db: str, login: str, number: int, version: int, barrier: Any, results: Any) -> None:
    store = open_store(db)
    try:
        ctx = sv.Ctx(store, identity.actor_for(store, login))
        barrier.wait(timeout=30)
        try:
            if login == "dana":
                sv.set_priority(ctx, number, 1, 1, expected_version=version)
            else:
                sv.start(ctx, number, expected_version=version)
            results.put((login, "saved"))
        except (StaleEdit, InvalidTransition) as exc:
            results.put((login, type(exc).__name__))
        for k in range(20):
            sv.add_note(ctx, number, f"{login} note {k}")
    finally:
        store.close()


def test_simultaneous_saves_exactly_one_wins_and_no_note_is_lost(site: Any, db_url: str) -> None:
    ctx = mp.get_context("fork")
    db = db_url
    for _ in range(4):
        n = make_wo(site, lc.ASSIGNED)
        version = load(site.store, n).version
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [
            ctx.Process(target=_race, args=(db, login, n, version, barrier, results))
            for login in ("alice", "dana")
        ]
        for p in procs:
            p.start()
        outcome = dict(results.get(timeout=60) for _ in procs)
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
        assert sorted(outcome.values()) == ["StaleEdit", "saved"], outcome
        wo = load(site.store, n)
        assert wo.version == version + 1
        with site.store.read() as s:
            notes = s.exec(
                select(func.count()).select_from(Note).where(Note.work_order_id == wo.id)
            ).one()
        assert notes == 40

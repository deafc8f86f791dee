"""A save based on an old copy is refused, names who changed the work order and
when, and overwrites nothing: by the service's ``expected_version`` check and, as a
last line, by the ORM's version column."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select
from wo_factory import audit_count, each, good_closeout, load, make_wo

from wo_tui import clock
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.errors import StaleEdit
from wo_tui.store.models import WorkOrder

VERSIONED: dict[str, tuple[str, Callable[[Any, int, int], Any]]] = {
    "set_priority": (
        lc.OPEN,
        lambda site, n, v: sv.set_priority(site.dispatcher, n, 1, 1, expected_version=v),
    ),
    "assign": (
        lc.OPEN,
        lambda site, n, v: sv.assign(site.dispatcher, n, assignee="bob", expected_version=v),
    ),
    "start": (lc.ASSIGNED, lambda site, n, v: sv.start(site.tech, n, expected_version=v)),
    "hold": (
        lc.IN_PROGRESS,
        lambda site, n, v: sv.hold(site.tech, n, "parts", expected_version=v),
    ),
    "resume": (lc.ON_HOLD, lambda site, n, v: sv.resume(site.tech, n, expected_version=v)),
    "complete": (
        lc.IN_PROGRESS,
        lambda site, n, v: sv.complete(
            site.tech, n, good_closeout(labour=[sv.LabourInput(30)]), expected_version=v
        ),
    ),
    "send_back": (
        lc.COMPLETED,
        lambda site, n, v: sv.send_back(site.dispatcher, n, "Redo", expected_version=v),
    ),
    "close": (lc.COMPLETED, lambda site, n, v: sv.close(site.dispatcher, n, expected_version=v)),
    "cancel": (
        lc.OPEN,
        lambda site, n, v: sv.cancel(site.dispatcher, n, "Dup", expected_version=v),
    ),
    "reopen": (lc.CLOSED, lambda site, n, v: sv.reopen(site.admin, n, "Again", expected_version=v)),
}


def _someone_else_edits(site, n: int, status: str) -> str:
    """Change the work order as another person would, then have a third person add a
    note (which does not change the work order); return who made the change."""
    if status in lc.ACTIVE:
        sv.set_priority(site.dispatcher, n, 3, 3)
        changer = "dana"
    elif status == lc.COMPLETED:
        sv.send_back(site.dispatcher, n, "Checking")
        changer = "dana"
    else:
        sv.reopen(site.admin, n, "Checking")
        changer = "root"
    sv.add_note(site.admin if status == lc.OPEN else site.tech, n, "Looked at it.")
    return changer


def test_stale_expected_version_is_refused_by_every_verb(site, frozen_clock) -> None:
    each(sorted(VERSIONED), lambda verb: _check_stale(site, frozen_clock, verb))


def _check_stale(site, frozen_clock, verb: str) -> None:
    clock.freeze(frozen_clock)
    status, call = VERSIONED[verb]
    n = make_wo(site, status)
    seen = load(site.store, n).version
    clock.freeze(frozen_clock + timedelta(minutes=7))
    changer = _someone_else_edits(site, n, status)
    current = load(site.store, n)
    events = audit_count(site.store)
    clock.freeze(frozen_clock + timedelta(hours=1))
    with pytest.raises(StaleEdit) as err:
        call(site, n, seen)
    when = (frozen_clock + timedelta(minutes=7)).astimezone().strftime("%H:%M")
    assert str(err.value) == f"WO-{n:06d} was changed by {changer} at {when} - reloaded."
    assert load(site.store, n).model_dump() == current.model_dump()
    assert audit_count(site.store) == events


def test_current_expected_version_is_accepted(site) -> None:
    n = make_wo(site, lc.OPEN)
    wo = sv.assign(site.dispatcher, n, assignee="alice", expected_version=1)
    assert wo.version == 2
    wo = sv.start(site.tech, n, expected_version=wo.version)
    assert wo.version == 3


def test_stale_message_names_the_last_editor_not_the_last_note_writer(site, frozen_clock) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    seen = load(site.store, n).version
    clock.freeze(frozen_clock + timedelta(minutes=3))
    sv.set_priority(site.dispatcher, n, 1, 1)
    clock.freeze(frozen_clock + timedelta(minutes=9))
    sv.add_note(site.tech, n, "Waiting for the crane.")
    with pytest.raises(StaleEdit) as err:
        sv.hold(site.tech, n, "access", expected_version=seen)
    when = (frozen_clock + timedelta(minutes=3)).astimezone().strftime("%H:%M")
    assert str(err.value) == f"WO-{n:06d} was changed by dana at {when} - reloaded."


# ---------------------------------------------------------------- the ORM version column


def _copy(site, n: int) -> WorkOrder:
    with site.store.read() as s:
        return s.exec(select(WorkOrder).where(WorkOrder.number == n)).one()


def test_version_column_refuses_the_second_of_two_saves(site) -> None:
    n = make_wo(site, lc.OPEN)
    first, second = _copy(site, n), _copy(site, n)
    first.title = "First title"
    second.title = "Second title"
    with site.store.write() as s:
        s.add(first)
    with (
        pytest.raises(StaleEdit, match=r"^Someone else changed this record"),
        site.store.write() as s,
    ):
        s.add(second)
    wo = load(site.store, n)
    assert wo.title == "First title"
    assert wo.version == 2


def test_version_column_refuses_a_stale_merge(site) -> None:
    n = make_wo(site, lc.OPEN)
    first, second = _copy(site, n), _copy(site, n)
    first.description = "kept"
    second.description = "lost"
    with site.store.write() as s:
        s.merge(first)
    with pytest.raises(StaleEdit), site.store.write() as s:
        s.merge(second)
    assert load(site.store, n).description == "kept"


def test_version_column_refuses_a_copy_older_than_a_service_change(site) -> None:
    n = make_wo(site, lc.OPEN)
    old = _copy(site, n)
    sv.assign(site.dispatcher, n, assignee="bob")
    old.status = lc.CANCELLED
    with pytest.raises(StaleEdit), site.store.write() as s:
        s.add(old)
    assert load(site.store, n).status == lc.ASSIGNED


def test_stale_message_gives_the_date_when_the_change_was_not_today(site, frozen_clock) -> None:
    n = make_wo(site, lc.OPEN)
    sv.set_priority(site.dispatcher, n, 1, 1)
    clock.freeze(frozen_clock + timedelta(days=2))
    with pytest.raises(StaleEdit) as err:
        sv.cancel(site.dispatcher, n, "Old", expected_version=1)
    when = frozen_clock.astimezone().strftime("%Y-%m-%d %H:%M")
    assert str(err.value) == f"WO-{n:06d} was changed by dana at {when} - reloaded."

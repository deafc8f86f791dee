"""Every action from every status, through the service functions.

The table in ``lifecycle.TRANSITIONS`` is the single source of truth: for each
(action, status) pair the service either moves the work order where the table
says, or refuses with a sentence naming the work order and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from wo_factory import audit_count, each, good_closeout, load, make_wo

from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.domain.refs import wo_label
from wo_tui.errors import InvalidTransition
from wo_tui.store.models import WorkRequest

ACTIONS: dict[str, Callable[[Any, int], Any]] = {
    "assign": lambda site, n: sv.assign(site.admin, n, assignee="bob"),
    "start": lambda site, n: sv.start(site.admin, n),
    "hold": lambda site, n: sv.hold(site.admin, n, "access"),
    "resume": lambda site, n: sv.resume(site.admin, n),
    "complete": lambda site, n: sv.complete(
        site.admin, n, good_closeout(labour=[sv.LabourInput(20)])
    ),
    "send_back": lambda site, n: sv.send_back(site.admin, n, "Photo of the repair missing."),
    "close": lambda site, n: sv.close(site.admin, n),
    "cancel": lambda site, n: sv.cancel(site.admin, n, "No longer needed."),
    "reopen": lambda site, n: sv.reopen(site.admin, n, "The leak came back."),
    "set_priority": lambda site, n: sv.set_priority(site.admin, n, 1, 1),
    "add_note": lambda site, n: sv.add_note(site.admin, n, "Checked the coupling."),
    "log_labour": lambda site, n: sv.log_labour(site.admin, n, 15),
    "use_part": lambda site, n: sv.use_part(site.admin, n, "BRG-6204", 2),
}
NOT_SERVICES = {"edit_closeout"}
"""Table entries that guard edits inside another verb (the PM checklist), not a verb here."""

REFUSAL = re.compile(
    r"^WO-\d{6} is (open|assigned|in progress|on hold|completed|closed|cancelled): "
)


def test_every_action_in_the_table_has_a_service_under_test() -> None:
    assert set(ACTIONS) | NOT_SERVICES == set(lc.TRANSITIONS)


def _expected_status(action: str, before: str) -> str:
    to = lc.target(action)
    if to is not None:
        return to
    if action == "reopen":
        # The closed one was assigned to alice; the cancelled one never was.
        return lc.ASSIGNED if before == lc.CLOSED else lc.OPEN
    return before


def _check_transition(site, action: str, status: str) -> None:
    n = make_wo(site, status)
    before = load(site.store, n)
    events = audit_count(site.store)
    if lc.allowed(action, status):
        ACTIONS[action](site, n)
        after = load(site.store, n)
        assert after.status == _expected_status(action, status)
        assert after.version > before.version or action in {"add_note", "log_labour", "use_part"}
        assert audit_count(site.store) > events
        return
    with pytest.raises(InvalidTransition) as err:
        ACTIONS[action](site, n)
    message = str(err.value)
    assert REFUSAL.match(message), message
    assert message.startswith(f"{wo_label(n)} is {lc.STATUS_LABELS[status]}: ")
    assert message.endswith(".") and "\n" not in message
    after = load(site.store, n)
    assert after.model_dump() == before.model_dump()
    assert audit_count(site.store) == events


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_transition_from_every_status(site, action: str) -> None:
    """Allowed: the work order lands where the table says. Forbidden: a sentence
    naming it and its status, and nothing written."""
    each(lc.STATUSES, lambda status: _check_transition(site, action, status))


SENTENCES = [
    (lc.ON_HOLD, "complete", "is on hold: resume it before completing."),
    (lc.ASSIGNED, "complete", "is assigned: start it before completing."),
    (lc.OPEN, "start", "is open: assign it before starting."),
    (lc.IN_PROGRESS, "assign", "is in progress: put it on hold before reassigning."),
    (lc.CLOSED, "add_note", "is closed: closed work is history: an admin can reopen it."),
    (lc.CANCELLED, "start", "is cancelled: it was cancelled: an admin can reopen it."),
    (lc.COMPLETED, "cancel", "is completed: completed work is closed or sent back"),
]


def test_refusal_sentences(site) -> None:
    def check(case: tuple[str, str, str]) -> None:
        status, action, message = case
        n = make_wo(site, status)
        with pytest.raises(InvalidTransition, match=re.escape(f"{wo_label(n)} {message}")):
            ACTIONS[action](site, n)

    each(SENTENCES, check)


def test_on_hold_refusal_is_the_documented_sentence(site) -> None:
    n = make_wo(site, lc.ON_HOLD)
    assert n == 1
    with pytest.raises(InvalidTransition) as err:
        ACTIONS["complete"](site, n)
    assert str(err.value) == "WO-000001 is on hold: resume it before completing."


def test_reassign_from_hold_clears_the_hold_reason(site) -> None:
    n = make_wo(site, lc.ON_HOLD)
    assert load(site.store, n).hold_reason == "waiting parts"
    sv.assign(site.dispatcher, n, assignee="bob")
    wo = load(site.store, n)
    assert (wo.status, wo.hold_reason) == (lc.ASSIGNED, "")


def test_send_back_reopens_work_and_records_the_reason(site) -> None:
    n = make_wo(site, lc.COMPLETED)
    sv.send_back(site.dispatcher, n, "Photo of the repair missing.")
    wo = load(site.store, n)
    assert wo.status == lc.IN_PROGRESS
    assert wo.completed_at is None
    assert wo.send_back_reason == "Photo of the repair missing."


def test_reopen_clears_the_end_times(site) -> None:
    n = make_wo(site, lc.CLOSED)
    sv.reopen(site.admin, n, "The leak came back.")
    wo = load(site.store, n)
    assert (wo.closed_at, wo.completed_at, wo.cancelled_at) == (None, None, None)


# ---------------------------------------------------------------- requests

REQUEST_ACTIONS: dict[str, Callable[[Any, int, int], Any]] = {
    "approve": lambda site, r, wo: sv.approve_request(site.dispatcher, r),
    "reject": lambda site, r, wo: sv.reject_request(site.dispatcher, r, "Not our equipment."),
    "duplicate": lambda site, r, wo: sv.mark_duplicate(site.dispatcher, r, wo),
    "set_priority": lambda site, r, wo: sv.set_request_priority(site.dispatcher, r, 1, 1),
}


def _request_in(site, status: str) -> tuple[int, int]:
    wo = make_wo(site, lc.OPEN)
    req = sv.submit_request(
        site.requester, requester="Rita", description="Door sticks", urgency=2, impact=2
    ).number
    if status == lc.REQ_APPROVED:
        sv.approve_request(site.dispatcher, req)
    elif status == lc.REQ_REJECTED:
        sv.reject_request(site.dispatcher, req, "Not ours.")
    elif status == lc.REQ_DUPLICATE:
        sv.mark_duplicate(site.dispatcher, req, wo)
    return req, wo


def _check_request_transition(site, action: str, status: str) -> None:
    req, wo = _request_in(site, status)
    events = audit_count(site.store)
    if status == lc.REQ_NEW:
        REQUEST_ACTIONS[action](site, req, wo)
        assert audit_count(site.store) > events
        return
    with pytest.raises(InvalidTransition, match=rf"^REQ-{req:06d} is already {status}\.$"):
        REQUEST_ACTIONS[action](site, req, wo)
    assert audit_count(site.store) == events


@pytest.mark.parametrize("action", sorted(REQUEST_ACTIONS))
def test_request_transition_from_every_status(site, action: str) -> None:
    each(lc.REQUEST_STATUSES, lambda status: _check_request_transition(site, action, status))


def test_approve_links_request_and_work_order(site) -> None:
    req = sv.submit_request(
        site.requester,
        requester="Rita",
        description="Leak at P-101",
        urgency=2,
        impact=1,
        asset_tag="P-101",
    )
    wo = sv.approve_request(site.dispatcher, req.number)
    with site.store.read() as s:
        row = s.get(WorkRequest, req.id)
        assert row is not None
    assert (row.status, row.work_order_id) == (lc.REQ_APPROVED, wo.id)
    assert wo.asset_id == req.asset_id and wo.location_id == req.location_id


def test_duplicate_of_cancelled_work_is_refused(site) -> None:
    req, wo = _request_in(site, lc.REQ_NEW)
    sv.cancel(site.dispatcher, wo, "Raised twice.")
    with pytest.raises(InvalidTransition, match=r"was cancelled: approve the request instead\.$"):
        sv.mark_duplicate(site.dispatcher, req, wo)

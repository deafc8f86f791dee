"""Bad input gets one line saying what is wrong, and nothing is written.

Descriptions, notes and resolutions are limited to ``text.MAX_TEXT`` (200,000
characters, about 200 KB): a 1 MB paste is refused rather than truncated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import func, select
from wo_factory import audit_count, each, load, make_wo

from wo_tui.domain import admin, identity
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.errors import NotFound, UnknownUser, ValidationError, WoError
from wo_tui.store.models import LabourEntry, PartUsage, WorkRequest
from wo_tui.text import MAX_TEXT


def _refused(site, call: Callable[[], Any], kind: type[WoError] = WoError) -> str:
    events = audit_count(site.store)
    with pytest.raises(kind) as err:
        call()
    message = str(err.value)
    assert message and "\n" not in message and "Traceback" not in message
    assert audit_count(site.store) == events
    return message


def _submit(site, **overrides: Any) -> WorkRequest:
    values: dict[str, Any] = {
        "requester": "Rita",
        "description": "Door sticks",
        "urgency": 2,
        "impact": 2,
    }
    values.update(overrides)
    return sv.submit_request(site.requester, **values)


def _request_count(site) -> int:
    with site.store.read() as s:
        return int(s.exec(select(func.count()).select_from(WorkRequest)).one())


def test_empty_description_is_refused(site) -> None:
    def check(description: Any) -> None:
        message = _refused(site, lambda: _submit(site, description=description), ValidationError)
        assert message == "Description is empty: write what is needed."
        assert _request_count(site) == 0

    each(["", "   ", "\n\t\n", "\x1b\x00\x07", None], check)


def test_one_megabyte_description_is_refused_whole(site) -> None:
    message = _refused(site, lambda: _submit(site, description="x" * 1_000_000), ValidationError)
    assert message == (
        "Description is 1,000,000 characters; the limit is 200,000. Attach long logs elsewhere."
    )
    assert _request_count(site) == 0


def test_description_limit_boundary(site) -> None:
    req = _submit(site, description="y" * MAX_TEXT)
    with site.store.read() as s:
        row = s.get(WorkRequest, req.id)
        assert row is not None
    assert len(row.description) == MAX_TEXT
    _refused(site, lambda: _submit(site, description="y" * (MAX_TEXT + 1)), ValidationError)


def test_every_problem_with_a_request_is_listed(site) -> None:
    with pytest.raises(ValidationError) as err:
        _submit(site, requester=" ", description="", urgency=0, impact=7, source="email")
    assert len(err.value.problems) == 5
    assert str(err.value) == "; ".join(err.value.problems)
    assert "\n" not in str(err.value)


def test_refused_request_does_not_use_up_a_number(site) -> None:
    _refused(site, lambda: _submit(site, asset_tag="NOPE-1"), NotFound)
    assert _submit(site).number == 1


UNKNOWN = [
    (
        lambda site: _submit(site, asset_tag="NOPE-1"),
        "There is no asset tagged 'NOPE-1'.",
    ),
    (lambda site: _submit(site, location_id=999), "There is no location #999."),
    (
        lambda site: sv.create_work_order(site.dispatcher, title="x", asset_tag="NOPE-1"),
        "There is no asset tagged 'NOPE-1'.",
    ),
    (lambda site: sv.start(site.admin, "WO-999999"), "There is no work order WO-999999."),
    (lambda site: sv.approve_request(site.dispatcher, 42), "There is no request REQ-000042."),
]


def test_unknown_things_are_named(site) -> None:
    each(UNKNOWN, lambda case: _check_message(site, case[0], case[1], NotFound))


def _check_message(site, call: Any, message: str, kind: type[WoError]) -> None:
    assert _refused(site, lambda: call(site), kind) == message


def test_malformed_work_order_numbers(site) -> None:
    def check(ref: str) -> None:
        message = _refused(site, lambda: sv.close(site.dispatcher, ref), ValidationError)
        assert message == f"{ref!r} is not a WO number (like WO-000123)."

    each(["banana", "REQ-000001", "WO-", "-1", "WO-1.5"], check)


def test_unknown_user_gets_one_line(site) -> None:
    with pytest.raises(UnknownUser) as err:
        identity.actor_for(site.store, "mallory")
    message = str(err.value)
    assert message.startswith("mallory is not a wo-tui user of ")
    assert "wo-tui user add mallory --role" in message and "\n" not in message


def test_deactivated_user_is_refused_with_whom_to_ask(site) -> None:
    admin.deactivate_user(site.admin, "bob")
    with pytest.raises(UnknownUser) as err:
        identity.actor_for(site.store, "bob")
    message = str(err.value)
    assert message.startswith("bob was deactivated as a wo-tui user of ")
    assert "ask root to reactivate you" in message and "\n" not in message


def test_assign_to_unknown(site) -> None:
    def check(case: tuple[dict[str, str], str]) -> None:
        kwargs, message = case
        n = make_wo(site, lc.OPEN)
        assert _refused(site, lambda: sv.assign(site.dispatcher, n, **kwargs)) == message
        assert load(site.store, n).status == lc.OPEN

    each(
        [
            ({"assignee": "mallory"}, "There is no active user 'mallory'."),
            ({"team": "Plumbing"}, "There is no team 'Plumbing'."),
            ({}, "Assign to a technician, a team, or both."),
        ],
        check,
    )


def _labour_count(site) -> int:
    with site.store.read() as s:
        return int(s.exec(select(func.count()).select_from(LabourEntry)).one())


IMPOSSIBLE_LABOUR = [
    (-30, None, "Time logged must be more than zero minutes."),
    (0, None, "Time logged must be more than zero minutes."),
    (24 * 60 + 1, None, "One labour entry cannot exceed 24 hours: split it by day."),
    (30, timedelta(days=1), "is in the future."),
    (30, date(1999, 12, 31), "Labour date 1999-12-31 is too far in the past."),
    (30, date(1, 1, 1), "is too far in the past."),
]


def test_impossible_labour_is_refused(site, frozen_clock) -> None:
    each(IMPOSSIBLE_LABOUR, lambda case: _check_labour(site, frozen_clock, *case))


def _check_labour(site, frozen_clock, minutes: int, day: Any, message: str) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    if isinstance(day, timedelta):
        day = frozen_clock.astimezone().date() + day
    got = _refused(
        site, lambda: sv.log_labour(site.tech, n, minutes, work_date=day), ValidationError
    )
    assert got.endswith(message)
    assert _labour_count(site) == 0


def test_labour_date_boundaries_are_accepted(site, frozen_clock) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    today = frozen_clock.astimezone().date()
    sv.log_labour(site.tech, n, 24 * 60, work_date=today)
    sv.log_labour(site.tech, n, 1, work_date=sv.EARLIEST_DATE)
    assert _labour_count(site) == 2


def test_impossible_quantities_are_refused(site) -> None:
    n = make_wo(site, lc.IN_PROGRESS)

    def check(quantity: float) -> None:
        message = _refused(
            site, lambda: sv.use_part(site.tech, n, "BRG-6204", quantity), ValidationError
        )
        assert "Quantity" in message
        with site.store.read() as s:
            assert s.exec(select(PartUsage)).all() == []

    each([-1, 0, -0.5, math.nan, math.inf, -math.inf, 100_001], check)


def test_fractional_quantity_is_fine(site) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    assert sv.use_part(site.tech, n, "SEAL-25", 0.5).quantity == 0.5


def test_unknown_part(site) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    message = _refused(site, lambda: sv.use_part(site.tech, n, "NOPE", 1), NotFound)
    assert message == "There is no part 'NOPE' in the catalogue."


def test_bad_hold_reasons(site) -> None:
    n = make_wo(site, lc.IN_PROGRESS)

    def check(case: tuple[str, str, str]) -> None:
        code, detail, message = case
        assert _refused(site, lambda: sv.hold(site.tech, n, code, detail)) == message
        assert load(site.store, n).status == lc.IN_PROGRESS

    each(
        [
            ("lunch", "", "Hold reason must be one of parts, access, vendor, other, not 'lunch'."),
            ("other", "  ", "Say why the work is on hold."),
        ],
        check,
    )


OTHER_REFUSALS = [
    lambda site, n: sv.cancel(site.dispatcher, n, " "),
    lambda site, n: sv.add_note(site.dispatcher, n, ""),
    lambda site, n: sv.add_note(site.dispatcher, n, "z" * (MAX_TEXT + 1)),
    lambda site, n: sv.create_work_order(site.dispatcher, title=""),
    lambda site, n: sv.create_work_order(site.dispatcher, title="t" * 201),
    lambda site, n: sv.create_work_order(site.dispatcher, title="t", kind="magic"),
    lambda site, n: sv.create_work_order(site.dispatcher, title="t", estimated_minutes=-5),
    lambda site, n: sv.create_work_order(site.dispatcher, title="t", urgency=9),
    lambda site, n: sv.set_priority(site.dispatcher, n, 2, 0),
]


def test_other_refusals_are_one_line_and_write_nothing(site) -> None:
    n = make_wo(site, lc.OPEN)
    before = load(site.store, n).model_dump()

    def check(call: Any) -> None:
        _refused(site, lambda: call(site, n), ValidationError)
        assert load(site.store, n).model_dump() == before

    each(OTHER_REFUSALS, check)


ADMIN_REFUSALS = [
    lambda ctx: admin.add_user(ctx, "", "technician"),
    lambda ctx: admin.add_user(ctx, "zed", "boss"),
    lambda ctx: admin.add_user(ctx, "zed", "technician", rate_cents=-1),
    lambda ctx: admin.add_user(ctx, "zed", "technician", rate_cents=10**30),
    lambda ctx: admin.add_user(ctx, "bad login; rm -rf ~", "technician"),
    lambda ctx: admin.add_user(ctx, "-dash", "technician"),
    lambda ctx: admin.add_part(ctx, "X-1", "Widget", -100),
    lambda ctx: admin.add_part(ctx, "X-1", "Widget", 10**30),
    lambda ctx: admin.add_team(ctx, "Big", 10**30),
    lambda ctx: admin.add_team(ctx, "Small", -60),
    lambda ctx: admin.add_asset(ctx, "P-101", "Duplicate tag"),
    lambda ctx: admin.add_asset(ctx, "C-9", "Conveyor", criticality=0),
    lambda ctx: admin.add_asset(ctx, "C-9", "Conveyor", location_id=999),
    lambda ctx: admin.add_location(ctx, "NOWHERE", "Shed"),
]


def test_admin_refusals_are_one_line(site) -> None:
    each(ADMIN_REFUSALS, lambda call: _refused(site, lambda: call(site.admin)))


def test_approving_with_an_unknown_kind_leaves_the_request_new(site) -> None:
    req = _submit(site)
    _refused(site, lambda: sv.approve_request(site.dispatcher, req.number, kind="magic"))
    with site.store.read() as s:
        row = s.get(WorkRequest, req.id)
        assert row is not None
    assert (row.status, row.work_order_id) == (lc.REQ_NEW, None)


def test_duplicate_site_code_is_a_sentence(site) -> None:
    message = _refused(site, lambda: admin.add_site(site.admin, "NORTH", "Again"), ValidationError)
    assert message == "Site code 'NORTH' is already in use."

"""Closeout: what a technician must enter before work counts as completed.

Every missing item is reported at once (``ValidationError.problems``) so the form
can show them together, and a refused completion writes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select
from wo_factory import audit_count, each, good_closeout, load, make_wo

from wo_tui import clock
from wo_tui.config import Settings
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.errors import ValidationError
from wo_tui.store.models import LabourEntry, PartUsage, WorkOrder

PROBLEM_PREFIX = {
    "resolution": "Resolution notes:",
    "labour": "Labour:",
    "parts": "Parts:",
    "cause": "Cause code:",
    "remedy": "Remedy code:",
    "follow_up": "Follow-up:",
}


def _in_progress(site, kind: str = lc.CORRECTIVE) -> int:
    return make_wo(site, lc.IN_PROGRESS, kind=kind)


def _refused(site, n: int, closeout: sv.Closeout) -> ValidationError:
    before = load(site.store, n).model_dump()
    events = audit_count(site.store)
    with pytest.raises(ValidationError) as err:
        sv.complete(site.tech, n, closeout)
    assert load(site.store, n).model_dump() == before
    assert audit_count(site.store) == events
    return err.value


def test_empty_closeout_lists_every_problem_at_once(site) -> None:
    n = _in_progress(site)
    err = _refused(site, n, sv.Closeout())
    assert str(err) == "WO-000001 cannot be completed yet: 6 things missing."
    assert len(err.problems) == 6
    for prefix in PROBLEM_PREFIX.values():
        assert sum(p.startswith(prefix) for p in err.problems) == 1, (prefix, err.problems)


def test_one_missing_thing_is_singular(site) -> None:
    n = _in_progress(site)
    err = _refused(site, n, good_closeout(resolution="  ", labour=[sv.LabourInput(30)]))
    assert str(err) == "WO-000001 cannot be completed yet: 1 thing missing."
    assert err.problems == ["Resolution notes: say what was done."]


ALONE = [
    ("resolution", {"resolution": ""}),
    ("resolution", {"resolution": "\x1b\x07 \r\n"}),
    ("parts", {"no_parts_used": False}),
    ("cause", {"cause_code": ""}),
    ("cause", {"cause_code": "NOPE"}),
    ("remedy", {"remedy_code": ""}),
    ("follow_up", {"follow_up": None}),
    ("follow_up", {"follow_up": True}),
    ("follow_up", {"follow_up": True, "follow_up_work": sv.FollowUpInput("   ")}),
    ("follow_up", {"follow_up": True, "follow_up_work": sv.FollowUpInput("Fix", urgency=4)}),
]


def test_each_rule_alone(site) -> None:
    def check(case: tuple[str, dict[str, Any]]) -> None:
        missing, overrides = case
        n = _in_progress(site)
        err = _refused(site, n, good_closeout(labour=[sv.LabourInput(30)], **overrides))
        assert len(err.problems) == 1, err.problems
        assert err.problems[0].startswith(PROBLEM_PREFIX[missing])

    each(ALONE, check)


def test_labour_is_required(site) -> None:
    n = _in_progress(site)
    err = _refused(site, n, good_closeout())
    assert err.problems == ["Labour: log at least one time entry."]


def test_labour_logged_earlier_counts(site) -> None:
    n = _in_progress(site)
    sv.log_labour(site.tech, n, 45)
    wo = sv.complete(site.tech, n, good_closeout())
    assert wo.status == lc.COMPLETED


def test_labour_given_with_the_closeout_is_saved(site, frozen_clock) -> None:
    n = _in_progress(site)
    sv.complete(site.tech, n, good_closeout(labour=[sv.LabourInput(50)]))
    with site.store.read() as s:
        rows = s.exec(select(LabourEntry)).all()
    assert [(r.minutes, r.rate_cents, r.work_date) for r in rows] == [
        (50, 4500, frozen_clock.astimezone().date())
    ]


def test_parts_used_earlier_count_and_forbid_no_parts(site) -> None:
    n = _in_progress(site)
    sv.use_part(site.tech, n, "SEAL-25", 1)
    err = _refused(site, n, good_closeout(labour=[sv.LabourInput(30)], no_parts_used=True))
    assert err.problems == ["Parts: parts are listed, so 'no parts used' cannot be ticked."]
    wo = sv.complete(site.tech, n, good_closeout(no_parts_used=False, labour=[sv.LabourInput(5)]))
    assert wo.status == lc.COMPLETED and not wo.no_parts_used


def test_parts_given_with_the_closeout_are_saved_at_todays_cost(site) -> None:
    n = _in_progress(site)
    sv.complete(
        site.tech,
        n,
        good_closeout(
            no_parts_used=False,
            labour=[sv.LabourInput(30)],
            parts=[sv.PartInput("BRG-6204", 2)],
        ),
    )
    with site.store.read() as s:
        rows = s.exec(select(PartUsage)).all()
    assert [(r.quantity, r.unit_cost_cents) for r in rows] == [(2, 1250)]


def test_planned_work_needs_no_cause_or_remedy(site) -> None:
    def check(kind: str) -> None:
        n = _in_progress(site, kind)
        wo = sv.complete(
            site.tech,
            n,
            good_closeout(cause_code="", remedy_code="", labour=[sv.LabourInput(30)]),
        )
        assert wo.status == lc.COMPLETED

    each([lc.PREVENTIVE, lc.FOLLOW_UP], check)


def test_planned_work_still_refuses_unknown_codes(site) -> None:
    each([lc.PREVENTIVE, lc.FOLLOW_UP], lambda kind: _check_unknown_codes(site, kind))


def _check_unknown_codes(site, kind: str) -> None:
    n = _in_progress(site, kind)
    err = _refused(
        site, n, good_closeout(cause_code="NOPE", remedy_code="NADA", labour=[sv.LabourInput(3)])
    )
    assert err.problems == [
        "Cause code 'NOPE' is not in the list.",
        "Remedy code 'NADA' is not in the list.",
    ]


def test_repair_work_needs_cause_and_remedy(site) -> None:
    each(lc.NEEDS_CAUSE, lambda kind: _check_needs_cause(site, kind))


def _check_needs_cause(site, kind: str) -> None:
    n = _in_progress(site, kind)
    err = _refused(
        site, n, good_closeout(cause_code="", remedy_code="", labour=[sv.LabourInput(3)])
    )
    assert err.problems == [
        "Cause code: pick one from the list.",
        "Remedy code: pick one from the list.",
    ]


def test_codes_come_from_the_settings(site) -> None:
    custom = Settings(cause_codes={"ROT": "Rot"}, remedy_codes={"SWAP": "Swapped"})
    ctx = sv.Ctx(site.store, site.tech.actor, custom)
    n = _in_progress(site)
    with pytest.raises(ValidationError) as err:
        sv.complete(ctx, n, good_closeout(labour=[sv.LabourInput(3)]))
    assert len(err.value.problems) == 2
    wo = sv.complete(
        ctx, n, good_closeout(cause_code="ROT", remedy_code="SWAP", labour=[sv.LabourInput(3)])
    )
    assert (wo.cause_code, wo.remedy_code) == ("ROT", "SWAP")


def test_completion_records_the_closeout(site, frozen_clock) -> None:
    n = _in_progress(site)
    sv.complete(
        site.tech,
        n,
        good_closeout(
            resolution="Seal\r\nreplaced\x1b]52;c;ZXZpbA==\x07", labour=[sv.LabourInput(3)]
        ),
    )
    wo = load(site.store, n)
    assert wo.status == lc.COMPLETED
    assert wo.completed_at == frozen_clock
    assert wo.resolution == "Seal\nreplaced]52;c;ZXZpbA=="
    assert (wo.cause_code, wo.remedy_code, wo.no_parts_used, wo.follow_up) == (
        "WEAR",
        "REPL",
        True,
        "none",
    )


def test_follow_up_creates_linked_work_inheriting_asset_and_location(site, frozen_clock) -> None:
    n = _in_progress(site)
    parent = load(site.store, n)
    clock.freeze(frozen_clock + timedelta(hours=5))
    sv.complete(
        site.tech,
        n,
        good_closeout(
            labour=[sv.LabourInput(30)],
            remedy_code="TEMP",
            follow_up=True,
            follow_up_work=sv.FollowUpInput("Replace the coupling\nnext shutdown", 3, 2),
        ),
    )
    assert load(site.store, n).follow_up == "needed"
    with site.store.read() as s:
        child = s.exec(select(WorkOrder).where(WorkOrder.parent_id == parent.id)).one()
    assert child.number == n + 1
    assert child.kind == lc.FOLLOW_UP and child.status == lc.OPEN
    assert (child.asset_id, child.location_id, child.site_id) == (
        parent.asset_id,
        parent.location_id,
        parent.site_id,
    )
    assert child.asset_id is not None and child.location_id is not None
    assert child.title == "Replace the coupling"
    assert child.priority == 4
    assert child.requested_at == frozen_clock + timedelta(hours=5)
    assert child.due_at == child.requested_at + timedelta(days=14)


def test_follow_up_no_creates_nothing(site) -> None:
    n = _in_progress(site)
    sv.complete(site.tech, n, good_closeout(labour=[sv.LabourInput(30)]))
    with site.store.read() as s:
        assert s.exec(select(WorkOrder).where(WorkOrder.parent_id.is_not(None))).all() == []


def test_bad_entries_in_the_closeout_are_listed_with_the_other_problems(site, frozen_clock) -> None:
    n = _in_progress(site)
    err = _refused(
        site,
        n,
        good_closeout(
            resolution="",
            no_parts_used=False,
            labour=[
                sv.LabourInput(-5),
                sv.LabourInput(30, frozen_clock.date() + timedelta(days=3)),
            ],
            parts=[sv.PartInput("BRG-6204", 0)],
            follow_up=True,
            follow_up_work=sv.FollowUpInput("x" * 200_001),
        ),
    )
    assert len(err.problems) == 5, err.problems
    assert err.problems[0].startswith("Resolution notes:")
    joined = " | ".join(err.problems)
    assert "more than zero minutes" in joined
    assert "in the future" in joined
    assert "Quantity" in joined
    assert "200,000" in joined


def test_unknown_part_in_the_closeout_saves_nothing(site) -> None:
    n = _in_progress(site)
    events = audit_count(site.store)
    with pytest.raises(Exception, match="no part 'NOPE'"):
        sv.complete(
            site.tech,
            n,
            good_closeout(
                no_parts_used=False,
                labour=[sv.LabourInput(30)],
                parts=[sv.PartInput("NOPE", 1)],
            ),
        )
    assert load(site.store, n).status == lc.IN_PROGRESS
    assert audit_count(site.store) == events
    with site.store.read() as s:
        assert s.exec(select(LabourEntry)).all() == []


def test_work_raised_from_a_parent_inherits_its_place(site) -> None:
    n = make_wo(site, lc.COMPLETED)
    parent = load(site.store, n)
    child = sv.create_work_order(site.dispatcher, title="Realign motor", parent=n)
    assert child.parent_id == parent.id
    assert (child.asset_id, child.location_id, child.site_id) == (
        parent.asset_id,
        parent.location_id,
        parent.site_id,
    )

"""Preventive maintenance: schedules, meter readings, generation and checklists.

Dates of a schedule are UTC calendar days; an occurrence due on a day is due at
the end of that day (23:59:59 UTC), and so is the work order generated for it, so
work generated on its due day is not overdue the moment it appears.

Two kinds of schedule behave differently, because only one of them knows its
future without waiting for the work to be done:

- **fixed calendar only**: the due dates are a grid counted from the start date
  (start + k x interval, so Jan 31 monthly gives Feb 28, Mar 31, Apr 30...). Every
  grid date becomes its own work order, whether or not the last one is finished.
  When generation has fallen behind, only the newest missed date becomes work and
  the older ones are recorded as skipped, so a forgotten schedule does not flood
  the board.
- **floating, or with a meter**: one work order at a time. A floating schedule is
  next due one interval after the later of its last completion and the newest
  calendar date it has already had (done, skipped or cancelled), so a skip or a
  cancelled work order moves it on instead of stopping it; a meter schedule is due
  when the meter has run ``meter_every`` units since the last PM, or when a reading
  crosses ``meter_threshold``. With both calendar and meter set, whichever comes
  first generates the work; a meter-triggered PM stands in for the next calendar
  date. A fixed schedule with a meter that has fallen behind catches up like a
  calendar-only one: the newest missed date becomes work, older ones are skipped.

Every due date is a ``PMOccurrence`` row with a unique (schedule, key): generation
inserts it first, in the same IMMEDIATE transaction as the work order, so two
``pm run`` processes can never create the same occurrence twice.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, literal, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from wo_tui import clock
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import permissions as perm
from wo_tui.domain.history import hours_between
from wo_tui.domain.permissions import Actor
from wo_tui.domain.refs import wo_label
from wo_tui.domain.services import (
    Ctx,
    FollowUpInput,
    _asset_by_tag,
    _audit,
    _load_wo,
    _new_work_order,
    _set,
    _team_by_name,
    _text,
    _title_from,
    _user_by_login,
    _wo_change,
)
from wo_tui.errors import InvalidTransition, NotFound, ValidationError
from wo_tui.store.db import Store
from wo_tui.store.models import (
    Asset,
    ChecklistItem,
    Location,
    MeterReading,
    PMOccurrence,
    PMSchedule,
    Team,
    User,
    WorkOrder,
)
from wo_tui.store.types import UTCDateTime
from wo_tui.text import MAX_TITLE, clean, clean_line

UNITS = ("day", "week", "month", "year")
MODES = ("fixed", "floating")
RESULTS = ("", "pass", "fail", "na")
RESULT_LABELS = {"": "-", "pass": "pass", "fail": "FAIL", "na": "n/a"}
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
INTERVAL_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
"""Nominal length of one interval unit, used for PM compliance grace (10 % of it)."""
_LONGEST_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}
MAX_CHECKLIST = 200
MAX_ITEM = 500
GENERATED = "generated"
SKIPPED = "skipped"
CANCELLED = "cancelled"
RESET = "reset"


# ---------------------------------------------------------------- calendar arithmetic


def add_months(d: date, months: int, day: int | None = None) -> date:
    """``d`` moved by whole months, on ``day`` (default ``d.day``) clamped to the month's end."""
    total = d.year * 12 + d.month - 1 + months
    year, month0 = divmod(total, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day or d.day, last))


def add_interval(d: date, value: int, unit: str, day: int | None = None) -> date:
    if unit == "day":
        return d + timedelta(days=value)
    if unit == "week":
        return d + timedelta(weeks=value)
    if unit == "month":
        return add_months(d, value, day)
    if unit == "year":
        return add_months(d, 12 * value, day)
    raise ValidationError(f"Interval unit must be one of {', '.join(UNITS)}, not {unit!r}.")


@dataclass(frozen=True)
class Calendar:
    """The calendar part of a trigger."""

    value: int
    unit: str
    weekdays: tuple[int, ...] = ()
    day_of_month: int | None = None
    mode: str = "fixed"

    def _period(self, anchor: date, k: int) -> list[date]:
        """The due dates of the ``k``-th interval counted from ``anchor``."""
        if self.unit == "week" and self.weekdays:
            monday = anchor - timedelta(days=anchor.weekday()) + timedelta(weeks=k * self.value)
            return [monday + timedelta(days=w) for w in self.weekdays]
        if self.day_of_month is not None and self.unit in ("month", "year"):
            months = k * self.value * (12 if self.unit == "year" else 1)
            return [add_months(anchor.replace(day=1), months, self.day_of_month)]
        return [add_interval(anchor, k * self.value, self.unit)]

    def fixed_on_or_after(self, anchor: date, d: date) -> date:
        """The first grid date counted from ``anchor`` that is on or after ``d``.

        Each date is computed from the anchor (never by adding to the previous
        date), so clamping at a short month does not drift the day of month.
        """
        elapsed = (d - anchor).days
        k = max(0, elapsed // (self.value * _LONGEST_DAYS[self.unit]) - 1)
        while True:
            for due in self._period(anchor, k):
                if due >= anchor and due >= d:
                    return due
            k += 1

    def on_weekday(self, d: date) -> date:
        """``d``, or the first allowed weekday after it."""
        if self.weekdays:
            while d.weekday() not in self.weekdays:
                d += timedelta(days=1)
        return d

    def floating_after(self, done: date) -> date:
        """Due one interval after the last completion (then on an allowed weekday)."""
        return self.on_weekday(add_interval(done, self.value, self.unit))

    def describe(self) -> str:
        unit = self.unit if self.value == 1 else f"{self.value} {self.unit}s"
        text = f"every {unit}"
        if self.weekdays:
            text += " on " + ",".join(WEEKDAY_NAMES[w] for w in self.weekdays)
        if self.day_of_month is not None:
            text += f" on day {self.day_of_month}"
        return text + f" ({self.mode})"


def calendar_of(sched: PMSchedule) -> Calendar | None:
    if not sched.interval_value:
        return None
    weekdays = tuple(sorted(int(w) for w in sched.weekdays.split(",") if w.strip()))
    return Calendar(
        sched.interval_value, sched.interval_unit, weekdays, sched.day_of_month, sched.mode
    )


def due_datetime(d: date) -> datetime:
    """The moment PM work due on day ``d`` becomes overdue: the end of that UTC day."""
    return datetime.combine(d, time(23, 59, 59), UTC)


def day_start(d: date) -> datetime:
    return datetime.combine(d, time(0), UTC)


def today() -> date:
    return clock.now().astimezone(UTC).date()


_EVERY = re.compile(r"^\s*(\d+)?\s*(day|week|month|year)s?\s*$", re.IGNORECASE)


def parse_every(text: str) -> tuple[int, str]:
    """``month``, ``3 months``, ``2 week`` -> (value, unit)."""
    m = _EVERY.match(text)
    if not m:
        raise ValidationError(f"{text!r} is not an interval: try '1 month', '2 weeks' or 'year'.")
    return int(m.group(1) or 1), m.group(2).lower()


def parse_weekdays(text: str) -> list[int]:
    """``mon,thu`` -> [0, 3]."""
    days = []
    for part in text.split(","):
        name = part.strip().lower()[:3]
        if name not in WEEKDAY_NAMES:
            raise ValidationError(f"{part!r} is not a weekday: use mon,tue,wed,thu,fri,sat,sun.")
        days.append(WEEKDAY_NAMES.index(name))
    return days


def every_text(value: int | None, unit: str) -> str:
    """The inverse of ``parse_every``, for a form."""
    if not value:
        return ""
    return f"{value} {unit}" + ("s" if value > 1 else "")


# ---------------------------------------------------------------- schedules


@dataclass
class ScheduleInput:
    """What a dispatcher fills in to create or edit a schedule."""

    title: str
    asset_tag: str | None = None
    location_id: int | None = None
    instructions: str = ""
    checklist: list[str] = field(default_factory=list)
    team: str | None = None
    assignee: str | None = None
    estimated_minutes: int = 0
    priority: int = 4
    interval_value: int | None = None
    interval_unit: str = ""
    weekdays: list[int] = field(default_factory=list)
    day_of_month: int | None = None
    mode: str = "fixed"
    lead_days: int = 0
    meter: str = ""
    meter_every: float | None = None
    meter_threshold: float | None = None
    meter_baseline: float | None = None
    starts_on: date | None = None


def _finite(value: float | None) -> bool:
    return value is None or math.isfinite(value)


def _problems(inp: ScheduleInput) -> list[str]:
    problems: list[str] = []
    if not clean_line(inp.title):
        problems.append("Title is empty: name the PM.")
    if not inp.asset_tag and inp.location_id is None:
        problems.append("Say which asset or location the PM is for.")
    if inp.priority not in range(1, 6):
        problems.append("Priority must be 1 (emergency) to 5 (low).")
    if inp.estimated_minutes < 0:
        problems.append("Estimated time cannot be negative.")
    if not 0 <= inp.lead_days <= 365:
        problems.append("Lead time must be 0 to 365 days.")
    if inp.mode not in MODES:
        problems.append("Mode must be fixed or floating.")
    has_calendar = inp.interval_value is not None
    has_meter = inp.meter_every is not None or inp.meter_threshold is not None
    if not has_calendar and not has_meter:
        problems.append("Give a calendar interval, a meter trigger, or both.")
    if has_calendar:
        if inp.interval_unit not in UNITS:
            problems.append(f"Interval unit must be one of {', '.join(UNITS)}.")
        if not 1 <= (inp.interval_value or 0) <= 1000:
            problems.append("Interval must be 1 to 1000 units.")
    if inp.weekdays:
        if inp.interval_unit != "week":
            problems.append("Weekdays only go with a weekly interval.")
        if any(w not in range(7) for w in inp.weekdays):
            problems.append("Weekdays are 0 (Monday) to 6 (Sunday).")
    if inp.day_of_month is not None:
        if inp.interval_unit not in ("month", "year"):
            problems.append("A day of month only goes with a monthly or yearly interval.")
        if inp.mode != "fixed":
            problems.append("A day of month only goes with a fixed schedule.")
        if not 1 <= inp.day_of_month <= 31:
            problems.append("Day of month must be 1 to 31.")
    for value, what in (
        (inp.meter_every, "Meter interval"),
        (inp.meter_threshold, "Meter threshold"),
        (inp.meter_baseline, "Meter baseline"),
    ):
        if not _finite(value):
            problems.append(f"{what} must be a finite number, not {value}.")
    if has_meter:
        if not clean_line(inp.meter):
            problems.append("Name the meter (running_hours, cycles, km...).")
        if not inp.asset_tag:
            problems.append("A meter trigger needs an asset.")
        if inp.meter_every is not None and inp.meter_every <= 0:
            problems.append("Meter interval must be more than zero.")
    if len(inp.checklist) > MAX_CHECKLIST:
        problems.append(f"A checklist has at most {MAX_CHECKLIST} items.")
    if any(len(clean_line(i)) > MAX_ITEM for i in inp.checklist):
        problems.append(f"A checklist item is longer than {MAX_ITEM} characters.")
    return problems


def _latest_reading(s: Session, asset_id: int, meter: str) -> MeterReading | None:
    return s.exec(
        select(MeterReading)
        .where(MeterReading.asset_id == asset_id, MeterReading.meter == meter)
        .order_by(col(MeterReading.read_at).desc(), col(MeterReading.id).desc())
    ).first()


def _latest_calendar_date(s: Session, sched: PMSchedule) -> date | None:
    """The newest calendar date this schedule has had, whatever became of it."""
    if sched.id is None:
        return None
    latest = s.exec(
        select(func.max(PMOccurrence.due_at)).where(
            PMOccurrence.schedule_id == sched.id,
            col(PMOccurrence.occurrence_key).startswith("cal:"),
        )
    ).one()
    return None if latest is None else latest.date()


def _floating_due(s: Session, sched: PMSchedule, cal: Calendar, start: date) -> date:
    """One interval after the later of the last completion and the newest calendar date
    already had (done, skipped or cancelled: a skipped date must not come back, and
    work done early must not leave the next date on the one just done); before any,
    the start date, on an allowed weekday."""
    base = sched.last_done_at.date() if sched.last_done_at else None
    latest = _latest_calendar_date(s, sched)
    if latest is not None and (base is None or latest > base):
        base = latest
    return cal.on_weekday(start) if base is None else cal.floating_after(base)


def _next_due(s: Session, sched: PMSchedule, start: date) -> datetime | None:
    """Where the calendar resumes after a (re)timing: the first date on or after the
    start that is later than every date this schedule has already had."""
    cal = calendar_of(sched)
    if cal is None:
        return None
    if cal.mode == "floating":
        return due_datetime(_floating_due(s, sched, cal, start))
    after = start
    latest = _latest_calendar_date(s, sched)
    if latest is not None:
        after = max(after, latest + timedelta(days=1))
    return due_datetime(cal.fixed_on_or_after(start, after))


def _apply(s: Session, sched: PMSchedule, inp: ScheduleInput) -> dict[str, list[object]]:
    problems = _problems(inp)
    if problems:
        raise ValidationError(problems[0] if len(problems) == 1 else "; ".join(problems), problems)
    asset: Asset | None = _asset_by_tag(s, inp.asset_tag) if inp.asset_tag else None
    location_id, site_id = (asset.location_id, asset.site_id) if asset else (None, None)
    if asset is None and inp.location_id is not None:
        loc = s.get(Location, inp.location_id)
        if loc is None:
            raise NotFound(f"There is no location #{inp.location_id}.")
        location_id, site_id = loc.id, loc.site_id
    team = _team_by_name(s, inp.team) if inp.team else None
    user = _user_by_login(s, inp.assignee) if inp.assignee else None
    if user is not None and user.role == perm.REQUESTER:
        raise ValidationError(f"{user.login} is a requester and cannot be assigned PM work.")
    has_meter = inp.meter_every is not None or inp.meter_threshold is not None
    meter = clean_line(inp.meter)[:32] if has_meter else ""
    baseline = inp.meter_baseline
    if meter and baseline is None and asset is not None and sched.meter != meter:
        assert asset.id is not None
        latest = _latest_reading(s, asset.id, meter)
        baseline = latest.value if latest is not None else 0.0
    elif baseline is None:
        baseline = sched.last_meter_value
    values: dict[str, object] = {
        "title": clean_line(inp.title)[:MAX_TITLE],
        "instructions": _text(inp.instructions, "Instructions", required=False),
        "checklist": json.dumps(
            [clean_line(i) for i in inp.checklist if clean_line(i)], ensure_ascii=False
        ),
        "site_id": site_id,
        "asset_id": asset.id if asset else None,
        "location_id": location_id,
        "team_id": team.id if team else (user.team_id if user else None),
        "assignee_id": user.id if user else None,
        "estimated_minutes": inp.estimated_minutes,
        "priority": inp.priority,
        "interval_value": inp.interval_value,
        "interval_unit": inp.interval_unit if inp.interval_value else "",
        "weekdays": ",".join(str(w) for w in sorted(set(inp.weekdays))),
        "day_of_month": inp.day_of_month,
        "mode": inp.mode,
        "lead_days": inp.lead_days,
        "meter": meter,
        "meter_every": inp.meter_every,
        "meter_threshold": inp.meter_threshold,
        "last_meter_value": baseline if meter else None,
        "starts_at": day_start(inp.starts_on or today()),
    }
    trigger_fields = ("interval_value", "interval_unit", "weekdays", "day_of_month", "mode")
    retime = sched.id is None or any(getattr(sched, f) != values[f] for f in trigger_fields)
    retime = retime or values["starts_at"] != sched.starts_at
    changes = _set(sched, **values)
    if retime:
        changes.update(_set(sched, next_due_at=_next_due(s, sched, inp.starts_on or today())))
    return changes


def create_schedule(ctx: Ctx, inp: ScheduleInput) -> PMSchedule:
    perm.require(ctx.actor, "manage_pm")
    with ctx.write() as s:
        sched = PMSchedule(title="", created_at=clock.now())
        changes = _apply(s, sched, inp)
        s.add(sched)
        s.flush()
        assert sched.id is not None
        _audit(s, ctx.actor, "pm_schedule", sched.id, "create", changes)
    return sched


def _load_schedule(s: Session, schedule_id: int) -> PMSchedule:
    sched = s.get(PMSchedule, schedule_id)
    if sched is None:
        raise NotFound(f"There is no PM schedule #{schedule_id}.")
    return sched


def get_schedule(store: Store, schedule_id: int) -> PMSchedule:
    with store.read() as s:
        return _load_schedule(s, schedule_id)


def schedule_input(store: Store, schedule_id: int) -> ScheduleInput:
    """The form values of an existing schedule, for editing."""
    with store.read() as s:
        sched = _load_schedule(s, schedule_id)
        asset = s.get(Asset, sched.asset_id) if sched.asset_id is not None else None
        asset_tag = asset.tag if asset is not None else None
        team = s.get(Team, sched.team_id) if sched.team_id is not None else None
        user = s.get(User, sched.assignee_id) if sched.assignee_id is not None else None
    cal = calendar_of(sched)
    return ScheduleInput(
        title=sched.title,
        asset_tag=asset_tag,
        team=team.name if team is not None else None,
        assignee=user.login if user is not None else None,
        location_id=None if asset_tag else sched.location_id,
        instructions=sched.instructions,
        checklist=list(json.loads(sched.checklist or "[]")),
        estimated_minutes=sched.estimated_minutes,
        priority=sched.priority,
        interval_value=sched.interval_value,
        interval_unit=sched.interval_unit,
        weekdays=list(cal.weekdays) if cal else [],
        day_of_month=sched.day_of_month,
        mode=sched.mode,
        lead_days=sched.lead_days,
        meter=sched.meter,
        meter_every=sched.meter_every,
        meter_threshold=sched.meter_threshold,
        meter_baseline=sched.last_meter_value,
        starts_on=sched.starts_at.date() if sched.starts_at else None,
    )


def update_schedule(ctx: Ctx, schedule_id: int, inp: ScheduleInput) -> PMSchedule:
    """Edit a schedule; a changed trigger or start date recomputes the next due date."""
    perm.require(ctx.actor, "manage_pm")
    with ctx.write() as s:
        sched = _load_schedule(s, schedule_id)
        changes = _apply(s, sched, inp)
        s.add(sched)
        _audit(s, ctx.actor, "pm_schedule", schedule_id, "update", changes)
    return sched


def set_active(ctx: Ctx, schedule_id: int, active: bool, reason: str = "") -> PMSchedule:
    """Pause or resume. Resuming a fixed schedule records the dates missed while
    paused as skipped, so they are visible rather than silently lost."""
    perm.require(ctx.actor, "manage_pm")
    with ctx.write() as s:
        sched = _load_schedule(s, schedule_id)
        if sched.active == active:
            raise InvalidTransition(
                f"PM #{schedule_id} is already {'active' if active else 'paused'}."
            )
        changes = _set(sched, active=active)
        cal = calendar_of(sched)
        if active and cal is not None and sched.next_due_at is not None:
            now_day = today()
            if cal.mode == "fixed":
                anchor = sched.starts_at.date() if sched.starts_at else now_day
                due = sched.next_due_at.date()
                while due < now_day:
                    _record_skip(s, sched, due, "schedule was paused")
                    due = cal.fixed_on_or_after(anchor, due + timedelta(days=1))
                changes.update(_set(sched, next_due_at=due_datetime(due)))
        s.add(sched)
        if reason:
            changes["reason"] = [None, clean_line(reason)]
        _audit(s, ctx.actor, "pm_schedule", schedule_id, "resume" if active else "pause", changes)
    return sched


def _record_skip(s: Session, sched: PMSchedule, due: date, reason: str) -> bool:
    assert sched.id is not None
    key = f"cal:{due.isoformat()}"
    exists = s.exec(
        select(PMOccurrence.id).where(
            PMOccurrence.schedule_id == sched.id, PMOccurrence.occurrence_key == key
        )
    ).first()
    if exists is not None:
        return False
    s.add(
        PMOccurrence(
            schedule_id=sched.id,
            occurrence_key=key,
            due_at=due_datetime(due),
            status=SKIPPED,
            reason=reason,
            created_at=clock.now(),
        )
    )
    s.flush()
    return True


def skip_next(ctx: Ctx, schedule_id: int, reason: str) -> date:
    """Record the next calendar date of a schedule as skipped; return the date skipped."""
    perm.require(ctx.actor, "manage_pm")
    reason = _text(reason, "The reason for skipping")
    with ctx.write() as s:
        sched = _load_schedule(s, schedule_id)
        cal = calendar_of(sched)
        if cal is None or sched.next_due_at is None:
            raise InvalidTransition(f"PM #{schedule_id} has no calendar date to skip.")
        due = sched.next_due_at.date()
        if not _record_skip(s, sched, due, reason):
            raise InvalidTransition(
                f"PM #{schedule_id} already has work for {due}: cancel that work order "
                "(with a reason) instead of skipping the date."
            )
        if cal.mode == "fixed":
            anchor = sched.starts_at.date() if sched.starts_at else due
            nxt = cal.fixed_on_or_after(anchor, due + timedelta(days=1))
        else:
            nxt = cal.floating_after(due)
        changes = _set(sched, next_due_at=due_datetime(nxt))
        changes["skipped"] = [None, due.isoformat()]
        changes["reason"] = [None, reason]
        s.add(sched)
        _audit(s, ctx.actor, "pm_schedule", schedule_id, "skip", changes)
    return due


# ---------------------------------------------------------------- meters


def _counts_up(s: Session, asset_id: int, meter: str) -> bool:
    """Whether readings of this meter only go up: any meter counts up (running hours,
    cycles, km) unless every schedule on it triggers on a threshold alone, which makes
    it a gauge (vibration, temperature) whose readings fall as well as rise."""
    kinds = s.exec(
        select(PMSchedule.meter_every).where(
            PMSchedule.asset_id == asset_id, PMSchedule.meter == meter
        )
    ).all()
    return not kinds or any(every is not None for every in kinds)


def record_reading(
    ctx: Ctx,
    asset_tag: str,
    meter: str,
    value: float,
    at: datetime | None = None,
    reset: bool = False,
) -> MeterReading:
    """Record one meter reading (CLI, import and the app all come here).

    A counting meter never runs backwards: a reading below the one before it (or
    above a later one) is refused, unless ``reset`` says the meter was replaced. A
    reset must be the newest reading; it rebases every counting schedule on the meter
    so the units run since the last PM carry over to the new meter.
    """
    perm.require(ctx.actor, "record_meter")
    meter = clean_line(meter)[:32]
    if not meter:
        raise ValidationError("Name the meter (running_hours, cycles, km...).")
    if not math.isfinite(value):
        raise ValidationError(f"A meter reading must be a finite number, not {value}.")
    if value < 0:
        raise ValidationError(f"A meter reading cannot be negative ({value:g}).")
    now = clock.now()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise ValidationError("A meter reading cannot be in the future.")
    with ctx.write() as s:
        asset = _asset_by_tag(s, asset_tag)
        assert asset.id is not None
        same = (MeterReading.asset_id == asset.id, MeterReading.meter == meter)
        before = s.exec(
            select(MeterReading)
            .where(*same, col(MeterReading.read_at) <= at)
            .order_by(col(MeterReading.read_at).desc(), col(MeterReading.id).desc())
        ).first()
        after = s.exec(
            select(MeterReading)
            .where(*same, col(MeterReading.read_at) > at)
            .order_by(col(MeterReading.read_at), col(MeterReading.id))
        ).first()
        where = f"{asset.tag} {meter}"
        changes: dict[str, list[object]] = {meter: [None, value]}
        if reset:
            if after is not None:
                raise ValidationError(
                    f"{where} has a later reading ({after.value:g} at "
                    f"{after.read_at:%Y-%m-%d %H:%M} UTC): a reset must be the newest reading."
                )
            changes["reset"] = [before.value if before else None, value]
        elif _counts_up(s, asset.id, meter):
            if before is not None and value < before.value:
                raise ValidationError(
                    f"{where} read {before.value:g} before; {value:g} is lower. If the meter "
                    "was replaced, record this reading as a meter reset."
                )
            if after is not None and value > after.value:
                raise ValidationError(
                    f"{where} read {after.value:g} later, at {after.read_at:%Y-%m-%d %H:%M} "
                    f"UTC; {value:g} cannot come before it."
                )
        counting: list[PMSchedule] = []
        if reset and before is not None:
            counting = list(
                s.exec(
                    select(PMSchedule).where(
                        PMSchedule.asset_id == asset.id,
                        PMSchedule.meter == meter,
                        col(PMSchedule.meter_every).is_not(None),
                    )
                ).all()
            )
        for sched in counting:
            # A completion not yet seen by a run must take its meter value from the
            # old meter, before the new reading exists.
            _sync(s, sched)
        row = MeterReading(
            asset_id=asset.id, meter=meter, value=value, read_at=at, recorded_by_id=ctx.actor.id
        )
        s.add(row)
        s.flush()
        _audit(s, ctx.actor, "asset", asset.id, "meter_reading", changes)
        if before is not None:
            _rebase(s, ctx, counting, row, before.value)
    return row


def _rebase(
    s: Session, ctx: Ctx, schedules: list[PMSchedule], reading: MeterReading, old: float
) -> None:
    """A replaced meter: each counting schedule on it keeps the units run since its
    last PM, and records the reset as an occurrence (which also starts a new series
    of meter keys, so the new meter's targets never meet the old meter's)."""
    for sched in schedules:
        assert sched.id is not None
        since_pm = old - (sched.last_meter_value or 0.0)
        changes = _set(sched, last_meter_value=reading.value - since_pm)
        s.add(sched)
        s.add(
            PMOccurrence(
                schedule_id=sched.id,
                occurrence_key=f"reset:{reading.id}",
                due_at=reading.read_at,
                status=RESET,
                reason=f"meter replaced: {old:g} -> {reading.value:g}",
                created_at=clock.now(),
            )
        )
        _audit(s, ctx.actor, "pm_schedule", sched.id, "meter_reset", changes)


# ---------------------------------------------------------------- generation


@dataclass
class RunResult:
    generated: list[str] = field(default_factory=list)
    """Work order labels created by this run."""
    skipped: int = 0
    already_done: int = 0


def _sync(s: Session, sched: PMSchedule) -> None:
    """Bring the schedule up to date with its work: cancelled occurrences are marked,
    the last completion and the meter value at that moment are remembered, and a
    floating schedule's next due date follows the last completion."""
    assert sched.id is not None
    cancelled = (
        select(WorkOrder.id)
        .where(WorkOrder.pm_schedule_id == sched.id, WorkOrder.status == lc.CANCELLED)
        .scalar_subquery()
    )
    rows = s.exec(
        select(PMOccurrence).where(
            PMOccurrence.schedule_id == sched.id,
            PMOccurrence.status == GENERATED,
            col(PMOccurrence.work_order_id).in_(cancelled),
        )
    ).all()
    for occ in rows:
        occ.status = CANCELLED
        occ.reason = "work order cancelled"
        s.add(occ)
        if occ.occurrence_key.startswith("meter:") and sched.meter_every:
            sched.last_meter_value = meter_target(occ.occurrence_key)
    done = s.exec(
        select(func.max(WorkOrder.completed_at)).where(
            WorkOrder.pm_schedule_id == sched.id,
            col(WorkOrder.status).in_((lc.COMPLETED, lc.CLOSED)),
        )
    ).one()
    if done is not None and (sched.last_done_at is None or done > sched.last_done_at):
        sched.last_done_at = done
        if sched.meter and sched.asset_id is not None:
            value = s.exec(
                select(MeterReading.value)
                .where(
                    MeterReading.asset_id == sched.asset_id,
                    MeterReading.meter == sched.meter,
                    col(MeterReading.read_at) <= done,
                )
                .order_by(col(MeterReading.read_at).desc(), col(MeterReading.id).desc())
            ).first()
            if value is not None:
                sched.last_meter_value = value
    cal = calendar_of(sched)
    if cal is not None and cal.mode == "floating" and not _active_work(s, sched):
        start = sched.starts_at.date() if sched.starts_at else today()
        sched.next_due_at = due_datetime(_floating_due(s, sched, cal, start))
    s.add(sched)


def _active_work(s: Session, sched: PMSchedule) -> bool:
    return (
        s.exec(
            select(WorkOrder.id).where(
                WorkOrder.pm_schedule_id == sched.id, col(WorkOrder.status).in_(lc.ACTIVE)
            )
        ).first()
        is not None
    )


def _exact(value: float) -> str:
    """A float as text that reads back as the same float (``500``, ``2000002``, ``0.1``)."""
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def meter_key(target: float, resets: int = 0) -> str:
    """The occurrence key of the PM due at meter value ``target``; after the meter was
    replaced ``resets`` times, the key carries that count, because the new meter
    counts through the same numbers again."""
    return f"meter:{_exact(target)}" + (f"@{resets}" if resets else "")


def meter_target(key: str) -> float:
    return float(key.removeprefix("meter:").partition("@")[0])


def _meter_due(s: Session, sched: PMSchedule) -> str | None:
    """The occurrence key of a meter trigger that has fired, if any."""
    if not sched.meter or sched.asset_id is None:
        return None
    latest = _latest_reading(s, sched.asset_id, sched.meter)
    if latest is None:
        return None
    if sched.meter_every:
        target = (sched.last_meter_value or 0.0) + sched.meter_every
        if latest.value >= target:
            resets = s.exec(
                select(func.count()).where(
                    PMOccurrence.schedule_id == sched.id, PMOccurrence.status == RESET
                )
            ).one()
            return meter_key(target, int(resets))
    if sched.meter_threshold is not None and latest.value >= sched.meter_threshold:
        below = s.exec(
            select(MeterReading.read_at, MeterReading.id)
            .where(
                MeterReading.asset_id == sched.asset_id,
                MeterReading.meter == sched.meter,
                col(MeterReading.value) < sched.meter_threshold,
            )
            .order_by(col(MeterReading.read_at).desc(), col(MeterReading.id).desc())
        ).first()
        q = select(MeterReading.id).where(
            MeterReading.asset_id == sched.asset_id,
            MeterReading.meter == sched.meter,
            col(MeterReading.value) >= sched.meter_threshold,
        )
        if below is not None:
            q = q.where(
                or_(
                    col(MeterReading.read_at) > below[0],
                    (col(MeterReading.read_at) == below[0]) & (col(MeterReading.id) > below[1]),
                )
            )
        crossing = s.exec(q.order_by(col(MeterReading.read_at), col(MeterReading.id))).first()
        if crossing is not None:
            return f"threshold:{crossing}"
    return None


def _urgency_impact(priority: int) -> tuple[int, int]:
    """An urgency and impact whose matrix gives ``priority`` (urgency + impact - 1)."""
    urgency = min(3, priority)
    return urgency, priority - urgency + 1


def _generate(
    s: Session, ctx: Ctx, sched: PMSchedule, due: date, key: str, result: RunResult
) -> None:
    """Insert the occurrence first: a duplicate key means another run got there first."""
    assert sched.id is not None
    exists = s.exec(
        select(PMOccurrence.id).where(
            PMOccurrence.schedule_id == sched.id, PMOccurrence.occurrence_key == key
        )
    ).first()
    if exists is not None:
        result.already_done += 1
        return
    occ = PMOccurrence(
        schedule_id=sched.id,
        occurrence_key=key,
        due_at=due_datetime(due),
        status=GENERATED,
        created_at=clock.now(),
    )
    try:
        with s.begin_nested():
            s.add(occ)
            s.flush()
    except IntegrityError:
        result.already_done += 1
        return
    urgency, impact = _urgency_impact(sched.priority)
    cause = "meter reading" if not key.startswith("cal:") else "calendar"
    wo = _new_work_order(
        s,
        ctx,
        title=sched.title,
        description=sched.instructions,
        kind=lc.PREVENTIVE,
        urgency=urgency,
        impact=impact,
        requested_at=clock.now(),
        asset_id=sched.asset_id,
        location_id=sched.location_id,
        site_id=sched.site_id,
        requester=f"PM #{sched.id}",
        pm_schedule_id=sched.id,
        estimated_minutes=sched.estimated_minutes,
        priority=sched.priority,
    )
    assert wo.id is not None
    values: dict[str, object] = {"due_at": due_datetime(due)}
    if wo.response_due_at is not None and wo.response_due_at > due_datetime(due):
        values["response_due_at"] = max(due_datetime(due), wo.requested_at)
    if sched.assignee_id is not None or sched.team_id is not None:
        values.update(assignee_id=sched.assignee_id, team_id=sched.team_id, status=lc.ASSIGNED)
    _wo_change(s, ctx, wo, f"pm_{cause.split()[0]}", **values)
    for position, text in enumerate(json.loads(sched.checklist or "[]"), start=1):
        s.add(ChecklistItem(work_order_id=wo.id, position=position, text=text))
    occ.work_order_id = wo.id
    s.add(occ)
    s.flush()
    result.generated.append(wo_label(wo.number))


def _newest_missed(
    s: Session,
    sched: PMSchedule,
    cal: Calendar,
    anchor: date,
    due: date,
    until: date,
    result: RunResult,
) -> date:
    """The date to generate when a fixed schedule is behind: the newest grid date
    that has passed (or ``due`` itself), every older one recorded as skipped, so a
    forgotten schedule does not flood the board with stale overdue work."""
    now_day = today()
    lead = timedelta(days=sched.lead_days)
    while due < now_day:
        later = cal.fixed_on_or_after(anchor, due + timedelta(days=1))
        if later >= now_day or later - lead > until:
            break
        if _record_skip(s, sched, due, "missed: a later date superseded it"):
            result.skipped += 1
        due = later
    return due


def _run_one(s: Session, ctx: Ctx, sched: PMSchedule, until: date, result: RunResult) -> bool:
    """Generate at most one work order for ``sched``; return whether more may be due."""
    _sync(s, sched)
    if not sched.active:
        return False
    cal = calendar_of(sched)
    now_day = today()
    lead = timedelta(days=sched.lead_days)
    anchor = sched.starts_at.date() if sched.starts_at else now_day
    fixed = cal is not None and cal.mode == "fixed"
    if cal is not None and fixed and not sched.meter:
        if sched.next_due_at is None:
            return False
        due = sched.next_due_at.date()
        if due - lead > until:
            return False
        due = _newest_missed(s, sched, cal, anchor, due, until, result)
        _generate(s, ctx, sched, due, f"cal:{due.isoformat()}", result)
        nxt = cal.fixed_on_or_after(anchor, due + timedelta(days=1))
        sched.next_due_at = due_datetime(nxt)
        s.add(sched)
        return nxt - lead <= until
    if _active_work(s, sched):
        return False
    fired = _meter_due(s, sched)
    if fired is not None:
        _generate(s, ctx, sched, now_day, fired, result)
        if cal is not None and sched.next_due_at is not None and fixed:
            nxt = cal.fixed_on_or_after(anchor, sched.next_due_at.date() + timedelta(days=1))
            sched.next_due_at = due_datetime(nxt)
        elif cal is not None:
            sched.next_due_at = due_datetime(now_day)
        s.add(sched)
        return False
    if cal is None or sched.next_due_at is None:
        return False
    due = sched.next_due_at.date()
    if due - lead <= until:
        if fixed:
            due = _newest_missed(s, sched, cal, anchor, due, until, result)
        _generate(s, ctx, sched, due, f"cal:{due.isoformat()}", result)
        if fixed:
            nxt = cal.fixed_on_or_after(anchor, due + timedelta(days=1))
            sched.next_due_at = due_datetime(nxt)
            s.add(sched)
    return False


def run(ctx: Ctx, until: date | None = None) -> RunResult:
    """Generate the preventive work due (less lead time) by ``until`` (default today).

    Each work order is generated in its own IMMEDIATE transaction, so a run never
    holds the write lock for long and a concurrent run waits, then finds the work
    already done.
    """
    perm.require(ctx.actor, "manage_pm")
    until = until or today()
    with ctx.store.read() as s:
        ids = list(s.exec(select(PMSchedule.id).order_by(col(PMSchedule.id))).all())
    result = RunResult()
    for schedule_id in ids:
        more = True
        while more:
            with ctx.write() as s:
                # A row lock on PostgreSQL (SQLite's IMMEDIATE write lock already
                # serialises): a second run waits here, then finds the schedule moved on.
                sched = s.get(PMSchedule, schedule_id, with_for_update=True)
                more = sched is not None and _run_one(s, ctx, sched, until, result)
    return result


# ---------------------------------------------------------------- reading schedules


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    title: str
    target: str
    trigger: str
    next_due: date | None
    last_done: datetime | None
    active: bool
    open_work: int
    due_count: int
    """PM work due so far whose outcome is known: done, cancelled, or its grace
    window (10 % of the interval after due) closed without it being done."""
    on_time: int
    pending: int = 0
    """PM work past its due date, not done, but still inside its grace window."""
    asset_tag: str | None = None
    meter: str = ""

    @property
    def compliance(self) -> float | None:
        """Share of this schedule's decided PM work that was done within 10 % of the
        interval after its due date (pending work is not counted either way)."""
        return None if self.due_count == 0 else 100.0 * self.on_time / self.due_count

    @property
    def compliance_text(self) -> str:
        """``75% of 4``, ``75% of 4, 1 pending``, ``1 pending`` or ``-``."""
        parts = [] if self.compliance is None else [f"{self.compliance:.0f}% of {self.due_count}"]
        if self.pending:
            parts.append(f"{self.pending} pending")
        return ", ".join(parts) or "-"


def trigger_text(sched: PMSchedule) -> str:
    parts = []
    cal = calendar_of(sched)
    if cal is not None:
        parts.append(cal.describe())
    if sched.meter_every:
        parts.append(f"every {sched.meter_every:g} {sched.meter}")
    if sched.meter_threshold is not None:
        parts.append(f"{sched.meter} >= {sched.meter_threshold:g}")
    text = " or ".join(parts)
    return text + (f", {sched.lead_days}d lead" if sched.lead_days else "")


def grace_hours_expr() -> ColumnElement[float]:
    """10 % of a schedule's interval in hours, as SQL (0 for meter-only schedules)."""
    unit_days = case(
        *((col(PMSchedule.interval_unit) == u, d) for u, d in INTERVAL_DAYS.items()), else_=0
    )
    return 0.1 * func.coalesce(PMSchedule.interval_value, 0) * unit_days * 24.0


def on_time_expr(dialect: str) -> ColumnElement[bool]:
    """A PM work order completed no later than due date + 10 % of its interval."""
    late = hours_between(dialect, WorkOrder.due_at, WorkOrder.completed_at)
    return col(WorkOrder.completed_at).is_not(None) & (late <= grace_hours_expr())


def pending_expr(dialect: str, as_of: datetime) -> ColumnElement[bool]:
    """PM work still open whose grace window (due date + 10 % of the interval) has
    not closed by ``as_of``: neither on time nor missed yet. Without a schedule
    there is no grace, so such work is pending only until its due date."""
    since_due = hours_between(dialect, WorkOrder.due_at, literal(as_of, UTCDateTime()))
    return col(WorkOrder.status).in_(lc.ACTIVE) & (since_due <= grace_hours_expr())


def list_schedules(store: Store, *, actor: Actor, include_paused: bool = True) -> list[ScheduleRow]:
    """Every schedule with its PM work summarised in one grouped query (for those who
    may see all work: schedules name assets, crews and compliance)."""
    perm.require(actor, "view_all_work", "(PM schedules)")
    now = clock.now()
    with store.read() as s:
        q = (
            select(PMSchedule, Asset.tag, Location.path)
            .join(Asset, col(Asset.id) == col(PMSchedule.asset_id), isouter=True)
            .join(Location, col(Location.id) == col(PMSchedule.location_id), isouter=True)
            .order_by(col(PMSchedule.next_due_at), col(PMSchedule.id))
        )
        if not include_paused:
            q = q.where(col(PMSchedule.active).is_(True))
        schedules = s.exec(q).all()
        is_due = col(WorkOrder.due_at) <= now
        pending = pending_expr(store.dialect, now)
        stats = {
            row[0]: row[1:]
            for row in s.exec(
                select(
                    WorkOrder.pm_schedule_id,
                    func.max(WorkOrder.completed_at),
                    func.sum(case((col(WorkOrder.status).in_(lc.ACTIVE), 1), else_=0)),
                    func.sum(case((is_due & ~pending, 1), else_=0)),
                    func.sum(case((is_due & on_time_expr(store.dialect), 1), else_=0)),
                    func.sum(case((is_due & pending, 1), else_=0)),
                )
                .join(PMSchedule, col(PMSchedule.id) == col(WorkOrder.pm_schedule_id))
                .group_by(col(WorkOrder.pm_schedule_id))
            ).all()
        }
    rows = []
    for sched, tag, path in schedules:
        assert sched.id is not None
        last, open_work, due_count, on_time, pending_n = stats.get(sched.id, (None, 0, 0, 0, 0))
        rows.append(
            ScheduleRow(
                id=sched.id,
                title=sched.title,
                target=tag or path or "-",
                trigger=trigger_text(sched),
                next_due=sched.next_due_at.date() if sched.next_due_at else None,
                last_done=last or sched.last_done_at,
                active=sched.active,
                open_work=int(open_work or 0),
                due_count=int(due_count or 0),
                on_time=int(on_time or 0),
                pending=int(pending_n or 0),
                asset_tag=tag,
                meter=sched.meter,
            )
        )
    return rows


@dataclass(frozen=True)
class OccurrenceRow:
    due: date
    key: str
    status: str
    """generated | skipped | cancelled | reset"""
    reason: str
    work_order: str
    """WO label, or '' when no work was generated."""
    work_status: str
    created_at: datetime


def _occurrences(s: Session, schedule_id: int, limit: int) -> list[OccurrenceRow]:
    rows = s.exec(
        select(PMOccurrence, WorkOrder.number, WorkOrder.status)
        .join(WorkOrder, col(WorkOrder.id) == col(PMOccurrence.work_order_id), isouter=True)
        .where(PMOccurrence.schedule_id == schedule_id)
        .order_by(col(PMOccurrence.due_at).desc(), col(PMOccurrence.id).desc())
        .limit(limit)
    ).all()
    return [
        OccurrenceRow(
            due=o.due_at.date(),
            key=o.occurrence_key,
            status=o.status,
            reason=o.reason,
            work_order=wo_label(number) if number is not None else "",
            work_status=status or "",
            created_at=o.created_at,
        )
        for o, number, status in rows
    ]


def occurrences(
    store: Store, schedule_id: int, limit: int = 50, *, actor: Actor
) -> list[OccurrenceRow]:
    """The newest occurrences of a schedule, skipped, missed, cancelled and meter
    resets included, with the work order each one generated."""
    perm.require(actor, "view_all_work", "(PM schedules)")
    with store.read() as s:
        _load_schedule(s, schedule_id)
        return _occurrences(s, schedule_id, limit)


@dataclass(frozen=True)
class ScheduleDetail:
    """What the PM screen shows under the highlighted schedule."""

    id: int
    title: str
    instructions: str
    meter: str
    reading: MeterReading | None
    """The meter's latest reading."""
    meter_target: float | None
    """The reading at which ``meter_every`` next generates work."""
    occurrences: list[OccurrenceRow]


def schedule_detail(
    store: Store, schedule_id: int, limit: int = 20, *, actor: Actor
) -> ScheduleDetail:
    perm.require(actor, "view_all_work", "(PM schedules)")
    with store.read() as s:
        sched = _load_schedule(s, schedule_id)
        reading = (
            _latest_reading(s, sched.asset_id, sched.meter)
            if sched.meter and sched.asset_id is not None
            else None
        )
        return ScheduleDetail(
            id=schedule_id,
            title=sched.title,
            instructions=sched.instructions,
            meter=sched.meter,
            reading=reading,
            meter_target=(sched.last_meter_value or 0.0) + sched.meter_every
            if sched.meter_every
            else None,
            occurrences=_occurrences(s, schedule_id, limit),
        )


# ---------------------------------------------------------------- checklists


def _found_line(position: int, label: str) -> str:
    """How a follow-up's description names the checklist item that raised it."""
    return f"Checklist item {position} of {label} failed: "


def _follow_ups(s: Session, wo: WorkOrder) -> dict[int, int]:
    """Checklist position -> number of the follow-up work that item raised."""
    label = wo_label(wo.number)
    found = re.compile(rf"^Checklist item (\d+) of {re.escape(label)} failed: ", re.MULTILINE)
    raised: dict[int, int] = {}
    for number, description in s.exec(
        select(WorkOrder.number, WorkOrder.description)
        .where(WorkOrder.parent_id == wo.id, WorkOrder.kind == lc.FOLLOW_UP)
        .order_by(col(WorkOrder.id))
    ).all():
        for m in found.finditer(description):
            raised.setdefault(int(m.group(1)), number)
    return raised


def checklist_follow_ups(store: Store, ref: str | int, *, actor: Actor) -> dict[int, int]:
    """Which checklist items of a work order already raised follow-up work (by number)."""
    perm.require(actor, "view_all_work", "(checklists)")
    with store.read() as s:
        return _follow_ups(s, _load_wo(s, ref))


def checklist(store: Store, ref: str | int, *, actor: Actor) -> list[ChecklistItem]:
    perm.require(actor, "view_all_work", "(checklists)")
    with store.read() as s:
        wo = _load_wo(s, ref)
        return list(
            s.exec(
                select(ChecklistItem)
                .where(ChecklistItem.work_order_id == wo.id)
                .order_by(col(ChecklistItem.position))
            ).all()
        )


def set_checklist_item(
    ctx: Ctx,
    ref: str | int,
    position: int,
    result: str,
    note: str = "",
    *,
    follow_up: FollowUpInput | None = None,
) -> WorkOrder | None:
    """Tick one item pass / fail / n.a. (or clear it with ``''``).

    A failed item may raise its follow-up work order in the same transaction;
    that work order is returned.
    """
    if result not in RESULTS:
        raise ValidationError("A checklist result is pass, fail or na.")
    note = _text(note, "The note", required=False)
    if follow_up is not None and result != "fail":
        raise ValidationError("Only a failed checklist item raises follow-up work.")
    with ctx.write() as s:
        wo = _load_wo(s, ref)
        label = wo_label(wo.number)
        perm.require_work(ctx.actor, "checklist", label, wo.assignee_id, wo.team_id)
        if not lc.allowed("edit_closeout", wo.status):
            raise InvalidTransition(
                f"{label} is {lc.STATUS_LABELS[wo.status]}: the checklist is ticked while "
                "the work is in progress."
            )
        item = s.exec(
            select(ChecklistItem).where(
                ChecklistItem.work_order_id == wo.id, ChecklistItem.position == position
            )
        ).first()
        if item is None:
            raise NotFound(f"{label} has no checklist item {position}.")
        if follow_up is not None and (raised := _follow_ups(s, wo).get(position)):
            raise InvalidTransition(
                f"Checklist item {position} of {label} already raised follow-up {wo_label(raised)}."
            )
        changes = _set(item, result=result, note=note)
        s.add(item)
        assert wo.id is not None
        _audit(
            s,
            ctx.actor,
            "work_order",
            wo.id,
            "checklist",
            {f"item {position}": [None, f"{RESULT_LABELS[result]} {note}".strip()]}
            if changes
            else {},
            wo.id,
        )
        if follow_up is None:
            return None
        found = _found_line(position, label) + item.text + (f"\n{note}" if note else "")
        asked = clean(follow_up.description or "").strip()
        description = _text(f"{asked}\n\n{found}" if asked else found, "Follow-up description")
        return _new_work_order(
            s,
            ctx,
            title=clean_line(follow_up.title)[:MAX_TITLE]
            or _title_from(f"{item.text}: failed on {label}"),
            description=clean(description),
            kind=lc.FOLLOW_UP,
            urgency=follow_up.urgency,
            impact=follow_up.impact,
            requested_at=clock.now(),
            asset_id=wo.asset_id,
            location_id=wo.location_id,
            site_id=wo.site_id,
            requester=ctx.actor.display_name,
            parent_id=wo.id,
        )

"""The tables.

Money is integer cents and time is integer minutes: sums stay exact on every
dialect. Statuses and kinds are plain strings whose meaning lives in
``wo_tui.domain.lifecycle``. Every timestamp is aware UTC (``UTCDateTime``).
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from wo_tui.errors import StoreError
from wo_tui.store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata


BIG_ID = BigInteger().with_variant(Integer(), "sqlite")
"""Ids of the tables that grow with every action (audit events, notes, entries): 64-bit
on PostgreSQL; on SQLite an INTEGER PRIMARY KEY is already 64-bit and must stay INTEGER
to remain the rowid."""


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Counter(SQLModel, table=True):
    """Next human numbers (REQ-, WO-). One row per series, bumped inside the writing
    transaction, so numbers are gapless and safe with several writers on any dialect."""

    __tablename__ = "counter"
    name: str = Field(primary_key=True, max_length=32)
    value: int = Field(default=0)


class Site(SQLModel, table=True):
    __tablename__ = "site"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)


class Location(SQLModel, table=True):
    __tablename__ = "location"
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    name: str = Field(max_length=200)
    path: str = Field(default="", max_length=1000, description="Site / Building / Area")


class Asset(SQLModel, table=True):
    __tablename__ = "asset"
    id: int | None = Field(default=None, primary_key=True)
    tag: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200, index=True)
    category: str = Field(default="", max_length=64)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    criticality: int = Field(default=3, description="1 most critical .. 5 least")
    in_service_at: datetime | None = _ts()


class Team(SQLModel, table=True):
    __tablename__ = "team"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    weekly_capacity_minutes: int = Field(default=0, description="net crew capacity per week")


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    hourly_rate_cents: int = Field(default=0)
    active: bool = Field(default=True)


class WorkRequest(SQLModel, table=True):
    __tablename__ = "work_request"
    __table_args__ = (Index("ix_work_request_status_submitted", "status", "submitted_at", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    requester: str = Field(max_length=200)
    contact: str = Field(default="", max_length=200)
    source: str = Field(default="operator", max_length=16)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    asset_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="location.id")
    title: str = Field(max_length=200)
    description: str = Field(sa_type=Text)
    urgency: int
    impact: int
    priority: int
    status: str = Field(default="new", max_length=16)
    submitted_by_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    submitted_at: datetime = _ts(nullable=False)
    triaged_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    triaged_at: datetime | None = _ts()
    reject_reason: str = Field(default="", sa_type=Text)
    work_order_id: int | None = Field(default=None, foreign_key="work_order.id", index=True)


_version = Column("version", Integer, nullable=False, default=1)


class WorkOrder(SQLModel, table=True):
    __tablename__ = "work_order"
    __table_args__ = (
        Index("ix_work_order_board", "status", "due_at", "id"),
        Index("ix_work_order_assignee_queue", "assignee_id", "status", "priority", "due_at"),
        Index("ix_work_order_team_queue", "team_id", "status", "priority", "due_at"),
        Index("ix_work_order_asset_history", "asset_id", "requested_at", "id"),
        Index("ix_work_order_site_status", "site_id", "status"),
    )
    __mapper_args__ = {"version_id_col": _version}

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    kind: str = Field(default="reactive", max_length=16)
    source: str = Field(default="operator", max_length=16)
    requester: str = Field(default="", max_length=200)
    urgency: int = 2
    impact: int = 2
    priority: int = 3
    status: str = Field(default="open", max_length=16)
    site_id: int | None = Field(default=None, foreign_key="site.id")
    asset_id: int | None = Field(default=None, foreign_key="asset.id")
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    parent_id: int | None = Field(default=None, foreign_key="work_order.id", index=True)
    pm_schedule_id: int | None = Field(default=None, foreign_key="pm_schedule.id", index=True)
    estimated_minutes: int = Field(default=0)
    requested_at: datetime = _ts(nullable=False)
    approved_at: datetime | None = _ts()
    response_due_at: datetime | None = _ts()
    due_at: datetime | None = _ts()
    started_at: datetime | None = _ts()
    completed_at: datetime | None = _ts()
    closed_at: datetime | None = _ts(index=True)
    cancelled_at: datetime | None = _ts()
    resolution: str = Field(default="", sa_type=Text)
    cause_code: str = Field(default="", max_length=32)
    remedy_code: str = Field(default="", max_length=32)
    no_parts_used: bool = Field(default=False)
    follow_up: str = Field(default="", max_length=16, description="'' | none | needed")
    hold_reason: str = Field(default="", max_length=200)
    cancel_reason: str = Field(default="", sa_type=Text)
    send_back_reason: str = Field(default="", sa_type=Text)
    updated_at: datetime = _ts(nullable=False)
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    version: int = Field(default=1, sa_column=_version)


class Note(SQLModel, table=True):
    __tablename__ = "note"
    __table_args__ = (Index("ix_note_wo_created", "work_order_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BIG_ID)
    work_order_id: int = Field(foreign_key="work_order.id")
    author_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = _ts(nullable=False)
    body: str = Field(sa_type=Text)


class LabourEntry(SQLModel, table=True):
    __tablename__ = "labour_entry"
    __table_args__ = (Index("ix_labour_user_date", "user_id", "work_date"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BIG_ID)
    work_order_id: int = Field(foreign_key="work_order.id", index=True)
    user_id: int = Field(foreign_key="user_account.id")
    work_date: date
    minutes: int
    rate_cents: int = Field(description="the user's hourly rate when the time was logged")
    created_at: datetime = _ts(nullable=False)
    created_by_id: int = Field(foreign_key="user_account.id")


class Part(SQLModel, table=True):
    __tablename__ = "part"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200, index=True)
    unit: str = Field(default="ea", max_length=16)
    unit_cost_cents: int = Field(default=0)
    active: bool = Field(default=True)


class PartUsage(SQLModel, table=True):
    __tablename__ = "part_usage"
    id: int | None = Field(default=None, primary_key=True, sa_type=BIG_ID)
    work_order_id: int = Field(foreign_key="work_order.id", index=True)
    part_id: int = Field(foreign_key="part.id", index=True)
    quantity: float
    unit_cost_cents: int = Field(description="the part's cost when it was used")
    created_at: datetime = _ts(nullable=False)
    created_by_id: int = Field(foreign_key="user_account.id")


class PMSchedule(SQLModel, table=True):
    __tablename__ = "pm_schedule"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    instructions: str = Field(default="", sa_type=Text)
    checklist: str = Field(default="[]", sa_type=Text, description="JSON list of item texts")
    site_id: int | None = Field(default=None, foreign_key="site.id")
    asset_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="location.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id")
    estimated_minutes: int = Field(default=0)
    priority: int = Field(default=4)
    interval_value: int | None = None
    interval_unit: str = Field(default="", max_length=8, description="day|week|month|year")
    weekdays: str = Field(default="", max_length=32, description="comma list 0=Mon..6=Sun")
    day_of_month: int | None = None
    mode: str = Field(default="fixed", max_length=8, description="fixed|floating")
    lead_days: int = Field(default=0)
    meter: str = Field(default="", max_length=32)
    meter_every: float | None = None
    meter_threshold: float | None = None
    starts_at: datetime | None = _ts()
    last_done_at: datetime | None = _ts()
    last_meter_value: float | None = None
    next_due_at: datetime | None = _ts(index=True)
    active: bool = Field(default=True)
    created_at: datetime = _ts(nullable=False)


class PMOccurrence(SQLModel, table=True):
    """One due date of one schedule: the unique key that makes generation idempotent."""

    __tablename__ = "pm_occurrence"
    __table_args__ = (UniqueConstraint("schedule_id", "occurrence_key"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BIG_ID)
    schedule_id: int = Field(foreign_key="pm_schedule.id")
    occurrence_key: str = Field(max_length=64)
    due_at: datetime = _ts(nullable=False)
    status: str = Field(default="generated", max_length=16, description="generated|skipped")
    reason: str = Field(default="", sa_type=Text)
    work_order_id: int | None = Field(default=None, foreign_key="work_order.id", index=True)
    created_at: datetime = _ts(nullable=False)


class ChecklistItem(SQLModel, table=True):
    __tablename__ = "checklist_item"
    __table_args__ = (Index("ix_checklist_wo_position", "work_order_id", "position"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BIG_ID)
    work_order_id: int = Field(foreign_key="work_order.id")
    position: int
    text: str = Field(max_length=500)
    result: str = Field(default="", max_length=8, description="'' | pass | fail | na")
    note: str = Field(default="", sa_type=Text)


class MeterReading(SQLModel, table=True):
    __tablename__ = "meter_reading"
    __table_args__ = (Index("ix_meter_reading_asset_meter_at", "asset_id", "meter", "read_at"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=BIG_ID)
    asset_id: int = Field(foreign_key="asset.id")
    meter: str = Field(max_length=32)
    value: float
    read_at: datetime = _ts(nullable=False)
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class AuditEvent(SQLModel, table=True):
    """Append-only: services insert these and never update or delete them."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_entity", "entity", "entity_id", "id"),
        Index("ix_audit_wo", "work_order_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=BIG_ID)
    at: datetime = _ts(nullable=False)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    entity: str = Field(max_length=32)
    entity_id: int
    work_order_id: int | None = Field(default=None, foreign_key="work_order.id")
    action: str = Field(max_length=32)
    changes: str = Field(default="{}", sa_type=Text, description="JSON {field: [old, new]}")


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(_mapper: Any, _conn: Any, target: AuditEvent) -> None:
    raise StoreError(f"Audit event #{target.id} is history and cannot be changed or deleted.")

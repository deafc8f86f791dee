"""64-bit ids for the tables that grow with every action, on PostgreSQL

Audit events, notes, labour and part entries, checklist items, meter readings and PM
occurrences gain rows with every keystroke that saves; a 32-bit id would run out at
about two billion. SQLite's INTEGER PRIMARY KEY is 64-bit already, so there is
nothing to do there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "audit_event",
    "note",
    "labour_entry",
    "part_usage",
    "checklist_item",
    "meter_reading",
    "pm_occurrence",
)


def _retype(to: type[sa.types.TypeEngine[int]], sequence_type: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table in TABLES:
        op.alter_column(table, "id", type_=to(), existing_nullable=False)
        op.execute(f"ALTER SEQUENCE IF EXISTS {table}_id_seq AS {sequence_type}")


def upgrade() -> None:
    _retype(sa.BigInteger, "bigint")


def downgrade() -> None:
    _retype(sa.Integer, "integer")

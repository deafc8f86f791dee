"""Alembic environment: always given a connection by ``wo_tui.store.migrate``."""

from alembic import context

from wo_tui.store.models import metadata
from wo_tui.store.search import include_object

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations through wo-tui (they open the database themselves).")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()

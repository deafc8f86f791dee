"""Driver errors that reach a person are one line in the words of the database,
whatever the dialect (PostgreSQL adds DETAIL lines and the SQL)."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from wo_tui.errors import StoreError
from wo_tui.store.db import Store
from wo_tui.store.models import Site


def test_constraint_violation_is_one_line_and_keeps_the_values_case(store: Store) -> None:
    with store.write() as s:
        s.add(Site(code="NORTH", name="North"))
    with pytest.raises(StoreError) as err, store.write() as s:
        s.add(Site(code="NORTH", name="North again"))
    message = str(err.value)
    assert message.startswith("The database refused the change (")
    assert "\n" not in message and not message.endswith("..")
    assert "unique" in message.lower()
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(Site)).one() == 1


def test_store_errors_name_the_database(store: Store) -> None:
    with pytest.raises(StoreError) as err, store.write() as s:
        s.add(Site(code="A", name="A"))
        s.add(Site(code="A", name="B"))
    assert store.label in str(err.value)

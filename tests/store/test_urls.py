"""What ``--db`` accepts: a path, a sqlite:// or postgresql:// URL; anything else is
one sentence before any driver is looked for."""

from __future__ import annotations

import pytest

from wo_tui.errors import StoreError
from wo_tui.store.db import normalize_url


@pytest.mark.parametrize(
    "given",
    ["postgres://ann@db.example/wo", "postgresql://ann@db.example/wo"],
)
def test_postgres_spellings_use_psycopg(given: str) -> None:
    assert normalize_url(given) == "postgresql+psycopg://ann@db.example/wo"


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("mysql://u@h/db", "not mysql"),
        ("foo://bar", "not foo"),
        ("postgresql://[::1", "not a database URL"),
    ],
)
def test_other_urls_are_one_sentence(given: str, said: str) -> None:
    with pytest.raises(StoreError, match=said) as caught:
        normalize_url(given)
    assert "\n" not in str(caught.value)


def test_a_password_is_not_repeated_in_the_message() -> None:
    with pytest.raises(StoreError) as caught:
        normalize_url("postgresql://ann:secret@[::1")
    assert "secret" not in str(caught.value)

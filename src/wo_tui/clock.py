"""The one place the tool asks what time it is.

Tests and snapshots freeze it; everything stored is UTC and aware.
"""

from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Pin the clock (tests, snapshots); ``None`` lets it run again."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(UTC) if at is not None else None

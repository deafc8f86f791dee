"""Parsing what people type for time and money."""

from __future__ import annotations

import re
from datetime import date, datetime

from wo_tui.errors import ValidationError

_HM = re.compile(r"^(\d{1,3}):([0-5]\d)$")
_HOURS_MINUTES = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$")
MAX_ENTRY_MINUTES = 24 * 60


def parse_minutes(text: str) -> int:
    """``90``, ``1:30``, ``1h30m``, ``1.5h`` or ``45m`` -> minutes."""
    raw = text.strip().lower()
    minutes: float | None = None
    if raw.isdigit():
        minutes = int(raw)
    elif m := _HM.match(raw):
        minutes = int(m.group(1)) * 60 + int(m.group(2))
    elif (m := _HOURS_MINUTES.match(raw)) and raw:
        minutes = float(m.group(1) or 0) * 60 + int(m.group(2) or 0)
    if minutes is None:
        raise ValidationError(f"{text!r} is not a duration: type minutes (90) or h:mm (1:30).")
    return check_minutes(round(minutes))


def check_minutes(minutes: int) -> int:
    if minutes <= 0:
        raise ValidationError("Time logged must be more than zero minutes.")
    if minutes > MAX_ENTRY_MINUTES:
        raise ValidationError("One labour entry cannot exceed 24 hours: split it by day.")
    return minutes


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def format_money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100:,}.{cents % 100:02d}"


def parse_money(text: str) -> int:
    """``12.50`` -> 1250 cents."""
    try:
        value = round(float(text.strip().replace(",", "")) * 100)
    except (ValueError, OverflowError) as exc:
        raise ValidationError(f"{text!r} is not an amount of money (like 12.50).") from exc
    if value < 0:
        raise ValidationError("An amount of money cannot be negative.")
    return value


def parse_date(text: str, fmt: str | None = None) -> date:
    raw = text.strip()
    try:
        if fmt:
            return datetime.strptime(raw, fmt).date()
        return date.fromisoformat(raw)
    except ValueError as exc:
        want = fmt or "YYYY-MM-DD"
        raise ValidationError(f"{text!r} is not a valid date ({want}).") from exc

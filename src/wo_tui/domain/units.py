"""Parsing what people type for time and money."""

from __future__ import annotations

import re
from datetime import date, datetime

from wo_tui.errors import ValidationError

_HM = re.compile(r"^(\d{1,3}):([0-5]\d)$")
_HOURS_MINUTES = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$")
MAX_ENTRY_MINUTES = 24 * 60
MAX_MONEY_CENTS = 1_000_000_000
"""10,000,000.00: more than any rate or part a site pays, well inside a 32-bit column."""
MAX_WEEKLY_MINUTES = 1_000 * 168 * 60
"""A crew of 1,000 working round the clock."""


def _shown(text: str, width: int = 40) -> str:
    """What someone typed, quoted for a refusal and never longer than one line's worth."""
    text = text.strip()
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def parse_minutes(text: str) -> int:
    """``90``, ``1:30``, ``1h30m``, ``1.5h`` or ``45m`` -> minutes. A negative duration
    parses, so that it is refused as time, not as a typo."""
    raw = text.strip().lower()
    sign = -1 if raw.startswith("-") else 1
    raw = raw.removeprefix("-").strip()
    minutes: float | None = None
    if len(raw) > 32:
        pass
    elif raw.isascii() and raw.isdecimal():
        minutes = int(raw)
    elif m := _HM.match(raw):
        minutes = int(m.group(1)) * 60 + int(m.group(2))
    elif (m := _HOURS_MINUTES.match(raw)) and raw:
        minutes = float(m.group(1) or 0) * 60 + int(m.group(2) or 0)
    if minutes is None:
        raise ValidationError(
            f"{_shown(text)} is not a duration: type minutes (90) or h:mm (1:30)."
        )
    return check_minutes(sign * round(minutes))


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
        raise ValidationError(f"{_shown(text)} is not an amount of money (like 12.50).") from exc
    if value < 0:
        raise ValidationError("An amount of money cannot be negative.")
    if value > MAX_MONEY_CENTS:
        raise ValidationError(
            f"{_shown(text)} is more than {format_money(MAX_MONEY_CENTS)}: check the amount."
        )
    return value


def parse_weekly_hours(text: str) -> int:
    """Hours a week (``152``, ``152.5`` or ``152:30``) -> minutes. Not ``parse_minutes``,
    which refuses more than a day because it reads a single labour entry."""
    raw = text.strip()
    if raw.startswith("-"):
        raise ValidationError("Capacity cannot be negative.")
    try:
        if ":" in raw:
            hours, mins = raw.split(":", 1)
            if not 0 <= int(mins) < 60:
                raise ValueError(mins)
            total = int(hours) * 60 + int(mins)
        else:
            total = round(float(raw) * 60)
    except (ValueError, OverflowError) as exc:
        raise ValidationError(f"{_shown(text)} is not hours a week (like 152 or 152:30).") from exc
    return check_weekly_minutes(total)


def check_weekly_minutes(minutes: int) -> int:
    if minutes < 0:
        raise ValidationError("Capacity cannot be negative.")
    if minutes > MAX_WEEKLY_MINUTES:
        raise ValidationError(
            f"Capacity over {MAX_WEEKLY_MINUTES // 60:,} hours a week is not believable."
        )
    return minutes


def parse_date(text: str, fmt: str | None = None) -> date:
    raw = text.strip()
    try:
        if fmt:
            return datetime.strptime(raw, fmt).date()
        return date.fromisoformat(raw)
    except ValueError as exc:
        want = fmt or "YYYY-MM-DD"
        raise ValidationError(f"{_shown(text)} is not a valid date ({want}).") from exc

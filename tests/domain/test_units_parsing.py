"""What people type for time, money and dates: accepted forms, and a sentence for
everything else (never a Python error)."""

from __future__ import annotations

from datetime import date

import pytest

from wo_tui.domain import units
from wo_tui.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("1:30", 90),
        ("0:05", 5),
        ("1h30m", 90),
        ("1h 30m", 90),
        (" 1.5h ", 90),
        ("45m", 45),
        ("45min", 45),
        ("2h", 120),
        ("24:00", 1440),
    ],
)
def test_durations(text: str, minutes: int) -> None:
    assert units.parse_minutes(text) == minutes


@pytest.mark.parametrize(
    "text",
    [
        *("", " ", "h", "m", "abc", "1:75", "-5", "-1:30", "0", "0:00", "24:01", "25h", "1.5"),
        *("1e3", "9" * 5000, "9" * 400 + "h"),
    ],
)
def test_bad_durations_are_sentences(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        units.parse_minutes(text)
    assert str(err.value).endswith(".") and "\n" not in str(err.value)


def test_format_minutes() -> None:
    assert units.format_minutes(90) == "1:30"
    assert units.format_minutes(5) == "0:05"


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12.50", 1250), ("0", 0), ("1,234.5", 123450), (" 7 ", 700), ("0.125", 12)],
)
def test_money(text: str, cents: int) -> None:
    assert units.parse_money(text) == cents


@pytest.mark.parametrize(
    "text",
    ["", "abc", "-1", "12,50.x", "nan", "inf", "-inf", "1e400", "1e30", "10000000.01", "9" * 5000],
)
def test_bad_money_is_a_sentence(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        units.parse_money(text)
    message = str(err.value)
    assert "\n" not in message and len(message) < 100


def test_money_has_an_upper_bound() -> None:
    assert units.parse_money("10,000,000") == units.MAX_MONEY_CENTS
    with pytest.raises(ValidationError, match=r"^'1e30' is more than 10,000,000\.00"):
        units.parse_money("1e30")


@pytest.mark.parametrize(("text", "minutes"), [("152", 9120), ("152.5", 9150), ("152:30", 9150)])
def test_weekly_hours(text: str, minutes: int) -> None:
    assert units.parse_weekly_hours(text) == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e30", "not believable"),
        ("168001", "not believable"),
        ("inf", "is not hours a week"),
        ("nan", "is not hours a week"),
        ("152:75", "is not hours a week"),
        ("lots", "is not hours a week"),
        ("-1", "cannot be negative"),
        ("-0:30", "cannot be negative"),
    ],
)
def test_bad_weekly_hours_are_sentences(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        units.parse_weekly_hours(text)


def test_format_money() -> None:
    assert units.format_money(123456) == "1,234.56"
    assert units.format_money(-5) == "-0.05"
    assert units.format_money(0) == "0.00"


def test_dates() -> None:
    assert units.parse_date("2026-03-02") == date(2026, 3, 2)
    assert units.parse_date("02/03/2026", "%d/%m/%Y") == date(2026, 3, 2)
    for bad, fmt in (("2026-02-30", None), ("yesterday", None), ("2026-03-02", "%d/%m/%Y")):
        with pytest.raises(ValidationError, match=r"is not a valid date"):
            units.parse_date(bad, fmt)

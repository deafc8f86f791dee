"""Due-date arithmetic, with expected dates worked out by hand from the rules:
fixed dates are counted from the start date, floating ones from the last
completion, and a day past the end of a month is clamped to its last day."""

from datetime import date

import pytest

from wo_tui.domain.pm import Calendar, add_interval, add_months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 10), -2, date(2025, 11, 10)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_interval_units() -> None:
    d = date(2026, 2, 27)
    assert add_interval(d, 2, "day") == date(2026, 3, 1)
    assert add_interval(d, 1, "week") == date(2026, 3, 6)
    assert add_interval(d, 1, "year") == date(2027, 2, 27)


def _fixed(cal: Calendar, anchor: date, n: int) -> list[date]:
    out: list[date] = []
    d = anchor
    for _ in range(n):
        d = cal.fixed_on_or_after(anchor, d)
        out.append(d)
        d = date.fromordinal(d.toordinal() + 1)
    return out


def test_fixed_monthly_from_the_31st_keeps_its_day() -> None:
    cal = Calendar(1, "month")
    assert _fixed(cal, date(2026, 1, 31), 5) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]


def test_fixed_monthly_in_a_leap_year() -> None:
    cal = Calendar(1, "month")
    assert _fixed(cal, date(2024, 1, 31), 3) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]


def test_floating_drifts_from_completion() -> None:
    cal = Calendar(1, "month", mode="floating")
    # Done on Feb 28: next due one month later, Mar 28 (not Mar 31).
    assert cal.floating_after(date(2026, 2, 28)) == date(2026, 3, 28)
    assert cal.floating_after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert cal.floating_after(date(2024, 1, 30)) == date(2024, 2, 29)


def test_yearly_on_leap_day() -> None:
    cal = Calendar(1, "year")
    assert _fixed(cal, date(2024, 2, 29), 5) == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_quarterly_on_day_of_month() -> None:
    cal = Calendar(3, "month", day_of_month=31)
    assert _fixed(cal, date(2026, 1, 15), 4) == [
        date(2026, 1, 31),
        date(2026, 4, 30),
        date(2026, 7, 31),
        date(2026, 10, 31),
    ]


def test_every_second_week_on_monday_and_thursday() -> None:
    # Anchor Wed 2026-03-04: its week's Monday (Mar 2) is before the start, so the
    # first date is Thu Mar 5; the next period starts two weeks later, Mon Mar 16.
    cal = Calendar(2, "week", weekdays=(0, 3))
    assert _fixed(cal, date(2026, 3, 4), 4) == [
        date(2026, 3, 5),
        date(2026, 3, 16),
        date(2026, 3, 19),
        date(2026, 3, 30),
    ]


def test_floating_weekly_rolls_to_an_allowed_weekday() -> None:
    cal = Calendar(1, "week", weekdays=(0,), mode="floating")
    # Done Wed Mar 4 -> Wed Mar 11 -> first Monday on or after: Mar 16.
    assert cal.floating_after(date(2026, 3, 4)) == date(2026, 3, 16)


def test_far_anchor_is_fast_and_exact() -> None:
    cal = Calendar(1, "month")
    assert cal.fixed_on_or_after(date(1990, 1, 31), date(2026, 2, 1)) == date(2026, 2, 28)

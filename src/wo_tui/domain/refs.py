"""Human numbers: ``WO-000123`` and ``REQ-000042``."""

from __future__ import annotations

import re

from wo_tui.errors import NotFound, ValidationError

MAX_NUMBER = 2**31 - 1
"""The largest number a work order or request can have: the columns are 32-bit
integers, and PostgreSQL refuses to compare one with anything bigger."""

_REF = re.compile(r"^\s*(?:(WO|REQ)-?)?0*([0-9]{1,12})\s*$", re.IGNORECASE)


def wo_label(number: int) -> str:
    return f"WO-{number:06d}"


def req_label(number: int) -> str:
    return f"REQ-{number:06d}"


def _parse(ref: str | int, prefix: str) -> int:
    if isinstance(ref, int):
        number = ref
    else:
        m = _REF.match(ref)
        if not m or (m.group(1) and m.group(1).upper() != prefix):
            raise ValidationError(f"{ref!r} is not a {prefix} number (like {prefix}-000123).")
        number = int(m.group(2))
    if number > MAX_NUMBER:
        what = "work order" if prefix == "WO" else "request"
        raise NotFound(f"There is no {what} {prefix}-{number:06d}.")
    return number


def parse_wo(ref: str | int) -> int:
    return _parse(ref, "WO")


def parse_req(ref: str | int) -> int:
    return _parse(ref, "REQ")

"""Human numbers: ``WO-000123`` and ``REQ-000042``."""

from __future__ import annotations

import re

from wo_tui.errors import ValidationError

_REF = re.compile(r"^\s*(?:(WO|REQ)-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


def wo_label(number: int) -> str:
    return f"WO-{number:06d}"


def req_label(number: int) -> str:
    return f"REQ-{number:06d}"


def _parse(ref: str | int, prefix: str) -> int:
    if isinstance(ref, int):
        return ref
    m = _REF.match(ref)
    if not m or (m.group(1) and m.group(1).upper() != prefix):
        raise ValidationError(f"{ref!r} is not a {prefix} number (like {prefix}-000123).")
    return int(m.group(2))


def parse_wo(ref: str | int) -> int:
    return _parse(ref, "WO")


def parse_req(ref: str | int) -> int:
    return _parse(ref, "REQ")

"""Hostile input for the tests of every surface (CLI, import, export, the app).

Everything a person or another tool could put in a field, as files:

- ``strings.json``: named strings (``text`` and ``why``): Rich/Textual markup, ANSI
  CSI/OSC/DCS and C1 sequences, carriage-return and backspace overwrites, NUL
  bytes, right-to-left and combining characters, emoji, formula-injection cells;
- ``requests_*.csv`` / ``history_*.csv``: import files (formula cells, hostile
  text, impossible dates, negative quantities and hours, unknown codes, assets,
  people and kinds), in the layouts of ``wo_tui.domain.importing``;
- ``malformed_*.csv``: files that are not good CSV (unterminated quote, ragged
  rows, no header, NUL, Latin-1, UTF-16, binary, empty).

Generated rather than stored (so the repository stays small): ``big_text()`` (1 MB)
and ``huge_field_csv()``. ``PAYLOADS`` are byte strings that must never reach a
terminal: grep a raw capture of the app for them.

Use: ``from tests.data.hostile import strings, path, big_text``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent

PAYLOADS: tuple[bytes, ...] = (
    b"\x1b]52;",
    b"\x1b]0;pwned",
    b"\x1b]8;;https://evil.example",
    b"\x1bPpwned",
    b"\xc2\x9b2J",
    b"\xc2\x9d0;pwned",
    b"\x1b[2J\x1b[HScreen wiped",
    b"\x00",
)
"""Bytes from the corpus that mean an escape sequence went out raw (the terminal's
own sequences never contain these)."""


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    why: str


@cache
def cases() -> tuple[Case, ...]:
    raw = json.loads((HERE / "strings.json").read_text(encoding="utf-8"))
    return tuple(Case(name, v["text"], v["why"]) for name, v in raw.items())


def strings() -> dict[str, str]:
    """name -> hostile text."""
    return {c.name: c.text for c in cases()}


def path(name: str) -> Path:
    """A corpus file by name, e.g. ``path("requests_formula.csv")``."""
    found = HERE / name
    if not found.is_file():
        raise FileNotFoundError(f"no hostile corpus file {name!r} in {HERE}")
    return found


def csv_files(prefix: str = "") -> list[Path]:
    return sorted(HERE.glob(f"{prefix}*.csv"))


def big_text(size: int = 1_000_000) -> str:
    """About ``size`` characters of plausible log text with hostile bits sprinkled in."""
    chunk = "Vibration 7.1 mm/s at DE bearing; \x1b[31mALARM\x1b[0m [b]bold[/b] \U0001f525\n"
    return (chunk * (size // len(chunk) + 1))[:size]


def huge_field_csv(folder: Path, size: int = 300_000) -> Path:
    """A request file whose description is longer than any field may be."""
    out = folder / "huge_field.csv"
    out.write_text(
        f'requester,description,urgency,impact\nRita,"{"A" * size}",2,2\n', encoding="utf-8"
    )
    return out

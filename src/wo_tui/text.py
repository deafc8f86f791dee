"""Cleaning of user text.

Rich and Textual pass escape sequences through to the terminal, so a stored
``ESC]52;...`` could write a technician's clipboard. Control characters are
stripped when text is saved and again when it is rendered (data may have been
written by another tool). NUL is among them, which also keeps PostgreSQL happy.
"""

import re

# C0 controls except tab and newline, DEL, the C1 range, and lone surrogates (what
# undecodable bytes in a command-line argument become; no database can store them).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

MAX_TITLE = 200
MAX_TEXT = 200_000
"""Longest description, note or resolution, in characters (about 200 KB of text)."""


def clean(value: str) -> str:
    """Strip control characters; carriage returns become newlines so lines survive."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def clean_line(value: str) -> str:
    """Clean text meant for one line (titles, names, codes): newlines and tabs become spaces."""
    return " ".join(clean(value).split())


def one_line(value: str, width: int) -> str:
    """A preview of multi-line text for a table cell."""
    flat = clean_line(value)
    return flat if len(flat) <= width else flat[: max(width - 1, 0)] + "…"

"""Where things live and the settings a site can change.

The settings file is TOML (``settings.toml`` in the user config directory, or
``WO_TUI_CONFIG``, or ``--config``). Everything has a default, so a missing default
file is fine; a file that cannot be read, or a key of the wrong kind, is a one-line
error naming the file and the key, never a traceback.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from wo_tui.errors import WoError

APP_NAME = "wo-tui"

DEFAULT_SLA_HOURS: dict[int, tuple[float, float]] = {
    1: (1, 4),
    2: (4, 24),
    3: (24, 72),
    4: (72, 14 * 24),
    5: (7 * 24, 30 * 24),
}
"""Priority -> (response target, resolution target) in hours."""

DEFAULT_CAUSE_CODES: dict[str, str] = {
    "WEAR": "Normal wear",
    "MISUSE": "Operator misuse or damage",
    "DESIGN": "Design or installation fault",
    "ELEC": "Electrical fault",
    "LEAK": "Leak or seal failure",
    "BLOCK": "Blockage or contamination",
    "LUBE": "Lubrication failure",
    "CTRL": "Control or software fault",
    "EXT": "External cause (weather, utility)",
    "UNK": "Cause not found",
}
DEFAULT_REMEDY_CODES: dict[str, str] = {
    "REPL": "Replaced component",
    "REPAIR": "Repaired in place",
    "ADJ": "Adjusted or calibrated",
    "CLEAN": "Cleaned or cleared",
    "LUBE": "Lubricated",
    "RESET": "Reset or restarted",
    "TEMP": "Temporary fix (follow-up needed)",
    "NONE": "No fault found",
}


def default_db_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path(APP_NAME) / "wo.db"


def default_config_path() -> Path:
    import platformdirs

    return platformdirs.user_config_path(APP_NAME) / "settings.toml"


@dataclass(frozen=True)
class SlaPolicy:
    hours: dict[int, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))

    def response(self, priority: int) -> timedelta:
        return timedelta(hours=self.hours[priority][0])

    def resolution(self, priority: int) -> timedelta:
        return timedelta(hours=self.hours[priority][1])


@dataclass(frozen=True)
class Settings:
    db: str | None = None
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    cause_codes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CAUSE_CODES))
    remedy_codes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REMEDY_CODES))
    keys: dict[str, str] = field(default_factory=dict)
    theme: str = "textual-dark"
    refresh_seconds: float = 1.0
    pm_on_start: bool = True
    """Generate due preventive work when a dispatcher opens the app (off where cron runs
    ``wo-tui pm run`` instead)."""

    def database(self, override: str | None = None) -> str:
        """The database to open: ``--db``, then ``WO_TUI_DB``, then the settings file,
        then the per-user default."""
        return override or os.environ.get("WO_TUI_DB") or self.db or str(default_db_path())


def _table(raw: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise WoError(f"{path}: {key} must be a table ([{key}]), not {_kind(value)}.")
    return value


def _kind(value: Any) -> str:
    names = {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list"}
    return names.get(type(value), type(value).__name__)


def _sla_from(raw: dict[str, Any], path: Path) -> SlaPolicy:
    hours = dict(DEFAULT_SLA_HOURS)
    for key, value in raw.items():
        try:
            prio = int(str(key).upper().removeprefix("P"))
            resp = float(value.get("response_hours", hours[prio][0]))
            reso = float(value.get("resolution_hours", hours[prio][1]))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise WoError(
                f"{path}: [sla.{key}] must be P1..P5 with response_hours and resolution_hours."
            ) from exc
        if not (0 < resp <= reso < math.inf):
            raise WoError(f"{path}: [sla.{key}] needs 0 < response_hours <= resolution_hours.")
        hours[prio] = (resp, reso)
    return SlaPolicy(hours)


CODE_LIMIT = 32
"""The width of the cause and remedy code columns."""


def _codes_from(
    raw: dict[str, Any], key: str, default: dict[str, str], path: Path
) -> dict[str, str]:
    """One code list; codes are upper case, as every form and the command line type them.
    An empty list is refused: corrective work could then never be completed."""
    if key not in raw:
        return dict(default)
    value = raw[key]
    where = f"{path}: [codes.{key}]"
    if not isinstance(value, dict):
        raise WoError(f'{where} must be a table of CODE = "description", not {_kind(value)}.')
    if not value:
        raise WoError(f"{where} is empty: corrective work needs at least one {key} code.")
    codes: dict[str, str] = {}
    for code, text in value.items():
        name = str(code).strip().upper()
        if not name or len(name) > CODE_LIMIT or not isinstance(text, str):
            raise WoError(
                f'{where}: {code!r} must be a code of 1-{CODE_LIMIT} characters = "description".'
            )
        codes[name] = text
    return codes


def load_settings(path: Path | None = None) -> Settings:
    """The settings in ``path`` (``--config``), ``WO_TUI_CONFIG`` or the default file.

    Only the default file may be missing: a file someone named and mistyped would
    otherwise be ignored without a word, with every setting at its default."""
    if path is None:
        env = os.environ.get("WO_TUI_CONFIG")
        path = Path(env) if env else None
    if path is None:
        path = default_config_path()
        if not path.exists():
            return Settings()
    elif not path.is_file():
        raise WoError(f"Settings file {path} does not exist.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WoError(f"Cannot read settings {path}: {exc}") from exc
    codes = _table(raw, "codes", path)
    keys = _table(raw, "keys", path)
    database = raw.get("database")
    if database is not None and not isinstance(database, str):
        raise WoError(f"{path}: database must be text (a path or URL), not {_kind(database)}.")
    pm_on_start = raw.get("pm_on_start", True)
    if not isinstance(pm_on_start, bool):
        raise WoError(f"{path}: pm_on_start must be true or false, not {_kind(pm_on_start)}.")
    refresh = raw.get("refresh_seconds", 1.0)
    if isinstance(refresh, bool) or not isinstance(refresh, int | float):
        raise WoError(f"{path}: refresh_seconds must be a number, not {_kind(refresh)}.")
    if not 0.1 <= refresh <= 3600:
        raise WoError(f"{path}: refresh_seconds must be between 0.1 and 3600.")
    theme = raw.get("theme", "textual-dark")
    if not isinstance(theme, str):
        raise WoError(f"{path}: theme must be text, not {_kind(theme)}.")
    bad_key = next((k for k, v in keys.items() if not isinstance(v, str)), None)
    if bad_key is not None:
        raise WoError(f'{path}: [keys] {bad_key} must be a key as text, like "A".')
    return Settings(
        db=database,
        sla=_sla_from(_table(raw, "sla", path), path),
        cause_codes=_codes_from(codes, "cause", DEFAULT_CAUSE_CODES, path),
        remedy_codes=_codes_from(codes, "remedy", DEFAULT_REMEDY_CODES, path),
        keys=dict(keys),
        theme=theme,
        refresh_seconds=float(refresh),
        pm_on_start=pm_on_start,
    )

"""Where things live and the settings a site can change.

The settings file is TOML (``settings.toml`` in the user config directory, or
``WO_TUI_CONFIG``). Everything has a default, so a missing file is fine; a file
that cannot be read is a one-line error, never a traceback.
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


def _sla_from(raw: dict[str, Any], path: Path) -> SlaPolicy:
    hours = dict(DEFAULT_SLA_HOURS)
    for key, value in raw.items():
        try:
            prio = int(str(key).upper().removeprefix("P"))
            resp = float(value.get("response_hours", hours[prio][0]))
            reso = float(value.get("resolution_hours", hours[prio][1]))
        except (ValueError, KeyError, AttributeError) as exc:
            raise WoError(
                f"{path}: [sla.{key}] must be P1..P5 with response_hours and resolution_hours"
            ) from exc
        if not (0 < resp <= reso < math.inf):
            raise WoError(f"{path}: [sla.{key}] needs 0 < response_hours <= resolution_hours")
        hours[prio] = (resp, reso)
    return SlaPolicy(hours)


def load_settings(path: Path | None = None) -> Settings:
    if path is None:
        env = os.environ.get("WO_TUI_CONFIG")
        path = Path(env) if env else default_config_path()
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WoError(f"Cannot read settings {path}: {exc}") from exc
    codes = raw.get("codes", {})
    try:
        return Settings(
            db=raw.get("database"),
            sla=_sla_from(raw.get("sla", {}), path),
            cause_codes=dict(codes.get("cause", DEFAULT_CAUSE_CODES)),
            remedy_codes=dict(codes.get("remedy", DEFAULT_REMEDY_CODES)),
            keys={str(k): str(v) for k, v in raw.get("keys", {}).items()},
            theme=str(raw.get("theme", "textual-dark")),
            refresh_seconds=float(raw.get("refresh_seconds", 1.0)),
            pm_on_start=bool(raw.get("pm_on_start", True)),
        )
    except (TypeError, ValueError) as exc:
        raise WoError(f"Cannot read settings {path}: {exc}") from exc

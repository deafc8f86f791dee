from pathlib import Path

import pytest

from wo_tui.config import load_settings
from wo_tui.errors import WoError


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_impossible_sla_hours_are_refused_when_settings_load(tmp_path: Path, value: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(f"[sla.P1]\nresponse_hours = {value}\nresolution_hours = 4\n")
    with pytest.raises(WoError, match=r"\[sla.P1\]"):
        load_settings(path)


def test_unreadable_settings_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[sla\n")
    with pytest.raises(WoError, match="Cannot read settings"):
        load_settings(path)


def test_keys_and_codes_come_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[keys]\napprove = "A"\n[codes.cause]\nX = "Xylophone"\n')
    settings = load_settings(path)
    assert settings.keys == {"approve": "A"}
    assert settings.cause_codes == {"X": "Xylophone"}

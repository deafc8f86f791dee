from pathlib import Path

import pytest

from wo_tui.config import Settings, default_config_path, load_settings
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


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("sla = 5", "sla"),
        ('codes = "x"', "codes"),
        ("keys = 3", "keys"),
        ("[sla]\nP1 = 5", r"\[sla.P1\]"),
        ("[codes]\ncause = []", r"\[codes.cause\]"),
        ("[codes.cause]\n", r"\[codes.cause\] is empty"),
        ("[codes.remedy]\n", r"\[codes.remedy\] is empty"),
        ("[codes.cause]\nWEAR = 5", r"\[codes.cause\]: 'WEAR'"),
        ('pm_on_start = "no"', "pm_on_start"),
        ("refresh_seconds = 0", "refresh_seconds"),
        ('refresh_seconds = "fast"', "refresh_seconds"),
        ("theme = 1", "theme"),
        ("database = 1", "database"),
        ("[keys]\napprove = 1", r"\[keys\] approve"),
    ],
)
def test_a_key_of_the_wrong_kind_is_one_line_naming_file_and_key(
    tmp_path: Path, text: str, key: str
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(text + "\n")
    with pytest.raises(WoError, match=rf"^{path}: {key}") as err:
        load_settings(path)
    assert "\n" not in str(err.value)


def test_codes_are_upper_case_as_they_are_typed(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[codes.remedy]\nswap = "Swapped the unit"\n')
    assert load_settings(path).remedy_codes == {"SWAP": "Swapped the unit"}


def test_a_named_settings_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nonexistent.toml"
    with pytest.raises(WoError, match=rf"^Settings file {missing} does not exist\.$"):
        load_settings(missing)
    monkeypatch.setenv("WO_TUI_CONFIG", str(missing))
    with pytest.raises(WoError, match="does not exist"):
        load_settings()
    monkeypatch.delenv("WO_TUI_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty"))
    assert not default_config_path().exists()
    assert load_settings() == Settings()

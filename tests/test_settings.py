"""Settings load, validate, and every setting is documented."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from matching.config import MatchThresholds
from pipelines.errors import ConfigError
from pipelines.settings import DEFAULT_SETTINGS, Settings, load_settings


def _models_under(model: type[BaseModel]) -> list[type[BaseModel]]:
    """`model` and every settings model nested in its fields, wherever each layer declares it."""
    found: list[type[BaseModel]] = [model]
    for info in model.model_fields.values():
        for arg in typing.get_args(info.annotation) or (info.annotation,):
            for inner in typing.get_args(arg) or (arg,):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in found:
                    found += [m for m in _models_under(inner) if m not in found]
    return found


DOCUMENTED_MODELS = _models_under(Settings)


def test_packaged_settings_load() -> None:
    loaded = load_settings()
    assert set(loaded.agencies) == {
        "hotel_booking",
        "school_enrollment",
        "subsidy_application",
        "civil_service_candidate",
    }
    assert loaded.agencies["school_enrollment"].rule.conditions[1].value == 20000


@pytest.mark.parametrize("model", DOCUMENTED_MODELS, ids=lambda m: m.__name__)
def test_every_setting_is_documented(model: type[BaseModel]) -> None:
    assert model.__doc__, f"{model.__name__} has no docstring"
    for name, info in model.model_fields.items():
        assert info.description, f"{model.__name__}.{name} has no description"


def test_review_above_match_is_refused() -> None:
    with pytest.raises(ValidationError):
        MatchThresholds(match=0.5, review=0.9)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text(
        DEFAULT_SETTINGS.read_text(encoding="utf-8")
        + "\nsurprise: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="surprise"):  # one line naming the key
        load_settings(bad)


def test_missing_settings_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read settings file"):
        load_settings(tmp_path / "absent.yaml")


def test_home_env_moves_every_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CREDSWEEP_HOME", str(tmp_path))
    storage = Settings.model_validate({"agencies": {}}).storage
    assert storage.path("warehouse") == tmp_path / "warehouse.duckdb"
    assert storage.path("outbox") == tmp_path / "outbox"

"""Settings load, validate, and every setting is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from pipelines import settings as settings_mod
from pipelines.errors import ConfigError
from pipelines.settings import MatchThresholds, Settings, load_settings

DOCUMENTED_MODELS = [
    m
    for m in vars(settings_mod).values()
    if isinstance(m, type)
    and issubclass(m, BaseModel)
    and m.__module__ == settings_mod.__name__
    and not m.__name__.startswith("_")
]


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
        (Path(settings_mod.__file__).with_name("credsweep.yaml")).read_text(encoding="utf-8")
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

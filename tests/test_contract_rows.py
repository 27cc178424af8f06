"""`data_contracts.rows.check_rows` (the desk's row checks) judges rows as the GE contract does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from data_contracts import validate
from data_contracts.rows import check_rows
from pipelines.ingest import read_dataset
from pipelines.settings import default_settings
from pipelines.synth.generate import generate

NIGHT = date(2026, 12, 1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rows")
    generate(out, 600, 5, records=600, formats="csv", as_of=NIGHT)
    return out


@pytest.mark.parametrize("agency", ["hotel_booking", "school_enrollment", "subsidy_application"])
def test_same_clean_rows_and_reasons_as_great_expectations(world: Path, agency: str) -> None:
    settings = default_settings().contracts
    raw = read_dataset(world / "agencies" / f"{agency}.csv", agency)
    gx = validate(agency, raw, run_id="rows", settings=settings, run_date=NIGHT)
    desk = check_rows(agency, raw, min_date=date.fromisoformat(settings.min_date), run_date=NIGHT)
    assert gx.quarantine.height > 0  # the generator plants bad rows
    assert sorted(r for r in desk.errors if r) == sorted(gx.quarantine["reason"].to_list())
    assert desk.clean.equals(gx.clean)


def test_a_single_bad_record_gets_its_reason(world: Path) -> None:
    raw = read_dataset(world / "agencies" / "hotel_booking.csv", "hotel_booking").head(1)
    bad = raw.with_columns(raw["check_in"].str.replace(r"^\d{4}", "2O24").alias("check_in"))
    out = check_rows("hotel_booking", bad, min_date=date(1900, 1, 1), run_date=NIGHT)
    assert out.clean.height == 0
    assert out.errors[0] is not None and "bad_date:check_in" in out.errors[0]

"""A record posted to the desk becomes the same query parties as the same row of a night's file.

The night keeps a file's columns that the contract does not declare, and an agency's roles may
read them (a hotel guest's declared gender and birth date, which screen a passport holder by
name); the desk must keep such fields of a posted record too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from data_contracts import validate
from data_contracts.schemas import AGENCY_DATASETS
from data_contracts.schemas import spec as dataset_spec
from matching.parties import query_parties
from pipelines.ingest import read_dataset
from pipelines.ingest.headers import canonical_names, fold_header
from pipelines.screen.records import records_frame
from pipelines.settings import agency_settings, default_settings
from pipelines.synth import generate

WORLD_DATE = date(2025, 6, 30)
AGENCY = "hotel_booking"


def test_undeclared_role_columns_reach_the_parties_as_at_night(tmp_path: Path) -> None:
    generate(tmp_path, 400, 17, formats="csv", as_of=WORLD_DATE)
    source = next((tmp_path / "agencies").glob(f"{AGENCY}.*"))
    declared = {f.name for f in dataset_spec(AGENCY).fields}
    roles = agency_settings(default_settings(), AGENCY).roles
    extra = {c for r in roles for c in (r.gender, r.birth_date) if c} - declared
    assert extra  # the hotel roles read columns the contract does not declare
    rows = read_dataset(source, AGENCY).drop("_source", "_row")
    n = rows.height
    rows = rows.with_columns(
        pl.Series("gender", ["男", "女", None, "F"] * (n // 4) + ["男"] * (n % 4)),
        pl.Series("birth_date", ["1969-02-19", None, "1985-12-01"] * (n // 3) + [None] * (n % 3)),
    )
    night_file = tmp_path / "night.csv"
    rows.write_csv(night_file)
    settings = default_settings()
    night = validate(
        AGENCY,
        read_dataset(night_file, AGENCY),
        run_id="desk-records",
        settings=settings.contracts,
        side="agency",
        run_date=WORLD_DATE,
    ).clean
    desk = records_frame(AGENCY, rows.to_dicts(), settings, WORLD_DATE).clean
    night_parties = query_parties(night, roles).sort("record_id", "role")
    desk_parties = query_parties(desk, roles).sort("record_id", "role")
    assert desk_parties["birth_date"].drop_nulls().len() > n // 4
    assert desk_parties["gender"].drop_nulls().len() > n // 2
    assert desk_parties.equals(night_parties)


def test_canonical_names_map_onto_themselves_and_aliases_give_the_same_rows() -> None:
    # `records._row` skips the header lookup when every name is already canonical or starts with
    # an underscore (the reader's bookkeeping, which it skips): the lookup renames neither
    for agency in AGENCY_DATASETS:
        spec = dataset_spec(agency)
        names = [f.name for f in spec.fields]
        assert canonical_names(names, spec) == names
        assert not any(n.startswith("_") for n in names)
        assert not any(fold_header(s).startswith("_") for s in spec.header_map())
        bookkeeping = ["_reject", "_source", "_row", "_ x"]
        assert canonical_names(bookkeeping + names, spec)[len(bookkeeping) :] == names
    spec = dataset_spec(AGENCY)
    record = {
        "record_id": "H1",
        "guest_name": " 张三 ",
        "id_type": "身份证",
        "id_number": "110105198501012312",
        "check_in": "2025/6/1 14:00",
        "room_rate": "¥388",
    }
    aliased = {spec.field(k).aliases[0]: v for k, v in record.items()}
    settings = default_settings()
    plain = records_frame(AGENCY, [record], settings, WORLD_DATE)
    assert plain.positions == [0]
    assert records_frame(AGENCY, [aliased], settings, WORLD_DATE).clean.equals(plain.clean)

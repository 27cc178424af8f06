"""The query side's blocking keys, built wide in one plan, are the keys of the list's builder.

`matching.blocking.query_block_keys` makes every key of a party as one column and unpivots (the
screening desk computes it for one record per request). These tests pin it to the long,
family-by-family construction with `_keys_long`, the builder the list side uses, over every
party of generated agency files, and check that one party alone gets exactly the keys it gets
in a night's batch.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from data_contracts import validate
from matching import blocking
from matching.blocking import BlockingRules, query_block_keys
from matching.link import query_features
from matching.parties import query_parties
from pipelines.ingest import read_dataset
from pipelines.settings import agency_settings, default_settings
from pipelines.synth import generate

WORLD_DATE = date(2025, 6, 30)
AGENCIES = ("hotel_booking", "civil_service_candidate", "subsidy_application")


@pytest.fixture(scope="module")
def parties(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    out: Path = tmp_path_factory.mktemp("query_keys")
    generate(out, 1500, 31, formats="parquet", as_of=WORLD_DATE)
    settings = default_settings()
    frames = {}
    for agency in AGENCIES:
        raw = read_dataset(out / f"agencies/{agency}.parquet", agency)
        clean = validate(
            agency,
            raw,
            run_id="query-keys",
            settings=settings.contracts,
            side="agency",
            run_date=WORLD_DATE,
        ).clean
        roles = agency_settings(settings, agency).roles
        frames[agency] = query_features(query_parties(clean, roles), WORLD_DATE)
    return frames


def _long_reference(qf: pl.DataFrame, rules: BlockingRules) -> pl.DataFrame:
    """Family by family with the list side's builder, as the query keys were first written."""
    long = blocking._keys_long
    person = qf.filter(pl.col("party_type") == "person")
    org = qf.filter(pl.col("party_type") == "org")
    bare = person.filter(pl.col("pid").is_null() & pl.col("year").is_null())
    needs = blocking._needs_name_keys(qf)["qi"]
    years = person.select("qi", "py", "fold", pl.col("year").cast(pl.String))
    both = pl.concat(
        [years.filter(pl.col("year").is_not_null()), years.with_columns(pl.lit("?").alias("year"))]
    )
    year_keys = {
        rule: pl.col(source) + "|" + pl.col("year")
        for rule, source in blocking.QUERY_YEAR_RULES.items()
    }
    always = pl.lit(True).alias("need")
    by_year = long(both, year_keys, "qi")
    need = pl.lit(True) if rules.name_keys_for_numbered else pl.col("qi").is_in(needs.implode())
    return pl.concat(
        [
            long(person, blocking.id_keys(pl.col("pid")), "qi").with_columns(always),
            long(org, blocking._ORG_KEYS, "qi").with_columns(always),
            by_year.with_columns(need.alias("need")),
            long(bare, {"py_only": pl.col("py")}, "qi").with_columns(always),
        ]
    )


def _sorted(keys: pl.DataFrame) -> pl.DataFrame:
    return keys.select("qi", "key", "rule", "need").sort(pl.all())


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("numbered", [False, True])
def test_wide_keys_are_the_long_builders_keys(
    parties: dict[str, pl.DataFrame], agency: str, numbered: bool
) -> None:
    qf = parties[agency]
    rules = BlockingRules(name_keys_for_numbered=numbered)
    got = query_block_keys(qf, rules)
    assert got.height > qf.height  # several keys per party: the comparison is not vacuous
    assert set(got["rule"].unique()) >= {"id", "py_year", "fold_year"}
    assert _sorted(got).equals(_sorted(_long_reference(qf, rules)))


@pytest.mark.parametrize("agency", AGENCIES)
def test_one_party_alone_gets_its_batch_keys(parties: dict[str, pl.DataFrame], agency: str) -> None:
    qf = parties[agency]
    batch = query_block_keys(qf)
    # every kind of party the file holds: numbered, masked, unnumbered, organisations
    sample = qf.filter(pl.int_range(pl.len()) % 7 == 0)
    assert sample["pid"].null_count() > 0
    for row in sample.iter_slices(1):
        alone = query_block_keys(row)
        qi = row["qi"][0]
        assert _sorted(alone).equals(_sorted(batch.filter(pl.col("qi") == qi)))

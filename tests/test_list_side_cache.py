"""The list side of matching kept between a night's sweeps (pipelines.sweep.list_side_cache):
the same hits as computing it, a changed input misses, and a half-written or damaged entry is
never trusted."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from matching import link
from matching.config import MatchThresholds
from matching.list_side import build_list_side, list_side_key
from matching.model import load_default
from matching.parties import list_parties, query_parties
from pipelines.cli.app import app
from pipelines.settings import agency_settings, default_settings
from pipelines.sweep.list_side_cache import ListSideStore, night_list_side
from tests.sweep_helpers import generated_world

NIGHT = date(2026, 11, 20)
AGENCIES = ("hotel_booking", "subsidy_application")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=1200, seed=5, formats="csv")


@pytest.fixture(scope="module")
def parties(world: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Query parties of the hotel file and list parties of the snapshot, typed by the contracts."""
    from data_contracts import validate
    from pipelines.ingest import read_dataset

    settings = default_settings()

    def clean(path: Path, dataset: str) -> pl.DataFrame:
        raw = read_dataset(path, dataset)
        return validate(dataset, raw, run_id="t", settings=settings.contracts, run_date=NIGHT).clean

    entries = clean(world / "lists/snapshot.csv", "dishonest_list")
    records = clean(world / "agencies/hotel_booking.csv", "hotel_booking")
    roles = agency_settings(settings, "hotel_booking").roles
    return query_parties(records, roles), list_parties(entries)


def _sweep(world: Path, agency: str, out: Path, warehouse: Path) -> Path:
    args = ["sweep", "--agency", agency, "--input", str(world / f"agencies/{agency}.csv")]
    for name in ("snapshot", "delta_001"):
        args += ["--list", str(world / "lists" / f"{name}.csv")]
    args += ["--out", str(out), "--run-date", NIGHT.isoformat(), "--warehouse", str(warehouse)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out / "hits.csv"


def test_stored_list_side_gives_the_same_hits(parties, tmp_path: Path) -> None:
    query, listed = parties
    model, th = load_default(), MatchThresholds(match=0.97, review=0.6)
    store = ListSideStore(tmp_path / "wh.duckdb.list-side")
    first, saving = night_list_side(listed, model, th.review, NIGHT, store)  # computed
    assert saving is not None
    saving.join()  # stored on a thread
    again, none = night_list_side(listed, model, th.review, NIGHT, store)  # loaded
    assert none is None
    assert len(list(store.root.iterdir())) == 1
    assert_frame_equal(first.features, again.features)
    assert_frame_equal(first.keys.keys, again.keys.keys)
    assert first.freqs.persons == again.freqs.persons
    plain = link(query, listed, model=model, thresholds=th, as_of=NIGHT)
    kept = link(query, listed, model=model, thresholds=th, as_of=NIGHT, list_side=again)
    assert plain.hits.height > 0
    assert_frame_equal(plain.hits, kept.hits)
    assert plain.stats["candidate_pairs"] == kept.stats["candidate_pairs"]


def test_key_follows_everything_the_list_side_depends_on(parties) -> None:
    _, listed = parties
    model = load_default()
    key = list_side_key(listed, model, 0.6, NIGHT)
    assert key == list_side_key(listed.clone(), model, 0.6, NIGHT)  # reruns find it again
    one_name_changed = listed.with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(pl.lit("王某某")).otherwise("name").alias("name")
    )
    others = [
        list_side_key(one_name_changed, model, 0.6, NIGHT),
        list_side_key(listed.head(listed.height - 1), model, 0.6, NIGHT),
        list_side_key(listed, replace(model, prior=model.prior * 2), 0.6, NIGHT),
        list_side_key(listed, model, 0.5, NIGHT),
        list_side_key(listed, model, 0.6, date(2026, 11, 21)),
    ]
    assert len({key, *others}) == 6


def test_half_written_or_damaged_entries_are_never_trusted(parties, tmp_path: Path) -> None:
    _, listed = parties
    model = load_default()
    store = ListSideStore(tmp_path / "store")
    key = list_side_key(listed, model, 0.6, NIGHT)
    side = build_list_side(listed, model, 0.6, NIGHT)
    # a run killed while writing: its files sit in a temp folder, or (older layout, a copy by
    # hand) in the entry's folder without the meta.json written last
    (store.root / f".tmp-{key[:16]}-1").mkdir(parents=True)
    side.features.write_parquet(store.root / f".tmp-{key[:16]}-1" / "features.parquet")
    (store.root / key).mkdir()
    side.features.head(3).write_parquet(store.root / key / "features.parquet")
    assert store.load(key) is None
    store.save(key, side)
    loaded = store.load(key)
    assert loaded is not None
    assert_frame_equal(loaded.features, side.features)
    # a damaged file is a miss (the sweep computes), not an error
    (store.root / key / "keys.parquet").write_bytes(b"not parquet")
    assert store.load(key) is None


def test_night_sweeps_share_one_entry_and_match_fresh_warehouses(
    world: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "shared.duckdb"
    for agency in AGENCIES:
        reused = _sweep(world, agency, tmp_path / f"shared-{agency}", shared)
        fresh = _sweep(world, agency, tmp_path / f"fresh-{agency}", tmp_path / f"{agency}.duckdb")
        assert reused.read_bytes() == fresh.read_bytes()
    entries = [p for p in (tmp_path / "shared.duckdb.list-side").iterdir()]
    assert len(entries) == 1 and (entries[0] / "meta.json").is_file()
    # the same night again (a rerun) finds the entry and writes the same hits
    rerun = _sweep(world, AGENCIES[0], tmp_path / "rerun", shared)
    assert rerun.read_bytes() == (tmp_path / f"shared-{AGENCIES[0]}" / "hits.csv").read_bytes()
    assert len(list((tmp_path / "shared.duckdb.list-side").iterdir())) == 1

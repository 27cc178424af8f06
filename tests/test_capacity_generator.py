"""The generator's capacity signals encode the team's stated beliefs, over many generated worlds.

Each signal must lean toward the class it points to and never decide it: an able debtor is more
often listed for refusing while able, evading or breaching the consumption order; an unable one
more often for not reporting assets or breaking a settlement, and more often has paid part of
the debt. No ground may be exclusive to one class. Checked over several seeds (a family of
worlds), not one fixed draw.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.synth import generate
from pipelines.synth.capacity import _GROUNDS

MEANS = (_GROUNDS[0], _GROUNDS[2], _GROUNDS[3])  # refusal while able, consumption, evasion
INABILITY = (_GROUNDS[1], _GROUNDS[4])  # no asset report, broken settlement


def _world(tmp: Path, seed: int) -> pl.DataFrame:
    generate(tmp, 1500, seed, formats="parquet", hit_rate=0.0)
    entries = pl.read_parquet(tmp / "lists" / "snapshot.parquet")
    truth = pl.read_parquet(tmp / "truth" / "capacity.parquet")
    return entries.join(truth.select("entry_id", "latent_class"), on="entry_id")


def _share(frame: pl.DataFrame, cls: str, expr: pl.Expr) -> float:
    return float(frame.filter(pl.col("latent_class") == cls).select(expr.mean()).item())


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=1, max_value=10_000))
def test_grounds_and_partial_payment_lean_toward_the_class_they_point_to(
    tmp_path_factory: pytest.TempPathFactory, seed: int
) -> None:
    world = _world(tmp_path_factory.mktemp(f"w{seed}"), seed)
    assert world.height > 500
    for ground in MEANS:
        said = pl.col("behavior") == ground
        able, unable = _share(world, "dishonest", said), _share(world, "incapable", said)
        assert able > unable > 0, ground
    for ground in INABILITY:
        said = pl.col("behavior") == ground
        able, unable = _share(world, "dishonest", said), _share(world, "incapable", said)
        assert unable > able > 0, ground
    paid = pl.col("amount_performed").cast(pl.Float64) > 0
    assert _share(world, "incapable", paid) > _share(world, "dishonest", paid) > 0


def test_shifted_setting_has_fewer_inquiries_on_the_same_people(tmp_path: Path) -> None:
    """The robustness setting moves the inquiry rate the way its name says, same listed people."""
    shares = {}
    for setting in ("base", "shifted"):
        out = tmp_path / setting
        generate(out, 3000, 5, formats="parquet", hit_rate=0.0, capacity_setting=setting)
        people = pl.read_parquet(out / "truth" / "capacity.parquet").select(
            "person_id", "latent_class"
        )
        assets = pl.read_parquet(out / "capacity" / "asset_inquiry.parquet")
        shares[setting] = (assets["id_number"].n_unique(), people.height)
    assert shares["shifted"][0] < shares["base"][0]  # fewer people inquired
    assert shares["shifted"][1] == shares["base"][1]  # same listed people


@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=1, max_value=10_000))
def test_one_assessment_per_debtor_never_joins_two_people(
    tmp_path_factory: pytest.TempPathFactory, seed: int
) -> None:
    """Over generated worlds: a debtor's entries are one true person, all with one class."""
    from pipelines.capacity.run import CapacityRequest, run_capacity

    root = tmp_path_factory.mktemp(f"d{seed}")
    generate(root / "w", 1200, seed, formats="parquet", hit_rate=0.0)
    lists = sorted((root / "w" / "lists").glob("*.parquet"))
    run_capacity(
        CapacityRequest(
            lists=tuple(sorted(lists, key=lambda p: not p.name.startswith("snapshot"))),
            welfare=root / "w" / "capacity" / "welfare_status.parquet",
            assets=root / "w" / "capacity" / "asset_inquiry.parquet",
            out=root / "out",
            reports=False,
        )
    )
    table = pl.read_csv(root / "out" / "capacity.csv", infer_schema=False)
    truth = pl.read_parquet(root / "w" / "truth" / "capacity.parquet")
    rows = table.join(truth.select("entry_id", "person_id"), on="entry_id")
    assert rows.height > 500
    per_debtor = rows.group_by("debtor_id").agg(
        pl.col("person_id").n_unique().alias("people"),
        pl.col("capacity_class").n_unique().alias("classes"),
        pl.col("capacity_score").n_unique().alias("scores"),
    )
    assert per_debtor["people"].max() == 1  # never two people in one debtor
    assert per_debtor["classes"].max() == 1 and per_debtor["scores"].max() == 1
    several = rows.group_by("person_id").agg(pl.col("debtor_id").n_unique().alias("debtors"))
    # the generator publishes a person's cases with readable numbers: all grouped
    assert (several["debtors"] == 1).mean() > 0.95

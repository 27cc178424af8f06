"""Orchestrate one synthetic world: people, lists, agency data, capacity sources, truth, files."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from data_contracts.schemas import spec
from pipelines.synth import capacity, lists, timeshift, writers
from pipelines.synth.agency_build import build_all
from pipelines.synth.idgen import region_table, uscc_many
from pipelines.synth.names import org_names
from pipelines.synth.people import assign_ids, draw_people


@dataclass
class Manifest:
    """What was generated, where, and how (written as OUT/manifest.json)."""

    seed: int
    size: int
    records: int
    capacity_setting: str
    formats: str
    files: list[dict[str, object]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        """Stable JSON (sorted keys, no timestamps) so reruns are byte-identical."""
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True)


def _with_city(people: pl.DataFrame) -> pl.DataFrame:
    table = region_table().select("region", pl.col("county").alias("_city"))
    return people.join(table, on="region", how="left", maintain_order="left").with_columns(
        pl.col("_city").fill_null("北京")
    )


def _negatives(rng: np.random.Generator, debtors: pl.DataFrame, n: int, group: str) -> pl.DataFrame:
    """Hard negatives imitating random debtors: homonym, same birth date, ID one step away."""
    fresh = draw_people(rng, n, group)
    t = debtors[rng.integers(0, debtors.height, n)]
    kind = np.array(["homonym_negative", "birthdate_negative", "id_neighbor_negative"])[
        np.arange(n) % 3
    ]
    k = pl.Series(kind)
    return fresh.with_columns(
        pl.when(k == "homonym_negative").then(t["name"]).otherwise(pl.col("name")).alias("name"),
        pl.when(k != "homonym_negative").then(t["birth"]).otherwise(pl.col("birth")).alias("birth"),
        pl.when(k != "homonym_negative")
        .then(t["gender"])
        .otherwise(pl.col("gender"))
        .alias("gender"),
        pl.when(k == "id_neighbor_negative")
        .then(t["region"])
        .otherwise(pl.col("region"))
        .alias("region"),
        k.alias("_neg"),
    )


def generate(
    out_dir: Path,
    size: int,
    seed: int,
    *,
    records: int | None = None,
    capacity_setting: str = "base",
    formats: str = "mixed",
    hit_rate: float = 0.03,
    negative_rate: float = 0.01,
    bad_rate: float = 0.005,
    as_of: date | None = None,
) -> Manifest:
    """Write a complete synthetic world into `out_dir` (layout in the package docstring)."""
    if (
        capacity_setting not in capacity.SETTINGS
        or formats not in ("mixed", "csv", "parquet")
        or size < 50
    ):
        raise ValueError(
            "synth needs size >= 50, capacity_setting base|shifted, formats mixed|csv|parquet"
        )
    rng, r = np.random.default_rng(seed), random.Random(seed)
    n_rec = records or size
    n_org = max(3, size * 15 // 100)
    n_debtors = max(3, round((size - n_org) / 1.08))
    n_delta = max(3, size * 2 // 100)
    n_neg = max(6, round(n_rec * negative_rate))
    debtors0 = draw_people(rng, n_debtors, "debtor", old_region_share=0.04, minority_share=0.05)
    groups = [debtors0, draw_people(rng, n_org, "rep"), draw_people(rng, n_delta, "delta")]
    for g in ("hotel", "g1", "g2", "kid", "subsidy", "subrep", "civil"):
        groups.append(draw_people(rng, n_rec, g))
    for g in ("hotel", "school", "subsidy", "civil"):
        groups.append(_negatives(rng, debtors0, n_neg, f"neg_{g}"))
    universe = pl.concat(groups, how="diagonal")
    kid = universe["group"] == "kid"
    kid_birth = pl.Series(
        np.datetime64("2008-01-01")
        + rng.integers(0, 4000, universe.height).astype("timedelta64[D]")
    ).cast(pl.Date)
    universe = _with_city(
        assign_ids(
            universe.with_columns(
                pl.when(kid).then(kid_birth).otherwise(pl.col("birth")).alias("birth")
            ),
            seed,
        )
    )
    by = {
        g: universe.filter(pl.col("group") == g)
        for g in universe["group"].unique(maintain_order=True)
    }

    # Organisations: listed ones first, then the subsidy customers.
    orgs = org_names(rng, n_org + n_rec).with_row_index("org")
    regs = region_table()["region"].cast(pl.Int64).to_numpy()
    orgs = orgs.with_columns(
        uscc_many(
            regs[rng.integers(0, len(regs), orgs.height)],
            rng.choice(10**8, orgs.height, replace=False),
        )
    )
    reps = by["rep"]
    reuse = rng.random(n_org) < 0.2  # some legal reps are listed personally as well
    rep_rows = reps.with_columns(
        pl.when(pl.Series(reuse))
        .then(by["debtor"]["pid"].gather(rng.integers(0, n_debtors, n_org)))
        .otherwise(pl.col("pid"))
        .alias("pid")
    )
    rep_rows = universe[rep_rows["pid"].to_numpy()]
    published = ("2016-01-01", "2025-03-31")
    second = by["debtor"][rng.integers(0, n_debtors, size - n_org - n_debtors)]
    snap = lists.finish(
        pl.concat(
            [
                lists.person_entries(rng, pl.concat([by["debtor"], second]), published),
                lists.org_entries(rng, orgs.head(n_org), rep_rows, published),
            ],
            how="diagonal_relaxed",
        ),
        "DL",
        1,
    )
    removed = lists.removals(rng, snap, 0.03)
    added = lists.finish(
        lists.person_entries(rng, by["delta"], ("2025-04-01", "2025-06-29")), "DL", snap.height + 1
    )
    delta = pl.concat([added, removed], how="diagonal_relaxed").select(snap.columns)
    entries = pl.concat([snap, added], how="diagonal_relaxed")
    removed_ids = set(removed["entry_id"].to_list())
    # Who is on the list as which party: an org entry's `_pid` is its legal representative.
    role = (
        pl.when(pl.col("party_type") == "org").then(pl.lit("legal_rep")).otherwise(pl.lit("debtor"))
    )
    links = entries.select(
        pl.col("_pid").cast(pl.Int64).alias("pid"),
        "entry_id",
        role.alias("list_role"),
        pl.col("entry_id").is_in(list(removed_ids)).alias("removed"),
    )
    status = links.group_by("pid").agg(pl.col("removed").all().alias("all_removed")).sort("pid")
    pool = status.filter(~pl.col("all_removed"))["pid"].to_list()
    removed_pool = status.filter(pl.col("all_removed"))["pid"].to_list()

    # Capacity: latent per listed person (debtor entries only), shared by all their entries.
    debtor_pids = entries.filter(pl.col("party_type") == "person")["_pid"].unique().sort()
    cls, ability = capacity.latent(rng, len(debtor_pids))
    person_cap = pl.DataFrame(
        {"pid": debtor_pids.cast(pl.Int64), "latent_class": cls, "latent_ability": ability}
    )
    ability_of = dict(
        zip(person_cap["pid"].to_list(), person_cap["latent_ability"].to_list(), strict=True)
    )
    cap_people = universe[debtor_pids.to_numpy()]

    files: list[tuple[str, str, pl.DataFrame]] = [
        (
            "lists/snapshot",
            "dishonest_list",
            capacity.case_conduct(seed, snap, person_cap).select(lists.COLUMNS),
        ),
        (
            "lists/delta_001",
            "dishonest_list",
            capacity.case_conduct(seed + 1, delta, person_cap).select(lists.COLUMNS),
        ),
    ]
    truths, bads = [], []
    for name, frame, truth, bad in build_all(
        rng,
        r,
        by,
        orgs.slice(n_org),
        orgs.head(n_org),
        entries,
        universe,
        links,
        pool,
        removed_pool,
        ability_of,
        n_rec,
        hit_rate,
        bad_rate,
    ):
        files.append((f"agencies/{name}", name, frame))
        truths.append(truth)
        bads.append(bad)
    files.append(
        (
            "capacity/welfare_status",
            "welfare_status",
            capacity.welfare(rng, cap_people, cls, capacity_setting),
        )
    )
    files.append(
        (
            "capacity/asset_inquiry",
            "asset_inquiry",
            capacity.assets(rng, cap_people, cls, ability, capacity_setting),
        )
    )

    manifest = Manifest(seed, size, n_rec, capacity_setting, formats)
    for i, (stem, dataset, frame) in enumerate(files):
        fmt = {"csv": "csv_utf8", "parquet": "parquet"}.get(formats) or writers.FORMATS[
            (i + seed) % len(writers.FORMATS)
        ]
        lang = "zh" if formats == "mixed" and (i + seed) % 2 else "en"
        sub, base = stem.split("/")
        frame = timeshift.shift_frame(frame, dataset, timeshift.shift_days(as_of))
        info = writers.write(frame, out_dir / sub, base, dataset, fmt, lang, spec(dataset).title_zh)
        manifest.files.append(info.to_dict())
        manifest.counts[stem] = frame.height
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    pl.concat(truths).drop("row").write_parquet(out_dir / "truth/matches.parquet", statistics=False)
    pl.concat(bads).write_parquet(out_dir / "truth/bad_rows.parquet", statistics=False)
    entries.select(
        "entry_id",
        pl.col("_pid").cast(pl.Int64).alias("person_id"),
        pl.col("_org").alias("org_id"),
        pl.col("_id_form").alias("id_form"),
        pl.col("_id18").alias("true_id"),
        pl.col("entry_id").is_in(list(removed_ids)).alias("removed_in_delta"),
    ).write_parquet(out_dir / "truth/entries.parquet", statistics=False)
    entries.filter(pl.col("party_type") == "person").select(
        "entry_id", pl.col("_pid").cast(pl.Int64).alias("pid")
    ).join(person_cap, on="pid").sort("entry_id").rename({"pid": "person_id"}).write_parquet(
        out_dir / "truth/capacity.parquet", statistics=False
    )
    manifest.files.extend(
        {"path": f"truth/{t}.parquet", "dataset": f"truth_{t}", "format": "parquet"}
        for t in ("matches", "bad_rows", "entries", "capacity")
    )
    (out_dir / "manifest.json").write_text(manifest.to_json() + "\n", encoding="utf-8")
    return manifest

"""One debtor, one assessment: how well does capacity's grouping find persons, and would more
evidence join more of them safely?

    # a generated world prepared by bench_capacity_transfer.py, with a capacity run's output
    .venv/bin/python bench/bench_capacity_persons.py --world W --capacity CAP_DIR
    # the field sample (its truth is read here, in a bench, only) and its run.sh capacity output
    .venv/bin/python bench/bench_capacity_persons.py --field FIELD_DIR --capacity RUN_OUT/capacity

Prints, over active person entries with truth: persons with several entries, persons split over
more than one debtor (and how many of those got disagreeing classes), debtors joining two true
persons (false joins). Then, for candidate extra joins that need no readable digit pair the
engine could score, what each would add: persons it would reunite and false joins it would
make. A false join hurts an innocent person (one person's evidence decides the other's class),
so a candidate is only worth shipping at zero false joins on both sources.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pipelines.capacity.entries import active_entries
from pipelines.capacity.inputs import read_clean
from pipelines.capacity.persons import (
    _components,
    birth_year_pairs,
    ids_agree,
    same_case_pairs,
    same_party_pairs,
)
from pipelines.settings import default_settings


def _entries(lists: list[Path]) -> pl.DataFrame:
    contracts = default_settings().contracts
    versions = [
        read_clean(p, "dishonest_list", run_id=f"persons-{i}", settings=contracts, side="list")
        for i, p in enumerate(lists)
    ]
    return active_entries(versions).filter(pl.col("party_type") == "person")


def field_inputs(sample: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    manifest = json.loads((sample / "manifest.json").read_text(encoding="utf-8"))
    truth = pl.read_csv(sample / "truth" / "capacity.csv", infer_schema=False).select(
        "entry_id", pl.col("person_key").alias("person")
    )
    return _entries([sample / f for f in manifest["list_files"]]), truth


def world_inputs(world: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    lists = sorted((world / "lists").glob("snapshot.*")) + sorted((world / "lists").glob("delta_*"))
    truth = (
        pl.read_parquet(world / "truth" / "entries.parquet")
        .filter(pl.col("person_id").is_not_null())
        .select("entry_id", pl.col("person_id").cast(pl.String).alias("person"))
    )
    return _entries(lists), truth


def _birth(id_number: str | None) -> str | None:
    """The birth date digits of an 18-digit ID when all eight are readable."""
    if not id_number or len(id_number) != 18:
        return None
    digits = id_number[6:14]
    return digits if "*" not in digits else None


def _region_year(id_number: str | None) -> str | None:
    """Region code and birth year (the first ten digits) of an 18-digit ID when readable."""
    if not id_number or len(id_number) != 18 or "*" in id_number[:10]:
        return None
    return id_number[:10]


def _region(id_number: str | None) -> str | None:
    if not id_number or len(id_number) != 18 or "*" in id_number[:6]:
        return None
    return id_number[:6]


Rule = Callable[[dict, dict], bool]


def _ids_agree(a: dict, b: dict) -> bool:
    return ids_agree(a["id_number"], b["id_number"])


def _any(a: dict, b: dict) -> bool:
    return True


CANDIDATES: dict[str, tuple[tuple[str, ...], Rule]] = {
    # key columns the pair must share, then a check on the two rows
    "name + birth date readable in both": (("_name", "_birth"), _any),
    "name + birth date + court province": (("_name", "_birth", "province"), _any),
    "name + birth date + court province, IDs agree": (
        ("_name", "_birth", "province"),
        _ids_agree,
    ),
    "name + birth date + ID region code, IDs agree": (
        ("_name", "_birth", "_region"),
        _ids_agree,
    ),
    "name + region code + birth year, IDs agree": (
        ("_name", "_region_year"),
        _ids_agree,
    ),
    "name + region code + birth year + court province, IDs agree": (
        ("_name", "_region_year", "province"),
        _ids_agree,
    ),
    "name + region code + birth year + court, IDs agree": (
        ("_name", "_region_year", "court"),
        _ids_agree,
    ),
    "name + court, IDs agree": (
        ("_name", "court"),
        _ids_agree,
    ),
}


def _figures(frame: pl.DataFrame, group: str) -> dict:
    per_person = frame.group_by("person").agg(
        pl.len().alias("n"), pl.col(group).n_unique().alias("groups"),
        pl.col("capacity_class").n_unique().alias("classes"),
    )  # fmt: skip
    multi = per_person.filter(pl.col("n") > 1)
    split = multi.filter(pl.col("groups") > 1)
    per_group = frame.group_by(group).agg(pl.col("person").n_unique().alias("persons"))
    return {
        "persons_with_several_entries": multi.height,
        "split": split.height,
        "split_with_disagreeing_classes": split.filter(pl.col("classes") > 1).height,
        "false_joins (debtors with >1 true person)": per_group.filter(pl.col("persons") > 1).height,
    }


def shipped_edges(entries: pl.DataFrame, truth: pl.DataFrame, as_of: str) -> None:
    """Each kind of join capacity makes today, and how many of its pairs are two persons."""
    from datetime import date

    person = dict(truth.iter_rows())
    has_id = {e: bool(i) for e, i in entries.select("entry_id", "id_number").iter_rows()}
    engine = same_party_pairs(
        entries, thresholds=default_settings().thresholds, as_of=date.fromisoformat(as_of)
    )
    kinds = (
        ("engine match", engine),
        ("same case", same_case_pairs(entries)),
        ("name + region code + birth year", birth_year_pairs(entries)),
    )
    for label, pairs in kinds:
        rows = [(a, b) for a, b in pairs.iter_rows() if a in person and b in person]
        wrong = [(a, b) for a, b in rows if person[a] != person[b]]
        no_id = [(a, b) for a, b in rows if not (has_id[a] and has_id[b])]
        print(
            f"  {label}: {len(rows)} pairs, {len(wrong)} of two persons; "
            f"{len(no_id)} with a missing ID, of which "
            f"{sum(p in wrong for p in no_id)} of two persons"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--world", type=Path)
    src.add_argument("--field", type=Path)
    ap.add_argument("--capacity", type=Path, required=True, help="a capacity output folder")
    args = ap.parse_args()
    entries, truth = world_inputs(args.world) if args.world else field_inputs(args.field)
    cap = pl.read_csv(args.capacity / "capacity.csv", infer_schema=False).select(
        "entry_id", "debtor_id", "capacity_class"
    )
    frame = (
        entries.join(truth, on="entry_id")
        .join(cap, on="entry_id")
        .with_columns(
            pl.col("name").str.replace_all(r"\s", "").alias("_name"),
            pl.col("id_number").map_elements(_birth, return_dtype=pl.String).alias("_birth"),
            pl.col("id_number").map_elements(_region, return_dtype=pl.String).alias("_region"),
            pl.col("id_number")
            .map_elements(_region_year, return_dtype=pl.String)
            .alias("_region_year"),
        )
    )
    print(f"== {args.world or args.field}: {frame.height} active person entries with truth")
    print("shipped grouping:", json.dumps(_figures(frame, "debtor_id"), ensure_ascii=False))
    summary = json.loads((args.capacity / "capacity_summary.json").read_text(encoding="utf-8"))
    shipped_edges(entries, truth, summary["as_of"])
    ids = frame["entry_id"].to_list()
    shipped = list(frame.select("entry_id", "debtor_id").iter_rows())
    rows = {r["entry_id"]: r for r in frame.iter_rows(named=True)}
    for label, (keys, check) in CANDIDATES.items():
        key = frame.drop_nulls(list(keys)).select("entry_id", *keys)
        pairs = key.join(key, on=list(keys), suffix="_o").filter(
            pl.col("entry_id") < pl.col("entry_id_o")
        )
        edges = [
            (a, b) for a, b in pairs.select("entry_id", "entry_id_o").iter_rows()
            if check(rows[a], rows[b])
        ]  # fmt: skip
        wrong = sum(rows[a]["person"] != rows[b]["person"] for a, b in edges)
        root = _components(ids, shipped + edges)
        joined = frame.with_columns(pl.Series("_g", [root[i] for i in ids]))
        print(
            f"+ {label}: {len(edges)} pairs ({wrong} of two different persons) ->",
            json.dumps(_figures(joined, "_g"), ensure_ascii=False),
        )


if __name__ == "__main__":
    main()

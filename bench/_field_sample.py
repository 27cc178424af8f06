"""A labelled field sample for benchmarks: its files read as the sweep reads them; its scorer.

A field sample is a folder with `manifest.json` (which files are the list, in order, and which
file each agency sends), the files themselves and a `truth/` folder (`identity.csv`,
`entries.csv`, `records.json`, optionally `hard_negatives.csv`), read into the evaluation truth
table (`pipelines.evaluation.truth`). Nothing here knows a sample's names or rates: the manifest
says where things are, and the scoring rules are the sample's own, restated:

- identity pairs are role-agnostic on (agency, record_id, entry_id);
- truth counts only pairs whose entry is still active; hits on entries the delta removed are
  neutral for precision (left out of both sides);
- a hit repeated for the same (agency, record_id, role, entry_id) counts once, the strongest
  claim (match before review, then the higher score);
- review rate = review hit rows / records sent by the agency;
- recall by noise tag counts each truth row once per tag it carries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.settings import Settings

MIN_TAG_PAIRS = 30
"""Noise tags with fewer true pairs than this are too small to compare engines on."""


@dataclass(frozen=True)
class FieldSample:
    """Where a sample's list files, agency files and truth are."""

    root: Path
    lists: tuple[Path, ...]
    agency_files: dict[str, Path]

    @property
    def truth(self) -> Path:
        return self.root / "truth"


def open_sample(root: Path) -> FieldSample:
    """Read the sample's manifest; a clear one-line error when it is not a sample."""
    manifest = root / "manifest.json"
    if not manifest.exists():
        raise SystemExit(f"{root}: no manifest.json, not a field sample")
    m = json.loads(manifest.read_text(encoding="utf-8"))
    missing = [k for k in ("list_files", "agency_files") if k not in m]
    if missing or not (root / "truth" / "identity.csv").exists():
        raise SystemExit(
            f"{root}: manifest lacks {missing or 'nothing'}; truth/identity.csv needed"
        )
    return FieldSample(
        root=root,
        lists=tuple(root / f for f in m["list_files"]),
        agency_files={a: root / f for a, f in m["agency_files"].items()},
    )


def agency_records(
    sample: FieldSample, agency: str, as_of: date, settings: Settings
) -> pl.DataFrame:
    """The agency file through its reader and data contract, exactly as `credsweep sweep` does."""
    from pipelines.ingest.sources import Tally, checked_source

    if agency not in sample.agency_files:
        raise SystemExit(f"{sample.root}: the manifest names no file for {agency}")
    return checked_source(
        agency, sample.agency_files[agency], "agency", settings, as_of, None, Tally()
    )


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Truth:
    """The sample's truth as the evaluation truth table, its removed entries and record counts."""

    table: pl.DataFrame
    """`pipelines.evaluation.truth` shape: agency, record_id, role, entry_id, label, category."""
    removed: frozenset[str]
    """Every entry the list removed: hits on them are neutral, whoever they name."""
    records: dict[str, int]

    @property
    def pairs(self) -> pl.DataFrame:
        """Active true pairs, one row per truth row: agency, record_id, entry_id, noise tags."""
        return self.table.filter(pl.col("label") == "match").select(
            "agency", "record_id", "entry_id", pl.col("category").alias("noise")
        )


def truth_table(identity: pl.DataFrame, hard_negatives: pl.DataFrame | None) -> pl.DataFrame:
    """A sample's identity pairs (and look-alikes, when given) as the evaluation truth table.

    An identity pair on an entry still active is a `match`, on any other a `removed`; its
    `|`-joined noise tags are the category. A look-alike record is a `hard_negative` of its type.
    """
    pairs = identity.select(
        "agency",
        "record_id",
        "role",
        "entry_id",
        pl.when(pl.col("entry_status") == "active")
        .then(pl.lit("match"))
        .otherwise(pl.lit("removed"))
        .alias("label"),
        pl.col("noise").fill_null("").alias("category"),
    )
    if hard_negatives is None:
        return pairs
    looks = hard_negatives.select(
        "agency",
        "record_id",
        "role",
        pl.lit(None, dtype=pl.String).alias("entry_id"),
        pl.lit("hard_negative").alias("label"),
        pl.col("hn_type").alias("category"),
    )
    return pl.concat([pairs, looks])


def load_truth(sample: FieldSample, agencies: list[str]) -> Truth:
    """The truth rows of `agencies` as the evaluation truth table."""
    from pipelines.evaluation.truth import check_truth

    identity = pl.read_csv(sample.truth / "identity.csv", infer_schema_length=0)
    negatives_file = sample.truth / "hard_negatives.csv"
    negatives = (
        pl.read_csv(negatives_file, infer_schema_length=0) if negatives_file.exists() else None
    )
    entries = pl.read_csv(sample.truth / "entries.csv", infer_schema_length=0)
    counts = json.loads((sample.truth / "records.json").read_text(encoding="utf-8"))["records"]
    table = check_truth(truth_table(identity, negatives))
    return Truth(
        table=table.filter(pl.col("agency").is_in(agencies)),
        removed=frozenset(
            entries.filter(pl.col("status_final") == "removed")["entry_id"].to_list()
        ),
        records={a: int(counts[a]) for a in agencies},
    )


def _strongest(hits: pl.DataFrame) -> pl.DataFrame:
    """One row per (agency, record_id, role, entry_id): match before review, then higher score."""
    return (
        hits.with_columns((pl.col("match_decision") == "match").alias("_m"))
        .sort(["_m", "match_score"], descending=True)
        .unique(["agency", "record_id", "role", "entry_id"], keep="first")
        .drop("_m")
    )


def _prf(tp: int, predicted: int, truth: int) -> dict[str, float | int]:
    p = tp / predicted if predicted else 0.0
    r = tp / truth if truth else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp,
            "predicted": predicted, "truth": truth}  # fmt: skip


def _triples(frame: pl.DataFrame) -> set[tuple[str, str, str]]:
    return set(frame.select("agency", "record_id", "entry_id").iter_rows())


def score_hits(hits: pl.DataFrame, truth: Truth) -> dict:
    """P/R/F1 at match and match+review, review rate, recall at match per noise tag.

    `hits` needs agency, record_id, role, entry_id, match_decision, match_score.
    """
    kept = _strongest(hits.filter(~pl.col("entry_id").is_in(list(truth.removed))))
    t3 = _triples(truth.pairs)
    at_match = _triples(kept.filter(pl.col("match_decision") == "match"))
    at_review = _triples(kept.filter(pl.col("match_decision").is_in(["match", "review"])))
    reviews = kept.filter(pl.col("match_decision") == "review").height
    n_records = sum(truth.records.values())
    tags: dict[str, list[int]] = {}
    for agency, record_id, entry_id, noise in truth.pairs.iter_rows():
        found = (agency, record_id, entry_id) in at_match
        for tag in filter(None, (noise or "").split("|")):
            counts = tags.setdefault(tag, [0, 0])
            counts[0] += found
            counts[1] += 1
    return {
        "match": _prf(len(at_match & t3), len(at_match), len(t3)),
        "match+review": _prf(len(at_review & t3), len(at_review), len(t3)),
        "review_rows": reviews,
        "records": n_records,
        "review_rate": round(reviews / n_records, 5) if n_records else 0.0,
        "recall_at_match_by_noise": {
            tag: {"recall": round(hit / n, 4), "n": n}
            for tag, (hit, n) in sorted(tags.items(), key=lambda kv: -kv[1][1])
            if n >= MIN_TAG_PAIRS
        },
    }

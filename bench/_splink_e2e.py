"""Splink end to end for one agency, as a user without credsweep's pipeline would run it.

    .venv/bin/python bench/_splink_e2e.py --world W --agency A --run-date D --out DIR

What this process does, all of it inside the wall time `bench_scale_e2e.py` measures:
1. reads the night's list files (snapshot, then deltas in name order) and the agency file with
   credsweep's own readers (`pipelines.ingest.read_dataset`: encodings, Chinese headers, XLSX)
   and types the columns with the contracts' parsers (`data_contracts.derive`), WITHOUT any
   validation: Splink has no data contracts, so no row is checked, quarantined or refused;
2. applies the deltas in memory (the latest row of each entry id wins; entries `active` on the
   run date are kept), with no versioned warehouse, no history and no change report;
3. cuts parties and their features with credsweep's code (`matching.parties`,
   `matching.features`): Splink needs the same derived columns (pinyin, ID parts) and offers
   nothing for Chinese names or masked IDs;
4. trains Splink (prior, u sampling, EM) and predicts exactly as `bench/_splink_engines.py`;
5. writes the best pair per (record, role, entry) at or above credsweep's written review
   threshold to `hits.csv`.
It writes no alerts, reports, quarantine, summary or warehouse rows, so it does less than a
`credsweep sweep`; the comparison favours Splink on that score.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

import polars as pl
from _splink_engines import _rss_gib, run_splink


def typed(path: Path, dataset: str) -> pl.DataFrame:
    """The file read and typed as the contract would type it, with no check at all."""
    from data_contracts.derive import parse_fields, typed_frame
    from data_contracts.result import REJECT_COLUMN
    from data_contracts.schemas import spec as dataset_spec
    from pipelines.ingest import read_dataset

    spec = dataset_spec(dataset)
    raw = read_dataset(path, dataset)
    if REJECT_COLUMN in raw.columns:  # rows the reader could not read at all are left out
        raw = raw.filter(pl.col(REJECT_COLUMN).is_null()).drop(REJECT_COLUMN)
    missing = [
        pl.lit(None, pl.String).alias(f.name) for f in spec.fields if f.name not in raw.columns
    ]
    raw = raw.with_columns(missing) if missing else raw
    fields = parse_fields(raw, spec)
    return typed_frame(raw, spec, fields, pl.Series([True] * raw.height))


def night_entries(world: Path, run_date: date) -> pl.DataFrame:
    """Snapshot then deltas; the latest row per entry id; active ones not removed by the night."""
    files = sorted(world.glob("lists/snapshot.*")) + sorted(world.glob("lists/delta_*.*"))
    frames = [
        typed(p, "dishonest_list").with_columns(pl.lit(i).alias("_file"))
        for i, p in enumerate(files)
    ]
    common = [c for c in frames[0].columns if all(c in f.columns for f in frames)]
    rows = pl.concat([f.select(common) for f in frames], how="vertical_relaxed")
    latest = rows.unique("entry_id", keep="last", maintain_order=True).drop("_file")
    active = pl.col("status").fill_null("active") == "active"
    if "removed_on" in latest.columns:
        active = active & (pl.col("removed_on").is_null() | (pl.col("removed_on") > run_date))
    return latest.filter(active)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--world", type=Path, required=True)
    ap.add_argument("--agency", required=True)
    ap.add_argument("--run-date", type=date.fromisoformat, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--u-pairs", type=float, default=1e8)
    args = ap.parse_args()

    from matching.parties import list_parties, query_parties
    from pipelines.settings import agency_settings, default_settings

    t0 = time.perf_counter()
    settings = default_settings()
    entries = night_entries(args.world, args.run_date)
    source = next(iter(sorted(args.world.glob(f"agencies/{args.agency}.*"))))
    records = typed(source, args.agency)
    q = query_parties(records, agency_settings(settings, args.agency).roles)
    lp = list_parties(entries)
    t1 = time.perf_counter()
    out = run_splink(q, lp, args.run_date, args.u_pairs)
    t2 = time.perf_counter()
    review = settings.thresholds.review
    hits = (
        out["hits"]
        .filter(pl.col("match_score") >= review)
        .sort("record_id", "role", "match_score", descending=[False, False, True])
    )
    args.out.mkdir(parents=True, exist_ok=True)
    hits.write_csv(args.out / "hits.csv")
    figures = {
        "read_type_parties_s": t1 - t0,
        "splink_s": t2 - t1,
        "write_s": time.perf_counter() - t2,
        "records": records.height,
        "list_entries": entries.height,
        "hits": hits.height,
        "peak_rss_gib": _rss_gib(),
    } | {k: v for k, v in out["figures"].items() if k != "model"}
    (args.out / "figures.json").write_text(json.dumps(figures, indent=1, default=str))


if __name__ == "__main__":
    main()

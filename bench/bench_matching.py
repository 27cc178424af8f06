"""Matching quality and speed on generated data: prints figures, asserts nothing.

    .venv/bin/python bench/bench_matching.py --size 20000 [--agency hotel_booking] [--em]

Quality: precision / recall / F1 per noise type at `match` and at `match+review`, review rate.
Speed: link() timings, candidate pairs per record, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl
import psutil

from data_contracts.schemas import spec
from matching import MatchModel, link
from matching.parties import list_parties, query_parties
from pipelines.settings import default_settings
from pipelines.synth import generate

AS_OF = date(2025, 6, 1)


def _read(path: Path, dataset: str) -> pl.DataFrame:
    df = (
        pl.read_parquet(path)
        if path.suffix == ".parquet"
        else pl.read_csv(path, infer_schema=False)
    )
    hm = spec(dataset).header_map()
    df = df.rename({c: hm[c] for c in df.columns if c in hm and hm[c] not in df.columns})
    casts = {"age": pl.Int64, "birth_date": pl.Date}
    return df.with_columns(
        pl.col(c).cast(pl.String).str.strip_chars().cast(t, strict=False)
        for c, t in casts.items()
        if c in df.columns
    )


def _one(out: Path, pattern: str) -> Path:
    return next(p for p in sorted(out.glob(pattern)) if p.suffix in (".parquet", ".csv"))


def evaluate(hits: pl.DataFrame, truth: pl.DataFrame, agency: str) -> None:
    """Per noise type: precision / recall at match and at match+review."""
    t = truth.filter(pl.col("agency") == agency)
    pos = t.filter(pl.col("entry_id").is_not_null() & (pl.col("noise") != "removed_entry"))
    for level, kept in (("match", ["match"]), ("match+review", ["match", "review"])):
        h = (
            hits.filter(pl.col("match_decision").is_in(kept))
            .select("record_id", "role", "entry_id")
            .unique()
        )
        tp = h.join(
            pos.select("record_id", "role", "entry_id"),
            on=["record_id", "role", "entry_id"],
            how="semi",
        )
        prec = tp.height / max(h.height, 1)
        rec = tp.height / max(pos.height, 1)
        f1 = 2 * prec * rec / max(prec + rec, 1e-9)
        print(f"[{level}] hits={h.height} precision={prec:.4f} recall={rec:.4f} f1={f1:.4f}")
        found = pos.join(
            h, on=["record_id", "role", "entry_id"], how="left", coalesce=True
        ).with_columns(pl.col("entry_id").is_in(tp["entry_id"].implode()).alias("found"))
        by = found.join(
            tp.with_columns(pl.lit(True).alias("hit")),
            on=["record_id", "role", "entry_id"],
            how="left",
        )
        table = by.group_by("noise").agg(
            pl.len().alias("n"), pl.col("hit").fill_null(False).mean().alias("recall")
        )
        print(table.sort("noise").to_dicts())
        neg = t.filter(
            pl.col("noise").str.ends_with("_negative") | (pl.col("noise") == "removed_entry")
        )
        fp = h.join(neg.select("record_id", "role"), on=["record_id", "role"], how="semi")
        wrong = fp.join(
            pos.select("record_id", "role", "entry_id"),
            on=["record_id", "role", "entry_id"],
            how="anti",
        )
        print(
            f"[{level}] hits on negative-noise records not in truth: {wrong.height} of {neg.height} negatives"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--records", type=int, default=None)
    ap.add_argument("--agency", default="hotel_booking")
    ap.add_argument("--em", action="store_true", help="estimate m/u by EM before linking")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_matching_"))
    if not (out / "manifest.json").exists():
        t = time.perf_counter()
        generate(out, args.size, 7, records=args.records, formats="parquet", as_of=AS_OF)
        print(f"generated size={args.size} in {time.perf_counter() - t:.1f}s at {out}")
    entries = _read(_one(out, "lists/snapshot.*"), "dishonest_list")
    records = _read(_one(out, f"agencies/{args.agency}.*"), args.agency)
    truth = pl.read_parquet(out / "truth" / "matches.parquet")
    settings = default_settings()
    q = query_parties(records, settings.agencies[args.agency].roles)  # type: ignore[index]
    lp = list_parties(entries)
    model = MatchModel()
    if args.em:
        t = time.perf_counter()
        model = model.estimate(q, lp, as_of=AS_OF)
        print(f"EM in {time.perf_counter() - t:.1f}s; prior={model.prior:.3g}")
        print(
            json.dumps(
                {
                    c.name: {lv.name: [round(lv.m, 4), float(f"{lv.u:.3g}")] for lv in c.levels}
                    for c in model.comparisons
                },
                ensure_ascii=False,
            )
        )
    t = time.perf_counter()
    res = link(q, lp, model=model, thresholds=settings.thresholds, as_of=AS_OF)
    wall = time.perf_counter() - t
    rss = psutil.Process().memory_info().rss / 2**30
    print(
        f"link: {len(q)} query parties x {len(lp)} list parties in {wall:.2f}s, rss={rss:.2f} GiB"
    )
    print(json.dumps(res.stats, ensure_ascii=False, default=str))
    print(f"review rate: {res.stats['reviews'] / max(len(q), 1):.4%} of query parties")
    evaluate(res.hits, truth, args.agency)


if __name__ == "__main__":
    main()

"""How far one labelled source can carry the capacity model: k-fold cross-validation within it.

    .venv/bin/python bench/bench_capacity_ceiling.py --work /tmp/capacity_transfer \
        [--field DIR_OF_SAMPLE --field-hits RUN_OUT] [--world W ...] [--folds 5]

Each debtor is scored by a model fitted (with `pipelines.capacity.model.fit`, the same terms,
directions and penalty as the product) on the other folds of the SAME source; the cut-offs are
chosen on those out-of-fold scores for the target precisions, so the coverage printed is what
the best-informed cut-offs could give on that source. It is an upper bound for any model fitted
on another source: if a source allows only ~50 % confident debtors at 95 % precision with its own
truth, no transfer will reach more. Features are the ones `bench_capacity_transfer.py` caches
under `--work` (run it first, or give the sources here and they are computed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl
from bench_capacity_transfer import field_source, world_source

from pipelines.capacity.evaluate import auc
from pipelines.capacity.model import choose_thresholds, contributions, fit, load_model


def out_of_fold(source: dict, folds: int, l2: float, seed: int = 0) -> pl.DataFrame:
    """debtor entry_id, outcome and out-of-fold probability of 失信 for every labelled debtor."""
    data = source["feats"].join(source["truth"], on="entry_id", how="inner")
    data = data.filter(pl.col("evidence_sources") >= load_model().thresholds.min_evidence_sources)
    fold = np.random.default_rng(seed).integers(0, folds, data.height)
    parts = []
    for k in range(folds):
        train, test = data.filter(pl.Series(fold != k)), data.filter(pl.Series(fold == k))
        model = fit(train, train.select("entry_id", "outcome"), l2=l2, label=f"fold {k}")
        logit = model.intercept + contributions(model, test).sum(axis=1)
        parts.append(test.select("entry_id", "outcome").with_columns(pl.Series("p", logit)))
    frame = pl.concat(parts)
    return frame.with_columns((100 / (1 + (-pl.col("p")).exp())).round(1).alias("score"))


def ceiling(source: dict, folds: int, l2: float, target: float) -> str:
    oof = out_of_fold(source, folds, l2)
    score, able = oof["score"].to_numpy(), (oof["outcome"] == "dishonest").to_numpy()
    hi, lo = choose_thresholds(
        score, able.astype(np.float64), target_dishonest=target, target_incapable=target
    )
    conf = (score >= hi) | (score <= lo)
    right = np.where(score >= hi, able, ~able)[conf]
    return (
        f"| {source['name']} | {len(score)} | {auc(score, able):.3f} | {hi:g} / {lo:g} | "
        f"{conf.mean():.3f} | {right.mean():.3f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/capacity_transfer"))
    ap.add_argument("--field", type=Path)
    ap.add_argument("--field-hits", type=Path)
    ap.add_argument("--world", type=Path, nargs="*", default=[])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=50.0)
    ap.add_argument("--target", type=float, default=0.95)
    args = ap.parse_args()
    sources = [world_source(w, args.work / f"world_{w.name}") for w in args.world]
    if args.field and args.field_hits:
        sources.append(field_source(args.field, args.field_hits, args.work / "field"))
    print(
        f"| source ({args.folds}-fold, debtors with evidence) | debtors | AUC | cut-offs "
        f"失信/失能 | confident share | confident accuracy |\n|---|---|---|---|---|---|"
    )
    for source in sources:
        print(ceiling(source, args.folds, args.l2, args.target), flush=True)


if __name__ == "__main__":
    main()

"""Evaluation against generated truth: AUC, accuracy of confident classes, coverage, calibration.

Pure metric functions over (score, class, truth); `evaluate_dir` is the I/O edge that scores a
generated data folder (pipelines.synth layout) and joins OUT/truth/capacity.parquet.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl


def auc(scores: np.ndarray, able: np.ndarray) -> float:
    """Area under the ROC curve by ranks (ties share their average rank)."""
    pos, neg = int(able.sum()), int((~able).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = pl.Series(scores).rank("average").to_numpy()
    return float((ranks[able].sum() - pos * (pos + 1) / 2) / (pos * neg))


def calibration(scores: np.ndarray, able: np.ndarray, bins: int = 10) -> pl.DataFrame:
    """Per score band: debtors, mean predicted P(失信) and the observed share truly 失信."""
    band = np.minimum((scores / (100 / bins)).astype(int), bins - 1)
    frame = pl.DataFrame({"band": band, "p": scores / 100, "able": able})
    return (
        frame.group_by("band")
        .agg(
            pl.len().alias("n"),
            pl.col("p").mean().round(3).alias("predicted"),
            pl.col("able").mean().round(3).alias("observed"),
        )
        .sort("band")
        .with_columns((pl.col("band") * (100 // bins)).alias("score_from"))
        .select("score_from", "n", "predicted", "observed")
    )


def metrics(scored: pl.DataFrame) -> dict:
    """Headline figures for a frame with capacity_score, capacity_class, latent_class."""
    scores = scored["capacity_score"].to_numpy()
    able = (scored["latent_class"] == "dishonest").to_numpy()
    confident = scored.filter(pl.col("capacity_class") != "uncertain")
    right = (confident["capacity_class"] == confident["latent_class"]).sum()
    out = {
        "debtors": scored.height,
        "auc": round(auc(scores, able), 4),
        "coverage": round(confident.height / max(scored.height, 1), 4),
        "confident_accuracy": round(right / max(confident.height, 1), 4),
    }
    for cls in ("dishonest", "incapable"):
        sel = scored.filter(pl.col("capacity_class") == cls)
        out[f"{cls}_n"] = sel.height
        hits = int((sel["latent_class"] == cls).sum())
        out[f"{cls}_precision"] = round(hits / max(sel.height, 1), 4)
    return out


def join_truth(table: pl.DataFrame, truth_path: Path) -> pl.DataFrame:
    """The capacity table with the generator's latent class (entries without truth dropped)."""
    truth = pl.read_parquet(truth_path).select("entry_id", "latent_class", "latent_ability")
    return table.join(truth, on="entry_id", how="inner")


def evaluate_dir(data: Path, out: Path, model: Path | None = None) -> tuple[dict, pl.DataFrame]:
    """Score a generated folder (lists/, capacity/, truth/) and measure against its truth."""
    from .run import CapacityRequest, run_capacity

    lists = sorted((data / "lists").glob("snapshot.*"))[:1] + sorted(
        (data / "lists").glob("delta_*")
    )
    welfare = sorted((data / "capacity").glob("welfare_status.*"))[0]
    assets = sorted((data / "capacity").glob("asset_inquiry.*"))[0]
    hits = [p.parent for p in sorted(data.glob("sweeps/*/hits.csv"))]
    req = CapacityRequest(
        lists=tuple(lists),
        welfare=welfare,
        assets=assets,
        out=out,
        hits=tuple(hits),
        model=model,
        reports=False,
    )
    run_capacity(req)
    table = pl.read_csv(out / "capacity.csv", infer_schema_length=0).with_columns(
        pl.col("capacity_score").cast(pl.Float64)
    )
    scored = join_truth(table, data / "truth" / "capacity.parquet")
    scores = scored["capacity_score"].to_numpy()
    able = (scored["latent_class"] == "dishonest").to_numpy()
    return metrics(scored), calibration(scores, able)

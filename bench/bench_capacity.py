"""Capacity evaluation on generated data with latent truth (base and shifted settings).

    .venv/bin/python bench/bench_capacity.py --size 3000 --seed 7 [--sweeps]

For each setting: generate a world (seed), optionally run the hotel and school sweeps to get
consumption hits, score with the packaged prior, and report AUC, coverage, accuracy of the
confident classes and a calibration table. Then fit the model on a second world (seed + 1) and
score the first with the fitted weights, to show what court-confirmed outcomes would change.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.capacity.evaluate import evaluate_dir
from pipelines.capacity.model import fit, save_model
from pipelines.synth import generate


def _sweeps(world: Path, as_of: date) -> None:
    from pipelines.settings import default_settings
    from pipelines.sweep import SweepRequest, run_sweep

    lists = sorted((world / "lists").glob("snapshot.*")) + sorted((world / "lists").glob("delta_*"))
    for agency in ("hotel_booking", "school_enrollment"):
        source = sorted((world / "agencies").glob(f"{agency}.*"))[0]
        run_sweep(
            SweepRequest(
                agency=agency,
                lists=tuple(lists),
                input=source,
                out=world / "sweeps" / agency,
                run_date=as_of,
                settings=default_settings(),
            )
        )


def _world(root: Path, name: str, size: int, seed: int, setting: str, sweeps: bool) -> Path:
    world = root / name
    generate(world, size, seed, capacity_setting=setting)
    if sweeps:
        _sweeps(world, date.today())
    return world


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sweeps", action="store_true", help="run hotel+school sweeps for hits")
    args = ap.parse_args()
    report: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for setting in ("base", "shifted"):
            started = time.perf_counter()
            world = _world(root, setting, args.size, args.seed, setting, args.sweeps)
            m, cal = evaluate_dir(world, root / f"{setting}_out")
            m["seconds"] = round(time.perf_counter() - started, 1)
            train = _world(root, f"{setting}_train", args.size, args.seed + 1, setting, args.sweeps)
            evaluate_dir(train, root / f"{setting}_train_out")
            feats = pl.read_parquet(root / f"{setting}_train_out" / "capacity_features.parquet")
            truth = pl.read_parquet(train / "truth" / "capacity.parquet")
            fitted = fit(feats, truth.select("entry_id", pl.col("latent_class").alias("outcome")))
            save_model(fitted, root / "fitted.json")
            mf, calf = evaluate_dir(world, root / f"{setting}_fit_out", model=root / "fitted.json")
            report[setting] = {
                "prior": m,
                "fitted": mf,
                "fitted_thresholds": fitted.thresholds.model_dump(),
                "fitted_weights": fitted.weights,
            }
            print(f"== {setting}: prior")
            print(json.dumps(m, ensure_ascii=False))
            print(cal)
            print(f"== {setting}: fitted on seed {args.seed + 1}")
            print(json.dumps(mf, ensure_ascii=False))
            print(calf)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

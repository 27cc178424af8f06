"""Capacity evaluation on generated data with latent truth, consumption evidence from real sweeps.

    .venv/bin/python bench/bench_capacity.py --size 2000 --eval-seed 7 --fit-seed 8 [--write-prior]

For each generator setting (base, shifted) two worlds are generated: an evaluation world
(`--eval-seed`) and a fitting world (`--fit-seed`, never the same). In each, the hotel, school
and subsidy sweeps run first (`pipelines.sweep.run.run_sweep`, one `SweepRequest` per agency, at the
world's night) and their hits dirs feed `credsweep capacity`, so consumption is real evidence.
Reported, on the evaluation world only:
- `packaged`: the packaged model (`default_model.json`) as shipped;
- `fitted`: weights and cut-offs from `fit` on the fitting world of the same setting;
- `fitted_base` (shifted only): the base-fitted model on the shifted world (transfer).
Plus the prior weights' cut-offs re-derived on the base fitting world (`derive_thresholds`);
`--write-prior` writes them into the packaged model. Per-signal AUCs show that no single signal
separates the classes. Figures go to stdout; nothing is timed in tests.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.capacity.evaluate import auc, evaluate_dir
from pipelines.capacity.model import (
    DEFAULT_MODEL,
    derive_thresholds,
    fit,
    load_model,
    save_model,
)
from pipelines.capacity.terms import TERM_NAMES, design_matrix
from pipelines.synth import generate
from pipelines.synth.timeshift import WORLD_DATE

AGENCIES = ("hotel_booking", "school_enrollment", "subsidy_application")
SIGNALS = (
    "hotel_stays",
    "hotel_luxury",
    "private_school",
    "subsidy_applied",
    "real_estate",
    "deposit",
    "assets_none_found",
    "si_base",
    "minimum_living",
    "beh_evasion",
    "partial_performance",
)


def run_sweeps(world: Path, night: date) -> None:
    """Run the consumption sweeps over a generated world; hits land in world/sweeps/<agency>/."""
    from pipelines.settings import default_settings
    from pipelines.sweep.run import SweepRequest, run_sweep

    lists = sorted((world / "lists").glob("snapshot.*")) + sorted((world / "lists").glob("delta_*"))
    for agency in AGENCIES:
        source = sorted((world / "agencies").glob(f"{agency}.*"))[0]
        run_sweep(
            SweepRequest(
                agency=agency,
                lists=tuple(lists),
                input=source,
                out=world / "sweeps" / agency,
                run_date=night,
                settings=default_settings(),
            )
        )


def make_world(root: Path, name: str, args: argparse.Namespace, seed: int, setting: str) -> Path:
    """Generate one world and sweep it."""
    world = root / name
    generate(world, args.size, seed, capacity_setting=setting, hit_rate=args.hit_rate)
    run_sweeps(world, WORLD_DATE)
    return world


def labelled(out: Path, world: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(features, outcomes) of a scored world: the generator's latent class as the outcome."""
    feats = pl.read_parquet(out / "capacity_features.parquet")
    truth = pl.read_parquet(world / "truth" / "capacity.parquet")
    return feats, truth.select("entry_id", pl.col("latent_class").alias("outcome"))


def signal_table(feats: pl.DataFrame, outcomes: pl.DataFrame) -> pl.DataFrame:
    """Per signal: share non-zero among truly able / unable, and its AUC used alone."""
    data = feats.join(outcomes, on="entry_id", how="inner")
    able = (data["outcome"] == "dishonest").to_numpy()
    x = design_matrix(data, TERM_NAMES)
    rows = []
    for name in SIGNALS:
        col = x[:, TERM_NAMES.index(name)]
        rows.append(
            {
                "signal": name,
                "share_able": round(float((col[able] != 0).mean()), 3),
                "share_unable": round(float((col[~able] != 0).mean()), 3),
                "auc_alone": round(auc(col, able), 3),
            }
        )
    return pl.DataFrame(rows)


def evaluate(world: Path, out: Path, model: Path | None) -> tuple[dict, pl.DataFrame]:
    started = time.perf_counter()
    m, cal = evaluate_dir(world, out, model=model)
    m["seconds"] = round(time.perf_counter() - started, 1)
    summary = json.loads((out / "capacity_summary.json").read_text(encoding="utf-8"))
    m["consumption_hits_used"] = summary["consumption_hits_used"]
    m["records_identity_unconfirmed"] = summary.get("records_identity_unconfirmed")
    return m, cal


def row(setting: str, model: str, m: dict) -> str:
    return (
        f"| {setting} | {model} | {m['auc']:.3f} | {m['coverage']:.3f} | "
        f"{m['confident_accuracy']:.3f} | {m['dishonest_precision']:.3f} ({m['dishonest_n']}) | "
        f"{m['incapable_precision']:.3f} ({m['incapable_n']}) |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--eval-seed", type=int, default=7)
    ap.add_argument("--fit-seed", type=int, default=8)
    ap.add_argument(
        "--hit-rate",
        type=float,
        default=0.15,
        help="share of agency records that are listed debtors (synth default 0.03)",
    )
    ap.add_argument("--write-prior", action="store_true", help="store derived prior cut-offs")
    args = ap.parse_args()
    if args.eval_seed == args.fit_seed:
        raise SystemExit("--fit-seed must differ from --eval-seed")
    table: list[str] = []
    fitted_base: Path | None = None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for setting in ("base", "shifted"):
            world = make_world(root, setting, args, args.eval_seed, setting)
            train = make_world(root, f"{setting}_fit", args, args.fit_seed, setting)
            evaluate(train, root / f"{setting}_fit_out", None)
            feats, outcomes = labelled(root / f"{setting}_fit_out", train)
            label = f"generated {setting} seed {args.fit_seed} size {args.size}"
            if setting == "base":
                prior = derive_thresholds(
                    load_model(), feats, outcomes, label=f"prior weights, {label}"
                )
                print("== prior cut-offs derived on", label)
                print(json.dumps(prior.thresholds.model_dump(), ensure_ascii=False))
                if args.write_prior:
                    save_model(prior, DEFAULT_MODEL)
            fitted = fit(feats, outcomes, label=label)
            path = root / f"{setting}_fitted.json"
            save_model(fitted, path)
            fitted_base = fitted_base or path
            runs = {"packaged": None, "fitted": path}
            if setting == "shifted":
                runs["fitted_base"] = fitted_base
            for name, model in runs.items():
                m, cal = evaluate(world, root / f"{setting}_{name}_out", model)
                print(f"== {setting}: {name} on seed {args.eval_seed}")
                print(json.dumps(m, ensure_ascii=False))
                print(cal)
                table.append(row(setting, name, m))
            feats_eval, out_eval = labelled(root / f"{setting}_packaged_out", world)
            print(f"== {setting}: single signals on seed {args.eval_seed} (AUC of each alone)")
            print(signal_table(feats_eval, out_eval))
            print(f"== {setting}: fitted model (seed {args.fit_seed})")
            print(json.dumps(fitted.thresholds.model_dump(), ensure_ascii=False))
            print(json.dumps(fitted.weights, ensure_ascii=False))
    print(
        "| setting | model | AUC | coverage | confident accuracy "
        "| 失信 precision (n) | 失能 precision (n) |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(table))


if __name__ == "__main__":
    main()

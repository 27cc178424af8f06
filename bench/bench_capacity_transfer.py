"""Capacity model across sources: fitted on one labelled source, evaluated on the other.

    # a generated world with its four sweeps (consumption comes from real hits)
    .venv/bin/python bench/bench_capacity_transfer.py prepare \
        --world /tmp/w_fit --size 20000 --seed 8
    .venv/bin/python bench/bench_capacity_transfer.py prepare \
        --world /tmp/w_eval --size 200000 --seed 7
    # the field sample's sweeps: its run.sh output folder (OUT/<agency>/hits.csv)
    .venv/bin/python bench/bench_capacity_transfer.py run --fit-world /tmp/w_fit \
        --eval-world /tmp/w_eval --field DIR_OF_SAMPLE --field-hits RUN_OUT [--write-packaged]

Directions printed (every figure on the source the model was NOT fitted on):
- generated -> field sample: fitted on the generator's truth (`--fit-world`), evaluated on the
  field sample's truth; this is the packaged model (`--write-packaged` stores it);
- generated -> generated: the same model on an independent, larger world (`--eval-world`);
- field sample -> generated: fitted on the field sample's truth inside this script only (never
  shipped), evaluated on `--eval-world`.
Features come from `credsweep capacity` itself (`run_capacity`, one row per debtor); the debtor
scores are carried to every list entry and measured per entry with truth, as the field sample's
score.py does. Cut-offs are derived on the fitting source for the model's target precisions.
The machine may be shared: timings are indicative only.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import polars as pl

from pipelines.capacity.evaluate import auc, calibration
from pipelines.capacity.model import (
    DEFAULT_MODEL,
    CapacityModel,
    fit,
    load_model,
    save_model,
    strictest_thresholds,
)
from pipelines.capacity.model import score as score_debtors

AGENCIES = ("hotel_booking", "school_enrollment", "subsidy_application", "civil_service_candidate")


def prepare(world: Path, size: int, seed: int, hit_rate: float, setting: str = "base") -> None:
    """Generate one world and run its four sweeps at the world's night."""
    from pipelines.settings import default_settings
    from pipelines.sweep.run import SweepRequest, run_sweep
    from pipelines.synth import generate
    from pipelines.synth.timeshift import WORLD_DATE

    t0 = time.perf_counter()
    generate(world, size, seed, hit_rate=hit_rate, formats="parquet", capacity_setting=setting)
    print(
        f"generated size {size} seed {seed} ({setting}) in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    lists = sorted((world / "lists").glob("snapshot.*")) + sorted((world / "lists").glob("delta_*"))
    for agency in AGENCIES:
        t0 = time.perf_counter()
        source = sorted((world / "agencies").glob(f"{agency}.*"))[0]
        run_sweep(
            SweepRequest(
                agency=agency,
                lists=tuple(lists),
                input=source,
                out=world / "sweeps" / agency,
                run_date=WORLD_DATE,
                settings=default_settings(),
            )
        )
        print(f"swept {agency} in {time.perf_counter() - t0:.0f} s", flush=True)


def _capacity(
    lists: list[Path], welfare: Path, assets: Path, hits: list[Path], out: Path
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(debtor features, entry -> debtor) from a real capacity run with the packaged model."""
    from pipelines.capacity.run import CapacityRequest, run_capacity

    if not (out / "capacity_features.parquet").is_file():
        t0 = time.perf_counter()
        req = CapacityRequest(
            lists=tuple(lists),
            welfare=welfare,
            assets=assets,
            out=out,
            hits=tuple(hits),
            reports=False,
        )
        run_capacity(req)
        print(f"capacity features {out} in {time.perf_counter() - t0:.0f} s", flush=True)
    feats = pl.read_parquet(out / "capacity_features.parquet")
    entries = pl.read_csv(out / "capacity.csv", infer_schema=False).select("entry_id", "debtor_id")
    return feats, entries


def world_source(world: Path, out: Path) -> dict:
    """A generated world's features, entry map and per-entry truth."""
    lists = sorted((world / "lists").glob("snapshot.*")) + sorted((world / "lists").glob("delta_*"))
    feats, entries = _capacity(
        lists,
        sorted((world / "capacity").glob("welfare_status.*"))[0],
        sorted((world / "capacity").glob("asset_inquiry.*"))[0],
        [world / "sweeps" / a for a in AGENCIES if (world / "sweeps" / a).is_dir()],
        out,
    )
    truth = pl.read_parquet(world / "truth" / "capacity.parquet").select(
        "entry_id", pl.col("latent_class").alias("outcome")
    )
    return {"name": f"generated {world.name}", "feats": feats, "entries": entries, "truth": truth}


def field_source(sample: Path, hits: Path, out: Path) -> dict:
    """The field sample's features (from its own files and sweep hits) and truth."""
    manifest = json.loads((sample / "manifest.json").read_text(encoding="utf-8"))
    feats, entries = _capacity(
        [sample / f for f in manifest["list_files"]],
        sample / manifest["welfare_file"],
        sample / manifest["asset_file"],
        [hits / a for a in AGENCIES if (hits / a).is_dir()],
        out,
    )
    truth = pl.read_csv(sample / "truth" / "capacity.csv", infer_schema=False).select(
        "entry_id", pl.col("true_class").alias("outcome")
    )
    return {"name": "field sample", "feats": feats, "entries": entries, "truth": truth}


def pooled(sources: list[dict]) -> dict:
    """Several generated worlds as one labelled source (entry ids prefixed per world).

    Fitting on worlds drawn with different generator settings (base and shifted welfare and
    inquiry rates) keeps the weights from resting on one setting's rates: what we do not know
    about the real rates is drawn, not guessed once.
    """
    if len(sources) == 1:
        return sources[0]

    def tag(frame: pl.DataFrame, k: int, cols: tuple[str, ...]) -> pl.DataFrame:
        return frame.with_columns(pl.format("w{}:{}", pl.lit(k), pl.col(c)).alias(c) for c in cols)

    return {
        "name": " + ".join(s["name"] for s in sources),
        "feats": pl.concat(
            [tag(s["feats"], k, ("entry_id",)) for k, s in enumerate(sources)], how="diagonal"
        ),
        "entries": pl.concat(
            [tag(s["entries"], k, ("entry_id", "debtor_id")) for k, s in enumerate(sources)]
        ),
        "truth": pl.concat([tag(s["truth"], k, ("entry_id",)) for k, s in enumerate(sources)]),
    }


def fit_on(source: dict, label: str, l2: float) -> CapacityModel:
    """Weights and cut-offs from one source's debtors (a debtor's outcome: its own entry's)."""
    return fit(source["feats"], source["truth"], label=label, l2=l2)


def measure(model: CapacityModel, source: dict) -> dict:
    """Per-entry figures of `model` on `source` (its debtor scores carried to every entry)."""
    scored = score_debtors(model, source["feats"]).rename({"entry_id": "debtor_id"})
    rows = source["entries"].join(scored, on="debtor_id").join(source["truth"], on="entry_id")
    able = (rows["outcome"] == "dishonest").to_numpy()
    conf = rows.filter(pl.col("capacity_class") != "uncertain")
    out = {
        "entries": rows.height,
        "auc": round(auc(rows["capacity_score"].to_numpy(), able), 4),
        "confident_share": round(conf.height / max(rows.height, 1), 4),
        "confident_accuracy": round(
            float((conf["capacity_class"] == conf["outcome"]).mean() or 0.0), 4
        ),
    }
    # Calibration on the other source: score/100 read as P(失信), mean gap per score decile
    # weighted by debtors (expected calibration error).
    cal = calibration(rows["capacity_score"].to_numpy(), able)
    out["ece"] = round(
        float(((cal["predicted"] - cal["observed"]).abs() * cal["n"]).sum() / max(rows.height, 1)),
        4,
    )
    for cls in ("dishonest", "incapable"):
        sel = conf.filter(pl.col("capacity_class") == cls)
        out[f"{cls}_precision"] = round(float((sel["outcome"] == cls).mean() or 0.0), 4)
        out[f"{cls}_n"] = sel.height
    return out


def _line(direction: str, model: CapacityModel, m: dict) -> str:
    t = model.thresholds
    return (
        f"| {direction} | {t.dishonest:g} / {t.incapable:g} | {m['auc']:.3f} | "
        f"{m['confident_share']:.3f} | {m['confident_accuracy']:.3f} | "
        f"{m['dishonest_precision']:.3f} ({m['dishonest_n']}) | "
        f"{m['incapable_precision']:.3f} ({m['incapable_n']}) | {m['ece']:.3f} | {m['entries']} |"
    )


def run(args: argparse.Namespace) -> None:
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    fit_worlds = [world_source(w, work / f"world_{w.name}") for w in args.fit_world]
    gen_fit = pooled(fit_worlds)
    field = field_source(args.field, args.field_hits, work / "field")
    names = ", ".join(w.name for w in args.fit_world)
    packaged = fit_on(gen_fit, f"generated worlds {names} (generator's truth)", args.l2)
    if args.cutoffs == "strictest" and len(fit_worlds) > 1:
        packaged = strictest_thresholds(
            packaged,
            [(w["feats"], w["truth"]) for w in fit_worlds],
            label=f"generated worlds {names}",
        )
    if args.write_packaged:
        base = load_model()
        save_model(
            packaged.model_copy(
                update={
                    "version": f"gen-fit-{gen_fit['feats'].height}",
                    "description": f"Fitted on generated worlds' truth ({names}; "
                    "pipelines.synth, bench/bench_capacity_transfer.py); cut-offs "
                    f"({args.cutoffs}) for the target precisions; see docs/capacity.md.",
                    "params": base.params,
                }
            ),
            DEFAULT_MODEL,
        )
    reverse = fit_on(field, "field sample truth (bench only)", args.l2)
    rows = [_line("generated -> field sample", packaged, measure(packaged, field))]
    evals = [
        (f"fitting world {w.name}", src) for w, src in zip(args.fit_world, fit_worlds, strict=True)
    ]
    if args.eval_world:
        evals.append(
            (f"eval world {args.eval_world.name}", world_source(args.eval_world, work / "eval"))
        )
    for name, world in evals:
        if not name.startswith("fitting world"):
            rows.append(
                _line(f"generated -> generated ({name})", packaged, measure(packaged, world))
            )
        rows.append(_line(f"field sample -> generated ({name})", reverse, measure(reverse, world)))
    print("== packaged (generated fit) weights")
    print(json.dumps(packaged.weights, ensure_ascii=False))
    print(json.dumps(packaged.thresholds.model_dump(), ensure_ascii=False))
    print("== reverse (field-sample fit) weights")
    print(json.dumps(reverse.weights, ensure_ascii=False))
    print(json.dumps(reverse.thresholds.model_dump(), ensure_ascii=False))
    print(
        "| fitted on -> evaluated on | cut-offs 失信/失能 | AUC | confident share "
        "| confident accuracy | 失信 precision (n) | 失能 precision (n) | calibration error "
        "| entries |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--world", type=Path, required=True)
    p.add_argument("--size", type=int, default=20000)
    p.add_argument("--seed", type=int, default=8)
    p.add_argument("--hit-rate", type=float, default=0.15)
    p.add_argument(
        "--capacity-setting",
        choices=("base", "shifted"),
        default="base",
        help="the generator's welfare/asset rates (shifted: fewer inquiries, more welfare fraud)",
    )
    r = sub.add_parser("run")
    r.add_argument(
        "--fit-world",
        type=Path,
        nargs="+",
        required=True,
        help="one or more generated worlds, pooled (e.g. one base and one shifted setting)",
    )
    r.add_argument("--eval-world", type=Path, help="a larger independent world (optional)")
    r.add_argument(
        "--l2",
        type=float,
        default=50.0,
        help="ridge penalty: strong shrinkage so no signal peculiar to one source dominates",
    )
    r.add_argument(
        "--cutoffs",
        choices=("pooled", "strictest"),
        default="strictest",
        help="with several fit worlds: the strictest of each world's own cut-offs (the precision "
        "must hold on every setting; the packaged choice), or those for the pooled worlds",
    )
    r.add_argument("--field", type=Path, required=True)
    r.add_argument("--field-hits", type=Path, required=True)
    r.add_argument("--work", type=Path, default=Path("/tmp/capacity_transfer"))
    r.add_argument("--write-packaged", action="store_true")
    args = ap.parse_args()
    if args.cmd == "prepare":
        prepare(args.world, args.size, args.seed, args.hit_rate, args.capacity_setting)
    else:
        run(args)


if __name__ == "__main__":
    main()

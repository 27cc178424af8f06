"""Matching quality and speed on generated data: prints figures, asserts nothing.

    .venv/bin/python bench/bench_matching.py --size 20000 [--agency hotel_booking ...] [--em]
        [--out DIR] [--json PATH]

Inputs are loaded the way `credsweep sweep` loads them (bench/_data.py): the list snapshot, then
each delta in order, through the data contract and the versioned warehouse; agency records through
their contract. Only `matching.link` is timed.
Quality: `pipelines.evaluation.metrics.evaluate_hits` (the same figures as `credsweep evaluate`, see
docs/evaluation.md): precision / recall / F1 at `match` and `match+review`, per noise type,
hard negatives, review rate. Speed: link() wall time, candidate pairs per record, RSS.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import polars as pl
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `matching`, `pipelines` importable

from _data import AS_OF, data_dir, ensure_generated, load_inputs  # noqa: E402

from matching import MatchModel, link  # noqa: E402
from matching.model import load_default  # noqa: E402
from matching.parties import list_parties, query_parties  # noqa: E402
from matching.training import estimate_model  # noqa: E402
from pipelines.evaluation.evidence import Parties  # noqa: E402
from pipelines.evaluation.metrics import evaluate_hits, format_figures  # noqa: E402
from pipelines.settings import default_settings  # noqa: E402


def _em(model: MatchModel, q: pl.DataFrame, lp: pl.DataFrame) -> MatchModel:
    """Estimate m/u by EM and print the fitted parameters."""
    t = time.perf_counter()
    model = estimate_model(model, q, lp, as_of=AS_OF)  # type: ignore[arg-type]
    print(f"EM in {time.perf_counter() - t:.1f}s; prior={model.prior:.3g}")
    fitted = {
        c.name: {lv.name: [round(lv.m, 4), float(f"{lv.u:.3g}")] for lv in c.levels}
        for c in model.comparisons
    }
    print(json.dumps(fitted, ensure_ascii=False))
    return model


def bench_agency(out: Path, agency: str, em: bool) -> dict:
    """Link one agency's records against the current list; return timing and quality figures."""
    settings = default_settings()
    t = time.perf_counter()
    inputs = load_inputs(out, agency, AS_OF, settings)
    print(
        f"[{agency}] loaded {inputs.records.height} records, {inputs.entries.height} current "
        f"entries (snapshot + deltas) in {time.perf_counter() - t:.1f}s"
    )
    q = query_parties(inputs.records, settings.agencies[agency].roles)  # type: ignore[index]
    lp = list_parties(inputs.entries)
    model = _em(MatchModel(), q, lp) if em else load_default()
    t = time.perf_counter()
    res = link(q, lp, model=model, thresholds=settings.thresholds, as_of=AS_OF)
    wall = time.perf_counter() - t
    rss = psutil.Process().memory_info().rss / 2**30
    print(
        f"[{agency}] link: {len(q)} query parties x {len(lp)} list parties in {wall:.2f}s, "
        f"rss={rss:.2f} GiB"
    )
    print(json.dumps(res.stats, ensure_ascii=False, default=str))
    fig = evaluate_hits(
        res.hits,
        inputs.truth,
        agency,
        n_records=inputs.records.height,
        screened=inputs.records["record_id"],
        parties=Parties(q, lp, AS_OF),
    )
    print(format_figures(fig))
    fig["link_s"] = round(wall, 3)
    fig["query_parties"], fig["list_parties"] = len(q), len(lp)
    fig["rss_gib"] = round(rss, 3)
    fig["link_stats"] = {k: v for k, v in res.stats.items() if isinstance(v, int | float | str)}
    return fig


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--agency", nargs="+", default=["hotel_booking"])
    ap.add_argument("--em", action="store_true", help="estimate m/u by EM before linking")
    ap.add_argument("--out", default=None, help="data folder (default bench/.data/...)")
    ap.add_argument("--json", default=None, help="write the figures here")
    args = ap.parse_args()
    out = Path(args.out) if args.out else data_dir(ROOT, args.size, args.seed)
    fresh = not (out / "manifest.json").exists()
    t = time.perf_counter()
    ensure_generated(out, args.size, args.seed)
    if fresh:
        print(f"generated size={args.size} in {time.perf_counter() - t:.1f}s at {out}")
    figures = {a: bench_agency(out, a, args.em) for a in args.agency}
    if args.json:
        doc = {"size": args.size, "seed": args.seed, "em": args.em, "agencies": figures}
        Path(args.json).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()

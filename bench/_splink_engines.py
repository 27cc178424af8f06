"""One engine of `bench_splink.py` in a process of its own, so peak RSS figures do not mix.

    .venv/bin/python bench/_splink_engines.py --engine ours|splink --work DIR [--as-of DATE]

The parent (`spawn`) prepares `query.parquet` and `list.parquet` in DIR; the child runs one
engine on them, writes `hits_<engine>.parquet` and prints its figures as one line.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
from _splink_model import (
    DETERMINISTIC_RULES,
    EM_RULES,
    ORG_EM_RULE,
    full_id_share,
    splink_frame,
    splink_settings,
)

ROOT = Path(__file__).resolve().parents[1]
RESULT = "BENCH_RESULT "
SWEEP_META = "sweep.json"
"""In a work folder: call `link` as the sweep does (field-sample mode), with this review budget."""
PREDICT_FLOOR = 1e-4
"""Pairs below this probability are not materialised (far below any threshold we report)."""


def _rss_gib() -> float:
    """Peak RSS of this process so far, in GiB.

    `VmHWM` belongs to this process's own address space. `ru_maxrss` is not enough in a child:
    Linux carries the parent's peak across fork + exec, so every child would report at least
    what the parent held when it spawned it (the prepared inputs).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def train_splink(
    qs: pl.DataFrame, ls: pl.DataFrame, *, with_orgs: bool, recall: float, u_pairs: float
) -> tuple:
    """A Splink linker over the list (`a_list`) and query (`b_query`) frames, trained as a user
    would: prior from deterministic rules, u by random sampling, m by EM. Returns the linker,
    the list's registered frame and the seconds after the start at which each stage ended."""
    import logging

    from splink import DuckDBAPI, Linker

    t1 = time.perf_counter()
    db_api = DuckDBAPI()
    list_sdf = db_api.register(ls.to_arrow(), dataset_display_name="a_list")
    query_sdf = db_api.register(qs.to_arrow(), dataset_display_name="b_query")
    linker = Linker([list_sdf, query_sdf], splink_settings(with_orgs), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC_RULES), recall=recall
    )
    t_prior = time.perf_counter()
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=1)
    t_u = time.perf_counter()
    for rule in EM_RULES + ((ORG_EM_RULE,) if with_orgs else ()):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    t_em = time.perf_counter()
    return linker, list_sdf, {"prior": t_prior - t1, "u": t_u - t1, "em": t_em - t1}


def run_splink(q: pl.DataFrame, lp: pl.DataFrame, as_of: date, u_pairs: float) -> dict:
    """Features (untimed), then Splink training + predict + best pair (timed); hits + figures."""
    from matching.features import party_features

    t0 = time.perf_counter()
    qf = party_features(q, as_of)
    lf = party_features(lp.filter(pl.col("status").fill_null("active") == "active"), as_of)
    qs, ls = splink_frame(qf, as_of), splink_frame(lf, as_of)
    recall = min(0.95, max(0.05, full_id_share(lf)))
    features_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    linker, _, trained = train_splink(
        qs, ls, with_orgs=bool((qf["party_type"] == "org").any()), recall=recall, u_pairs=u_pairs
    )
    t_prior, t_u, t_em = (t1 + trained[k] for k in ("prior", "u", "em"))
    _say(f"splink trained: prior {t_prior - t1:.1f}s, u {t_u - t_prior:.1f}s, em {t_em - t_u:.1f}s")
    pred = linker.inference.predict(threshold_match_probability=PREDICT_FLOOR)
    pairs = (
        pred.as_duckdbpyrelation()
        .select("source_dataset_l, uid_l, source_dataset_r, uid_r, match_probability")
        .pl()
    )
    t_pred = time.perf_counter()
    _say(f"splink predicted {pairs.height} pairs in {t_pred - t_em:.1f}s")
    hits = best_pairs(pairs, qf, lf)
    t2 = time.perf_counter()
    model = linker._settings_obj.as_dict()  # noqa: SLF001 - the trained parameters, for the record
    return {
        "hits": hits,
        "figures": {
            "features_s": features_s,
            "match_stage_s": t2 - t1,
            "timings_s": {
                "register_prior": t_prior - t1,
                "u_sampling": t_u - t_prior,
                "em": t_em - t_u,
                "training": t_em - t1,
                "predict": t_pred - t_em,
                "best_pair": t2 - t_pred,
            },
            "predicted_pairs": pairs.height,
            "prior_recall_assumed": recall,
            "probability_two_random_records_match": model.get(
                "probability_two_random_records_match"
            ),
            "model": _model_summary(model),
        },
    }


def _model_summary(model: dict) -> dict:
    """Per comparison level: label, m, u (what training produced)."""
    out: dict = {}
    for comp in model.get("comparisons", []):
        out[comp["output_column_name"]] = [
            [lv.get("label_for_charts"), lv.get("m_probability"), lv.get("u_probability")]
            for lv in comp["comparison_levels"]
            if not lv.get("is_null_level")
        ]
    return out


def best_pairs(pairs: pl.DataFrame, qf: pl.DataFrame, lf: pl.DataFrame) -> pl.DataFrame:
    """Best probability per (record_id, role, entry_id): one list entry may give two parties."""
    q_is_right = pl.col("source_dataset_r") == "b_query"
    oriented = pairs.select(
        pl.when(q_is_right).then("uid_r").otherwise("uid_l").alias("qi"),
        pl.when(q_is_right).then("uid_l").otherwise("uid_r").alias("li"),
        pl.col("match_probability").alias("match_score"),
    )
    qkeys = (
        qf.select("record_id", "role")
        .with_row_index("qi")
        .with_columns(pl.col("qi").cast(pl.Int64))
    )
    lkeys = (
        lf.select("entry_id", "list_role")
        .with_row_index("li")
        .with_columns(pl.col("li").cast(pl.Int64))
    )
    return (
        oriented.join(qkeys, on="qi")
        .join(lkeys, on="li")
        .sort("match_score", descending=True)
        .unique(["record_id", "role", "entry_id"], keep="first")
        .select("record_id", "role", "entry_id", "list_role", "match_score")
    )


def run_ours(q: pl.DataFrame, lp: pl.DataFrame, as_of: date, sweep: dict | None) -> dict:
    """The whole `matching.link` call as the match stage.

    With `sweep` (field-sample mode) `link` is called as the sweep's screening step calls it:
    the packaged model and threshold rule from
    `pipelines.review.feedback.sweep_matching` (no analyst labels) and the agency's review
    budget; otherwise with the written thresholds as numbers.
    """
    from matching import link
    from pipelines.review.feedback import sweep_matching
    from pipelines.settings import default_settings

    settings = default_settings()
    t0 = time.perf_counter()
    if sweep is None:
        res = link(q, lp, thresholds=settings.thresholds, as_of=as_of)
    else:
        model, rule, _ = sweep_matching(settings, None)
        res = link(q, lp, model=model, thresholds=rule, as_of=as_of,
                   review_budget=sweep["review_budget"])  # fmt: skip
    wall = time.perf_counter() - t0
    stats = {k: v for k, v in res.stats.items() if k != "pairs_by_key"}
    return {
        "hits": res.hits.select("record_id", "role", "entry_id", "match_score", "match_decision"),
        "figures": {"match_stage_s": wall, "link_stats": stats},
    }


def child(engine: str, work: Path, as_of: date, u_pairs: float) -> None:
    """Run one engine on the prepared parties; write its hits; print its figures as one line."""
    q = pl.read_parquet(work / "query.parquet")
    lp = pl.read_parquet(work / "list.parquet")
    meta = work / SWEEP_META
    sweep = json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else None
    rss_before = _rss_gib()
    if engine == "splink":
        out = run_splink(q, lp, as_of, u_pairs)
    else:
        out = run_ours(q, lp, as_of, sweep)
    out["hits"].write_parquet(work / f"hits_{engine}.parquet")
    figures = out["figures"] | {"rss_inputs_gib": rss_before, "peak_rss_gib": _rss_gib()}
    print(RESULT + json.dumps(figures, default=str), flush=True)


def spawn(engine: str, work: Path, u_pairs: float, as_of: date | None = None) -> dict:
    """Run `engine` in a fresh interpreter so its peak RSS is its own."""
    cmd = [sys.executable, __file__, "--engine", engine, "--work", str(work)]
    cmd += ["--u-pairs", str(u_pairs)] + (["--as-of", as_of.isoformat()] if as_of else [])
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        raise SystemExit(f"{engine} run failed: " + " | ".join(tail))
    line = next(x for x in proc.stdout.splitlines() if x.startswith(RESULT))
    figures = json.loads(line[len(RESULT) :])
    figures["process_wall_s"] = time.perf_counter() - t
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", choices=("ours", "splink"), required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--u-pairs", type=float, default=1e8)
    ap.add_argument("--as-of", type=date.fromisoformat, default=None)
    args = ap.parse_args()
    from _data import AS_OF

    child(args.engine, args.work, args.as_of or AS_OF, args.u_pairs)


if __name__ == "__main__":
    main()

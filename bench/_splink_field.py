"""`bench_splink.py --field-sample DIR`: both engines on a labelled field sample, side by side.

Same inputs for both: the sample's list files (snapshot, then deltas, in manifest order) through
the list contract and the versioned list, entries active on the run date; each agency file
through its reader and contract (`pipelines.ingest.sources.checked_source`, as the sweep).
One run per agency for each engine, each in its own child process (Splink trains on that
agency's pairs: prior, u sampling, EM, as on generated data). Ours calls `link` the way the
sweep does (packaged model, threshold rule, the agency's review budget). Scoring follows the
sample's own rules (`bench/_field_sample.py`).
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import polars as pl
from _data import active_entries
from _field_sample import (
    MIN_TAG_PAIRS,
    FieldSample,
    Truth,
    agency_records,
    load_truth,
    open_sample,
    score_hits,
)
from _splink_engines import ROOT, SWEEP_META, spawn
from _splink_score import ORACLE_GRID, decide

from matching.parties import list_parties, query_parties
from pipelines.settings import agency_settings, default_settings

ENGINES = ("ours", "splink @ written", "splink @ oracle")
"""Splink at our written thresholds (settings.thresholds) and at its truth-picked one."""


def _oracle(hits: pl.DataFrame, truth: Truth) -> float:
    """Splink's F1-best `match` threshold on this agency's truth: an oracle choice."""
    best, best_f1 = 0.5, -1.0
    for t in ORACLE_GRID:
        f1 = score_hits(decide(hits, t, t), truth)["match"]["f1"]
        if f1 > best_f1:
            best, best_f1 = t, f1
    return best


def _prepare(work: Path, records: pl.DataFrame, listed: pl.DataFrame, agency: str) -> None:
    settings = default_settings()
    rules = agency_settings(settings, agency)
    work.mkdir(parents=True, exist_ok=True)
    query_parties(records, rules.roles).write_parquet(work / "query.parquet")
    listed.write_parquet(work / "list.parquet")
    budget = math.ceil(rules.review_budget_share * records.height)  # as pipelines.sweep.screening
    (work / SWEEP_META).write_text(json.dumps({"review_budget": budget}), encoding="utf-8")


def _claims(fig: dict) -> dict:
    """The night's own expected precision/recall, as `link` reported them."""
    th = fig.get("link_stats", {}).get("thresholds", {})
    return {k: v for k, v in th.items() if k.startswith("expected_")}


def _one_agency(
    sample: FieldSample, agency: str, listed: pl.DataFrame, as_of: date, u_pairs: float
) -> dict:
    """Both engines on one agency's records; hits, figures and scores."""
    settings = default_settings()
    records = agency_records(sample, agency, as_of, settings)
    work = ROOT / "bench" / ".data" / "field_sample" / agency
    _prepare(work, records, listed, agency)
    print(f"{agency}: {records.height} records after contracts; running both engines", flush=True)
    figs = {e: spawn(e, work, u_pairs, as_of) for e in ("ours", "splink")}
    tag = pl.lit(agency).alias("agency")
    ours = pl.read_parquet(work / "hits_ours.parquet").with_columns(tag)
    sp = pl.read_parquet(work / "hits_splink.parquet").with_columns(tag)
    truth = load_truth(sample, [agency])
    th = settings.thresholds
    t_star = _oracle(sp, truth)
    hits = {
        "ours": ours,
        "splink @ written": decide(sp, th.match, th.review),
        "splink @ oracle": decide(sp, t_star, min(th.review, t_star)),
    }
    return {
        "records_after_contracts": records.height,
        "oracle_threshold": t_star,
        "figures": figs,
        "claims": _claims(figs["ours"]),
        "hits": hits,
        "quality": {e: score_hits(h, truth) for e, h in hits.items()},
    }


def _row(name: str, q: dict, stage_s: float, rss: float) -> str:
    m, mr = q["match"], q["match+review"]
    return (
        f"| {name} | {m['precision']:.4f} | {m['recall']:.4f} | {m['f1']:.4f} | "
        f"{mr['precision']:.4f} | {mr['recall']:.4f} | {mr['f1']:.4f} | {q['review_rate']:.2%} | "
        f"{stage_s:.2f} | {rss:.2f} |"
    )


HEAD = (
    "| engine | P@m | R@m | F1@m | P@m+r | R@m+r | F1@m+r | review rate | match stage s "
    "| peak RSS GiB |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def _engine_fig(figs: dict, engine: str) -> dict:
    return figs["ours" if engine == "ours" else "splink"]


def _tables(runs: dict[str, dict], total: dict[str, dict]) -> list[str]:
    """Markdown: one table per agency, the all-agency table, recall per noise tag."""
    out: list[str] = []
    for agency, run in runs.items():
        out += [f"\n**{agency}** (Splink oracle threshold {run['oracle_threshold']})\n", HEAD]
        for e in ENGINES:
            f = _engine_fig(run["figures"], e)
            out.append(_row(e, run["quality"][e], f["match_stage_s"], f["peak_rss_gib"]))
    out += [f"\n**all agencies run** ({', '.join(runs)}; stage s summed, RSS the largest)\n", HEAD]
    for e in ENGINES:
        figs = [_engine_fig(r["figures"], e) for r in runs.values()]
        out.append(
            _row(
                e,
                total[e],
                sum(f["match_stage_s"] for f in figs),
                max(f["peak_rss_gib"] for f in figs),
            )
        )
    out += [
        f"\n**recall at `match` per noise tag** (tags with >= {MIN_TAG_PAIRS} true pairs)\n",
        "| noise tag | true pairs | ours | Splink @ written | Splink @ oracle | ours - best |",
        "|---|---|---|---|---|---|",
    ]
    by = {e: total[e]["recall_at_match_by_noise"] for e in ENGINES}
    for tag, v in by["ours"].items():
        rs = [by[e].get(tag, {}).get("recall", 0.0) for e in ENGINES]
        cells = " | ".join(f"{r:.2f}" for r in rs)
        out.append(f"| {tag} | {v['n']} | {cells} | {rs[0] - max(rs[1:]):+.2f} |")
    out += ["\n**the night's own claims (ours) against this truth**\n",
            "| agency | claimed P@m | measured P@m | claimed R@m | measured R@m | "
            "claimed R@m+r | measured R@m+r |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for agency, run in runs.items():
        c, q = run["claims"], run["quality"]["ours"]

        def fmt(v: object) -> str:
            return f"{v:.4f}" if isinstance(v, float) else "-"

        out.append(
            f"| {agency} | {fmt(c.get('expected_precision_match'))} "
            f"| {q['match']['precision']:.4f} "
            f"| {fmt(c.get('expected_recall_match'))} | {q['match']['recall']:.4f} "
            f"| {fmt(c.get('expected_recall_match_review'))} | {q['match+review']['recall']:.4f} |"
        )
    return out


def run_field_sample(
    root: Path, agencies: list[str] | None, as_of: date, u_pairs: float, json_out: Path | None
) -> None:
    """Both engines on every requested agency of the sample; prints markdown tables."""
    sample = open_sample(root)
    agencies = agencies or list(sample.agency_files)
    entries = active_entries(list(sample.lists), as_of, default_settings())
    listed = list_parties(entries)
    print(
        f"list: {entries.height} active entries -> {listed.height} list parties (run date {as_of})"
    )
    runs = {a: _one_agency(sample, a, listed, as_of, u_pairs) for a in agencies}
    truth = load_truth(sample, agencies)
    total = {
        e: score_hits(
            pl.concat([r["hits"][e] for r in runs.values()], how="diagonal_relaxed"), truth
        )
        for e in ENGINES
    }
    print("\n".join(_tables(runs, total)))
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        keep = {a: {k: v for k, v in r.items() if k != "hits"} for a, r in runs.items()}
        json_out.write_text(
            json.dumps(
                {
                    "sample": str(root),
                    "run_date": as_of.isoformat(),
                    "agencies": keep,
                    "all": total,
                },
                indent=1,
                ensure_ascii=False,
                default=str,
            ),  # fmt: skip
            encoding="utf-8",
        )

"""Peer benchmark: an honestly configured Splink 5 (DuckDB) against `matching.link`, one run.

    .venv/bin/python bench/bench_splink.py --size 200000 [--agency hotel_booking] [--data DIR]
                                           [--json PATH] [--u-pairs 1e7]
    .venv/bin/python bench/bench_splink.py --field-sample DIR [--agencies a,b] [--json PATH]

The second form runs on a labelled field sample instead of generated data: one run per agency
of the sample's manifest, scored by the sample's own rules (`bench/_field_sample.py`).

Prints figures, asserts nothing. Both engines screen the same query parties (`query_parties`
with the agency's roles) against the same list parties (`list_parties` of the entries current
and active after snapshot + deltas, loaded through the data contracts as the sweep does). Each
engine runs in its own child process (`bench/_splink_engines.py`) so peak RSS figures do not mix;
the parent only prepares inputs and scores the hits with
`pipelines.evaluation.metrics.evaluate_hits`.
The Splink model itself is declared in `bench/_splink_model.py`.

Timed "match stage":
- ours: the whole `matching.link` call (features, blocking, comparisons, scoring, explanations);
- splink: training (prior, u, EM) + predict + best pair per (record, role, entry); the shared
  feature step (`matching.features.party_features`) that feeds it is timed apart and excluded.
Configuration and caveats: docs/splink_benchmark.md.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

import polars as pl
from _splink_engines import ROOT, spawn
from _splink_score import decide, oracle_threshold, print_table, row


def prepare(data: Path, size: int, agency: str, work: Path) -> int:
    """Generate (if needed), load as the sweep does, cut parties; returns the record count."""
    from _data import AS_OF, ensure_generated, load_inputs

    from matching.parties import list_parties, query_parties
    from pipelines.settings import default_settings

    t = time.perf_counter()
    ensure_generated(data, size, 7, AS_OF)
    inputs = load_inputs(data, agency, AS_OF)
    roles = default_settings().agencies[agency].roles  # type: ignore[index]
    work.mkdir(parents=True, exist_ok=True)
    q, lp = query_parties(inputs.records, roles), list_parties(inputs.entries)
    q.write_parquet(work / "query.parquet")
    lp.write_parquet(work / "list.parquet")
    inputs.truth.write_parquet(work / "truth.parquet")
    print(
        f"inputs: {inputs.records.height} records -> {q.height} query parties; "
        f"{inputs.entries.height} active entries -> {lp.height} list parties "
        f"({time.perf_counter() - t:.1f}s incl. generation and contracts)"
    )
    return inputs.records.height


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--agency", default="hotel_booking")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument(
        "--u-pairs", type=float, default=1e8, help="Splink u sampling max_pairs (docs: 1e8-1e9)"
    )
    ap.add_argument(
        "--field-sample", type=Path, default=None,
        help="a labelled field sample folder (manifest.json, truth/): run on it instead",
    )  # fmt: skip
    ap.add_argument(
        "--agencies", default=None,
        help="field sample: comma-separated agencies (default: every agency file of the manifest)",
    )  # fmt: skip
    ap.add_argument(
        "--as-of", type=date.fromisoformat, default=None,
        help="run date (default: the synthetic world's night; a field sample: today, as a sweep)",
    )  # fmt: skip
    args = ap.parse_args()
    if args.field_sample:
        from _splink_field import run_field_sample

        agencies = args.agencies.split(",") if args.agencies else None
        run_field_sample(
            args.field_sample, agencies, args.as_of or date.today(), args.u_pairs, args.json
        )
        return
    from _data import data_dir

    from pipelines.evaluation.metrics import evaluate_hits, format_figures
    from pipelines.settings import default_settings

    data = args.data or data_dir(ROOT, args.size)
    work = data / "bench_splink" / args.agency
    n = prepare(data, args.size, args.agency, work)
    truth = pl.read_parquet(work / "truth.parquet")
    th = default_settings().thresholds
    figs = {e: spawn(e, work, args.u_pairs) for e in ("ours", "splink")}
    ours_q = evaluate_hits(
        pl.read_parquet(work / "hits_ours.parquet"), truth, args.agency, n_records=n
    )
    sp = pl.read_parquet(work / "hits_splink.parquet")
    t_star = oracle_threshold(sp, truth, args.agency, n)
    sp_same = evaluate_hits(decide(sp, th.match, th.review), truth, args.agency, n_records=n)
    sp_oracle = evaluate_hits(
        decide(sp, t_star, min(th.review, t_star)), truth, args.agency, n_records=n
    )
    rows = [
        row("ours", figs["ours"], ours_q),
        row(f"splink @ {th.match}/{th.review}", figs["splink"], sp_same),
        row(f"splink @ oracle {t_star}/{min(th.review, t_star)}", figs["splink"], sp_oracle),
    ]
    print(f"\n== {args.agency}, size {args.size} ==")
    print("ours:", format_figures(ours_q), sep="\n")
    print(f"splink @ oracle {t_star}:", format_figures(sp_oracle), sep="\n")
    print(json.dumps({e: {k: v for k, v in f.items() if k != "model"} for e, f in figs.items()},
                     indent=1, default=str))  # fmt: skip
    print()
    print_table(rows)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "agency": args.agency,
                    "size": args.size,
                    "records": n,
                    "oracle_threshold": t_star,
                    "table": rows,
                    "engines": figs,
                    "quality": {"ours": ours_q, "splink_same": sp_same, "splink_oracle": sp_oracle},
                },
                indent=1,
                ensure_ascii=False,
                default=str,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()

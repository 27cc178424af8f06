"""Estimate the packaged match model from generated data, without labels (prints figures).

    .venv/bin/python bench/fit_match_model.py --size 20000 --seed 3 [--write]

Query parties of all four agencies are pooled against the current list;
`matching.training.estimate_model` learns u from random pairs and ID segment frequencies and m by
EM (`matching.estimate`). The seed differs from the evaluation seed (7) so the figures in
docs/matching.md are out of sample.
`--write` saves the result as `matching/default_model.json`, the model every sweep starts from.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import AS_OF, data_dir, ensure_generated, load_inputs  # noqa: E402

from matching.model import DEFAULT_MODEL_PATH, MatchModel  # noqa: E402
from matching.parties import list_parties, query_parties  # noqa: E402
from matching.training import estimate_model  # noqa: E402
from pipelines.settings import default_settings  # noqa: E402

AGENCIES = ("hotel_booking", "school_enrollment", "subsidy_application", "civil_service_candidate")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="save as matching/default_model.json")
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    out = ensure_generated(data_dir(root, args.size, args.seed), args.size, args.seed)
    settings = default_settings()
    queries, entries = [], None
    for agency in AGENCIES:
        inputs = load_inputs(out, agency, AS_OF, settings)
        entries = inputs.entries
        q = query_parties(inputs.records, settings.agencies[agency].roles)  # type: ignore[index]
        queries.append(q.with_columns(pl.lit(agency + ":") + pl.col("record_id")))
    assert entries is not None
    t = time.perf_counter()
    model = estimate_model(MatchModel(), pl.concat(queries), list_parties(entries), as_of=AS_OF)
    print(
        f"estimated in {time.perf_counter() - t:.1f}s; prior={model.prior:.3g} "
        f"on {model.list_parties} list parties"
    )
    for c in model.comparisons:
        print(
            c.name,
            {
                lv.name: [round(lv.m, 4), float(f"{lv.u:.3g}"), round(lv.weight, 1)]
                for lv in c.levels
            },
        )
    if args.write:
        DEFAULT_MODEL_PATH.write_text(
            json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print(f"wrote {DEFAULT_MODEL_PATH}")


if __name__ == "__main__":
    main()

"""Query side of the screening desk per single record: `query_parties` + `query_features`.

    .venv/bin/python bench/bench_query_features.py [--size 20000] [--records 1000]

Real agency records of a generated world go one at a time through their data contract (as the
desk does), then through `matching.parties.query_parties` and `matching.link.query_features`:
once with the row-at-a-time path (what the desk runs: frames of at most `FEW_ROWS` rows) and once
through the columnar bodies (`_columnar`, what the nightly sweep runs). Mean milliseconds per
record go to stdout; nothing is timed in tests.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl

from bench._data import AS_OF, data_dir, ensure_generated
from matching import features, parties
from matching.config import RoleSpec
from matching.link import query_features
from pipelines.ingest import read_dataset
from pipelines.screen.records import records_frame
from pipelines.settings import agency_settings, default_settings

Parties = Callable[[pl.DataFrame, list[RoleSpec]], pl.DataFrame]
Features = Callable[[pl.DataFrame, date], pl.DataFrame]


def _per_record(
    clean: list[pl.DataFrame], roles: list[RoleSpec], cut: Parties, feat: Features
) -> tuple[float, float]:
    for frame in clean[:50]:  # warm: OpenCC, pypinyin and the regex class tables load once
        feat(cut(frame, roles), AS_OF)
    spent_parties = spent_features = 0.0
    for frame in clean:
        t0 = time.perf_counter()
        query = cut(frame, roles)
        t1 = time.perf_counter()
        feat(query, AS_OF)
        spent_parties += t1 - t0
        spent_features += time.perf_counter() - t1
    return spent_parties / len(clean) * 1e3, spent_features / len(clean) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=20000)
    ap.add_argument("--records", type=int, default=1000)
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    world = ensure_generated(data_dir(root, args.size), args.size)
    settings = default_settings()
    for agency in ("hotel_booking", "civil_service_candidate"):
        records = read_dataset(next((world / "agencies").glob(f"{agency}.*")), agency)
        roles = list(agency_settings(settings, agency).roles)
        clean = []
        for row in records.drop("_source", "_row").to_dicts():
            checked = records_frame(agency, [row], settings, AS_OF).clean
            if checked.height:
                clean.append(checked)
            if len(clean) == args.records:
                break
        few = _per_record(clean, roles, parties.query_parties, query_features)
        columnar = _per_record(
            clean,
            roles,
            parties._columnar,
            lambda q, d: features._columnar(q, d).with_row_index("qi"),
        )
        print(
            f"{agency} ({len(clean)} single records): query_parties {columnar[0]:.3f} -> "
            f"{few[0]:.3f} ms, query_features {columnar[1]:.3f} -> {few[1]:.3f} ms "
            f"(columnar -> few-row path, mean per record)"
        )


if __name__ == "__main__":
    main()

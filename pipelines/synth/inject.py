"""Plan and apply true hits, hard negatives and bad rows on an agency frame, and write its truth."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.synth import quirks

BAD_DEFECTS = ("bad_date", "duplicate_record_id", "missing_required", "malformed_id")


@dataclass(frozen=True)
class Hit:
    """One (row, role) slot that holds a listed party, distorted by `tag`."""

    row: int
    role: str
    pid: int
    tag: str


def plan_hits(
    rng: random.Random,
    rows: list[int],
    roles: list[str],
    pool: list[int],
    removed_pool: list[int],
    people: pl.DataFrame,
    allowed: set[str],
) -> list[Hit]:
    """Assign a quirk and an eligible listed person to each row.

    The first hits cycle through every quirk.
    """
    tags = [t for t in quirks.PERSON_QUIRKS if t in allowed]
    weights = [quirks.PERSON_QUIRKS[t] for t in tags]
    names, ids = people["name"], people["id18"]
    plan: list[Hit] = []
    for k, (row, role) in enumerate(zip(rows, roles, strict=True)):
        tag = tags[k] if k < len(tags) else rng.choices(tags, weights)[0]
        source = removed_pool if tag == "removed_entry" else pool
        pid = -1
        for _ in range(60 if source else 0):
            cand = rng.choice(source)
            if quirks.eligible(tag, names[cand], ids[cand]):
                pid = cand
                break
        if pid < 0:
            tag, pid = "exact", rng.choice(pool)
        plan.append(Hit(row, role, pid, tag))
    return plan


def overwrite(frame: pl.DataFrame, updates: dict[str, dict[int, str | None]]) -> pl.DataFrame:
    """Set single cells: column -> {row: value}."""
    cols = []
    for col, cells in updates.items():
        if not cells:
            continue
        values = frame[col].to_list()
        for row, value in cells.items():
            values[row] = value
        cols.append(pl.Series(col, values, dtype=pl.String))
    return frame.with_columns(cols) if cols else frame


def truth_rows(
    agency: str,
    record_ids: pl.Series,
    slots: list[tuple[int, str]],
    hits: list[Hit],
    negatives: dict[tuple[int, str], str],
    links: pl.DataFrame,
) -> pl.DataFrame:
    """One truth row per screened slot; a listed party gives one row per list entry it has."""
    hit_at = {(h.row, h.role): h for h in hits}
    plain = [
        (r, role, negatives.get((r, role), "none")) for r, role in slots if (r, role) not in hit_at
    ]
    base = pl.DataFrame(
        {
            "row": [r for r, _, _ in plain],
            "role": [x for _, x, _ in plain],
            "noise": [n for _, _, n in plain],
        },
        schema={"row": pl.Int64, "role": pl.String, "noise": pl.String},
    ).with_columns(
        pl.lit(None, pl.String).alias("entry_id"), pl.lit(None, pl.String).alias("list_role")
    )
    hit_frame = pl.DataFrame(
        {
            "row": [h.row for h in hits],
            "role": [h.role for h in hits],
            "pid": [h.pid for h in hits],
            "noise": [h.tag for h in hits],
        },
        schema={"row": pl.Int64, "role": pl.String, "pid": pl.Int64, "noise": pl.String},
    )
    joined = (
        hit_frame.join(links, on="pid", how="inner")
        .with_columns(
            pl.when(pl.col("removed"))
            .then(pl.lit("removed_entry"))
            .otherwise(pl.col("noise"))
            .alias("noise"),
        )
        .select("row", "role", "noise", "entry_id", "list_role")
    )
    both = pl.concat([base, joined]).sort("row", "role", "entry_id", nulls_last=True)
    return both.select(
        pl.lit(agency).alias("agency"),
        record_ids.gather(both["row"]).alias("record_id"),
        "role",
        "entry_id",
        "list_role",
        "noise",
        "row",
    )


def bad_rows(
    rng: random.Random,
    frame: pl.DataFrame,
    rows: list[int],
    date_col: str,
    name_col: str,
    id_col: str,
) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """Break the given rows on purpose (one defect each) and say what was broken."""
    updates: dict[str, dict[int, str | None]] = {
        date_col: {},
        "record_id": {},
        name_col: {},
        id_col: {},
    }
    defects: list[tuple[int, str]] = []
    rid = frame["record_id"]
    for k, row in enumerate(rows):
        defect = BAD_DEFECTS[k % len(BAD_DEFECTS)]
        if defect == "bad_date":
            updates[date_col][row] = rng.choice(("2023-13-45", "2024-02-30", "20240631", "昨天"))
        elif defect == "duplicate_record_id":
            updates["record_id"][row] = rid[row - 1 if row > 0 else row + 1]
        elif defect == "missing_required":
            updates[name_col][row] = None
        else:
            updates[id_col][row] = rng.choice(
                ("12345", "ABCDEFGHIJKLMNOPQR", "1101051985013", "身份证号")
            )
        defects.append((row, defect))
    return overwrite(frame, updates), defects


def as_text(values: np.ndarray) -> list[str | None]:
    """numpy values to optional strings for `overwrite`."""
    return [None if v is None else str(v) for v in values]

"""Build the four agency datasets with their true hits, hard negatives, bad rows and truth."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import polars as pl

from pipelines.synth import agencies, inject, quirks
from pipelines.synth.inject import Hit

_ALL = set(quirks.PERSON_QUIRKS)


def _split(
    r: random.Random, candidates: list[int], n_hit: int, n_neg: int, n_bad: int
) -> tuple[list[int], ...]:
    chosen = r.sample(candidates, min(len(candidates), n_hit + n_neg + n_bad))
    return chosen[:n_hit], chosen[n_hit : n_hit + n_neg], chosen[n_hit + n_neg :]


def _ability(n: int, hits: list[Hit], ability_of: dict[int, float]) -> np.ndarray:
    out = np.full(n, np.nan)
    for h in hits:
        out[h.row] = ability_of.get(h.pid, 0.5)
    return out


def _person_updates(
    r: random.Random,
    hits: list[Hit],
    universe: pl.DataFrame,
    cols: dict[str, tuple[str, str]],
    id_type_col: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, dict[int, str | None]]:
    """Cell updates placing each hit's distorted party in its role's name/id columns."""
    up: dict[str, dict[int, str | None]] = {c: {} for pair in cols.values() for c in pair}
    if id_type_col:
        up[id_type_col] = {}
    for c in extra or {}:
        up[c] = {}
    for h in hits:
        person = universe.row(h.pid, named=True)
        name, number, id_type = quirks.apply(h.tag, person["name"], person["id18"], r)
        name_col, id_col = cols[h.role]
        up[name_col][h.row], up[id_col][h.row] = name, number
        if id_type_col:
            up[id_type_col][h.row] = id_type
        for c, src in (extra or {}).items():
            up[c][h.row] = str(person[src])
    return up


def _neg_updates(
    rows: list[int],
    negs: pl.DataFrame,
    name_col: str,
    id_col: str,
    extra: dict[str, str] | None = None,
) -> dict[str, dict[int, str | None]]:
    up: dict[str, dict[int, str | None]] = {
        name_col: {},
        id_col: {},
        **{c: {} for c in (extra or {})},
    }
    for row, person in zip(rows, negs.iter_rows(named=True), strict=False):
        up[name_col][row], up[id_col][row] = person["name"], person["id18"]
        for c, src in (extra or {}).items():
            up[c][row] = str(person[src])
    return up


def _merge(*parts: dict[str, dict[int, str | None]]) -> dict[str, dict[int, str | None]]:
    out: dict[str, dict[int, str | None]] = {}
    for p in parts:
        for c, cells in p.items():
            out.setdefault(c, {}).update(cells)
    return out


def build_all(
    rng: np.random.Generator,
    r: random.Random,
    by: dict[str, pl.DataFrame],
    cust_orgs: pl.DataFrame,
    listed_orgs: pl.DataFrame,
    entries: pl.DataFrame,
    universe: pl.DataFrame,
    links: pl.DataFrame,
    pool: list[int],
    removed_pool: list[int],
    ability_of: dict[int, float],
    n: int,
    hit_rate: float,
    bad_rate: float,
) -> Iterator[tuple[str, pl.DataFrame, pl.DataFrame, pl.DataFrame]]:
    """Yield (dataset, frame, truth, bad_rows) for each agency dataset."""
    n_hit = max(len(_ALL), round(n * hit_rate))
    n_bad = max(len(inject.BAD_DEFECTS), round(n * bad_rate))

    def finish(
        name: str,
        frame: pl.DataFrame,
        slots: list[tuple[int, str]],
        hits: list[Hit],
        negs: dict[tuple[int, str], str],
        bad: list[int],
        date_col: str,
        name_col: str,
        id_col: str,
    ) -> tuple[str, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        truth = inject.truth_rows(name, frame["record_id"], slots, hits, negs, links)
        frame, defects = inject.bad_rows(r, frame, bad, date_col, name_col, id_col)
        broken = {row for row, _ in defects}
        bad_frame = pl.DataFrame(
            {
                "dataset": [name] * len(defects),
                "record_id": [frame["record_id"][i] for i, _ in defects],
                "row": [i + 1 for i, _ in defects],
                "defect": [d for _, d in defects],
            },
            schema={
                "dataset": pl.String,
                "record_id": pl.String,
                "row": pl.Int64,
                "defect": pl.String,
            },
        )
        return name, frame, truth.filter(~pl.col("row").is_in(list(broken))), bad_frame

    # hotel_booking: one guest per record; passport holders with romanised names only here.
    hit_rows, neg_rows, bad = _split(r, list(range(n)), n_hit, len(by["neg_hotel"]), n_bad)
    hits = inject.plan_hits(
        r, hit_rows, ["guest"] * len(hit_rows), pool, removed_pool, universe, _ALL
    )
    frame = agencies.hotel(rng, by["hotel"], _ability(n, hits, ability_of))
    up = _merge(
        _person_updates(r, hits, universe, {"guest": ("guest_name", "id_number")}, "id_type"),
        _neg_updates(neg_rows, by["neg_hotel"], "guest_name", "id_number"),
    )
    negs = {(row, "guest"): t for row, t in zip(neg_rows, by["neg_hotel"]["_neg"], strict=False)}
    yield finish(
        "hotel_booking",
        inject.overwrite(frame, up),
        [(i, "guest") for i in range(n)],
        hits,
        negs,
        bad,
        "check_in",
        "guest_name",
        "id_number",
    )

    # school_enrollment: guardians; a third of hits sit in the second guardian's columns.
    allowed = _ALL - {"romanised_passport"}
    hit_rows, neg_rows, bad = _split(r, list(range(n)), n_hit, len(by["neg_school"]), n_bad)
    hits = inject.plan_hits(
        r, hit_rows, ["guardian"] * len(hit_rows), pool, removed_pool, universe, allowed
    )
    frame = agencies.school(rng, by["g1"], by["g2"], by["kid"], _ability(n, hits, ability_of))
    has2 = frame["guardian2_name"].is_not_null().to_list()
    hits = [
        Hit(h.row, "guardian2" if has2[h.row] and k % 3 == 0 else "guardian", h.pid, h.tag)
        for k, h in enumerate(hits)
    ]
    up = _merge(
        _person_updates(
            r,
            hits,
            universe,
            {
                "guardian": ("guardian_name", "guardian_id_number"),
                "guardian2": ("guardian2_name", "guardian2_id_number"),
            },
        ),
        _neg_updates(neg_rows, by["neg_school"], "guardian_name", "guardian_id_number"),
    )
    negs = {
        (row, "guardian"): t for row, t in zip(neg_rows, by["neg_school"]["_neg"], strict=False)
    }
    slots = [(i, "guardian") for i in range(n)] + [(i, "guardian2") for i in range(n) if has2[i]]
    yield finish(
        "school_enrollment",
        inject.overwrite(frame, up),
        slots,
        hits,
        negs,
        bad,
        "enrolled_on",
        "guardian_name",
        "guardian_id_number",
    )

    # subsidy_application: person applicants, listed organisations (name variants), branches.
    frame = agencies.subsidy(rng, by["subsidy"], cust_orgs, by["subrep"])
    is_org = (frame["applicant_type"] == "org").to_list()
    people_rows = [i for i in range(n) if not is_org[i]]
    org_rows = [i for i in range(n) if is_org[i]]
    hit_rows, neg_rows, bad = _split(r, people_rows, n_hit, len(by["neg_subsidy"]), n_bad)
    hits = inject.plan_hits(
        r, hit_rows, ["applicant"] * len(hit_rows), pool, removed_pool, universe, allowed
    )
    up = _merge(
        _person_updates(r, hits, universe, {"applicant": ("applicant_name", "id_number")}),
        _neg_updates(neg_rows, by["neg_subsidy"], "applicant_name", "id_number"),
    )
    negs = {
        (row, "applicant"): t for row, t in zip(neg_rows, by["neg_subsidy"]["_neg"], strict=False)
    }
    org_entries = entries.filter(pl.col("party_type") == "org").select("entry_id", "_org", "_pid")
    n_org_hit = max(4, n_hit // 3)
    chosen = r.sample(org_rows, min(len(org_rows), n_org_hit + max(2, n_org_hit // 4)))
    org_truth = []
    for k, row in enumerate(chosen):
        e = org_entries.row(r.randrange(org_entries.height), named=True)
        org = listed_orgs.row(int(e["_org"]), named=True)
        rep = universe.row(int(e["_pid"]), named=True)
        if k < n_org_hit:
            tag = "org_variant" if k % 2 else "exact"
            name = (
                quirks.org_variant(org["city"], org["core"], r)
                if tag == "org_variant"
                else org["name"]
            )
            up = _merge(
                up,
                {
                    "applicant_name": {row: name},
                    "id_number": {row: org["uscc"]},
                    "legal_rep_name": {row: rep["name"]},
                    "legal_rep_id_number": {row: rep["id18"]},
                },
            )
            hits.append(Hit(row, "legal_rep", int(e["_pid"]), tag))
            org_truth.append((row, e["entry_id"], tag))
        else:  # a branch of a listed org: a different party
            up = _merge(
                up,
                {"applicant_name": {row: org["name"].replace("有限公司", f"{org['city']}分公司")}},
            )
            negs[(row, "applicant")] = "branch_negative"
    slots = [(i, "applicant") for i in range(n)] + [(i, "legal_rep") for i in org_rows]
    removed = set(links.filter(pl.col("removed"))["entry_id"].to_list())
    name, out, truth, bad_frame = finish(
        "subsidy_application",
        inject.overwrite(frame, up),
        slots,
        hits,
        negs,
        bad,
        "applied_on",
        "applicant_name",
        "id_number",
    )
    org_rows_truth = pl.DataFrame(
        {
            "row": [t[0] for t in org_truth],
            "entry_id": [t[1] for t in org_truth],
            "noise": ["removed_entry" if t[1] in removed else t[2] for t in org_truth],
        },
        schema={"row": pl.Int64, "entry_id": pl.String, "noise": pl.String},
    )
    record_ids = pl.Series(
        "record_id", [frame["record_id"][i] for i in org_rows_truth["row"]], dtype=pl.String
    )
    org_rows_truth = org_rows_truth.select(
        pl.lit(name).alias("agency"),
        record_ids,
        pl.lit("applicant").alias("role"),
        "entry_id",
        pl.lit("debtor").alias("list_role"),
        "noise",
        "row",
    )
    truth = truth.filter(
        ~((pl.col("role") == "applicant") & pl.col("row").is_in([t[0] for t in org_truth]))
    )
    yield name, out, pl.concat([truth, org_rows_truth]).sort("row", "role"), bad_frame

    # civil_service_candidate: declared gender and birth date follow the person.
    hit_rows, neg_rows, bad = _split(r, list(range(n)), n_hit, len(by["neg_civil"]), n_bad)
    hits = inject.plan_hits(
        r, hit_rows, ["candidate"] * len(hit_rows), pool, removed_pool, universe, allowed
    )
    frame = agencies.civil(rng, by["civil"])
    extra = {"gender": "gender", "birth_date": "birth"}
    up = _merge(
        _person_updates(r, hits, universe, {"candidate": ("name", "id_number")}, extra=extra),
        _neg_updates(neg_rows, by["neg_civil"], "name", "id_number", extra),
    )
    negs = {
        (row, "candidate"): t for row, t in zip(neg_rows, by["neg_civil"]["_neg"], strict=False)
    }
    yield finish(
        "civil_service_candidate",
        inject.overwrite(frame, up),
        [(i, "candidate") for i in range(n)],
        hits,
        negs,
        bad,
        "registered_on",
        "name",
        "id_number",
    )

"""Comparators: pure functions from a candidate-pair frame to one comparison level per pair.

A pair frame holds the features of both sides, query columns suffixed `_q`, list columns `_l`
(see `matching.features.party_features`). Each comparator returns an Int8 level code (index into
its `LEVELS` tuple, weakest first) or null when the pair carries no evidence for that field. The
values that produced a level are the pair's own columns, so `matching.explain` can cite them.
`level_of` runs the same expression on one literal pair, for tests and explanations.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import ratio

from matching.ids import recode_plausible
from matching.regions import recoded_across, same_place_or_merged

ID_LEVELS = (
    "different",
    "one_edit",
    "masked_weak",
    "recode_masked",
    "recode_year",
    "region_recode",
    "masked_mid",
    "masked_strong",
    "org_code",
    "exact",
)
NAME_LEVELS = ("different", "fuzzy", "lookalike", "romanised", "homophone", "exact")
BIRTH_LEVELS = ("different", "age_consistent", "year", "exact")
GENDER_LEVELS = ("different", "equal")
LEVELS: dict[str, tuple[str, ...]] = {
    "id": ID_LEVELS,
    "name": NAME_LEVELS,
    "birth": BIRTH_LEVELS,
    "gender": GENDER_LEVELS,
}
ID_EVIDENCE = frozenset(ID_LEVELS) - {"different"}
"""ID levels that count as identifier evidence; without one a pair is never an automatic match."""
MIN_VISIBLE = 6
"""Fewer visible shared ID positions than this is no evidence (e.g. an almost fully masked ID)."""
MID_VISIBLE = 10
"""A mask showing this many agreeing positions (region + last four) is `masked_mid`."""
STRONG_VISIBLE = 14
"""... and this many (region + birth date, region + year + last four) is `masked_strong`: the
birth digits set it apart, as region + sequence alone recur among a county's people."""
JW_FUZZY = 0.9
ORG_FUZZY = 90.0


def _code(levels: tuple[str, ...], name: str) -> pl.Expr:
    return pl.lit(levels.index(name), dtype=pl.Int8)


_STAR = ord("*")
_CHUNK = 1_000_000


def _id_matrix(ids: pl.Series) -> np.ndarray:
    """(n, 18) uint8 matrix of cleaned IDs; a missing ID is all `*` (nothing visible)."""
    text = ids.fill_null("*" * 18)
    return np.frombuffer("".join(text.to_list()).encode("ascii"), dtype=np.uint8).reshape(-1, 18)


_DIGIT = ord("0")
_R6_W = 10 ** np.arange(5, -1, -1, dtype=np.int64)


def _region(m: np.ndarray) -> np.ndarray:
    """6-digit region code per row of an ID matrix, -1 where any of its digits is masked."""
    head = m[:, :6]
    code = (head.astype(np.int64) - _DIGIT) @ _R6_W
    return np.where((head == _STAR).any(1), -1, code)


def _year(m: np.ndarray) -> np.ndarray:
    """Birth year per row of an ID matrix, 0 where masked."""
    digits = m[:, 6:10]
    year = (digits.astype(np.int64) - _DIGIT) @ _R6_W[2:]
    return np.where((digits == _STAR).any(1), 0, year)


def _recode_plausible(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Re-code plausibility for aligned ID matrices that agree on their (visible) city digits."""
    ya = _year(a)
    year = np.where(ya > 0, ya, _year(b))
    city = (a[:, :4].astype(np.int64) - _DIGIT) @ _R6_W[2:]
    ra, rb = _region(a), _region(b)
    return recode_plausible(ra, rb, city, year) & same_place_or_merged(ra, rb, year)


def _id_codes(a: np.ndarray, b: np.ndarray, typo: np.ndarray) -> np.ndarray:
    """Level codes for aligned ID matrices, whole values at once; -1 = no evidence.

    `typo`: either side's number fails its check char, so a one-position difference can be a
    slip; between two checksum-valid numbers it means two different people.
    """
    vis = (a != _STAR) & (b != _STAR)
    conf = vis & (a != b)
    n_vis = vis.sum(1)
    n_conf = conf.sum(1)
    masked = ((a == _STAR) | (b == _STAR)).any(1)
    tail_vis = vis[:, 6:17].sum(1)
    tail_conf = conf[:, 6:17].sum(1)
    swapped = (conf[:, :-1] & conf[:, 1:] & (a[:, :-1] == b[:, 1:]) & (a[:, 1:] == b[:, :-1])).any(
        1
    )
    lv = ID_LEVELS
    out = np.full(len(a), lv.index("different"), dtype=np.int8)
    # Conflicts only in the region and check positions: a re-coded district keeps birth date and
    # sequence (the check char follows the region). Strong when the whole tail is visible.
    # District re-codes stay inside their city: the first four region digits must be seen to agree,
    # and the district digits must differ or be hidden.
    same_city = vis[:, :4].all(1) & ~conf[:, :4].any(1)
    district_moved = conf[:, 4:6].any(1) | ~vis[:, 4:6].all(1)
    recode = (n_conf > 0) & (tail_conf == 0) & (tail_vis >= 3) & same_city & district_moved
    # Neighbouring districts that both existed all along are two people, not a re-code: one of the
    # two codes must have been created or retired after the birth year (stdnum's region table).
    maybe = np.flatnonzero(recode)
    recode[maybe] = _recode_plausible(a[maybe], b[maybe])
    # A re-code may also move a place to another city prefix (江安县 512529 -> 511523): then both
    # full region codes must be a dated re-code of one place in the region history.
    across = (
        (n_conf > 0) & (tail_conf == 0) & (tail_vis >= 3) & vis[:, :6].all(1) & conf[:, :4].any(1)
    )
    far = np.flatnonzero(across)
    if len(far):
        ya = _year(a[far])
        recode[far] = recoded_across(
            _region(a[far]), _region(b[far]), np.where(ya > 0, ya, _year(b[far]))
        )
    out[recode] = lv.index("recode_masked")
    # A mask that hides only the month-day (1101051985****2315) still shows the birth year: an
    # agreeing year is as much evidence as the sequence digits, so such a re-code is its own level.
    out[recode & vis[:, 6:10].all(1)] = lv.index("recode_year")
    # the whole birth date and sequence seen to agree (a full number on both sides)
    out[recode & (tail_vis >= 11)] = lv.index("region_recode")
    out[((n_conf == 1) | ((n_conf == 2) & swapped)) & ~recode & (n_vis >= 14) & typo] = lv.index(
        "one_edit"
    )
    out[n_conf == 0] = lv.index("masked_weak")
    out[(n_conf == 0) & (n_vis >= MID_VISIBLE)] = lv.index("masked_mid")
    out[(n_conf == 0) & (n_vis >= STRONG_VISIBLE)] = lv.index("masked_strong")
    out[(n_conf == 0) & ~masked] = lv.index("exact")
    out[n_vis < MIN_VISIBLE] = -1
    return out


def person_id_levels(
    pid_q: pl.Series, pid_l: pl.Series, kind_q: pl.Series, kind_l: pl.Series
) -> pl.Series:
    """Resident-ID level per pair: every position compared at once (masks are unknown, not wrong).

    Chunked so a large pair set never materialises more than `_CHUNK` x 18 bytes per matrix.
    """
    codes = np.empty(len(pid_q), dtype=np.int8)
    for start in range(0, len(pid_q), _CHUNK):
        stop = start + _CHUNK
        typo = (
            (kind_q.slice(start, _CHUNK) == "bad_check")
            | (kind_l.slice(start, _CHUNK) == "bad_check")
        ).fill_null(False)
        codes[start:stop] = _id_codes(
            _id_matrix(pid_q.slice(start, _CHUNK)),
            _id_matrix(pid_l.slice(start, _CHUNK)),
            typo.to_numpy(),
        )
    out = pl.Series("g_id", codes)
    return pl.select(pl.when(out >= 0).then(out)).to_series().rename("g_id")


def _org_id_level() -> pl.Expr:
    lv = ID_LEVELS
    return (
        pl.when(pl.col("uscc_q").is_not_null() & (pl.col("uscc_q") == pl.col("uscc_l")))
        .then(_code(lv, "exact"))
        .when(pl.col("org_code_q") == pl.col("org_code_l"))
        .then(_code(lv, "org_code"))
        .when(pl.col("org_code_q").is_not_null() & pl.col("org_code_l").is_not_null())
        .then(_code(lv, "different"))
    )


def id_levels(pairs: pl.DataFrame) -> pl.Series:
    """ID comparison: resident IDs position by position (masks unknown), or USCC / org code."""
    org = pairs.select(_org_id_level().alias("g_id"))["g_id"]
    person = pairs["party_type_q"] == "person"
    persons = person_id_levels(
        pairs["pid_q"], pairs["pid_l"], pairs["pid_kind_q"], pairs["pid_kind_l"]
    )
    return pl.select(pl.when(person).then(persons).otherwise(org).alias("g_id")).to_series()


def _name_base_level() -> pl.Expr:
    lv = NAME_LEVELS
    han = pl.col("han_q") & pl.col("han_l")
    other_reading = pl.col("py_alt_l").str.contains("|" + pl.col("py_q") + "|", literal=True)
    same_py = (
        (pl.col("py_q") == pl.col("py_l"))
        | (pl.col("py_q") == pl.col("py_rev_l"))
        | other_reading.fill_null(False)
    )
    return (
        pl.when(pl.col("norm_q").is_null() | pl.col("norm_l").is_null())
        .then(None)
        .when(pl.col("norm_q") == pl.col("norm_l"))
        .then(_code(lv, "exact"))
        .when(pl.col("party_type_q") == "org")
        .then(None)  # orgs: fuzzy level filled in by `name_levels`
        .when(han & (pl.col("py_q") == pl.col("py_l")))
        .then(_code(lv, "homophone"))
        .when(~han & same_py)
        .then(_code(lv, "romanised"))
        .when(pl.col("fold_q") == pl.col("fold_l"))
        .then(_code(lv, "lookalike"))
    )


def name_levels(pairs: pl.DataFrame) -> pl.Series:
    """Name comparison for every pair.

    String similarity runs batched in rapidfuzz, not per pair in Python.
    """
    base = pairs.select(
        _name_base_level().alias("g"),
        (pl.col("norm_q").is_not_null() & pl.col("norm_l").is_not_null()).alias("both"),
    )
    todo = base["g"].is_null() & base["both"]
    if not todo.any():
        return base["g"].rename("g_name")
    sub = pairs.filter(todo).select("party_type_q", "norm_q", "norm_l", "py_q", "py_l")
    person = sub["party_type_q"] == "person"
    jw = process.cpdist(
        sub["py_q"].fill_null("").to_list(),
        sub["py_l"].fill_null("").to_list(),
        scorer=JaroWinkler.normalized_similarity,
        workers=-1,
    )
    rt = process.cpdist(sub["norm_q"].to_list(), sub["norm_l"].to_list(), scorer=ratio, workers=-1)
    fuzzy = pl.Series(
        (person.to_numpy() & (jw >= JW_FUZZY)) | (~person.to_numpy() & (rt >= ORG_FUZZY))
    )
    filled = pl.select(
        pl.when(fuzzy).then(_code(NAME_LEVELS, "fuzzy")).otherwise(_code(NAME_LEVELS, "different"))
    )
    out = base["g"].scatter(todo.arg_true(), filled.to_series())
    return out.rename("g_name")


def _both_ids() -> pl.Expr:
    """Both sides carry a resident ID: birth and gender digits are then part of the ID comparison,
    and comparing them again would count the same evidence twice (FS assumes independence)."""
    return pl.col("pid_q").is_not_null() & pl.col("pid_l").is_not_null()


def _slipped_id() -> pl.Expr:
    """The query's number fails its check char: a typing slip somewhere in it, often in the birth
    digits, so a birth year that disagrees with the list's age is explained by the slip and is no
    evidence against the pair; one that agrees is still no coincidence and keeps its weight."""
    return (pl.col("pid_kind_q") == "bad_check").fill_null(False)


def birth_level(as_of: date) -> pl.Expr:
    """Birth comparison: full date, birth year, or the query's age on the list's age date.

    Lists publish the age at publication (`age_on_l`), so the query's birth date is turned into
    its age on that day: exact when the full date is known, within one year from a year alone.
    `as_of` stands in for a missing `age_on_l`.
    """
    lv = BIRTH_LEVELS
    bq, bl, yq, yl = pl.col("birth_q"), pl.col("birth_l"), pl.col("year_q"), pl.col("year_l")
    on = pl.col("age_on_l").fill_null(as_of)
    age_l = pl.col("age_l")
    before_birthday = (bq.dt.month().cast(pl.Int32) * 100 + bq.dt.day().cast(pl.Int32)) > (
        on.dt.month().cast(pl.Int32) * 100 + on.dt.day().cast(pl.Int32)
    )
    age_from_birth = (
        on.dt.year().cast(pl.Int32) - bq.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)
    )
    years_since = on.dt.year().cast(pl.Int32) - yq
    age_ok = (
        pl.when(bq.is_not_null())
        .then(age_from_birth == age_l)
        .otherwise((years_since - age_l).is_between(0, 1))
    )
    return (
        pl.when(pl.col("party_type_q") == "org")
        .then(None)
        .when(_both_ids())  # the ID comparison already weighed the visible birth digits
        .then(
            pl.when(yq.is_not_null() & age_l.is_not_null() & yl.is_null()).then(
                pl.when(age_ok)
                .then(_code(lv, "age_consistent"))
                .when(~_slipped_id())
                .then(_code(lv, "different"))
            )
        )
        .when(bq.is_not_null() & bl.is_not_null())
        .then(pl.when(bq == bl).then(_code(lv, "exact")).otherwise(_code(lv, "different")))
        .when(yq.is_not_null() & yl.is_not_null())
        .then(pl.when(yq == yl).then(_code(lv, "year")).otherwise(_code(lv, "different")))
        .when(yq.is_not_null() & age_l.is_not_null())
        .then(pl.when(age_ok).then(_code(lv, "age_consistent")).otherwise(_code(lv, "different")))
        .alias("g_birth")
    )


def gender_level() -> pl.Expr:
    """Gender comparison (from the ID's sequence digit or the declared/published field)."""
    lv = GENDER_LEVELS
    both_visible = (
        _both_ids()
        & (pl.col("pid_q").str.slice(16, 1) != "*")
        & (pl.col("pid_l").str.slice(16, 1) != "*")
    )
    return (
        pl.when(pl.col("sex_q").is_null() | pl.col("sex_l").is_null() | both_visible)
        .then(None)
        .when(pl.col("sex_q") == pl.col("sex_l"))
        .then(_code(lv, "equal"))
        .otherwise(_code(lv, "different"))
        .alias("g_gender")
    )


def branch_veto() -> pl.Expr:
    """True when one side is a branch (分公司) and the other its parent or another branch.

    Such a pair is never a match, however alike the names.
    """
    org = (pl.col("party_type_q") == "org") & (pl.col("party_type_l") == "org")
    return (org & ~pl.col("branch_q").eq_missing(pl.col("branch_l"))).alias("veto")


def compare(pairs: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Add `g_id, g_name, g_birth, g_gender, veto` to a candidate-pair frame."""
    out = pairs.with_columns(birth_level(as_of), gender_level(), branch_veto())
    return out.with_columns(id_levels(out), name_levels(out))


def level_of(field: str, pairs: pl.DataFrame, as_of: date) -> str | None:
    """Level name of `field` for a one-row pair frame (tests and explanations)."""
    code = compare(pairs, as_of)[f"g_{field}"][0]
    return None if code is None else LEVELS[field][code]

"""The Splink model of `bench_splink.py`, declared without running anything: the columns
Splink sees, its comparisons (our evidence levels in Splink's terms), blocking and training
rules. Splink is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

from datetime import date

import polars as pl

ID_LEN = 18
MIN_VISIBLE = 6  # same floors as matching.comparisons: fewer shared visible digits is no evidence
STRONG_VISIBLE = 10
TAIL_LEN = 11
TAIL_VISIBLE = 7  # a masked_a list ID shows 7 of chars 7-17 (birth year + sequence)
SPLINK_COLS = (
    "party_type",
    "norm",
    "py",
    "py_rev",
    "fold",
    "parent",
    "branch",
    "pid",
    "uscc",
    "org_code",
    "birth",
    "year",
    "byear",
    "sex",
)


def _pos(side: str, i: int) -> str:
    return f"substr(pid_{side}, {i}, 1)"


def _id_position_sql() -> tuple[str, str]:
    """SQL for (shared visible positions, conflicting visible positions) of two 18-char IDs.

    With at most one side masked (the usual case: a masked list ID against an agency's full ID)
    DuckDB's `hamming` counts conflicts + masked positions; the position-by-position form only
    runs when both sides are masked, because it costs ~100 string ops per pair.
    """
    vis = [f"({_pos('l', i)} <> '*' AND {_pos('r', i)} <> '*')" for i in range(1, ID_LEN + 1)]
    conf = [f"({v} AND {_pos('l', i)} <> {_pos('r', i)})" for i, v in enumerate(vis, start=1)]
    slow_vis = "(" + " + ".join(f"CAST({v} AS INTEGER)" for v in vis) + ")"
    slow_conf = "(" + " + ".join(f"CAST({c} AS INTEGER)" for c in conf) + ")"
    stars = f"({2 * ID_LEN} - length(replace(pid_l, '*', '')) - length(replace(pid_r, '*', '')))"
    both = "(contains(pid_l, '*') AND contains(pid_r, '*'))"
    return (
        f"(CASE WHEN {both} THEN {slow_vis} ELSE {ID_LEN} - {stars} END)",
        f"(CASE WHEN {both} THEN {slow_conf} ELSE hamming(pid_l, pid_r) - {stars} END)",
    )


def id_comparison():  # noqa: ANN201 - splink types are imported lazily
    """Resident ID / USCC / org code; masked digits are unknown, not disagreement."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    n_vis, n_conf = _id_position_sql()
    masked = "(contains(pid_l, '*') OR contains(pid_r, '*'))"
    both = "(contains(pid_l, '*') AND contains(pid_r, '*'))"
    # chars 7-17 (birth date + sequence) survive a region recode; the check char does not
    tail_l, tail_r = "substr(pid_l, 7, 11)", "substr(pid_r, 7, 11)"
    star_l, star_r = (f"length(replace({t}, '*', ''))" for t in (tail_l, tail_r))
    tail_stars = f"({2 * TAIL_LEN} - {star_l} - {star_r})"
    tail_conf = f"(hamming({tail_l}, {tail_r}) - {tail_stars})"
    unmasked = "(NOT contains(pid_l, '*') AND NOT contains(pid_r, '*'))"
    return cl.CustomComparison(
        output_column_name="id",
        comparison_levels=[
            cll.CustomLevel(
                "(pid_l IS NULL OR pid_r IS NULL) AND (uscc_l IS NULL OR uscc_r IS NULL)"
                " AND (org_code_l IS NULL OR org_code_r IS NULL)",
                label_for_charts="null",
            ).configure(is_null_level=True),
            cll.CustomLevel(
                f"(pid_l = pid_r AND {unmasked}) OR uscc_l = uscc_r", label_for_charts="exact"
            ),
            cll.CustomLevel(
                "org_code_l = org_code_r", label_for_charts="org code (USCC chars 9-17)"
            ),
            cll.CustomLevel(
                f"{masked} AND {n_conf} = 0 AND {n_vis} >= {STRONG_VISIBLE}",
                label_for_charts=f"masked, >= {STRONG_VISIBLE} visible digits agree",
            ),
            cll.CustomLevel(
                f"{masked} AND {n_conf} = 0 AND {n_vis} >= {MIN_VISIBLE}",
                label_for_charts=f"masked, >= {MIN_VISIBLE} visible digits agree",
            ),
            cll.CustomLevel(
                f"{masked} AND {n_conf} = 1 AND {n_vis} >= {STRONG_VISIBLE}",
                label_for_charts="masked, one visible digit differs",
            ),
            cll.CustomLevel(
                f"NOT {both} AND {tail_conf} = 0 AND {TAIL_LEN} - {tail_stars} >= {TAIL_VISIBLE}",
                label_for_charts="region differs, visible birth date + sequence agree (recoded)",
            ),
            cll.CustomLevel(
                f"{unmasked} AND damerau_levenshtein(pid_l, pid_r) <= 1",
                label_for_charts="damerau-levenshtein <= 1",
            ),
            cll.CustomLevel(
                f"{unmasked} AND levenshtein(pid_l, pid_r) <= 2",
                label_for_charts="levenshtein <= 2",
            ),
            cll.ElseLevel(),
        ],
    )


def name_comparison():  # noqa: ANN201
    """Normalised name exact (TF), pinyin either order (TF), look-alike fold, Jaro-Winkler."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("norm"),
            cll.ExactMatchLevel("norm", term_frequency_adjustments=True),
            cll.ExactMatchLevel("py", term_frequency_adjustments=True),
            cll.CustomLevel(
                "py_l = py_rev_r OR py_rev_l = py_r", label_for_charts="pinyin, reversed order"
            ).configure(tf_adjustment_column="py", tf_adjustment_weight=1.0),
            cll.ExactMatchLevel("fold"),
            cll.JaroWinklerLevel("py", 0.9),
            cll.CustomLevel(
                "party_type_l = 'org' AND jaro_winkler_similarity(norm_l, norm_r) >= 0.9",
                label_for_charts="org name jaro-winkler >= 0.9",
            ),
            cll.ElseLevel(),
        ],
    )


def birth_comparison():  # noqa: ANN201
    """Birth date, birth year, then birth year within 1 (list year from the published age)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            cll.CustomLevel(
                "(birth_l IS NULL OR birth_r IS NULL) AND (byear_l IS NULL OR byear_r IS NULL)",
                label_for_charts="null",
            ).configure(is_null_level=True),
            cll.ExactMatchLevel("birth"),
            cll.ExactMatchLevel("year"),
            cll.AbsoluteDifferenceLevel("byear", 1),
            cll.ElseLevel(),
        ],
    )


def branch_comparison():  # noqa: ANN201
    """Organisations: same branch part (both none, or equal) vs a branch against its parent."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name="branch",
        comparison_levels=[
            cll.CustomLevel(
                "party_type_l <> 'org' OR party_type_r <> 'org'", label_for_charts="not orgs"
            ).configure(is_null_level=True),
            cll.CustomLevel(
                "branch_l IS NOT DISTINCT FROM branch_r", label_for_charts="same branch"
            ),
            cll.ElseLevel(),
        ],
    )


YEAR_WINDOW = 2
"""Blocking on name sound needs a birth year within this many years (the list's is age-derived)."""
BLOCKING_RULES = (
    # ID keys, as matching.blocking: masked list IDs meet full IDs on their visible parts
    "l.pid = r.pid",
    "substr(l.pid, 1, 4) = substr(r.pid, 1, 4) AND substr(l.pid, 15, 4) = substr(r.pid, 15, 4)",
    "substr(l.pid, 7, 12) = substr(r.pid, 7, 12)",
    "substr(l.pid, 7, 4) = substr(r.pid, 7, 4) AND substr(l.pid, 15, 4) = substr(r.pid, 15, 4)",
    # name sound / look-alike fold + birth year
    f"l.py = r.py AND abs(l.byear - r.byear) <= {YEAR_WINDOW}",
    f"l.py = r.py_rev AND abs(l.byear - r.byear) <= {YEAR_WINDOW}",
    f"l.py_rev = r.py AND abs(l.byear - r.byear) <= {YEAR_WINDOW}",
    f"l.fold = r.fold AND abs(l.byear - r.byear) <= {YEAR_WINDOW}",
    # undocumented persons (passports, permits): name sound alone
    "l.py = r.py AND ((l.pid IS NULL AND l.byear IS NULL) OR (r.pid IS NULL AND r.byear IS NULL))",
    "l.py_rev = r.py AND r.pid IS NULL AND r.byear IS NULL",
    "l.py = r.py_rev AND l.pid IS NULL AND l.byear IS NULL",
    # organisations
    "l.uscc = r.uscc",
    "l.org_code = r.org_code",
    "l.party_type = 'org' AND r.party_type = 'org' AND l.norm = r.norm",
    "l.party_type = 'org' AND r.party_type = 'org' AND l.parent = r.parent",
)
DETERMINISTIC_RULES = ("l.pid = r.pid AND NOT contains(l.pid, '*')", "l.uscc = r.uscc")
EM_RULES = (
    # m of id (name, birth, sex are in the rule, so they stay fixed in this session). At 200k a
    # looser `l.py = r.py AND l.byear = r.byear` let same-sound homonyms outnumber true pairs and
    # EM converged to "matches agree on name and year, not on ID" (id m(exact) = 0.002).
    "l.norm = r.norm AND l.byear = r.byear AND l.sex = r.sex",
    # m of name, birth, sex
    "substr(l.pid, 1, 4) = substr(r.pid, 1, 4) AND substr(l.pid, 15, 4) = substr(r.pid, 15, 4)",
)
ORG_EM_RULE = "l.org_code = r.org_code"
"""Only when the agency screens organisations: m of the name and branch levels among orgs."""


def splink_settings(with_orgs: bool):  # noqa: ANN201
    """The Splink model: link_only, the comparisons above, our blocking keys as rules."""
    import splink.comparison_library as cl
    from splink import SettingsCreator
    from splink.blocking_rule_library import CustomRule

    comparisons = [id_comparison(), name_comparison(), birth_comparison(), cl.ExactMatch("sex")]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="uid",
        comparisons=comparisons + ([branch_comparison()] if with_orgs else []),
        blocking_rules_to_generate_predictions=[CustomRule(rule) for rule in BLOCKING_RULES],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def splink_frame(features: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The columns Splink sees: our normalised features plus `byear` (ID year, else from age).

    A list publishes the age on its publication date (`age_on`, from `list_parties`); the run
    date stands in when that is missing, as in `matching.blocking`.
    """
    stated_on = (
        pl.col("age_on").cast(pl.Date).fill_null(as_of).dt.year().cast(pl.Int32)
        if "age_on" in features.columns
        else pl.lit(as_of.year, dtype=pl.Int32)
    )
    age_year = (
        stated_on - pl.col("age").cast(pl.Int32)
        if "age" in features.columns
        else pl.lit(None, dtype=pl.Int32)
    )
    out = features.with_columns(
        pl.coalesce(pl.col("year").cast(pl.Int32), age_year).alias("byear")
    ).with_row_index("uid")
    for col in SPLINK_COLS:
        if col not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.String).alias(col))
    return out.select("uid", *SPLINK_COLS).with_columns(pl.col("uid").cast(pl.Int64))


def full_id_share(lf: pl.DataFrame) -> float:
    """Share of list parties the deterministic rules can meet (full ID or USCC): label-free."""
    usable = lf.filter(
        (pl.col("pid").is_not_null() & ~pl.col("pid").str.contains(r"\*", literal=False))
        | pl.col("uscc").is_not_null()
    )
    return usable.height / max(lf.height, 1)

"""Peer benchmark: an honestly configured Splink 5 (DuckDB) against `matching.link`, one run.

    .venv/bin/python bench/bench_splink.py --size 200000 [--agency hotel_booking] [--data DIR]
                                           [--json PATH] [--u-pairs 1e7]
    .venv/bin/python bench/bench_splink.py --field-sample DIR [--agencies a,b] [--json PATH]

The second form runs on a labelled field sample instead of generated data: one run per agency
of the sample's manifest, scored by the sample's own rules (`bench/_field_sample.py`).

Prints figures, asserts nothing. Both engines screen the same query parties (`query_parties`
with the agency's roles) against the same list parties (`list_parties` of the entries current
and active after snapshot + deltas, loaded through the data contracts as the sweep does). Each
engine runs in its own child process so peak RSS figures do not mix; the parent only prepares
inputs and scores the hits with `pipelines.evaluation.metrics.evaluate_hits`.

Timed "match stage":
- ours: the whole `matching.link` call (features, blocking, comparisons, scoring, explanations);
- splink: training (prior, u, EM) + predict + best pair per (record, role, entry); the shared
  feature step (`matching.features.party_features`) that feeds it is timed apart and excluded.
Configuration and caveats: docs/splink_benchmark.md.
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

ROOT = Path(__file__).resolve().parents[1]
RESULT = "BENCH_RESULT "
ID_LEN = 18
MIN_VISIBLE = 6  # same floors as matching.id_comparison: fewer shared visible digits is no evidence
STRONG_VISIBLE = 10
TAIL_LEN = 11
TAIL_VISIBLE = 7  # a masked_a list ID shows 7 of chars 7-17 (birth year + sequence)
SWEEP_META = "sweep.json"
"""In a work folder: call `link` as the sweep does (field-sample mode), with this review budget."""
PREDICT_FLOOR = 1e-4
"""Pairs below this probability are not materialised (far below any threshold we report)."""
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


# ---------------------------------------------------------------- Splink configuration (pure)


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

    comparisons = [id_comparison(), name_comparison(), birth_comparison(), cl.ExactMatch("sex")]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="uid",
        comparisons=comparisons + ([branch_comparison()] if with_orgs else []),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
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


# ---------------------------------------------------------------- engines (child processes)


def run_splink(q: pl.DataFrame, lp: pl.DataFrame, as_of: date, u_pairs: float) -> dict:
    """Features (untimed), then Splink training + predict + best pair (timed); hits + figures."""
    import logging

    from splink import DuckDBAPI, Linker

    from matching.features import party_features

    t0 = time.perf_counter()
    qf = party_features(q, as_of)
    lf = party_features(lp.filter(pl.col("status").fill_null("active") == "active"), as_of)
    qs, ls = splink_frame(qf, as_of), splink_frame(lf, as_of)
    recall = min(0.95, max(0.05, full_id_share(lf)))
    features_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    db_api = DuckDBAPI()
    list_sdf = db_api.register(ls.to_arrow(), dataset_display_name="a_list")
    query_sdf = db_api.register(qs.to_arrow(), dataset_display_name="b_query")
    with_orgs = bool((qf["party_type"] == "org").any())
    settings = splink_settings(with_orgs)
    linker = Linker([list_sdf, query_sdf], settings, log_level=logging.WARNING)
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
    _say(f"splink trained: prior {t_prior - t1:.1f}s, u {t_u - t_prior:.1f}s, em {t_em - t_u:.1f}s")
    pred = linker.inference.predict(threshold_match_probability=PREDICT_FLOOR)
    pairs = pl.from_arrow(
        pred.as_duckdbpyrelation()
        .select("source_dataset_l, uid_l, source_dataset_r, uid_r, match_probability")
        .arrow()
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


# ---------------------------------------------------------------- parent: inputs, runs, scores


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


def decide(hits: pl.DataFrame, match: float, review: float) -> pl.DataFrame:
    """Splink probabilities -> our decision vocabulary at the given thresholds."""
    return hits.with_columns(
        pl.when(pl.col("match_score") >= match)
        .then(pl.lit("match"))
        .when(pl.col("match_score") >= review)
        .then(pl.lit("review"))
        .alias("match_decision")
    ).filter(pl.col("match_decision").is_not_null())


ORACLE_GRID = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5,
               0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995, 0.999, 0.9999)  # fmt: skip
"""Probability thresholds tried for Splink's truth-picked (oracle) threshold."""


def oracle_threshold(hits: pl.DataFrame, truth: pl.DataFrame, agency: str, n: int) -> float:
    """The probability threshold maximising Splink's F1 at `match`: chosen on the truth (oracle)."""
    from pipelines.evaluation.metrics import evaluate_hits

    best, best_f1 = 0.5, -1.0
    for t in ORACLE_GRID:
        f1 = evaluate_hits(decide(hits, t, t), truth, agency, n_records=n)["match"]["f1"]
        if f1 > best_f1:
            best, best_f1 = t, f1
    return best


def row(engine: str, fig: dict, quality: dict) -> dict:
    """One line of the results table."""
    m, mr = quality["match"], quality["match+review"]
    return {
        "engine": engine,
        "p_match": m["precision"],
        "r_match": m["recall"],
        "f1_match": m["f1"],
        "p_mr": mr["precision"],
        "r_mr": mr["recall"],
        "f1_mr": mr["f1"],
        "review_rate": quality["review_rate"],
        "match_stage_s": round(fig["match_stage_s"], 2),
        "predict_s": round(
            fig["timings_s"]["predict"] + fig["timings_s"]["best_pair"]
            if "timings_s" in fig
            else fig["match_stage_s"],
            2,
        ),
        "peak_rss_gib": round(fig["peak_rss_gib"], 2),
    }


def print_table(rows: list[dict]) -> None:
    head = (
        f"{'engine':<30}{'P@m':>8}{'R@m':>8}{'F1@m':>8}{'P@m+r':>8}{'R@m+r':>8}{'F1@m+r':>8}"
        f"{'review':>9}{'stage s':>9}{'pred s':>8}{'RSS GiB':>9}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['engine']:<30}{r['p_match']:>8.4f}{r['r_match']:>8.4f}{r['f1_match']:>8.4f}"
            f"{r['p_mr']:>8.4f}{r['r_mr']:>8.4f}{r['f1_mr']:>8.4f}{r['review_rate']:>9.4%}"
            f"{r['match_stage_s']:>9.2f}{r['predict_s']:>8.2f}{r['peak_rss_gib']:>9.2f}"
        )


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
    ap.add_argument("--engine", choices=("ours", "splink"), help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    from _data import AS_OF, data_dir

    if args.engine:
        child(args.engine, args.work, args.as_of or AS_OF, args.u_pairs)
        return
    if args.field_sample:
        from _splink_field import run_field_sample

        agencies = args.agencies.split(",") if args.agencies else None
        run_field_sample(
            args.field_sample, agencies, args.as_of or date.today(), args.u_pairs, args.json
        )
        return
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

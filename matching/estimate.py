"""Unsupervised estimation of the match model from the data itself (no labels).

u (agreement by chance between different parties):
- name, birth and gender levels: from random (query, list) pairs;
- ID levels: too rare to sample (a random pair shares a full ID about never), so each level's u is
  the product of the chance agreements of the ID segments it needs visible and equal, each taken
  from the two sides' segment value frequencies (region prefix, birth year, month-day, sequence,
  check char). Different people's segments are close to independent, which makes this exact
  enough and cheap (a group-by per segment).
m (agreement among true matches), by EM in two sessions, as Splink does, because a field used to
block is biased among blocked pairs: pairs met through an ID key teach the name, birth and gender
m; pairs met through name keys teach the ID m. The prior then comes from one last E-step over all
blocked pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from matching.comparison_level import ComparisonSpec
from matching.comparison_library import DECLARED
from matching.id_comparison import ID, IdChance
from matching.ids import region_change_until
from matching.layouts import condition_on_layout

_SEGMENTS = {
    "r4": (0, 4),
    "r6": (0, 6),
    "year": (6, 4),
    "md": (10, 4),
    "seq": (14, 3),
    "chk": (17, 1),
}
_FLOOR = 1e-15


def _freq(ids: pl.Series, start: int, length: int) -> pl.DataFrame:
    """Share of each visible value of chars [start, start+length) among IDs: `seg, n`."""
    seg = ids.drop_nulls().str.slice(start, length)
    seg = seg.filter(~seg.str.contains(r"\*", literal=False))
    return seg.rename("seg").value_counts(name="n").with_columns(pl.col("n") / max(seg.len(), 1))


def _agree(qp: pl.Series, lp: pl.Series, start: int, length: int) -> float:
    """P(random query and list IDs agree on chars [start, start+length)), visible chars only."""
    fq, fl = _freq(qp, start, length), _freq(lp, start, length)
    if fq.is_empty() or fl.is_empty():
        return 1.0
    joined = fq.join(fl, on="seg", suffix="_l")
    return float((joined["n"] * joined["n_l"]).sum())


def _year_agree_below(qp: pl.Series, lp: pl.Series, until: np.ndarray) -> np.ndarray:
    """P(two random IDs agree on a birth year below t), for each t in `until`."""
    joined = _freq(qp, 6, 4).join(_freq(lp, 6, 4), on="seg", suffix="_l")
    years = joined["seg"].cast(pl.Int64).to_numpy()
    share = (joined["n"] * joined["n_l"]).to_numpy()
    order = np.argsort(years)
    cum = np.r_[0.0, np.cumsum(share[order])]
    return cum[np.searchsorted(years[order], until, side="left")]


def _year_below(qp: pl.Series, lp: pl.Series, until: np.ndarray) -> np.ndarray:
    """P(a visible birth year of either side is below t), for each t in `until` (1 if none seen)."""
    seg = pl.concat([qp, lp]).drop_nulls().str.slice(6, 4)
    seen = np.sort(seg.filter(~seg.str.contains(r"\*", literal=False)).cast(pl.Int64).to_numpy())
    if not len(seen):
        return np.ones(len(until))
    return np.searchsorted(seen, until, side="left") / len(seen)


def recode_share(qp: pl.Series, lp: pl.Series) -> tuple[float, float]:
    """Chance agreement of the region and year parts of the two re-code shapes, from stdnum's table.

    Returns (district pair, hidden district): P(two random IDs share a city, differ in a visible
    district, agree on a birth year and the two codes can be a re-code at that year), and P(they
    share a city whose codes allow a re-code at the visible birth year when one side hides its
    district). Two districts that both existed all along never qualify, which is what lets a real
    re-code weigh more than the chance that two neighbours share a birth date and sequence.
    """
    code_until, city_until = region_change_until()
    fq = _freq(qp, 0, 6).with_columns(pl.col("seg").str.slice(0, 4).alias("city"))
    fl = _freq(lp, 0, 6).with_columns(pl.col("seg").str.slice(0, 4).alias("city"))
    pairs = fq.join(fl, on="city", suffix="_l").filter(pl.col("seg") != pl.col("seg_l"))
    ua = code_until[pairs["seg"].cast(pl.Int64).to_numpy()]
    ub = code_until[pairs["seg_l"].cast(pl.Int64).to_numpy()]
    weight = (pairs["n"] * pairs["n_l"]).to_numpy()
    district = float((weight * _year_agree_below(qp, lp, np.maximum(ua, ub))).sum())
    cities = _freq(qp, 0, 4).join(_freq(lp, 0, 4), on="seg", suffix="_l")
    cu = city_until[cities["seg"].cast(pl.Int64).to_numpy()]
    hidden = float(((cities["n"] * cities["n_l"]).to_numpy() * _year_below(qp, lp, cu)).sum())
    return district, hidden


def slip_share(qf: pl.DataFrame, lf: pl.DataFrame) -> float:
    """P(one side of a random person pair fails its check char), smoothed by half a count.

    `one_edit` needs such a side: two checksum-valid numbers never differ in one position only
    (MOD 11-2 catches every single slip and adjacent swap), so a near-agreement between different
    people is only possible when one of them was mistyped.
    """

    def share(kinds: pl.Series) -> float:
        seen = kinds.drop_nulls()
        return (float((seen == "bad_check").sum()) + 0.5) / (seen.len() + 1.0)

    q = share(qf.filter(pl.col("party_type") == "person")["pid_kind"])
    lst = share(lf.filter(pl.col("party_type") == "person")["pid_kind"])
    return 1.0 - (1.0 - q) * (1.0 - lst)


def id_chance(qf: pl.DataFrame, lf: pl.DataFrame) -> IdChance:
    """Chance agreements of person IDs' segments between the two sides, for ID u formulas."""
    qp = qf.filter(pl.col("party_type") == "person")["pid"]
    lp = lf.filter(pl.col("party_type") == "person")["pid"]
    p = {k: _agree(qp, lp, *span) for k, span in _SEGMENTS.items()}
    # a re-code keeps the city, moves the district, and needs one of the two codes to have changed
    # after the birth year: region and year are priced together (`recode_share`)
    district, hidden = recode_share(qp, lp)
    return IdChance(p, district, hidden, slip_share(qf, lf))


def formula_u(spec: ComparisonSpec, chance: IdChance) -> np.ndarray:
    """u per level of `spec` (code order) from its levels' u formulas.

    Each level's u is the chance that the parts it needs visible and equal agree between two
    different people; the level without a formula (the catch-all) takes what the others leave.
    """
    out = np.array(
        [max(lv.u_formula(chance) if lv.u_formula else 0.0, _FLOOR) for lv in spec.scored]
    )
    for i in spec.codes_where(lambda lv: lv.u_formula is None):
        out[i] = max(1.0 - out.sum() + out[i], _FLOOR)
    return out


def id_u(qf: pl.DataFrame, lf: pl.DataFrame, spec: ComparisonSpec = ID) -> np.ndarray:
    """u per ID level (code order) for person pairs, from segment frequencies (`formula_u`)."""
    return formula_u(spec, id_chance(qf, lf))


def level_freq(g: pl.DataFrame, name: str, n_levels: int) -> np.ndarray:
    """Share of each level among pairs with evidence for `name`, smoothed so none is impossible."""
    codes = g[f"g_{name}"].drop_nulls().to_numpy().astype(int)
    counts = np.bincount(codes, minlength=n_levels).astype(float)
    return (counts + 0.5) / (counts.sum() + 0.5 * n_levels)


def _loglik(codes: dict[str, np.ndarray], probs: dict[str, np.ndarray], n: int) -> np.ndarray:
    out = np.zeros(n)
    for name, c in codes.items():
        ok = c >= 0
        out[ok] += np.log(probs[name][c[ok]])
    return out


def _codes(g: pl.DataFrame, names: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    pats = g.select([f"g_{n}" for n in names]).group_by(pl.all()).len()
    codes = {n: pats[f"g_{n}"].fill_null(-1).to_numpy().astype(int) for n in names}
    return codes, pats["len"].to_numpy().astype(float)


def em_session(
    g: pl.DataFrame,
    m: dict[str, np.ndarray],
    u: dict[str, np.ndarray],
    *,
    update: set[str],
    use: set[str] | None = None,
    lam: float = 0.5,
    max_iter: int = 50,
    tol: float = 1e-7,
) -> tuple[dict[str, np.ndarray], float]:
    """EM over level patterns of `g`; only the m of comparisons in `update` move (u is fixed).

    `use` limits the likelihood to some comparisons: a field the pairs were blocked on agrees by
    construction, so it says nothing about which blocked pairs match and must stay out.
    """
    names = [n for n in m if use is None or n in use]
    codes, counts = _codes(g, names)
    m = {k: v.copy() for k, v in m.items()}
    if counts.sum() == 0:
        return m, lam
    for _ in range(max_iter):
        a = np.log(lam) + _loglik(codes, m, len(counts))
        b = np.log1p(-lam) + _loglik(codes, u, len(counts))
        post = 1.0 / (1.0 + np.exp(np.clip(b - a, -700, 700)))
        new_lam = float(np.clip((post * counts).sum() / counts.sum(), 1e-9, 1 - 1e-9))
        for n in update:
            ok = codes[n] >= 0
            acc = np.bincount(codes[n][ok], weights=(post * counts)[ok], minlength=len(m[n]))
            if acc.sum() > 1.0:  # no evidence in this session: keep what the last one learnt
                m[n] = (acc + 0.5) / (acc.sum() + 0.5 * len(m[n]))
        done = abs(new_lam - lam) < tol
        lam = new_lam
        if done:
            break
    return m, lam


def fit(
    m0: dict[str, np.ndarray],
    blocked: pl.DataFrame,
    random_pairs: pl.DataFrame,
    chance: IdChance,
    *,
    total_pairs: float,
    specs: Sequence[ComparisonSpec] = DECLARED,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], float]:
    """m, u and prior from blocked pairs (with `by_id`, `by_name`) and random pairs.

    u of a comparison whose levels declare u formulas comes from them (`chance`), else from the
    level shares among random pairs. See the module docstring.
    """
    u = {}
    for spec in specs:
        if any(lv.u_formula for lv in spec.scored):
            u[spec.name] = formula_u(spec, chance)
        else:
            u[spec.name] = level_freq(random_pairs, spec.name, len(spec.scored))
    others = {n for n in m0 if n != "id"}
    by_id = blocked.filter(pl.col("by_id"))
    m, lam_id = em_session(by_id, m0, u, update=others, use=others)
    m, _ = em_session(
        blocked.filter(pl.col("by_name")), m, u, update={"id"}, use={"id", "gender"}, lam=0.01
    )
    # Matches among ID-met pairs; name-only matches are left out on purpose: EM over name-met pairs
    # would count namesakes of common names as matches (no TF in EM) and inflate the prior.
    prior = lam_id * by_id.height / max(total_pairs, 1.0)
    m, u = condition_on_layout(m, u, specs)
    return m, u, prior

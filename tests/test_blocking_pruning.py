"""Blocking leaves out only pairs that could never become hits.

Name + birth-year keys pair two persons only when one of them may be missed by the identifier
keys (no number, a number failing its check, a mask hiding the birth date), and an unnumbered
list party only when its name, age and gender could reach the review threshold at all
(`matching.scoring.name_reach`). Both prunings must leave the hits unchanged.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from matching import link
from matching.blocking import BlockingRules, candidate_pairs
from matching.config import MatchThresholds
from matching.link import prepare
from matching.model import load_default
from matching.scoring import name_frequencies, name_reach
from tests.matching_helpers import AS_OF, hotel_world_parties, listed, query, rid

WORLD_DATE = date(2025, 6, 30)
ZHANG = rid("11010519850101231")
OTHER = rid("31010419850101232")


def _paired(q: pl.DataFrame, lst: pl.DataFrame, rules: BlockingRules | None = None) -> bool:
    qf, lf = prepare(q, lst, AS_OF)
    pairs, _ = candidate_pairs(qf, lf, AS_OF, rules)
    return pairs.height > 0


def test_two_valid_numbers_are_not_paired_by_name() -> None:
    q = query({"name": "张伟", "id_number": ZHANG})
    lst = listed({"name": "张伟", "id_number": OTHER})
    assert not _paired(q, lst)
    # EM still sees them: pairs met by name teach the ID comparison
    assert _paired(q, lst, BlockingRules(name_keys_for_numbered=True))


def test_a_failed_check_char_is_paired_by_name() -> None:
    slip = ZHANG[:16] + ZHANG[17] + ZHANG[16]  # last two characters transposed
    q = query({"name": "张伟", "id_number": slip})
    lst = listed({"name": "张伟", "id_number": ZHANG[:10] + "****" + ZHANG[14:]})
    assert _paired(q, lst)


def test_a_mask_hiding_the_birth_date_is_paired_by_name() -> None:
    q = query({"name": "张伟", "id_number": ZHANG})
    lst = listed({"name": "张伟", "id_number": "3101**********2325", "age": 40, "age_on": AS_OF})
    assert _paired(q, lst)


def test_name_reach_bounds_the_score_of_unnumbered_parties() -> None:
    model = load_default()
    # a list of 20,000 parties: the prior is small enough that a bare name says too little
    rare = [{"name": "欧阳娜娜", "age": 40, "age_on": AS_OF, "gender": "F"}]
    bare = [{"name": "王芳"}] * 19_999  # e.g. legal representatives listed by name only
    lst = listed(*rare, *bare)
    _, lf = prepare(query({"name": "王芳", "id_number": ZHANG}), lst, AS_OF)
    reach = name_reach(lf, model, name_frequencies(lf, model), 0.6).to_list()
    assert reach[0] is True  # name + age + gender may reach review
    assert not any(reach[1:])  # a name alone cannot
    # a threshold nobody can miss admits everyone
    assert all(name_reach(lf, model, name_frequencies(lf, model), 1e-9).to_list())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    return hotel_world_parties(tmp_path_factory.mktemp("pruning"), 4000, 23, WORLD_DATE)


def test_pruned_blocking_finds_the_same_hits(world: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    q, lst = world
    kw = {"thresholds": MatchThresholds(), "as_of": WORLD_DATE}
    pruned = link(q, lst, **kw)
    wide = link(q, lst, blocking=BlockingRules(name_keys_for_numbered=True), **kw)
    assert pruned.stats["candidate_pairs"] < wide.stats["candidate_pairs"] / 2
    assert pruned.hits["match_decision"].to_list().count("match") > 50
    assert pruned.hits.equals(wide.hits)


def test_a_confirmed_pair_is_always_screened() -> None:
    """An analyst's confirmation outlives a refined model or a moved threshold: the pair stays a
    hit (the sweep then makes it `match`) even when blocking or the score would now drop it."""
    q = query({"name": "张伟", "id_number": ZHANG})
    lst = listed({"name": "张伟", "id_number": OTHER}, {"name": "李娜", "id_number": OTHER})
    everything = MatchThresholds(match=1.0, review=0.0)
    wide = link(
        q,
        lst,
        thresholds=everything,
        as_of=AS_OF,
        blocking=BlockingRules(name_keys_for_numbered=True),
    )
    key = wide.hits.filter(pl.col("entry_id") == "E0")["pair_key"][0]
    plain = link(q, lst, thresholds=MatchThresholds(), as_of=AS_OF)
    assert plain.hits.is_empty()  # two valid numbers that differ: not even a candidate
    kept = link(q, lst, thresholds=MatchThresholds(), as_of=AS_OF, confirmed=frozenset({key}))
    assert kept.hits.select("entry_id", "match_decision").rows() == [("E0", "review")]
    assert kept.hits["pair_key"].to_list() == [key]

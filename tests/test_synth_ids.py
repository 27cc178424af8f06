"""Generated IDs are valid by stdnum, unique, and consistent with the person's attributes."""

import numpy as np
import polars as pl
from stdnum.cn import ric, uscc

from pipelines.synth.idgen import build_uscc, legacy_to_18, org_code, uscc_many
from pipelines.synth.people import assign_ids, draw_people


def test_people_ids_valid_unique_and_consistent() -> None:
    rng = np.random.default_rng(1)
    drawn = [draw_people(rng, 3000, "a"), draw_people(rng, 500, "b", old_region_share=0.5)]
    people = assign_ids(pl.concat(drawn), 1)
    assert people["id18"].n_unique() == people.height
    for row in people.iter_rows(named=True):
        number = row["id18"]
        assert ric.calc_check_digit(number) == number[-1]
        assert ric.get_birth_date(number) == row["birth"]
        assert (int(number[16]) % 2 == 1) == (row["gender"] == "M")
        assert number[:6] == row["region"]
        assert ric.is_valid(number)  # regions chosen so stdnum accepts them at the birth date


def test_legacy_and_org_codes() -> None:
    full = "110105198503072313"
    assert legacy_to_18(full[:6] + full[8:17]) == full
    code = org_code("12345678")
    assert len(code) == 9
    assert uscc.is_valid(build_uscc("110105", "12345678"))
    assert build_uscc("110105", "12345678")[8:17] == code


def test_vectorised_uscc_matches_stdnum() -> None:
    rng = np.random.default_rng(2)
    bases = rng.integers(0, 10**8, 3000)
    many = uscc_many(np.full(3000, 110105), bases).to_list()
    for code, base in zip(many, bases, strict=True):
        assert code == build_uscc("110105", f"{int(base):08d}")
        assert uscc.is_valid(code)


def test_recode_pairs_are_real_merges_by_stdnum_table() -> None:
    """Every generated re-code goes from a code stdnum dates as retired to one of the same city
    that exists now, and the matcher's lookup accepts it for the people the generator re-codes
    (born before 2005); ordinary people live in codes that never changed."""
    from matching.ids import recode_plausible, region_change_until
    from pipelines.synth.idgen import RECODE_PAIRS, region_table
    from pipelines.synth.quirks import recode

    code_until, _ = region_change_until()
    old = np.array([int(k) for k in RECODE_PAIRS])
    new = np.array([int(v) for v in RECODE_PAIRS.values()])
    assert (old // 100 == new // 100).all()
    assert (code_until[old] > 2004).all() and (code_until[new] == 0).all()
    born = np.full(len(old), 2004)
    assert recode_plausible(old, new, old // 100, born).all()
    for code in RECODE_PAIRS:
        assert ric.is_valid(rid_of(code, "19850307"))
        assert not ric.is_valid(rid_of(code, "20200101"))  # gone: nobody born since carries it
        assert ric.is_valid(recode(rid_of(code, "19850307")))
    current = region_table()["region"].cast(pl.Int64).to_numpy()
    assert (code_until[current] == 0).all()


def rid_of(region: str, birth: str) -> str:
    """A number with a correct check char for someone born in `region` on `birth` (YYYYMMDD)."""
    body = region + birth + "231"
    return body + ric.calc_check_digit(body + "0")

"""The identifier comparison: resident IDs position by position, or USCC / organisation code.

Levels are declared strongest first (`matching.comparison_level`); the ID levels are too rare to
sample among random pairs, so each declares the u formula `matching.estimate` prices it with from
the chance agreements of ID segments (`IdChance`). Packaged m/u: u reasoned over random pairs
(1M x 1M, ~300 region prefixes, ~10^4 sequence+check), m from the generated data's noise mix.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from matching.comparison_level import ComparisonLevel, ComparisonSpec, Evidence
from matching.id_positions import id_positions, id_positions_rows

MIN_VISIBLE = 6
"""Fewer visible shared ID positions than this is no evidence (e.g. an almost fully masked ID)."""
MID_VISIBLE = 10
"""A mask showing this many agreeing positions (region + last four) is `masked_mid`."""
STRONG_VISIBLE = 14
"""... and this many (region + birth date, region + year + last four) is `masked_strong`: the
birth digits set it apart, as region + sequence alone recur among a county's people."""


@dataclass(frozen=True)
class IdChance:
    """Chance agreements between two different people's IDs, the parts ID u formulas combine.

    `p`: per segment (`r4`, `r6`, `year`, `md`, `seq`, `chk`), P(two random IDs agree on it);
    `district` / `hidden`: the region-and-year part of a re-code with both districts visible / one
    hidden (`matching.estimate.recode_share`); `slip`: P(a side fails its check char).
    """

    p: dict[str, float]
    district: float
    hidden: float
    slip: float

    @property
    def full(self) -> float:
        """Two random IDs agree on every position."""
        p = self.p
        return p["r6"] * p["year"] * p["md"] * p["seq"] * p["chk"]


# u formulas of the ID levels (named functions, so a model pickles for another engine)
def _u_full(c: IdChance) -> float:
    return c.full


def _u_strong(c: IdChance) -> float:  # 1101051985****2315
    return c.p["r6"] * c.p["year"] * c.p["seq"] * c.p["chk"]


def _u_mid(c: IdChance) -> float:  # 110105********2315
    return c.p["r6"] * c.p["seq"] * c.p["chk"]


def _u_weak(c: IdChance) -> float:  # 3302**********0016
    return c.p["r4"] * c.p["seq"] * c.p["chk"]


def _u_region_recode(c: IdChance) -> float:
    return c.district * c.p["md"] * c.p["seq"]


def _u_recode_year(c: IdChance) -> float:  # 1101031985****2318 vs a full 110101... number
    return c.district * c.p["seq"]


def _u_recode_masked(c: IdChance) -> float:  # district hidden: the check char differs
    return c.hidden * c.p["seq"] * (1 - c.p["chk"])


def _u_one_edit(c: IdChance) -> float:
    # all but one of the (at least 14) visible positions agree: ~14 ways x 10 digit values, and one
    # side mistyped (the level's own condition)
    return 140 * c.p["r6"] * c.p["year"] * c.p["seq"] * c.p["chk"] * c.slip


_PERSON = (pl.col("party_type_q") == "person").fill_null(False)
_VIS, _CONF = pl.col("_id_vis"), pl.col("_id_conf")
_RECODE = _PERSON & pl.col("_id_recode")
_CLEAN = _PERSON & (_CONF == 0)  # every position both sides show agrees

ID = ComparisonSpec(
    "id",
    (
        ComparisonLevel("hidden", _PERSON & (_VIS < MIN_VISIBLE), is_null=True),
        ComparisonLevel(
            "exact",
            (_CLEAN & ~pl.col("_id_masked"))
            | (~_PERSON & pl.col("uscc_q").is_not_null() & (pl.col("uscc_q") == pl.col("uscc_l"))),
            "证件号码完全一致",
            0.27,
            1e-11,
            Evidence.AGREES,
            u_formula=_u_full,
            shares_m="visible_agrees",
        ),
        ComparisonLevel(
            "org_code",
            ~_PERSON & (pl.col("org_code_q") == pl.col("org_code_l")),
            "组织机构代码与统一社会信用代码第9-17位一致",
            0.05,
            1e-9,
            Evidence.AGREES,
            u_formula=_u_full,
            shares_m="visible_agrees",
        ),
        ComparisonLevel(
            "masked_strong",
            _CLEAN & (_VIS >= STRONG_VISIBLE),
            "身份证号可见位一致（脱敏）",
            0.4,
            1e-8,
            Evidence.PARTIAL,
            u_formula=_u_strong,
            shares_m="visible_agrees",
        ),
        ComparisonLevel(
            "masked_mid",
            _CLEAN & (_VIS >= MID_VISIBLE),
            "身份证号可见的地区码与末四位一致（脱敏，出生日期不可见）",
            0.1,
            3e-8,
            Evidence.PARTIAL,
            u_formula=_u_mid,
            shares_m="visible_agrees",
        ),
        # the whole birth date and sequence seen to agree (a full number on both sides)
        ComparisonLevel(
            "region_recode",
            _RECODE & (pl.col("_id_tail_vis") >= 11),
            "身份证号除地区码外一致，两个区县码是同一地方行政区划调整前后的代码"
            "（其一已撤销或出生后新设）",
            0.02,
            1e-9,
            Evidence.PARTIAL,
            u_formula=_u_region_recode,
        ),
        # A mask that hides only the month-day (1101051985****2315) still shows the birth year: an
        # agreeing year is as much evidence as the sequence digits, so such a re-code is its own.
        ComparisonLevel(
            "recode_year",
            _RECODE & pl.col("_id_year_vis"),
            "身份证号可见的地区码前段、出生年份与顺序码一致，区县码不同或被遮盖，"
            "且涉及已撤销或出生后新设的区县码（疑似行政区划调整，脱敏）",
            0.015,
            1e-7,
            Evidence.PARTIAL,
            u_formula=_u_recode_year,
        ),
        ComparisonLevel(
            "recode_masked",
            _RECODE,
            "身份证号可见的地区码前段与顺序码一致、校验码不同，该地市有撤销或新设的区县"
            "（疑似行政区划调整，脱敏）",
            0.005,
            1e-6,
            Evidence.PARTIAL,
            u_formula=_u_recode_masked,
        ),
        ComparisonLevel(
            "masked_weak",
            _CLEAN,
            "身份证号少量可见位一致（脱敏）",
            0.2,
            1e-6,
            Evidence.PARTIAL,
            u_formula=_u_weak,
            shares_m="visible_agrees",
        ),
        # one slip or two swapped positions, only when a side fails its check char: between two
        # checksum-valid numbers (MOD 11-2 catches every such slip) it means two people
        ComparisonLevel(
            "one_edit",
            _PERSON
            & ((_CONF == 1) | ((_CONF == 2) & pl.col("_id_swapped")))
            & (_VIS >= 14)
            & pl.col("_id_typo"),
            "身份证号仅一位不同或两位颠倒（疑似录入错误）",
            0.03,
            1e-6,
            Evidence.PARTIAL,
            u_formula=_u_one_edit,
        ),
        ComparisonLevel(
            "different",
            _PERSON | (pl.col("org_code_q").is_not_null() & pl.col("org_code_l").is_not_null()),
            "证件号码不一致",
            0.03,
            0.9999,
        ),
    ),
    derive=id_positions,
    derive_rows=id_positions_rows,
)
"""Resident IDs position by position (masks unknown, not wrong), or USCC / organisation code."""

"""The vectorised ID classifier must agree with `matching.ids.parse_ric` on every quirk."""

from __future__ import annotations

import random

import polars as pl
from stdnum.cn import ric

from data_contracts.idkinds import either_kind, org_kind
from data_contracts.ric_fast import person_kinds
from matching.ids import parse_ric


def _rid(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def _corpus(n: int = 3000) -> list[str | None]:
    rng = random.Random(11)
    out: list[str | None] = [
        None,
        "",
        "   ",
        "1.10105E+17",
        "1.1010519491231e+17",
        "12345",
        "110105491231002",
        "110105991231002",
        "110105491332002",
        "1101051985****2315",
        "3302**********0016",
        "110105198501012315x",
        "１１０１０５１９８５０１０１２３１５",
        "11010519850101-2315",
        "E12345678",
        "110105190001011235",
        "110105189912311234",
        "110105230001011234",
        "ABCDEFGHIJKLMNOPQR",
        "11010519850101231*",
    ]
    for _ in range(n):
        body = (
            f"{rng.choice(['110105', '310104', '440305'])}{rng.randint(1900, 2030)}"
            f"{rng.randint(1, 13):02d}{rng.randint(1, 32):02d}{rng.randint(0, 999):03d}"
        )
        good = _rid(body)
        out += [
            good,
            good[:-1] + rng.choice("0123456789X"),
            good.lower(),
            f" {good[:6]} {good[6:]} ",
            good[:6] + good[8:17],
            good[:10] + "****" + good[14:],
        ]
    return out


def test_vectorised_kinds_match_parse_ric() -> None:
    corpus = _corpus()
    fast = person_kinds(pl.Series(corpus, dtype=pl.String)).to_list()
    for raw, got in zip(corpus, fast, strict=True):
        want = parse_ric(raw).kind
        assert got == (None if want == "empty" else want), raw


def test_organisation_kinds() -> None:
    assert org_kind("91110000600037341L") == "uscc"
    assert org_kind("60003734-1") == "org_code"
    assert org_kind("91110000600037341A") == "org_bad_check"
    assert org_kind("9111****") == "masked"
    assert org_kind("1.1E+17") == "mangled"
    assert org_kind("not a code") == "malformed" and org_kind(None) is None
    assert either_kind("91110000600037341L") == "uscc"
    assert either_kind("1101051985****2315") == "masked"

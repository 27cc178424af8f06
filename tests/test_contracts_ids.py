"""The vectorised ID classifier must agree with `matching.ids.parse_ric` on every quirk."""

from __future__ import annotations

import random
from datetime import date

import polars as pl
from stdnum.cn import ric, uscc

from matching.ids import either_kind, fold_ids, org_kind, org_kinds, parse_ric, person_kinds

NIGHT = date(2024, 5, 2)


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
        "110105198500112315",  # transposed month/day digits: impossible date, kept as a slip
        "110105851301231",  # legacy number with an impossible date
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
    fast = person_kinds(fold_ids(pl.Series(corpus, dtype=pl.String)), NIGHT).to_list()
    for raw, got in zip(corpus, fast, strict=True):
        want = parse_ric(raw, NIGHT).kind
        assert got == (None if want == "empty" else want), raw


def test_organisation_kinds() -> None:
    assert org_kind("91110000600037341L") == "uscc"
    assert org_kind("60003734-1") == "org_code"
    assert org_kind("91110000600037341A") == "org_bad_check"
    assert org_kind("9111****") == "masked"
    assert org_kind("1.1E+17") == "mangled"
    assert org_kind("not a code") == "malformed" and org_kind(None) is None
    assert either_kind("91110000600037341L", NIGHT) == "uscc"
    assert either_kind("1101051985****2315", NIGHT) == "masked"


def _uscc(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17 + "0")


def _org_corpus(n: int = 2000) -> list[str | None]:
    rng = random.Random(13)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    out: list[str | None] = [
        None,
        "",
        "  ",
        "91110000600037341L",
        "91110000600037341l",
        "9111 0000-6000_37341L",
        "60003734-1",
        "600037341",
        "60003734X",
        "6000373X1",
        "91110000600037341A",
        "9111****",
        "1.1E+17",
        "not a code",
        "９１１１００００６０００３７３４１Ｌ",
        "91110000600037341L\x1c",
        "A1110000600037341L",
        "111111111111111111",
        "1101051985****2315",
        "91110000I00037341L",
    ]
    for _ in range(n):
        body = "".join(rng.choice("0123456789") for _ in range(8)) + "".join(
            rng.choice(alphabet) for _ in range(9)
        )
        good = _uscc(body)
        out += [
            good,
            good[:-1] + rng.choice(alphabet),
            good.lower(),
            good[8:17],
            f"{good[8:16]}-{good[16]}",
            good[:12] + "****" + good[16:],
            "".join(rng.choice("0123456789ABXZ*- ") for _ in range(rng.randint(1, 20))),
        ]
    return out


def test_vectorised_org_kinds_match_org_kind() -> None:
    corpus = _org_corpus()
    fast = org_kinds(fold_ids(pl.Series(corpus, dtype=pl.String))).to_list()
    for raw, got in zip(corpus, fast, strict=True):
        assert got == org_kind(raw), raw

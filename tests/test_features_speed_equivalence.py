"""The vectorised feature extraction equals the row-by-row expressions it replaced.

`matching.features` reads IDs as byte matrices and folds Unicode only where needed, and
`matching.normalize` strips region suffixes with one regex; both must give byte-identical frames.
The reference below is the previous implementation, kept verbatim as the oracle, run on a few
thousand quirky IDs and names (DOMAIN.md section 3) and on every month/day of edge-case years.
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from matching.features import party_features
from matching.ids import is_valid_uscc
from matching.normalize import (
    _LEGAL_FORMS,
    _PROVINCES,
    _org_region_front,
    _t2s_char,
    normalize_org_name,
    org_name_forms,
    person_name_forms,
)

AS_OF = date(2026, 11, 20)

# --- the previous implementation (oracle) --------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SEPARATORS = r"[\s\-_－—‐]+"


def _ref_check_char(body17: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(
        body17.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(_WEIGHTS)
    )
    return (total % 11).replace_strict(list(range(11)), list(_CHECK), return_dtype=pl.String)


def _ref_fold(raw: pl.Expr) -> pl.Expr:
    return raw.str.normalize("NFKC").str.replace_all(_SEPARATORS, "").str.to_uppercase()


def _ref_clean_ids(text: pl.Expr) -> pl.Expr:
    legacy_body = text.str.slice(0, 6) + pl.lit("19") + text.str.slice(6, 9)
    return (
        pl.when(text.str.contains(r"^[0-9]{15}$"))
        .then(legacy_body + _ref_check_char(legacy_body))
        .when(text.str.contains(r"^[0-9]{17}[0-9X]$"))
        .then(text)
        .when(text.str.contains(r"^[0-9*]{17}[0-9X*]$") & text.str.contains(r"\*", literal=False))
        .then(text)
        .otherwise(None)
    )


def _ref_person_id_features(cid: pl.Expr, as_of: date) -> list[pl.Expr]:
    birth = cid.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    plausible = birth.is_between(date(1900, 1, 1), as_of)
    masked = cid.str.contains(r"\*", literal=False)
    kind = (
        pl.when(cid.is_null())
        .then(None)
        .when(masked)
        .then(pl.lit("masked"))
        .when(~plausible.fill_null(False))
        .then(pl.lit("bad_check"))
        .when(_ref_check_char(cid.str.slice(0, 17)) == cid.str.slice(17, 1))
        .then(pl.lit("full"))
        .otherwise(pl.lit("bad_check"))
    )
    year = cid.str.slice(6, 4).cast(pl.Int32, strict=False)
    seq = cid.str.slice(16, 1).cast(pl.Int32, strict=False)
    return [
        pl.when(kind.is_not_null()).then(cid).alias("pid"),
        kind.alias("pid_kind"),
        pl.when(kind.is_not_null() & plausible).then(birth).alias("id_birth"),
        pl.when(kind.is_not_null() & year.is_between(1900, as_of.year)).then(year).alias("id_year"),
        pl.when(kind.is_not_null())
        .then(pl.when(seq % 2 == 1).then(pl.lit("M")).when(seq.is_not_null()).then(pl.lit("F")))
        .alias("id_gender"),
    ]


def _ref_org_code(ids: pl.Expr) -> pl.Expr:
    text = _ref_fold(ids)
    return (
        pl.when(text.str.contains(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"))
        .then(text.str.slice(8, 9))
        .when(text.str.contains(r"^[0-9A-Z]{8}[0-9X]$"))
        .then(text)
        .otherwise(None)
    )


def _ref_uscc_flags(ids: pl.Series) -> pl.DataFrame:
    uniq = ids.unique().drop_nulls().to_list()
    return pl.DataFrame(
        {"_id": uniq, "uscc_valid": [is_valid_uscc(u) for u in uniq]},
        schema={"_id": pl.String, "uscc_valid": pl.Boolean},
    )


def reference_party_features(parties: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """`matching.features.party_features` before vectorisation."""
    df = parties
    for col, dtype in (
        ("gender", pl.String),
        ("birth_date", pl.Date),
        ("age", pl.Int64),
        ("age_on", pl.Date),
    ):
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=dtype).alias(col))
    df = df.with_columns(pl.col("age_on").fill_null(as_of))
    person = pl.col("party_type") == "person"
    df = df.with_columns(_ref_fold(pl.col("id_number")).alias("_txt"))
    df = df.with_columns(_ref_clean_ids(pl.col("_txt")).alias("_cid"))
    df = df.with_columns(
        *(
            pl.when(person).then(e).alias(e.meta.output_name())
            for e in _ref_person_id_features(pl.col("_cid"), as_of)
        ),
        pl.when(~person).then(_ref_org_code(pl.col("id_number"))).alias("org_code"),
        pl.when(~person).then(pl.col("_txt")).alias("_oid"),
    ).drop("_txt", "_cid")
    df = df.join(_ref_uscc_flags(df["_oid"]), left_on="_oid", right_on="_id", how="left")
    df = df.with_columns(pl.when(pl.col("uscc_valid")).then(pl.col("_oid")).alias("uscc")).drop(
        "_oid", "uscc_valid"
    )
    pnames = person_name_forms(df.filter(person)["name"])
    onames = org_name_forms(df.filter(~person)["name"]).rename({"norm": "onorm"})
    df = df.join(pnames, on="name", how="left").join(onames, on="name", how="left")
    return (
        df.with_columns(
            pl.when(person).then(pl.col(c)).alias(c)
            for c in ("norm", "fold", "py", "py_rev", "han")
        )
        .with_columns(
            pl.when(person).then(pl.col("norm")).otherwise(pl.col("onorm")).alias("norm"),
            pl.coalesce("id_birth", pl.col("birth_date").cast(pl.Date, strict=False)).alias(
                "birth"
            ),
            pl.coalesce(
                "id_year", pl.col("birth_date").cast(pl.Date, strict=False).dt.year().cast(pl.Int32)
            ).alias("year"),
            pl.coalesce("id_gender", pl.col("gender")).alias("sex"),
        )
        .drop("onorm", "id_birth", "id_year", "id_gender")
    )


def reference_normalize_org_name(raw: str) -> str:
    """`matching.normalize.normalize_org_name` before the region-suffix regex."""
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(_t2s_char(c) for c in text)
    text = re.sub(r"\s+", "", text).replace("【", "(").replace("】", ")").upper()
    text = _org_region_front(text)
    for p in _PROVINCES:
        for suffix in ("省", "市", "自治区"):
            if text.startswith(p + suffix):
                text = p + text[len(p) + len(suffix) :]
                break
        else:
            continue
        break
    for long, short in _LEGAL_FORMS:
        text = text.replace(long, short)
    return text


# --- inputs --------------------------------------------------------------------------------


def _ric(body17: str) -> str:
    total = sum(int(c) * w for c, w in zip(body17, _WEIGHTS, strict=True))
    return body17 + _CHECK[total % 11]


def _uscc(body17: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(c) * w for c, w in zip(body17, weights, strict=True))
    return body17 + alphabet[(31 - total) % 31]


ZW = _ric("11010519850307231")
ORG = _uscc("91110105MA01ABCD1")
QUIRKY_IDS: list[str | None] = [
    ZW,
    ZW.lower(),
    _ric("11010519491001001"),
    _ric("11010520000229002"),  # leap day
    _ric("11010519000229003"),  # 1900 is not a leap year
    _ric("11010519000101004"),
    _ric("11010518991231005"),
    _ric("11010520261120006"),  # born on the run date
    _ric("11010520261121007"),  # born after it
    _ric("11010519851301008"),  # month 13
    _ric("11010519850132009"),  # day 32
    _ric("11010519850000010"),
    _ric("11010519850307006"),  # check character X
    _ric("11010519850307006").lower(),
    ZW[:-1] + ("0" if ZW[-1] != "0" else "1"),  # wrong check char
    ZW[:6] + ZW[7] + ZW[6] + ZW[8:],  # transposed birth digits
    "".join(chr(ord(c) + 0xFEE0) for c in ZW),  # full-width
    " ".join([ZW[:6], ZW[6:14], ZW[14:]]),
    "-".join([ZW[:6], ZW[6:14], ZW[14:]]),
    ZW[:6] + "\u3000" + ZW[6:],
    ZW[:6] + "—" + ZW[6:] + "\t",
    "110105850307231",  # legacy 15
    "１１０１０５８５０３０７２３１",
    "110105851307231",  # legacy, month 13
    "110105000229231",  # legacy, 1900-02-29
    "1101051985****2315",
    "3302**********0016",
    "110105********231*",
    "******************",
    "11010519850307231*",
    "110105198503072*1X",
    "1101051985*3072315",
    "110105198503**2315",
    "*10105198503072315",
    "1.10105E+17",
    "1.10105E17",
    "",
    "   ",
    None,
    "11010519850307231",  # 17 digits
    "1101051985030723155",  # 19 digits
    "11010519850307X315",
    "X10105198503072315",
    "张三1101051985030",  # 18 bytes, not 18 chars
    "E12345678",
    "g12345678",
    ORG,
    ORG.lower(),
    " ".join([ORG[:6], ORG[6:]]),
    "".join(chr(ord(c) + 0xFEE0) for c in ORG),
    ORG[:-1] + ("0" if ORG[-1] != "0" else "1"),
    ORG + "\x1c",  # Python folds \x1c away, polars does not: the slow path decides
    "\x1f" + ORG,
    ORG[:8] + "I" + ORG[9:],  # I is not in the GB 32100 alphabet
    "MA01ABCD1",
    "12345678-9",
    "1234567X9",
    "91110105MA01ABCD",
    ZW + "\n",
    "Ⅻ" + ZW[2:],
]
NAMES = [
    "张伟",
    "張偉",
    "张玮",
    "ZHANG WEI",
    "Wei Zhang",
    "zhāng wěi",
    "欧阳娜娜",
    "司马 光",
    "买买提·艾力",
    "买买提•艾力",
    "买买提.艾力",
    "买买提艾力",
    "王己",
    "王已",
    "  李 娜 ",
    "",
    None,
    "Ｌｉ Ｎａ",
    "北京某某科技有限公司",
    "某某科技（北京）有限公司",
    "某某科技(北京)有限公司",
    "北京市某某科技有限责任公司",
    "某某科技有限公司北京分公司",
    "上海【集团】股份有限公司",
    "內蒙古自治区某某股份有限公司",
    "深圳市某某贸易有限公司 ",
    "某某(集团)有限公司",
]


def _mutations(seed: int, n: int) -> list[str]:
    """Valid IDs with random characters swapped for digits, X/x, `*`, separators or wide digits."""
    rng = random.Random(seed)
    pool = "0123456789XX**x -１Ｘ＊"
    out = []
    for _ in range(n):
        body = f"{rng.randrange(110000, 660000)}{rng.randrange(1890, 2030)}"
        body += f"{rng.randrange(0, 14):02d}{rng.randrange(0, 33):02d}{rng.randrange(0, 1000):03d}"
        text = list(_ric(body) if rng.random() < 0.5 else _uscc(body[:8] + "MA" + body[10:]))
        for _ in range(rng.randrange(0, 3)):
            text[rng.randrange(len(text))] = rng.choice(pool)
        if rng.random() < 0.1:
            text = text[:15]
        out.append("".join(text))
    return out


def _parties(ids: list[str | None], seed: int = 1) -> pl.DataFrame:
    """Each ID as a person, an org and a party of unknown type, with names drawn from NAMES."""
    rng = random.Random(seed)
    types = ("person", "org", None)
    rows = [
        {
            "party_type": t,
            "name": rng.choice(NAMES),
            "id_number": v,
            "gender": rng.choice(["M", "F", None]),
            "birth_date": rng.choice([date(1985, 3, 7), None]),
        }
        for v in ids
        for t in types
    ]
    return pl.DataFrame(
        rows,
        schema={
            "party_type": pl.String,
            "name": pl.String,
            "id_number": pl.String,
            "gender": pl.String,
            "birth_date": pl.Date,
        },
    )


def _assert_same(parties: pl.DataFrame) -> None:
    before = parties.clone()
    got = party_features(parties, AS_OF)
    want = reference_party_features(parties, AS_OF)
    assert got.schema == want.schema
    assert_frame_equal(got, want, check_exact=True)
    assert_frame_equal(parties, before)  # the input frame is not modified


# --- tests ---------------------------------------------------------------------------------


def test_quirky_ids_match_reference() -> None:
    _assert_same(_parties(QUIRKY_IDS))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mutated_ids_match_reference(seed: int) -> None:
    _assert_same(_parties(_mutations(seed, 400), seed))


@pytest.mark.parametrize("year", ["0000", "1899", "1900", "1904", "2000", "2026", "2027", "9999"])
def test_every_month_day_matches_reference(year: str) -> None:
    """Birth dates as chrono parses `%Y%m%d`: every MMDD of a year, also in legacy form."""
    ids: list[str | None] = [_ric(f"110105{year}{md:04d}231") for md in range(10000)]
    if year.startswith("19"):
        ids += [f"110105{year[2:]}{md:04d}231" for md in range(0, 10000, 7)]
    frame = _parties(ids).filter(pl.col("party_type") == "person")
    _assert_same(frame)


def test_degenerate_frames_match_reference() -> None:
    quirky = _parties(QUIRKY_IDS)
    for frame in (
        quirky.head(0),
        quirky.filter(pl.col("party_type") == "person"),
        quirky.filter(pl.col("party_type") == "org"),
        quirky.filter(pl.col("party_type").is_null()),
        quirky.with_columns(pl.lit(None, dtype=pl.String).alias("id_number")),
        quirky.drop("gender", "birth_date").with_columns(pl.lit(40).alias("age")),
    ):
        _assert_same(frame)


def test_org_names_match_reference() -> None:
    names = [n for n in NAMES if n] + [
        f"{p}{s}{x}有限责任公司"
        for p in _PROVINCES
        for s in ("", "省", "市", "自治区", "县")
        for x in ("某某科技", "(北京)某某")
    ]
    assert [normalize_org_name(n) for n in names] == [
        reference_normalize_org_name(n) for n in names
    ]


def test_org_forms_do_not_depend_on_batch() -> None:
    """Cached per name: the same name gets the same forms alone or among others."""
    names = pl.Series([n for n in NAMES if n])
    both = org_name_forms(names).sort("name")
    alone = pl.concat([org_name_forms(names.slice(i, 1)) for i in range(names.len())]).sort("name")
    assert_frame_equal(both, alone)

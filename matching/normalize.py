"""Name normalisation, computed once per unique value and vectorised with polars.

OpenCC and pypinyin are slow per call, so both are applied per unique *character*: each distinct
Han character of the batch is converted once, and whole names are rewritten with polars'
`replace_many` (Aho-Corasick in Rust). Char-level conversion is consistent on both sides of a
comparison, which is what matching needs; the rare phrase-dependent reading is accepted.
`matching.name_rows` gives the same forms one name at a time (the screening desk) from the
patterns, maps and helpers declared here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import polars as pl

from matching.regions import place_stems

_HAN = r"\p{Han}"
# Middle-dot spellings seen in minority names, plus spaces and stray punctuation.
_PERSON_NOISE = r"[\s·•\.．・‧\-'’_,，]+"
_MN = r"\p{Mn}"  # combining accents, dropped after NFKD
_NOT_PINYIN = r"[^a-z]"
_NOT_LATIN = r"[^a-z\s]"
COMPOUND_SURNAMES = frozenset(
    (
        "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 西门 独孤 "
        "南宫 万俟 闻人 澹台 呼延 申屠"
    ).split()
)
# Look-alike characters folded onto one representative (typed or OCR'd for each other).
LOOKALIKES: tuple[str, ...] = (
    "己已巳",
    "戊戌戍戎",
    "未末",
    "土士",
    "千干于",
    "日曰",
    "人入",
    "王玉",
    "大太犬",
    "田由甲申",
    "刀力",
    "折拆",
    "候侯",
    "崇祟",
    "茶荼",
    "免兔",
    "徽微",
    "祗祇",
    "汩汨",
    "晴睛",
    "粟栗",
    "鸟乌",
    "兵乒乓",
    "准淮",
    "子孑孓",
    "天夫",
)
_FOLD = {c: grp[0] for grp in LOOKALIKES for c in grp[1:]}
_BRANCH = re.compile(r"(分公司|分店|分厂|分行|分部|办事处|营业部|分支机构|分社|支行|分所)")
_LEGAL_FORMS = (("有限责任公司", "有限公司"), ("股份有限公司", "股份公司"))
_SPACES = re.compile(r"\s+")
_PLACE_SUFFIX = "(?:特别行政区|自治州|自治县|自治区|地区|省|市|县|区|盟|旗)"


@lru_cache(maxsize=1)
def _place_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A leading place name and a bracketed one, for every place in the region code history.

    Longest names first, so 乌鲁木齐 is never read as a shorter place that shares its start.
    """
    stems = sorted(place_stems(), key=lambda t: (-len(t), t))
    alt = "|".join(map(re.escape, stems))
    leading = re.compile(f"^({alt}){_PLACE_SUFFIX}?")
    bracketed = re.compile(f"\\(({alt}){_PLACE_SUFFIX}?\\)")
    return leading, bracketed


@lru_cache(maxsize=1)
def _opencc() -> object:
    import opencc  # deferred: loading the dictionaries costs ~50 ms

    return opencc.OpenCC("t2s")


def _han_chars(values: pl.Series) -> list[str]:
    # one select, not a collect per Series method (the desk calls this for one name)
    chars = values.to_frame("v").select(
        pl.col("v").str.extract_all(_HAN).explode().drop_nulls().unique()
    )
    return chars.to_series().to_list()


def _t2s_map(chars: list[str]) -> dict[str, str]:
    cc = _opencc()
    out = {c: cc.convert(c) for c in chars}  # type: ignore[attr-defined]
    return {c: s for c, s in out.items() if s != c and len(s) == 1}


@lru_cache(maxsize=1 << 15)
def _t2s_char(c: str) -> str:
    """Simplified form of one character (itself when OpenCC changes nothing or not 1:1)."""
    if not "\u4e00" <= c <= "\u9fff":
        return c
    out = str(_opencc().convert(c))  # type: ignore[attr-defined]
    return out if len(out) == 1 else c


class _T2STable(dict[int, str]):
    """`str.translate` table of `_t2s_char`, filled one character at a time as names need it."""

    def __missing__(self, code: int) -> str:
        out = self[code] = _t2s_char(chr(code))
        return out


_T2S_TABLE = _T2STable()


def _pinyin_map(chars: list[str]) -> dict[str, str]:
    from pypinyin import Style, lazy_pinyin

    return {c: lazy_pinyin(c, style=Style.NORMAL)[0] + " " for c in chars}


def _replace_chars(expr: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    if not mapping:
        return expr
    return expr.str.replace_many(list(mapping), list(mapping.values()))


def person_name_forms(names: pl.Series) -> pl.DataFrame:
    """Per unique person name: `norm`, look-alike `fold`, pinyin `py` and reversed-order `py_rev`.

    `norm` folds width, case, traditional characters and middle dots/spaces; `py` is the
    toneless pinyin (or the romanised letters) without spaces, so 张伟 / 張偉 / 张玮 / ZHANG WEI
    share it; `py_rev` puts the given name first (WEI ZHANG) for romanised documents.
    """
    uniq = pl.DataFrame({"name": names.unique().drop_nulls()})
    base = pl.col("name").str.normalize("NFKC").str.strip_chars()
    frame = uniq.with_columns(base.alias("_nfkc"))
    chars = _han_chars(frame["_nfkc"])
    t2s = _t2s_map(chars)
    frame = frame.with_columns(
        _replace_chars(pl.col("_nfkc"), t2s).alias("_simp"),
        pl.col("_nfkc").str.contains(_HAN).alias("han"),
    )
    unaccented = pl.col("_simp").str.normalize("NFKD").str.replace_all(_MN, "").str.normalize("NFC")
    frame = frame.with_columns(
        unaccented.str.replace_all(_PERSON_NOISE, "").str.to_uppercase().alias("norm"),
    )
    frame = frame.with_columns(_replace_chars(pl.col("norm"), _FOLD).alias("fold"))
    # Pinyin comes from `norm`, not `fold`: folding 力 onto 刀 would change the sound.
    surname_len = (
        pl.when(pl.col("norm").str.slice(0, 2).is_in(list(COMPOUND_SURNAMES))).then(2).otherwise(1)
    )
    pmap = _pinyin_map(sorted(set(_han_chars(frame["norm"]))))

    def py(expr: pl.Expr) -> pl.Expr:
        return _replace_chars(expr, pmap).str.to_lowercase().str.replace_all(_NOT_PINYIN, "")

    latin = (
        pl.col("_nfkc")
        .str.normalize("NFKD")
        .str.replace_all(_MN, "")
        .str.to_lowercase()
        .str.replace_all(_NOT_LATIN, " ")
        .str.strip_chars()
    )
    latin_tokens = latin.str.split(" ").list.eval(pl.element().filter(pl.element() != ""))
    frame = frame.with_columns(
        pl.when(pl.col("han"))
        .then(
            py(pl.col("norm").str.slice(0, surname_len)) + py(pl.col("norm").str.slice(surname_len))
        )
        .otherwise(latin_tokens.list.join(""))
        .alias("py"),
        pl.when(pl.col("han"))
        .then(
            py(pl.col("norm").str.slice(surname_len)) + py(pl.col("norm").str.slice(0, surname_len))
        )
        .otherwise(latin_tokens.list.reverse().list.join(""))
        .alias("py_rev"),
    )
    frame = frame.with_columns(_surname_readings(frame, surname_len))
    empty = pl.col("norm") == ""
    return frame.select(
        "name",
        "han",
        *[
            pl.when(empty).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("norm", "fold", "py", "py_rev", "py_alt")
        ],
    )


def _surname_readings(frame: pl.DataFrame, surname_len: pl.Expr) -> pl.Expr:
    """`py_alt`: `|a|b|` of the name's other pinyin spellings when its surname has several
    readings (单 Shan/Dan, 曾 Zeng/Ceng, 解 Xie/Jie), given name first and last; null otherwise.

    A passport spells the surname as the family says it, which need not be the character's most
    common reading; every reading pypinyin knows for the surname characters is a candidate.
    """
    han = frame.filter(pl.col("han")).select("norm", surname_len.alias("_n")).unique()
    # Readings depend on the surname alone: asked once per surname (hundreds), not per name
    # (a million); only names whose surname has several readings go on to the given name.
    surname = pl.col("norm").str.slice(0, pl.col("_n"))
    han = han.filter(pl.col("norm") != "").with_columns(surname.alias("_s"))
    by_surname = {s: surname_heteronyms(s) for s in han["_s"].unique()}
    several = {s: r for s, r in by_surname.items() if r is not None}
    alts: dict[str, str] = {}
    for norm, n in han.filter(pl.col("_s").is_in(list(several))).select("norm", "_n").iter_rows():
        alts[norm] = alt_spellings(norm, n, several[norm[:n]])
    if not alts:
        return pl.lit(None, dtype=pl.String).alias("py_alt")
    return (
        pl.col("norm")
        .replace_strict(list(alts), list(alts.values()), default=None, return_dtype=pl.String)
        .alias("py_alt")
    )


@lru_cache(maxsize=1 << 12)
def surname_heteronyms(surname: str) -> tuple[tuple[str, ...], ...] | None:
    """Every pinyin reading of each surname character, or None when each has only one."""
    from pypinyin import Style, pinyin

    readings = tuple(tuple(r) for r in pinyin(surname, style=Style.NORMAL, heteronym=True))
    return None if all(len(r) == 1 for r in readings) else readings


def alt_spellings(norm: str, n: int, readings: tuple[tuple[str, ...], ...]) -> str:
    """`|a|b|`: every reading of the surname (`norm[:n]`) with the given name after and before."""
    from itertools import product

    from pypinyin import Style, pinyin

    given = "".join(x[0] for x in pinyin(norm[n:], style=Style.NORMAL))
    given = "".join(ch for ch in given.lower() if "a" <= ch <= "z")
    forms = {"".join(p) for p in product(*readings)}
    spelled = {f + given for f in forms} | {given + f for f in forms}
    return "|" + "|".join(sorted(spelled)) + "|"


def _org_region_front(name: str) -> str:
    """Put the place first, without its suffix: 某某科技(岳阳)有限公司 / 岳阳市某某科技有限公司 ->
    岳阳某某科技有限公司 (any place of the region code history, not a fixed list of cities)."""
    leading, bracketed = _place_patterns()
    m = bracketed.search(name)
    if m is not None:
        name = m.group(1) + name[: m.start()] + name[m.end() :]
    return leading.sub(r"\1", name, count=1)


@lru_cache(maxsize=1 << 16)
def normalize_org_name(raw: str) -> str:
    """Canonical organisation name: width, brackets, traditional, region position, legal form."""
    text = unicodedata.normalize("NFKC", raw)
    text = text.translate(_T2S_TABLE)
    text = _SPACES.sub("", text).replace("【", "(").replace("】", ")").upper()
    text = _org_region_front(text)
    for long, short in _LEGAL_FORMS:
        text = text.replace(long, short)
    return text


def branch_of(norm_org: str) -> str | None:
    """The branch part of a normalised org name (from the parent name on), or None for a parent."""
    m = _BRANCH.search(norm_org)
    if m is None:
        return None
    cut = norm_org.rfind("公司", 0, m.start())
    return norm_org[cut + 2 :] if cut >= 0 else norm_org[m.start() :]


def parent_and_branch(norm_org: str) -> tuple[str, str | None]:
    """A normalised org name cut into its parent part and its branch part (None for a parent)."""
    branch = branch_of(norm_org)
    return (norm_org[: len(norm_org) - len(branch)] if branch else norm_org), branch


def org_name_forms(names: pl.Series) -> pl.DataFrame:
    """Per unique org name: canonical `norm`, `parent` (norm without the branch) and `branch`."""
    uniq = names.unique().drop_nulls().to_list()
    norms = [normalize_org_name(n) for n in uniq]
    cut = [parent_and_branch(n) for n in norms]
    return pl.DataFrame(
        {
            "name": uniq,
            "norm": norms,
            "parent": [p for p, _ in cut],
            "branch": [b for _, b in cut],
        },
        schema={"name": pl.String, "norm": pl.String, "parent": pl.String, "branch": pl.String},
    ).with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("norm", "parent")
    )

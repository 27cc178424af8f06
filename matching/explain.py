"""Per-hit evidence (JSON) and Chinese explanations, built from the comparison levels."""

from __future__ import annotations

import hashlib
import json

import polars as pl

from matching.comparisons import LEVELS
from matching.mask import mask_id, mask_name

PHRASES_ZH: dict[tuple[str, str], str] = {
    ("id", "exact"): "证件号码完全一致",
    ("id", "masked_strong"): "身份证号可见位一致（脱敏）",
    ("id", "masked_mid"): "身份证号可见的地区码与末四位一致（脱敏，出生日期不可见）",
    ("id", "masked_weak"): "身份证号少量可见位一致（脱敏）",
    ("id", "region_recode"): (
        "身份证号除地区码外一致，两个区县码是同一地方行政区划调整前后的代码（其一已撤销或出生后新设）"
    ),
    ("id", "recode_masked"): (
        "身份证号可见的地区码前段与顺序码一致、校验码不同，该地市有撤销或新设的区县"
        "（疑似行政区划调整，脱敏）"
    ),
    ("id", "recode_year"): (
        "身份证号可见的地区码前段、出生年份与顺序码一致，区县码不同或被遮盖，"
        "且涉及已撤销或出生后新设的区县码（疑似行政区划调整，脱敏）"
    ),
    ("id", "one_edit"): "身份证号仅一位不同或两位颠倒（疑似录入错误）",
    ("id", "org_code"): "组织机构代码与统一社会信用代码第9-17位一致",
    ("id", "different"): "证件号码不一致",
    ("name", "exact"): "姓名（名称）规范化后一致",
    ("name", "homophone"): "姓名同音（拼音一致）",
    ("name", "romanised"): "拼音姓名与中文姓名一致",
    ("name", "lookalike"): "姓名形近字一致",
    ("name", "fuzzy"): "姓名（名称）相近",
    ("name", "different"): "姓名（名称）不一致",
    ("birth", "exact"): "出生日期一致",
    ("birth", "year"): "出生年份一致",
    ("birth", "age_consistent"): "年龄与出生日期相符（±1岁）",
    ("birth", "different"): "出生日期或年龄不符",
    ("gender", "equal"): "性别一致",
    ("gender", "different"): "性别不一致",
}
NO_ID_ZH = "无证件号佐证，仅凭姓名等信息，需人工核查"
TF_NOTE_ZH = "（常见姓名，已降权）"
FIELDS = ("id", "name", "birth", "gender")


def identity_digest(name_norm: str | None, id_clean: str | None) -> str:
    """Digest of a query identity (normalised name, cleaned number); no personal data in clear."""
    text = f"{name_norm or ''}|{id_clean or ''}"
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def pair_key(name_norm: str | None, id_clean: str | None, entry_id: str) -> str:
    """Stable key of (query identity, list entry): survives reruns, no personal data in clear."""
    return f"{identity_digest(name_norm, id_clean)}:{entry_id}"


def _values(row: dict[str, object], field: str) -> tuple[str, str]:
    if field == "id":
        q = row.get("pid_q") or row.get("uscc_q") or row.get("org_code_q")
        lv = row.get("pid_l") or row.get("uscc_l") or row.get("org_code_l")
        return mask_id(str(q) if q else None), mask_id(str(lv) if lv else None)
    if field == "name":
        return mask_name(str(row.get("name_q") or "")), mask_name(str(row.get("name_l") or ""))
    if field == "birth":
        q = row.get("birth_q") or row.get("year_q")
        lv = (
            row.get("birth_l")
            or row.get("year_l")
            or (f"{row['age_l']}岁" if row.get("age_l") is not None else None)
        )
        return str(q or ""), str(lv or "")
    return str(row.get("sex_q") or ""), str(row.get("sex_l") or "")


def explain_row(row: dict[str, object]) -> tuple[str, str]:
    """Evidence JSON and Chinese explanation of one scored pair (a dict of pair columns)."""
    evidence: list[dict[str, object]] = []
    words: list[str] = []
    for field in FIELDS:
        code = row.get(f"g_{field}")
        if code is None:
            continue
        level = LEVELS[field][int(str(code))]
        left, right = _values(row, field)
        weight = round(float(str(row.get(f"w_{field}", 0.0))), 2)
        evidence.append(
            {"field": field, "level": level, "left": left, "right": right, "weight": weight}
        )
        phrase = PHRASES_ZH[(field, level)]
        if field == "name" and row.get("tf_down"):
            phrase += TF_NOTE_ZH
        words.append(phrase)
    if not row.get("id_evidence"):
        words.append(NO_ID_ZH)
    return json.dumps(evidence, ensure_ascii=False), "；".join(words)


def explain(scored: pl.DataFrame) -> pl.DataFrame:
    """Add `evidence, explanation_zh, pair_key` to scored hits (few rows: per row in Python)."""
    ev: list[str] = []
    zh: list[str] = []
    keys: list[str] = []
    for row in scored.iter_rows(named=True):
        e, z = explain_row(row)
        ev.append(e)
        zh.append(z)
        ident = row.get("pid_q") or row.get("uscc_q") or row.get("org_code_q")
        keys.append(pair_key(row.get("norm_q"), ident, str(row["entry_id"])))
    return scored.with_columns(
        pl.Series("evidence", ev, dtype=pl.String),
        pl.Series("explanation_zh", zh, dtype=pl.String),
        pl.Series("pair_key", keys, dtype=pl.String),
    )

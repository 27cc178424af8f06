"""Per-hit evidence (JSON) and Chinese explanations, built from the comparison levels."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import polars as pl

from matching.comparison_level import ComparisonSpec
from matching.comparison_library import DECLARED
from matching.mask import mask_id, mask_name

PHRASES_ZH: dict[tuple[str, str], str] = {
    (c.name, lv.label): lv.phrase_zh for c in DECLARED for lv in c.scored
}
"""Each declared level's Chinese phrase, by (comparison, level)."""
NO_ID_ZH = "无证件号佐证，仅凭姓名等信息，需人工核查"
TF_NOTE_ZH = "（常见姓名，已降权）"


def identity_digest(name_norm: str | None, id_clean: str | None) -> str:
    """Digest of a query identity (normalised name, cleaned number); no personal data in clear."""
    text = f"{name_norm or ''}|{id_clean or ''}"
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def pair_key(name_norm: str | None, id_clean: str | None, entry_id: str) -> str:
    """Stable key of (query identity, list entry): survives reruns, no personal data in clear."""
    return f"{identity_digest(name_norm, id_clean)}:{entry_id}"


def _values(row: Mapping[str, object], field: str) -> tuple[str, str]:
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
    if field == "gender":
        return str(row.get("sex_q") or ""), str(row.get("sex_l") or "")
    return str(row.get(f"{field}_q") or ""), str(row.get(f"{field}_l") or "")


def explain_row(
    row: Mapping[str, object], specs: tuple[ComparisonSpec, ...] = DECLARED
) -> tuple[str, str]:
    """Evidence JSON and Chinese explanation of one scored pair (a dict of pair columns)."""
    evidence: list[dict[str, object]] = []
    words: list[str] = []
    for spec in specs:
        field = spec.name
        code = row.get(f"g_{field}")
        if code is None:
            continue
        declared = spec.scored[int(str(code))]
        level = declared.label
        left, right = _values(row, field)
        weight = round(float(str(row.get(f"w_{field}", 0.0))), 2)
        evidence.append(
            {"field": field, "level": level, "left": left, "right": right, "weight": weight}
        )
        phrase = declared.phrase_zh
        if declared.tf_column is not None and row.get("tf_down"):
            phrase += TF_NOTE_ZH
        words.append(phrase)
    if not row.get("id_evidence"):
        words.append(NO_ID_ZH)
    return json.dumps(evidence, ensure_ascii=False), "；".join(words)


def explain(scored: pl.DataFrame, specs: tuple[ComparisonSpec, ...] = DECLARED) -> pl.DataFrame:
    """Add `evidence, explanation_zh, pair_key` to scored hits (few rows: per row in Python)."""
    ev: list[str] = []
    zh: list[str] = []
    keys: list[str] = []
    for row in scored.iter_rows(named=True):
        e, z = explain_row(row, specs)
        ev.append(e)
        zh.append(z)
        ident = row.get("pid_q") or row.get("uscc_q") or row.get("org_code_q")
        keys.append(pair_key(row.get("norm_q"), ident, str(row["entry_id"])))
    return scored.with_columns(
        pl.Series("evidence", ev, dtype=pl.String),
        pl.Series("explanation_zh", zh, dtype=pl.String),
        pl.Series("pair_key", keys, dtype=pl.String),
    )

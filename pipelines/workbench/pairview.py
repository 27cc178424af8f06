"""What the pair page shows, computed without I/O: character diffs, ID-derived fields, evidence."""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from matching.ids import parse_ric, region_known

# Separators that carry no identity: spaces and the middle dots of minority names in any encoding.
_NOISE = re.compile(r"[\s·•．.\-_]+")
_GENDER_ZH = {"M": "男", "F": "女"}
_KIND_ZH = {
    "full": "完整有效",
    "bad_check": "校验位错误",
    "masked": "部分遮蔽",
    "empty": "空",
    "mangled": "被表格软件损坏",
    "malformed": "格式无效",
}


@dataclass(frozen=True)
class Segment:
    """A run of characters: `same`, `diff`, or `masked` (hidden by `*`, so unknown)."""

    text: str
    kind: str


def normalise(text: str | None) -> str:
    """Fold width, case and separators so the diff shows only differences that matter."""
    if not text:
        return ""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).upper()


def diff_segments(left: str | None, right: str | None) -> tuple[list[Segment], list[Segment]]:
    """Both normalised strings cut into runs that agree, differ, or are hidden by a mask."""
    a, b = normalise(left), normalise(right)
    out_a: list[Segment] = []
    out_b: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        kind = "same" if tag == "equal" else "diff"
        if kind == "diff" and _mask_agrees(a[i1:i2], b[j1:j2]):
            kind = "masked"
        if i2 > i1:
            out_a.append(Segment(a[i1:i2], kind))
        if j2 > j1:
            out_b.append(Segment(b[j1:j2], kind))
    return out_a, out_b


def _mask_agrees(left: str, right: str) -> bool:
    """A masked run (`****`) hides digits: unknown, not different, when lengths agree."""
    if len(left) != len(right) or not left:
        return False
    return all(x == y or "*" in (x, y) for x, y in zip(left, right, strict=True))


def derived_id_fields(raw: str | None, as_of: date) -> dict[str, str]:
    """Birth date, gender and region read from a resident ID as judged on `as_of`, in Chinese."""
    parsed = parse_ric(raw, as_of)
    fields = {"证件状态": _KIND_ZH.get(parsed.kind, parsed.kind)}
    if parsed.birth_date is not None:
        fields["出生日期"] = parsed.birth_date.isoformat()
    if parsed.gender is not None:
        fields["性别"] = _GENDER_ZH[parsed.gender]
    if parsed.region is not None:
        known = "" if region_known(parsed.region) else "（代码未收录，可能已撤并）"
        fields["地区代码"] = parsed.region + known
    if parsed.legacy:
        fields["备注"] = "15位旧号码，已升级为18位"
    return fields


def evidence_rows(evidence_json: str | None) -> list[dict[str, Any]]:
    """Evidence items with a bar width proportional to the weight, strongest first."""
    try:
        items = json.loads(evidence_json or "[]")
    except json.JSONDecodeError:
        return []
    rows: list[dict[str, Any]] = [
        {
            "field": str(item.get("field", "")),
            "level": str(item.get("level", "")),
            "left": "" if item.get("left") is None else str(item.get("left")),
            "right": "" if item.get("right") is None else str(item.get("right")),
            "weight": float(item.get("weight") or 0.0),
        }
        for item in items
        if isinstance(item, dict)
    ]
    top = max((abs(r["weight"]) for r in rows), default=0.0) or 1.0
    for row in rows:
        row["bar"] = round(100 * abs(row["weight"]) / top)
    return sorted(rows, key=lambda r: -abs(r["weight"]))


def record_fields(payload_json: str | None) -> list[tuple[str, str]]:
    """A record's extra fields as label/value pairs, in the order the sweep sent them."""
    try:
        payload = json.loads(payload_json or "{}")
    except json.JSONDecodeError:
        return []
    if not isinstance(payload, dict):
        return []
    return [(str(k), "" if v is None else str(v)) for k, v in payload.items()]


def pair_context(item: dict[str, Any]) -> dict[str, Any]:
    """Everything the pair page derives from the stored hit."""
    name_left, name_right = diff_segments(item.get("query_name"), item.get("list_name"))
    id_left, id_right = diff_segments(item.get("query_id_number"), item.get("list_id_number"))
    night = item["last_run"]  # IDs are judged as on the night the hit was last found
    return {
        "name": (name_left, name_right),
        "id": (id_left, id_right),
        "derived": (
            derived_id_fields(item.get("query_id_number"), night),
            derived_id_fields(item.get("list_id_number"), night),
        ),
        "evidence": evidence_rows(item.get("evidence")),
        "record": record_fields(item.get("record_json")),
        "entry": record_fields(item.get("entry_json")),
    }

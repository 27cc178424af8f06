"""One vocabulary for every code a workbench page can show: roles, list types, evidence levels,
record and list fields, and their enumerated values, each as its Chinese label.

Nothing is translated twice: dataset fields and enumerations come from the data contracts'
Chinese headers, decisions, judgements and roles from the shared vocabulary (matching.vocab), list
types from the sanction rules, evidence phrases from the matcher's explanations.
Only what none of them names is written here.
"""

from __future__ import annotations

import re

from data_contracts.schemas import DATASETS
from matching.explain import PHRASES_ZH
from matching.vocab import ListRole, MatchDecision, ScoreBasis
from pipelines.review.models import DECISION_ZH, OUTCOME_ZH
from pipelines.sanctions.rules import LIST_TYPE_ZH, ROLE_ZH
from pipelines.storage.hit_schema import header as hit_header

_CJK = re.compile(r"[\u4e00-\u9fff]")

# codes no dataset, rule or explanation names
_OWN: dict[str, str] = {
    "_flags": "校验提示",
    "id": "证件号码",
    "birth": "出生日期",
    "person": "自然人",
    "org": "法人或其他组织",
}
# what the audit log records, as the supervisor reads it
AUDIT_ACTION_ZH = {
    "login": "登录",
    "logout": "退出",
    "login_failed": "登录失败",
    "login_throttled": "登录被限制",
    "password_changed": "修改密码",
    "view_page": "浏览页面",
    "view_pair": "查看配对",
    "decide": "复核决定",
    "download": "下载",
    "outcome": "机构反馈",
    "denied": "拒绝访问",
}
# The agency's hit download: hit columns headed as the hit schema heads them, then the review
# desk's own columns.
DOWNLOAD_HEADERS: dict[str, str] = {
    **{
        name: hit_header(name)
        for name in (
            "alert_id",
            "record_id",
            "role",
            "entry_id",
            "query_name",
            "query_id_number",
            "list_name",
            "list_id_number",
            "match_score",
            "intercept",
            "rule_id",
            "reason",
        )
    },
    "first_run": "首次发现",
    "last_run": "最近发现",
    "analyst_decision": "复核结论",
    "outcome": "机构反馈",
}
# evidence field codes: the matcher compares these four
EVIDENCE_FIELD_ZH = {"id": "证件号码", "name": "姓名/名称", "birth": "出生日期", "gender": "性别"}


def _chinese(spellings: tuple[str, ...]) -> str | None:
    """The first spelling that is Chinese (enumerations list codes and labels together)."""
    return next((s for s in spellings if _CJK.search(s)), None)


def _from_contracts() -> dict[str, str]:
    """Every dataset field and enumerated value, labelled by its contract's Chinese header."""
    out: dict[str, str] = {}
    for spec in DATASETS.values():
        for field in spec.fields:
            label = _chinese(field.aliases)
            if label:
                out.setdefault(field.name, label)
            for value, spellings in field.enum.items():
                chinese = _chinese(spellings)
                if chinese:
                    out.setdefault(value, chinese)
    return out


LABELS: dict[str, str] = {
    **_from_contracts(),
    **LIST_TYPE_ZH,
    **ROLE_ZH,
    **{d.value: label for d, label in DECISION_ZH.items()},
    **{o.value: label for o, label in OUTCOME_ZH.items()},
    **AUDIT_ACTION_ZH,
    **_OWN,
    **ListRole.labels(),
    **MatchDecision.labels(),
    **ScoreBasis.labels(),
}
"""Code -> Chinese label, for fields, roles, list types and enumerated values."""


def zh(code: object) -> str:
    """The Chinese label of a code; text that is no code (a name, a number) is shown as it is."""
    if code is None:
        return ""
    text = str(code)
    return LABELS.get(text, text)


def evidence_field_zh(field: str) -> str:
    """The compared field of an evidence item."""
    return EVIDENCE_FIELD_ZH.get(field, zh(field))


def evidence_level_zh(field: str, level: str) -> str:
    """The comparison result of an evidence item, in the matcher's own Chinese phrase."""
    return PHRASES_ZH.get((field, level), zh(level))

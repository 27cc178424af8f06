"""The data contract of each dataset as data: which derived column GE judges, how, and why.

Great Expectations has no native notion of "a resident ID whose check character is wrong" or
"a date written 2024年5月1日", so polars first derives plain check columns from the raw text
(`<field>__id_kind`, `<field>__parse`, `<field>__value`, `<field>__code`,
`<key>__occurrence`), and each `Check` below becomes one GE expectation over one of them. Every
check column starts with the documented field it judges, so the suite never refers to anything
undocumented (a test holds this). Severity `critical` quarantines the row; `warning` keeps it
and records a flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, timedelta
from typing import Any, Literal

from data_contracts.schemas import DatasetSpec

Side = Literal["agency", "list"]
Op = Literal["not_null", "in_set", "not_in_set", "between"]

# Dates may lie a little past the run date (clock skew, a run just after midnight); planned
# dates (a check-out, a September enrolment registered in spring, a welfare end date) further.
DEFAULT_FUTURE_DAYS = 2
FUTURE_DAYS: dict[str, int] = {
    "check_out": 366,
    "enrolled_on": 366,
    "until": 3660,
    "removed_on": 31,
}

# ID kinds a row may carry and stay in the clean frame, per side (docs in data_contracts/README.md).
ALLOWED_ID_KINDS: dict[Side, tuple[str, ...]] = {
    "agency": ("full", "bad_check", "uscc", "org_code", "org_bad_check", "other_doc"),
    "list": ("full", "bad_check", "masked", "uscc", "org_code", "org_bad_check"),
}
FLAGGED_ID_KINDS = ("bad_check", "org_bad_check")
# Reason for each rejected ID kind: short code + Chinese words for the operator.
ID_REASONS: dict[str, tuple[str, str]] = {
    "masked": ("masked_id", "证件号码被遮蔽"),
    "mangled": ("mangled_id", "证件号码被Excel科学计数法破坏"),
    "malformed": ("bad_id", "证件号码格式错误"),
}


@dataclass(frozen=True)
class Check:
    """One expectation: `op` over derived `column`, judging documented `field`."""

    field: str
    column: str
    op: Op
    reason: str
    reason_zh: str
    kwargs: dict[str, Any] = dc_field(default_factory=dict)
    severity: Literal["critical", "warning"] = "critical"

    @property
    def is_id_kind(self) -> bool:
        """Whether the reason depends on the offending ID kind (see `ID_REASONS`)."""
        return self.column.endswith("__id_kind") and self.op == "in_set"


def _date_bounds(name: str, min_date: date, run_date: date) -> dict[str, Any]:
    latest = run_date + timedelta(days=FUTURE_DAYS.get(name, DEFAULT_FUTURE_DAYS))
    return {"min_value": _ymd(min_date), "max_value": _ymd(latest)}


def _ymd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def build_checks(spec: DatasetSpec, side: Side, min_date: date, run_date: date) -> list[Check]:
    """Every check of `spec`'s contract, in the order reasons are reported."""
    out: list[Check] = []
    for f in spec.fields:
        n = f.name
        if f.required:
            out.append(Check(n, n, "not_null", "missing", "必填字段为空"))
        if f.kind == "enum":
            out.append(
                Check(
                    n,
                    f"{n}__code",
                    "in_set",
                    "bad_enum",
                    "取值不在允许范围",
                    {"value_set": sorted(f.enum)},
                )
            )
        elif f.kind in ("date", "datetime"):
            out.append(
                Check(n, f"{n}__parse", "in_set", "bad_date", "日期无效", {"value_set": ["ok"]})
            )
            out.append(
                Check(
                    n,
                    f"{n}__value",
                    "between",
                    "date_out_of_range",
                    "日期超出合理范围",
                    _date_bounds(n, min_date, run_date),
                )
            )
        elif f.kind in ("int", "float"):
            out.append(
                Check(n, f"{n}__parse", "in_set", "bad_number", "数值无效", {"value_set": ["ok"]})
            )
            out.append(
                Check(n, f"{n}__value", "between", "negative", "数值不能为负", {"min_value": 0})
            )
        elif f.kind == "id":
            out.append(
                # An unreadable number is lost evidence, not grounds to drop the row: the row is
                # kept (and still screened on its name, birth date and gender) with a flag saying
                # why its number could not be used. A court list entry is never dropped.
                Check(
                    n,
                    f"{n}__id_kind",
                    "in_set",
                    "bad_id",
                    "证件号码不可用（已保留，按其余信息比对）",
                    {"value_set": list(ALLOWED_ID_KINDS[side])},
                    severity="warning",
                )
            )
            out.append(
                Check(
                    n,
                    f"{n}__id_kind",
                    "not_in_set",
                    "bad_check",
                    "证件号码校验位错误",
                    {"value_set": list(FLAGGED_ID_KINDS)},
                    severity="warning",
                )
            )
    if spec.key is not None:
        out.append(
            Check(
                spec.key,
                f"{spec.key}__occurrence",
                "between",
                "duplicate",
                "编号重复",
                {"max_value": 1},
            )
        )
    return out


def reason_text(check: Check, value: object = None) -> str:
    """`code:field 中文` for one failed check; ID checks name the offending kind."""
    code, zh = check.reason, check.reason_zh
    if check.is_id_kind and isinstance(value, str) and value in ID_REASONS:
        code, zh = ID_REASONS[value]
    return f"{code}:{check.field} {zh}"

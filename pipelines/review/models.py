"""Vocabulary of the workbench: decisions, roles, outcomes and the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Decision(StrEnum):
    """An analyst's judgement on a pair (the engine only suggests)."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    UNSURE = "unsure"


class Role(StrEnum):
    """Who may do what: analysts decide, supervisors also overrule, agencies see their own hits,
    courts see their own debtors' leads and exit reviews (the court's name is in `agency`)."""

    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    AGENCY = "agency"
    COURT = "court"


class Outcome(StrEnum):
    """What an agency reports back about an alert."""

    INTERCEPTED = "intercepted"
    FALSE_MATCH = "false_match"
    RELEASED = "released"


DECISION_ZH = {
    Decision.POSITIVE: "确认同一人",
    Decision.NEGATIVE: "误匹配",
    Decision.UNSURE: "不确定",
}
OUTCOME_ZH = {
    Outcome.INTERCEPTED: "已拦截",
    Outcome.FALSE_MATCH: "误匹配",
    Outcome.RELEASED: "已放行",
}
ROLE_ZH = {
    Role.ANALYST: "分析员",
    Role.SUPERVISOR: "主管",
    Role.AGENCY: "机构用户",
    Role.COURT: "执行法院",
}
KIND_ZH = {"borderline": "待复核匹配", "disputed": "机构异议"}
STATUS_ZH = {"open": "待处理", "escalated": "待主管裁定", "closed": "已处理"}


@dataclass(frozen=True)
class User:
    """A signed-in user; agency users are bound to exactly one agency."""

    username: str
    role: Role
    agency: str | None = None

    def may_see_agency(self, agency: str) -> bool:
        """Agency users see only their own agency; courts none; staff see all."""
        if self.role == Role.COURT:
            return False
        return self.role != Role.AGENCY or self.agency == agency


@dataclass(frozen=True)
class QueueFilter:
    """Filters of the review queue."""

    agency: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    include_escalated: bool = False
    closed: bool = False


@dataclass(frozen=True)
class OutcomeSummary:
    """What `record_outcomes` did with one batch of agency feedback."""

    recorded: int
    disputed: int
    unknown_alerts: int


class DecisionRefused(Exception):
    """A decision the user may not make (already decided, or not theirs to overrule)."""

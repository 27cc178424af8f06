"""The review desks' words (decisions, roles, outcomes, queue kinds) and the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matching.vocab import AgencyOutcome, Judgement, UserRole

# The analyst's judgement, the user roles and the agencies' outcomes are the shared vocabulary's
# (matching.vocab); the names below are the ones the review store and the workbench use.
Decision = Judgement
Role = UserRole
Outcome = AgencyOutcome

DECISION_ZH = {d: d.zh for d in Decision}
OUTCOME_ZH = {o: o.zh for o in Outcome}
ROLE_ZH = {r: r.zh for r in Role}
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

"""The shared words of credsweep: what the engine decides, what analysts judge, who acts.

Every layer compares and writes these codes instead of string literals, and every page or report
shows them by the one Simplified-Chinese label kept here. The codes are `StrEnum`s, so they are
stored, compared and serialised as the plain strings the files and tables already hold; the
engine only suggests (`MatchDecision`), people judge (`Judgement`), after nomenklatura's
`judgement.py`.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    """A code with a Chinese label (`zh`); `labels()` maps every code string to its label."""

    @property
    def zh(self) -> str:
        """The Simplified-Chinese label shown to users."""
        return _LABELS[type(self)][self]

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Code string -> Chinese label, for tables keyed by the stored strings."""
        return {member.value: label for member, label in _LABELS[cls].items()}


class MatchDecision(_Labelled):
    """What the engine suggests for a scored pair; only `match` and `review` become hits."""

    MATCH = "match"
    REVIEW = "review"
    NON_MATCH = "non_match"


class Judgement(_Labelled):
    """An analyst's judgement of whether the two sides of a pair are the same party."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    UNSURE = "unsure"


class ScoreBasis(_Labelled):
    """Where a hit's `match_score` comes from: the model, or the name screen's review floor."""

    MODEL = "model"
    NAME_SCREEN = "name_screen"


class ListRole(_Labelled):
    """Which party of a list entry a hit matched: the debtor, or an organisation's legal rep."""

    DEBTOR = "debtor"
    LEGAL_REP = "legal_rep"


class QueryRole(_Labelled):
    """The role a person plays in an agency record (a hotel guest, a pupil's guardian, ...)."""

    GUEST = "guest"
    GUARDIAN = "guardian"
    GUARDIAN2 = "guardian2"
    APPLICANT = "applicant"
    LEGAL_REP = "legal_rep"
    CANDIDATE = "candidate"


class UserRole(_Labelled):
    """Who may do what: analysts decide, supervisors also overrule, agencies see their own hits,
    courts see their own debtors' leads and exit reviews (the court's name is in `agency`)."""

    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    AGENCY = "agency"
    COURT = "court"


class AgencyOutcome(_Labelled):
    """What an agency reports back about an alert."""

    INTERCEPTED = "intercepted"
    FALSE_MATCH = "false_match"
    RELEASED = "released"


_LABELS: dict[type[_Labelled], dict] = {
    MatchDecision: {
        MatchDecision.MATCH: "自动匹配",
        MatchDecision.REVIEW: "人工复核",
        MatchDecision.NON_MATCH: "不匹配",
    },
    Judgement: {
        Judgement.POSITIVE: "确认同一人",
        Judgement.NEGATIVE: "误匹配",
        Judgement.UNSURE: "不确定",
    },
    ScoreBasis: {
        ScoreBasis.MODEL: "模型概率",
        ScoreBasis.NAME_SCREEN: "姓名筛查下限",
    },
    ListRole: {
        ListRole.DEBTOR: "被执行人本人",
        ListRole.LEGAL_REP: "法定代表人",
    },
    QueryRole: {
        QueryRole.GUEST: "旅客",
        QueryRole.GUARDIAN: "监护人",
        QueryRole.GUARDIAN2: "监护人2",
        QueryRole.APPLICANT: "申请人",
        QueryRole.LEGAL_REP: "法定代表人",
        QueryRole.CANDIDATE: "考生",
    },
    UserRole: {
        UserRole.ANALYST: "分析员",
        UserRole.SUPERVISOR: "主管",
        UserRole.AGENCY: "机构用户",
        UserRole.COURT: "执行法院",
    },
    AgencyOutcome: {
        AgencyOutcome.INTERCEPTED: "已拦截",
        AgencyOutcome.FALSE_MATCH: "误匹配",
        AgencyOutcome.RELEASED: "已放行",
    },
}

HIT_DECISIONS: tuple[MatchDecision, ...] = (MatchDecision.MATCH, MatchDecision.REVIEW)
"""The decisions a hit can carry (pairs below the review threshold are not written)."""

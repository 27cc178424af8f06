"""The shared vocabulary: every code has one Chinese label, and the stored strings are stable."""

from __future__ import annotations

import re

import pytest

from matching import vocab
from pipelines.review.models import DECISION_ZH, Decision, Outcome, Role
from pipelines.sanctions.rules import DECISION_ZH as RULE_DECISION_ZH
from pipelines.workbench.vocab import zh

ENUMS = (
    vocab.MatchDecision,
    vocab.Judgement,
    vocab.ScoreBasis,
    vocab.ListRole,
    vocab.QueryRole,
    vocab.UserRole,
    vocab.AgencyOutcome,
)
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_code_has_a_chinese_label(enum: type[vocab._Labelled]) -> None:
    labels = enum.labels()
    assert set(labels) == {member.value for member in enum}
    assert all(CJK.search(label) for label in labels.values())


def test_codes_are_the_strings_files_and_tables_hold() -> None:
    assert [d.value for d in vocab.MatchDecision] == ["match", "review", "non_match"]
    assert [j.value for j in vocab.Judgement] == ["positive", "negative", "unsure"]
    assert [b.value for b in vocab.ScoreBasis] == ["model", "name_screen"]
    assert vocab.MatchDecision.MATCH == "match" and vocab.HIT_DECISIONS == ("match", "review")


def test_review_desk_and_rules_use_the_vocabulary() -> None:
    assert Decision is vocab.Judgement and Role is vocab.UserRole
    assert Outcome is vocab.AgencyOutcome
    assert DECISION_ZH[Decision.POSITIVE] == vocab.Judgement.POSITIVE.zh == "确认同一人"
    assert RULE_DECISION_ZH["match"] == vocab.MatchDecision.MATCH.zh


def test_one_label_per_decision_in_reports_and_pages() -> None:
    for decision in vocab.MatchDecision:
        assert zh(decision.value) == decision.zh == RULE_DECISION_ZH[decision.value]
    assert zh("debtor") == vocab.ListRole.DEBTOR.zh

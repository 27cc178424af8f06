"""Typed settings of the matcher: roles screened, match thresholds and their calibration.

They live with the matcher so it needs nothing above it; the run settings compose them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["guest", "guardian", "guardian2", "applicant", "legal_rep", "candidate"]


class ConfigModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleSpec(ConfigModel):
    """How one role of an agency record maps onto a party to screen."""

    role: Role = Field(description="Role reported in hits.csv (guest, guardian, ...).")
    name: str = Field(description="Column with the party's name.")
    id_number: str | None = Field(
        default=None, description="Column with the party's document number."
    )
    id_type: str | None = Field(
        default=None, description="Column with the document type (hotel guests)."
    )
    party_type: str = Field(
        default="person", description="`person`, `org`, or the name of a column holding it."
    )
    gender: str | None = Field(default=None, description="Column with the declared gender, if any.")
    birth_date: str | None = Field(
        default=None, description="Column with the declared birth date, if any."
    )
    when: str | None = Field(
        default=None, description="Only screen this role when this column equals `when_value`."
    )
    when_value: str | None = Field(
        default=None, description="Value of `when` that enables this role."
    )


class MatchThresholds(ConfigModel):
    """Probability cut-offs: as written (`fixed`) or chosen per sweep from targets (`target`)."""

    source: Literal["fixed", "target"] = Field(
        default="fixed",
        description=(
            "`fixed`: `match`/`review` as written. `target`: each sweep picks `match` from "
            "`calibration.target_precision` and `review` from `calibration.target_recall` over "
            "the calibrated scores of its own candidate pairs, within the bounds below "
            "(docs/matching.md, Thresholds)."
        ),
    )
    match: float = Field(
        default=0.97,
        ge=0,
        le=1,
        description=(
            "At or above: acted on automatically. In `target` mode the fallback when a sweep "
            "scores no pair."
        ),
    )
    review: float = Field(
        default=0.60,
        ge=0,
        le=1,
        description=(
            "At or above (below match): sent to analysts. In `target` mode the fallback and the "
            "highest review cut-off the recall target may choose (never fewer reviews than fixed)."
        ),
    )
    match_floor: float = Field(
        default=0.80,
        ge=0,
        le=1,
        description="`target` mode: the match cut-off never goes below this, whatever the scores.",
    )
    review_floor: float = Field(
        default=0.30,
        ge=0,
        le=1,
        description=(
            "`target` mode: the review cut-off never goes below this (bounds the analysts' queue)."
        ),
    )

    @model_validator(mode="after")
    def _ordered(self) -> MatchThresholds:
        if self.review > self.match:
            raise ValueError("review threshold must not exceed match threshold")
        # the floor only bounds target mode; a fixed low review stays legal
        if self.source == "target" and self.review_floor > self.review:
            raise ValueError("review_floor must not exceed the review threshold in target mode")
        return self


class MatchCalibration(ConfigModel):
    """How `match`/`review` follow target precision and recall, and how analyst labels move them."""

    target_precision: float = Field(
        default=0.998, gt=0, le=1, description="Precision required of automatic `match` decisions."
    )
    target_recall: float = Field(
        default=0.995,
        gt=0,
        le=1,
        description="Share of true pairs that must reach `match` or `review`.",
    )
    min_labels: int = Field(
        default=200,
        ge=1,
        description="Decided labels (confirmed or false match) before labels move thresholds.",
    )
    labels_move_thresholds: bool = Field(
        default=True,
        description="Let analyst labels raise or lower the match threshold (else fixed).",
    )
    prior_strength: float = Field(
        default=20.0,
        gt=0,
        description="Pseudo-labels the model's scores count as when labels judge precision.",
    )
    refine_min_labels: int = Field(
        default=50,
        ge=1,
        description=(
            "Decided labels of one agency before they refine that agency's model: a handful of "
            "review-band labels says little about m/u for the whole population of pairs."
        ),
    )
    refine_strength: float = Field(
        default=50.0,
        gt=0,
        description="Pseudo-labels the packaged m/u parameters count as when labels refine them.",
    )

FEW_ROWS = 8
"""Frames of at most this many rows (the screening desk's single records) take the row-at-a-time
path of a step, where one exists: polars pays a fixed cost per expression (regex compilation,
literal lists, plan building) that outweighs the work on a handful of rows. Each such path is
held equal to the columnar one by property tests."""

FEW_PAIRS = 64
"""Candidate-pair frames of at most this many rows take the row-at-a-time path of a pair-level
step (comparisons, derived pair columns, scores), where one exists. A desk record meets a few
dozen candidates against a million-entry list (common names), more than `FEW_ROWS`, and below
this many pairs evaluating the declarations row by row in Python still beats polars' fixed cost
per expression. Each such path is held equal to the columnar one by property tests."""

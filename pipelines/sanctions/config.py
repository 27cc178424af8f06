"""Typed per-agency settings: the columns screened and the agency's sanction rule."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from matching.config import ConfigModel, Role, RoleSpec

Agency = Literal[
    "hotel_booking", "school_enrollment", "subsidy_application", "civil_service_candidate"
]


class Condition(ConfigModel):
    """One clause of a sanction rule on an agency record's column."""

    column: str = Field(description="Column of the agency record the clause tests.")
    op: Literal["between", "in", "ge", "eq"] = Field(
        description="between [lo, hi], in a set, >=, or ==."
    )
    value: float | str | list[float] | list[str] = Field(description="Operand of `op`.")
    reason_zh: str = Field(description="Reason text when the clause is satisfied.")


class SanctionRule(ConfigModel):
    """What an agency must do with a hit, and why (docs/domain.md section 4)."""

    rule_id: str = Field(description="Stable identifier reported with every hit.")
    roles: tuple[Role, ...] = Field(description="Roles the rule applies to.")
    list_types: tuple[Literal["dishonest", "consumption_restriction"], ...] = Field(
        description="Which lists trigger the sanction."
    )
    legal_rep_counts: bool = Field(description="A legal rep of a listed org is barred as well.")
    conditions: tuple[Condition, ...] = Field(
        default=(), description="All must hold on the record to intercept."
    )
    legal_basis_zh: str = Field(description="Legal basis, quoted in every report row.")
    action_zh: str = Field(description="Required action, shown to the agency.")
    deadline_working_days: int = Field(
        default=1, ge=1, le=30, description="Working days the agency has to act (1, 5 or 10)."
    )


class AgencySettings(ConfigModel):
    """One agency: its dataset, the roles screened, and its sanction rule."""

    title_zh: str = Field(description="Agency name shown in reports.")
    date_column: str = Field(
        description="Column that dates a record (used for run-date partitioning)."
    )
    roles: tuple[RoleSpec, ...] = Field(description="Parties screened in each record.")
    rule: SanctionRule = Field(description="The agency's sanction rule.")
    needs_full_id: bool = Field(
        default=False, description="Whether the agency's report shows full ID numbers."
    )
    review_budget_share: float = Field(
        default=0.005,
        ge=0,
        le=1,
        description=(
            "Most review items a night may send analysts, as a share of the night's records: "
            "the pairs of highest probability below `match` fill it, the rest are counted in "
            "summary.json (`review_budget`) and dropped."
        ),
    )

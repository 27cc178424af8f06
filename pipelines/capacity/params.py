"""Feature parameters: the few numbers and word lists the features depend on, declared as data."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Grounds for listing (SPC Provisions on publishing the list, Art. 1) that show ability or
# evasion, with the words courts use for them in the `behavior` text. Order = priority when a
# text names several grounds.
DEFAULT_BEHAVIOURS: dict[str, tuple[str, ...]] = {
    "evasion": ("隐匿", "转移财产", "转移", "规避执行", "虚假诉讼", "虚假仲裁"),
    "report_violation": ("违反财产报告", "拒不报告财产", "虚假报告财产", "财产报告"),
    "consumption_violation": ("违反限制消费令", "违反限制高消费", "违反限高", "限制消费令"),
    "obstruction": ("妨碍", "抗拒执行", "暴力", "威胁", "伪造证据"),
    "settlement_breach": ("执行和解",),
    "able_refusal": ("有履行能力而拒不履行",),
}


class FeatureParams(BaseModel):
    """Parameters of the capacity features (documented defaults; see docs/capacity.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_si_base: float = Field(
        default=4500.0,
        gt=0,
        description="Minimum monthly social-insurance base, CNY; the base is read relative to it.",
    )
    recent_days: int = Field(
        default=90, gt=0, description="Window of 'recent' consumption for the evidence text."
    )
    consumption_window_days: int = Field(
        default=365,
        gt=0,
        description="Only consumption hits within this many days before as_of count.",
    )
    old_age: int = Field(
        default=65, gt=0, description="Age from which old age counts as a sign of inability."
    )
    behaviours: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_BEHAVIOURS),
        description="Behaviour category -> keywords found in the list's `behavior` text.",
    )

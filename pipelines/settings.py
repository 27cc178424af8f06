"""Typed run settings, loaded and validated once per run from one YAML file.

The packaged default (`pipelines/credsweep.yaml`) runs everything on the embedded store: DuckDB
files and local folders. A deployment points `CREDSWEEP_SETTINGS` at its own file; nothing in
code changes.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipelines.errors import ConfigError, CredsweepError

DEFAULT_SETTINGS = Path(__file__).with_name("credsweep.yaml")
Role = Literal["guest", "guardian", "guardian2", "applicant", "legal_rep", "candidate"]
Agency = Literal[
    "hotel_booking", "school_enrollment", "subsidy_application", "civil_service_candidate"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageSettings(_Model):
    """Where state and files live. Relative paths are taken under `home`."""

    home: str = Field(
        default="var", description="Root of the embedded store; `$CREDSWEEP_HOME` overrides it."
    )
    warehouse: str = Field(
        default="warehouse.duckdb", description="DuckDB file (or `:memory:`) holding all state."
    )
    review_db: str = Field(
        default="review.duckdb",
        description="DuckDB file of the analyst workbench (its own writer).",
    )
    outbox: str = Field(
        default="outbox", description="Folder with one sub-folder of hit reports per agency."
    )
    data_docs: str = Field(
        default="data_docs", description="Folder where Great Expectations writes Data Docs per run."
    )
    landing: str = Field(
        default="landing",
        description=(
            "Folder the nightly DAGs read source files from: <date>/lists, <date>/agencies."
        ),
    )
    runs: str = Field(
        default="runs",
        description="Per-night outputs: hits.csv, quarantine.csv, summary.json per agency.",
    )

    def root(self) -> Path:
        """The home folder, honouring `$CREDSWEEP_HOME`; relative homes are taken from the cwd."""
        return Path(os.environ.get("CREDSWEEP_HOME") or self.home).absolute()

    def path(self, name: str) -> Path:
        """Resolve one of the storage fields (e.g. `"outbox"`) to a path."""
        value = getattr(self, name)
        if value == ":memory:":
            return Path(value)
        p = Path(value)
        return p if p.is_absolute() else self.root() / p


class RoleSpec(_Model):
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


class Condition(_Model):
    """One clause of a sanction rule on an agency record's column."""

    column: str = Field(description="Column of the agency record the clause tests.")
    op: Literal["between", "in", "ge", "eq"] = Field(
        description="between [lo, hi], in a set, >=, or ==."
    )
    value: float | str | list[float] | list[str] = Field(description="Operand of `op`.")
    reason_zh: str = Field(description="Reason text when the clause is satisfied.")


class SanctionRule(_Model):
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


class AgencySettings(_Model):
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


class MatchThresholds(_Model):
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


class MatchCalibration(_Model):
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


class ContractSettings(_Model):
    """Dataset-level limits of the data contracts."""

    max_invalid_id_fraction: float = Field(
        default=0.5, description="Above this share of unusable IDs the dataset is refused."
    )
    min_date: str = Field(
        default="1900-01-01", description="Earliest plausible date in any date column."
    )
    write_data_docs: bool = Field(
        default=False,
        description=(
            "Write Great Expectations Data Docs (HTML) per night under storage.data_docs. Off by"
            " default: the pages load their styles and scripts from public CDNs and render blank"
            " offline, and take about 20 MB a night; the quarantine files and run summaries"
            " carry the same verdicts."
        ),
    )


class ScreenSettings(_Model):
    """The real-time screening desk (`credsweep screen serve`): limits and refresh periods."""

    rate_per_s: float = Field(
        default=50.0, gt=0, description="Requests per second one API key may send on average."
    )
    burst: int = Field(
        default=100, ge=1, description="Requests one API key may send at once above its rate."
    )
    daily_quota: int = Field(
        default=200_000,
        ge=1,
        description="Records one API key may screen per calendar day (a batch counts each).",
    )
    max_batch: int = Field(
        default=1000, ge=1, le=1000, description="Most records in one batch request."
    )
    poll_s: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds between checks of the warehouse's list version (a new version is indexed "
            "and swapped in) and re-reads of analyst decisions and recorded thresholds."
        ),
    )
    store: str = Field(
        default="screen.sqlite",
        description="SQLite file under the home folder holding API key hashes and the query audit.",
    )


class EngineSettings(_Model):
    """Where the candidate-pair scoring runs (the same hits either way)."""

    engine: Literal["local", "spark"] = Field(
        default="local", description="local: this process; spark: Apache Spark via PySpark."
    )
    spark_master: str = Field(
        default="local[2]", description="Spark master URL for engine spark (local[N] on one host)."
    )


class Settings(_Model):
    """Everything one run needs."""

    storage: StorageSettings = Field(default=StorageSettings(), description="Files and stores.")
    thresholds: MatchThresholds = Field(
        default=MatchThresholds(), description="Match/review cut-offs."
    )
    calibration: MatchCalibration = Field(
        default=MatchCalibration(),
        description="Target precision/recall and how labels refine matching.",
    )
    contracts: ContractSettings = Field(
        default=ContractSettings(), description="Dataset-level contract limits."
    )
    agencies: dict[Agency, AgencySettings] = Field(
        description="The agencies swept, keyed by dataset name."
    )
    screen: ScreenSettings = Field(
        default=ScreenSettings(), description="The real-time screening desk."
    )
    engine: EngineSettings = Field(
        default=EngineSettings(), description="Engine of the pair scoring stage."
    )


def with_engine(settings: Settings, engine: str | None, spark_master: str | None) -> Settings:
    """The settings with the command line's engine choice, checked like the settings file."""
    chosen = settings.engine.model_dump()
    if engine is not None:
        chosen["engine"] = engine
    if spark_master is not None:
        chosen["spark_master"] = spark_master
    if chosen["engine"] not in ("local", "spark"):
        raise CredsweepError(f"--engine must be local or spark, not {chosen['engine']!r}")
    return settings.model_copy(update={"engine": EngineSettings(**chosen)})


def agency_settings(settings: Settings, agency: str) -> AgencySettings:
    """The settings of `agency`, with a one-line error for an unknown name."""
    try:
        return settings.agencies[agency]  # type: ignore[index]
    except KeyError:
        known = ", ".join(settings.agencies)
        raise CredsweepError(f"unknown agency {agency!r}; expected one of {known}") from None


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Load settings from `path`, `$CREDSWEEP_SETTINGS`, or the packaged default."""
    chosen = Path(path or os.environ.get("CREDSWEEP_SETTINGS") or DEFAULT_SETTINGS)
    try:
        raw = yaml.safe_load(chosen.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read settings file {chosen}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ConfigError(f"settings file {chosen} is not valid YAML{line}") from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"settings file {chosen}: {field}: {first['msg']} ({exc.error_count()} problem(s))"
        ) from None


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    """The packaged default settings, parsed once per process."""
    return load_settings(DEFAULT_SETTINGS)

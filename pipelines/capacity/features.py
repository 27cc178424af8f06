"""Per-debtor capacity features: pure functions, typed frames in, one row per entry out.

Missing data stays explicit. `asset_inquiry_status` separates "never queried" from "queried and
found nothing"; ratios with nothing to divide stay null rather than zero. Gender and the name
are never read here (the name only served to link records, in `link`).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from .params import FeatureParams

ASSET_TYPES = ("deposit", "real_estate", "vehicle", "equity", "securities")
WELFARE_TYPES = ("minimum_living", "extreme_poverty", "disability", "serious_illness", "unemployed")
CONSUMPTION_SCHEMA = {
    "entry_id": pl.String,
    "agency": pl.String,
    "event_date": pl.Date,
    "hotel_star": pl.Int64,
    "room_rate": pl.Float64,
    "school_type": pl.String,
    "annual_fee": pl.Float64,
    "amount": pl.Float64,
}


def _empty_consumption() -> pl.DataFrame:
    return pl.DataFrame(schema=CONSUMPTION_SCHEMA)


def asset_features(assets: pl.DataFrame, as_of: date, params: FeatureParams) -> pl.DataFrame:
    """Assets of each entry's latest inquiry up to as_of: count and value per type, SI base, status.

    A newer inquiry supersedes older ones: a deposit found two years ago may be long gone.
    """
    rows = assets.filter(pl.col("queried_on") <= as_of)
    latest = rows.group_by("entry_id").agg(pl.col("queried_on").max().alias("asset_queried_on"))
    rows = rows.join(latest, on="entry_id").filter(
        pl.col("queried_on") == pl.col("asset_queried_on")
    )
    value = pl.col("value").fill_null(0.0)
    aggs: list[pl.Expr] = [pl.col("asset_queried_on").first()]
    for t in ASSET_TYPES:
        is_t = (pl.col("asset_type") == t) & (value > 0)
        aggs.append(is_t.sum().cast(pl.Int64).alias(f"{t}_count"))
        aggs.append(value.filter(is_t).sum().alias(f"{t}_value"))
    si = value.filter(pl.col("asset_type") == "social_insurance_base")
    aggs.append(si.max().alias("si_base"))
    out = rows.group_by("entry_id").agg(aggs)
    found = pl.sum_horizontal([pl.col(f"{t}_count") for t in ASSET_TYPES]) > 0
    return out.with_columns(
        pl.sum_horizontal([pl.col(f"{t}_value") for t in ASSET_TYPES]).alias("asset_total_value"),
        pl.when(found)
        .then(pl.lit("found"))
        .otherwise(pl.lit("queried_found_nothing"))
        .alias("asset_inquiry_status"),
        (pl.col("si_base") / params.min_si_base).alias("si_base_ratio"),
    )


def welfare_features(welfare: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """One flag per welfare status active at as_of (since <= as_of and no end or end >= as_of)."""
    active = (pl.col("since") <= as_of) & (pl.col("until").is_null() | (pl.col("until") >= as_of))
    aggs = [
        (active & (pl.col("status_type") == t)).any().alias(f"welfare_{t}") for t in WELFARE_TYPES
    ]
    return welfare.group_by("entry_id").agg(
        [*aggs, pl.len().cast(pl.Int64).alias("welfare_records")]
    )


def consumption_features(
    consumption: pl.DataFrame, as_of: date, params: FeatureParams
) -> pl.DataFrame:
    """Star-hotel stays, private-school fees and subsidy applications seen in confirmed hits."""
    start = as_of - timedelta(days=params.consumption_window_days)
    recent = as_of - timedelta(days=params.recent_days)
    rows = consumption.filter(pl.col("event_date").is_between(start, as_of))
    hotel = (pl.col("agency") == "hotel_booking") & (pl.col("hotel_star").fill_null(0) >= 1)
    school = (pl.col("agency") == "school_enrollment") & (pl.col("school_type") == "private")
    subsidy = pl.col("agency") == "subsidy_application"
    is_recent = pl.col("event_date") >= recent
    return rows.group_by("entry_id").agg(
        hotel.sum().cast(pl.Int64).alias("hotel_stays"),
        pl.col("hotel_star").filter(hotel).max().alias("max_hotel_star"),
        pl.col("room_rate").filter(hotel).max().alias("max_room_rate"),
        (hotel & is_recent).sum().cast(pl.Int64).alias("recent_hotel_stays"),
        pl.col("hotel_star").filter(hotel & is_recent).max().alias("recent_max_star"),
        school.sum().cast(pl.Int64).alias("private_school_enrolments"),
        pl.col("annual_fee").filter(school).max().alias("max_school_fee"),
        subsidy.sum().cast(pl.Int64).alias("subsidy_applications"),
        (pl.lit(as_of) - pl.col("event_date").max())
        .dt.total_days()
        .alias("days_since_consumption"),
    )


def behaviour_type(params: FeatureParams) -> pl.Expr:
    """The first behaviour category (in priority order) whose keywords appear in `behavior`."""
    text = pl.col("behavior").fill_null("")
    expr: pl.Expr = pl.lit("unspecified")
    for category, words in reversed(list(params.behaviours.items())):
        expr = pl.when(text.str.contains_any(list(words))).then(pl.lit(category)).otherwise(expr)
    return expr.alias("behavior_type")


def behaviour_flags(params: FeatureParams) -> list[pl.Expr]:
    """One flag per behaviour category: a text may name several grounds."""
    text = pl.col("behavior").fill_null("")
    return [text.str.contains_any(list(w)).alias(f"beh_{c}") for c, w in params.behaviours.items()]


def _age(as_of: date) -> pl.Expr:
    """Age at as_of from the ID's visible birth date, else the published age plus years since."""
    birth = pl.col("id_number").cast(pl.String).str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    from_id = ((pl.lit(as_of) - birth).dt.total_days() / 365.25).floor().cast(pl.Int64)
    published = pl.col("published_on").fill_null(pl.col("filed_on"))
    years = (
        ((pl.lit(as_of) - published).dt.total_days() / 365.25).fill_null(0).floor().cast(pl.Int64)
    )
    from_list = pl.col("age").cast(pl.Int64, strict=False) + years
    person = pl.col("party_type") == "person"
    return pl.when(person).then(from_id.fill_null(from_list)).otherwise(None).alias("age_at_as_of")


def _ensure(
    entries: pl.DataFrame, cols: dict[str, type[pl.DataType] | pl.DataType]
) -> pl.DataFrame:
    missing = [
        pl.lit(None, dtype).alias(c) for c, dtype in cols.items() if c not in entries.columns
    ]
    return entries.with_columns(missing) if missing else entries


def entry_features(entries: pl.DataFrame, as_of: date, params: FeatureParams) -> pl.DataFrame:
    """Features read off the list entry itself: behaviour, performance, amount, time listed, age."""
    entries = _ensure(
        entries,
        {
            "behavior": pl.String,
            "amount_due": pl.Float64,
            "amount_performed": pl.Float64,
            "published_on": pl.Date,
            "filed_on": pl.Date,
            "age": pl.Int64,
            "id_number": pl.String,
            "court": pl.String,
            "cases": pl.Int64,
            "dishonest_cases": pl.Int64,
        },
    )
    due = pl.col("amount_due").cast(pl.Float64)
    performed = pl.col("amount_performed").cast(pl.Float64).fill_null(0.0)
    listed_on = pl.col("published_on").fill_null(pl.col("filed_on"))
    return entries.select(
        "entry_id",
        "party_type",
        "court",
        due.alias("amount_due"),
        performed.alias("amount_performed"),
        (performed > 0).alias("partial_performance"),
        pl.when(performed + due.fill_null(0) > 0)
        .then(performed / (performed + due.fill_null(0)))
        .otherwise(None)
        .alias("performed_share"),
        (pl.lit(as_of) - listed_on).dt.total_days().alias("days_on_list"),
        pl.col("cases").fill_null(1).alias("cases"),
        pl.col("dishonest_cases").fill_null(pl.col("cases").fill_null(1)).alias("dishonest_cases"),
        behaviour_type(params),
        *behaviour_flags(params),
        _age(as_of),
    ).with_columns((pl.col("age_at_as_of") >= params.old_age).fill_null(False).alias("old_age"))


def build_features(
    entries: pl.DataFrame,
    *,
    welfare: pl.DataFrame,
    assets: pl.DataFrame,
    consumption: pl.DataFrame | None,
    legal_reps: pl.DataFrame,
    as_of: date,
    params: FeatureParams,
    unconfirmed: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """All features, one row per active entry. Inputs other than `entries` are already linked
    (carry `entry_id`); `legal_reps` and `unconfirmed` come from `identity.link_all`.

    `unconfirmed_records` (source rows whose identity is only a `review` pair) is not a model
    term: it is shown in the evidence so the court knows what was left out.
    """
    cons = consumption if consumption is not None else _empty_consumption()
    maybe = (
        unconfirmed
        if unconfirmed is not None
        else pl.DataFrame(schema={"entry_id": pl.String, "unconfirmed_records": pl.Int64})
    )
    out = (
        entry_features(entries, as_of, params)
        .join(asset_features(assets, as_of, params), on="entry_id", how="left")
        .join(welfare_features(welfare, as_of), on="entry_id", how="left")
        .join(consumption_features(cons, as_of, params), on="entry_id", how="left")
        .join(legal_reps, on="entry_id", how="left")
        .join(maybe, on="entry_id", how="left")
    )
    zero_counts = [
        c for c in out.columns if c.endswith(("_count", "_stays", "_enrolments", "_applications"))
    ]
    zero_values = [f"{t}_value" for t in ASSET_TYPES] + ["asset_total_value"]
    flags = [f"welfare_{t}" for t in WELFARE_TYPES]
    return out.with_columns(
        pl.col(zero_counts).fill_null(0),
        pl.col(zero_values).fill_null(0.0),
        pl.col(flags).fill_null(False),
        pl.col("welfare_records").fill_null(0),
        pl.col("legal_rep_roles").fill_null(0),
        pl.col("unconfirmed_records").fill_null(0),
        pl.col("asset_inquiry_status").fill_null("none_queried"),
        # Means relative to the debt only when an inquiry happened and a debt is stated.
        pl.when(pl.col("asset_queried_on").is_not_null() & (pl.col("amount_due") > 0))
        .then(pl.col("asset_total_value").fill_null(0.0) / pl.col("amount_due"))
        .otherwise(None)
        .alias("means_ratio"),
        # Cash enforceability: what the court can freeze and pay out at once (deposits and
        # securities) against the amount due.
        pl.when(pl.col("asset_queried_on").is_not_null() & (pl.col("amount_due") > 0))
        .then(
            (pl.col("deposit_value").fill_null(0.0) + pl.col("securities_value").fill_null(0.0))
            / pl.col("amount_due")
        )
        .otherwise(None)
        .alias("cash_ratio"),
        (pl.col("days_since_consumption") <= params.recent_days)
        .fill_null(False)
        .alias("recent_consumption"),
    ).with_columns(evidence_sources(params).alias("evidence_sources"))


def evidence_sources(params: FeatureParams) -> pl.Expr:
    """How many independent sources say anything about this debtor (0 = no data at all)."""
    specific = [f"beh_{c}" for c in params.behaviours if c not in ("able_refusal",)]
    return pl.sum_horizontal(
        (pl.col("asset_inquiry_status") != "none_queried").cast(pl.Int32),
        (pl.col("welfare_records") > 0).cast(pl.Int32),
        (
            pl.col("hotel_stays")
            + pl.col("private_school_enrolments")
            + pl.col("subsidy_applications")
            > 0
        ).cast(pl.Int32),
        (pl.col("legal_rep_roles") > 0).cast(pl.Int32),
        pl.any_horizontal([pl.col(c) for c in specific]).cast(pl.Int32),
        pl.col("partial_performance").cast(pl.Int32),
    )

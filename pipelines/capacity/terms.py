"""Model terms: each is one number per debtor computed from the features, on a documented scale.

Unknown stays neutral (0): a debtor never queried gets no asset credit and no asset penalty, so
the score then rests on what is known and `evidence_sources` decides whether to trust it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Term:
    """A named model input: its expression and what one unit means."""

    name: str
    expr: Callable[[], pl.Expr]
    unit: str


def _log_wan(col: str) -> pl.Expr:
    """log(1 + value in units of 10,000 CNY), 0 when unknown."""
    return (pl.col(col).fill_null(0.0).clip(lower_bound=0) / 10_000).log1p()


def _flag(col: str) -> Callable[[], pl.Expr]:
    return lambda: pl.col(col).fill_null(False).cast(pl.Float64)


def _capped(col: str, cap: float) -> Callable[[], pl.Expr]:
    return lambda: pl.col(col).fill_null(0).cast(pl.Float64).clip(0, cap)


TERMS: tuple[Term, ...] = (
    Term(
        "hotel_stays",
        lambda: pl.col("hotel_stays").cast(pl.Float64).log1p(),
        "log(1 + star-hotel stays in window)",
    ),
    Term(
        "hotel_luxury",
        lambda: (pl.col("max_hotel_star").fill_null(0) >= 4).cast(pl.Float64),
        "stayed at a 4-5 star hotel",
    ),
    Term(
        "room_rate",
        lambda: (pl.col("max_room_rate").fill_null(0.0) / 1000).log1p(),
        "log(1 + top room rate / 1000 CNY)",
    ),
    Term(
        "private_school",
        lambda: _log_wan("max_school_fee"),
        "log(1 + top private-school fee / 10k CNY)",
    ),
    Term(
        "subsidy_applied",
        lambda: (pl.col("subsidy_applications") > 0).cast(pl.Float64),
        "applied for a subsidy",
    ),
    Term(
        "recent_consumption",
        _flag("recent_consumption"),
        "a consumption hit in the recent window (90 days)",
    ),
    Term("deposit", lambda: _log_wan("deposit_value"), "log(1 + deposits / 10k CNY)"),
    Term("real_estate", _capped("real_estate_count", 3), "properties found (capped at 3)"),
    Term("vehicle", _capped("vehicle_count", 3), "vehicles found (capped at 3)"),
    Term("equity", lambda: _log_wan("equity_value"), "log(1 + equity / 10k CNY)"),
    Term("securities", lambda: _log_wan("securities_value"), "log(1 + securities / 10k CNY)"),
    Term(
        "assets_none_found",
        lambda: (pl.col("asset_inquiry_status") == "queried_found_nothing").cast(pl.Float64),
        "an inquiry was made and found no asset",
    ),
    Term(
        "si_base",
        lambda: pl.col("si_base_ratio").log(2).clip(-1, 3).fill_null(0.0).fill_nan(0.0),
        "log2(SI base / minimum base), clipped to [-1, 3]",
    ),
    Term(
        "legal_rep_roles", _capped("legal_rep_roles", 3), "listed orgs they represent (capped at 3)"
    ),
    Term("minimum_living", _flag("welfare_minimum_living"), "on minimum-living allowance at as_of"),
    Term(
        "extreme_poverty", _flag("welfare_extreme_poverty"), "on extreme-poverty support at as_of"
    ),
    Term("disability", _flag("welfare_disability"), "registered disability at as_of"),
    Term("serious_illness", _flag("welfare_serious_illness"), "serious illness at as_of"),
    Term("unemployed", _flag("welfare_unemployed"), "registered unemployed at as_of"),
    Term("beh_evasion", _flag("beh_evasion"), "hid or transferred assets / false litigation"),
    Term(
        "beh_report_violation", _flag("beh_report_violation"), "violated the asset-reporting order"
    ),
    Term(
        "beh_consumption_violation",
        _flag("beh_consumption_violation"),
        "violated the consumption order",
    ),
    Term("beh_obstruction", _flag("beh_obstruction"), "obstructed enforcement"),
    Term(
        "beh_able_refusal",
        _flag("beh_able_refusal"),
        "listed for refusing although able to perform (the court's own finding)",
    ),
    Term("partial_performance", _flag("partial_performance"), "has paid part of the debt"),
    Term(
        "means_cover",
        lambda: pl.col("means_ratio").fill_null(0.0).clip(0, 20).log1p(),
        "log(1 + assets found / amount due), capped",
    ),
    Term(
        "cash_cover",
        lambda: pl.col("cash_ratio").fill_null(0.0).clip(0, 20).log1p(),
        "log(1 + (deposits + securities) / amount due), capped",
    ),
    Term(
        "performed_share",
        lambda: pl.col("performed_share").fill_null(0.0).clip(0, 1),
        "share of the debt already paid (0-1)",
    ),
    Term(
        "debt_size",
        lambda: (pl.col("amount_due").fill_null(0.0).clip(lower_bound=0) / 10_000).log1p(),
        "log(1 + total amount due over all cases / 10k CNY)",
    ),
    Term(
        "several_cases",
        lambda: (pl.col("cases").fill_null(1).cast(pl.Float64)).log(),
        "log(number of the debtor's active cases)",
    ),
    Term(
        "years_on_list",
        lambda: (pl.col("days_on_list").fill_null(0) / 365.25).clip(0, 10),
        "years on the list (capped 10)",
    ),
    Term("old_age", _flag("old_age"), "aged `old_age` (65) or over at as_of"),
)
TERM_NAMES = tuple(t.name for t in TERMS)


def design_matrix(features: pl.DataFrame, names: tuple[str, ...] = TERM_NAMES) -> np.ndarray:
    """The terms as a float matrix (rows = debtors, columns = `names`)."""
    by_name = {t.name: t for t in TERMS}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(f"unknown model terms: {', '.join(unknown)}")
    frame = features.select([by_name[n].expr().cast(pl.Float64).alias(n) for n in names])
    return frame.fill_null(0.0).to_numpy().astype(np.float64).reshape(len(features), len(names))


# Which way each term may push (+1 toward 失信 / able, -1 toward 失能 / unable, 0 either way).
# `fit` never gives a term a weight against its direction: a fitted sign that contradicts what
# the signal means (a house making a debtor look poorer) is an artefact of correlated terms in
# one data source and does not carry over to another. Reasons in docs/capacity.md.
DIRECTION: dict[str, int] = {
    "hotel_stays": 1,
    "hotel_luxury": 1,
    "room_rate": 1,
    "private_school": 1,
    "subsidy_applied": 0,
    "recent_consumption": 1,
    "deposit": 1,
    "real_estate": 1,
    "vehicle": 1,
    "equity": 1,
    "securities": 1,
    "assets_none_found": -1,
    "si_base": 1,
    "legal_rep_roles": 1,
    "minimum_living": -1,
    "extreme_poverty": -1,
    "disability": -1,
    "serious_illness": -1,
    "unemployed": -1,
    "beh_evasion": 1,
    "beh_report_violation": 0,
    "beh_consumption_violation": 1,
    "beh_obstruction": 1,
    "beh_able_refusal": 1,
    "partial_performance": -1,
    "means_cover": 1,
    "cash_cover": 1,
    "performed_share": -1,
    "debt_size": 0,
    "several_cases": 0,
    "years_on_list": 0,
    "old_age": -1,
}

"""What kind of identifier each ID cell holds, as a text column Great Expectations can judge.

Kinds: person numbers use `matching.ids.parse_ric` (`full`, `bad_check`, `masked`, `mangled`,
`malformed`); organisation numbers are `uscc`, `org_code` (9-char code given alone),
`org_bad_check` (USCC-shaped, wrong GB 32100 check char), or the same `masked`/`mangled`/
`malformed`; documents that are not resident IDs (passports, permits) are `other_doc` and not
checked. An empty cell has no kind (null), so only the not-null expectation can fail on it.
Person kinds are computed vectorised (`data_contracts.ric_fast`, pinned to `parse_ric`), and so
are organisation numbers (`data_contracts.org_fast`, pinned to `org_kind`); rare mixed cases
run through stdnum once per distinct value.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl

from data_contracts.org_fast import org_kinds
from data_contracts.ric_fast import person_kinds
from matching.ids import clean_id_text, is_valid_uscc, org_code_of, parse_ric

_USCC_SHAPE = re.compile(r"^[0-9A-Z]{18}$")

# Which column says whether an ID belongs to a person or an organisation.
PARTY_COLUMN: dict[tuple[str, str], str] = {
    ("dishonest_list", "id_number"): "party_type",
    ("subsidy_application", "id_number"): "applicant_type",
}
# ID columns that may hold either kind with nothing saying which (judged by shape).
EITHER_PARTY: frozenset[tuple[str, str]] = frozenset({("asset_inquiry", "id_number")})
# Which column carries the document type; only `resident_id` (or no type) is checked as a RIC.
DOC_TYPE_COLUMN: dict[tuple[str, str], str] = {("hotel_booking", "id_number"): "id_type"}


def person_kind(raw: str | None) -> str | None:
    """Kind of a resident ID cell; None when empty."""
    kind = parse_ric(raw).kind
    return None if kind == "empty" else kind


def org_kind(raw: str | None) -> str | None:
    """Kind of an organisation ID cell (USCC or 9-char organisation code); None when empty."""
    text = clean_id_text(raw)
    if not text:
        return None
    if is_valid_uscc(text):
        return "uscc"
    if org_code_of(text) is not None:
        return "org_code"
    if "*" in text:
        return "masked"
    ric = parse_ric(text).kind
    if ric == "mangled":
        return "mangled"
    return "org_bad_check" if _USCC_SHAPE.match(text) and not text.isdigit() else "malformed"


def either_kind(raw: str | None) -> str | None:
    """Kind of a cell that may hold a person's or an organisation's number."""
    kind = person_kind(raw)
    if kind == "malformed":
        other = org_kind(raw)
        return other if other in ("uscc", "org_code") else kind
    return kind


def _kinds(values: pl.Series, classify: Callable[[str | None], str | None]) -> pl.Series:
    """Classify distinct non-null values once in Python and broadcast back."""
    uniq = values.drop_nulls().unique()
    kinds = pl.Series([classify(v) for v in uniq.to_list()], dtype=pl.String)
    return values.replace_strict(uniq, kinds, default=None, return_dtype=pl.String)


def id_kind_column(
    dataset: str,
    field: str,
    frame: pl.DataFrame,
    party: pl.Series | None,
    doc_type: pl.Series | None,
) -> pl.Series:
    """Kind per row of ID column `field`, given parsed party-type / document-type codes."""
    values = frame[field]
    key = (dataset, field)
    kinds = person_kinds(values)  # vectorised; organisations are few and judged below
    if key in EITHER_PARTY:
        needs_org = kinds == "malformed"
        kinds = _patch(kinds, values, needs_org, either_kind)
    if party is not None and key in PARTY_COLUMN:
        kinds = _patch(kinds, values, party == "org", org_kind, vectorised=True)
        kinds = _patch(kinds, values, party.is_null() & (kinds == "malformed"), either_kind)
    if doc_type is not None and key in DOC_TYPE_COLUMN:
        other = doc_type.is_not_null() & (doc_type != "resident_id") & values.is_not_null()
        kinds = pl.select(pl.when(other).then(pl.lit("other_doc")).otherwise(kinds)).to_series()
    return kinds.alias(f"{field}__id_kind")


def _patch(
    kinds: pl.Series,
    values: pl.Series,
    where: pl.Series,
    classify: Callable[[str | None], str | None],
    *,
    vectorised: bool = False,
) -> pl.Series:
    """Re-classify the rows selected by `where` with `classify` (organisations vectorised)."""
    where = where.fill_null(False)
    if not where.any():
        return kinds
    chosen = values.filter(where)
    redone = org_kinds(chosen, classify) if vectorised else _kinds(chosen, classify)
    return kinds.clone().scatter(where.arg_true(), redone)

"""What kind of identifier each ID cell holds, as a text column Great Expectations can judge.

Kinds are `matching.ids`'s (one classifier for the matcher and the contracts): person numbers
`full`, `bad_check`, `masked`, `mangled`, `malformed`; organisation numbers `uscc`, `org_code`
(9-char code given alone), `org_bad_check` (USCC-shaped, wrong GB 32100 check char), or the same
`masked`/`mangled`/`malformed`; documents that are not resident IDs (passports, permits) are
`other_doc` and not checked. An empty cell has no kind (null), so only the not-null expectation
can fail on it. Which classification a cell gets depends on the columns beside it (below).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from matching.ids import (
    either_kind,
    either_kinds,
    fold_ids,
    org_kind,
    org_kinds,
    person_kind,
    person_kinds,
)

# Which column says whether an ID belongs to a person or an organisation.
PARTY_COLUMN: dict[tuple[str, str], str] = {
    ("dishonest_list", "id_number"): "party_type",
    ("subsidy_application", "id_number"): "applicant_type",
}
# ID columns that may hold either kind with nothing saying which (judged by shape).
EITHER_PARTY: frozenset[tuple[str, str]] = frozenset({("asset_inquiry", "id_number")})
# Which column carries the document type; only `resident_id` (or no type) is checked as a RIC.
DOC_TYPE_COLUMN: dict[tuple[str, str], str] = {("hotel_booking", "id_number"): "id_type"}


def id_kind_column(
    dataset: str,
    field: str,
    frame: pl.DataFrame,
    party: pl.Series | None,
    doc_type: pl.Series | None,
    as_of: date,
) -> pl.Series:
    """Kind per row of ID column `field` on the run date, given parsed party / document codes.

    A row of an organisation is judged as an organisation number; a row whose party is not
    said (or a dataset that never says) is a person's number unless only an organisation's
    reading makes sense of it.
    """
    folded = fold_ids(frame[field])
    key = (dataset, field)
    kinds = person_kinds(folded, as_of)
    if key in EITHER_PARTY:
        kinds = either_kinds(folded, as_of)
    if party is not None and key in PARTY_COLUMN:
        org = (party == "org").fill_null(False)
        unsaid = party.is_null() & (kinds == "malformed").fill_null(False)
        kinds = _patch(kinds, org, org_kinds(folded.filter(org)))
        kinds = _patch(kinds, unsaid, either_kinds(folded.filter(unsaid), as_of))
    if doc_type is not None and key in DOC_TYPE_COLUMN:
        values = frame[field]
        other = doc_type.is_not_null() & (doc_type != "resident_id") & values.is_not_null()
        kinds = pl.select(pl.when(other).then(pl.lit("other_doc")).otherwise(kinds)).to_series()
    return kinds.alias(f"{field}__id_kind")


def id_kind(
    dataset: str,
    field: str,
    value: str | None,
    party: str | None,
    doc_type: str | None,
    as_of: date,
) -> str | None:
    """`id_kind_column` of one cell, from `matching.ids`' scalar reference (the desk's few rows)."""
    key = (dataset, field)
    kind = either_kind(value, as_of) if key in EITHER_PARTY else person_kind(value, as_of)
    if key in PARTY_COLUMN:
        if party == "org":
            kind = org_kind(value)
        elif party is None and kind == "malformed":
            kind = either_kind(value, as_of)
    if key in DOC_TYPE_COLUMN and doc_type not in (None, "resident_id") and value is not None:
        kind = "other_doc"
    return kind


def _patch(kinds: pl.Series, where: pl.Series, redone: pl.Series) -> pl.Series:
    """`kinds` with the rows selected by `where` replaced by `redone` (one value per such row)."""
    if redone.len() == 0:
        return kinds
    return kinds.clone().scatter(where.arg_true(), redone)

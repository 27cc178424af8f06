"""Identity numbers: resident IDs (18-digit, legacy 15-digit, masked) and organisation numbers.

The one place that says what an ID cell holds. `scalar` is the reference, one number at a time
with python-stdnum's checksums; `vector` (resident IDs) and `orgs` (USCCs and 9-char codes) give
the same answers on whole columns, and both the matcher's features and the data contract's ID
kinds are built on them. `recode` reads the region-code history inside the numbers. Every
judgement that depends on a date (is this birth date plausible?) takes the run's date.
"""

from matching.ids.orgs import (
    either_kinds,
    is_org_number,
    org_code_expr,
    org_id_features,
    org_kinds,
    uscc_valid,
)
from matching.ids.recode import (
    UNKNOWN_REGION_UNTIL,
    recode_plausible,
    recode_plausible_one,
    region_change_until,
    region_known,
)
from matching.ids.scalar import (
    ORG_KINDS,
    USABLE_KINDS,
    IdKind,
    ParsedId,
    check_char,
    clean_id_text,
    either_kind,
    is_valid_uscc,
    org_code_of,
    org_kind,
    parse_ric,
    person_kind,
)
from matching.ids.vector import (
    PERSON_COLUMNS,
    fold_ids,
    person_id_features,
    person_kinds,
    ric_check_chars,
)

__all__ = [
    "ORG_KINDS",
    "PERSON_COLUMNS",
    "UNKNOWN_REGION_UNTIL",
    "USABLE_KINDS",
    "IdKind",
    "ParsedId",
    "check_char",
    "clean_id_text",
    "either_kind",
    "either_kinds",
    "fold_ids",
    "is_org_number",
    "is_valid_uscc",
    "org_code_expr",
    "org_code_of",
    "org_id_features",
    "org_kind",
    "org_kinds",
    "parse_ric",
    "person_id_features",
    "person_kind",
    "person_kinds",
    "recode_plausible",
    "recode_plausible_one",
    "region_change_until",
    "region_known",
    "ric_check_chars",
    "uscc_valid",
]

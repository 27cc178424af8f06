"""The warehouse's tables: their DDL, in one place, safe to run any number of times.

The hits table is declared by the hit schema (pipelines.storage.hit_schema); the list's content
columns follow the list's data contract.
"""

from __future__ import annotations

from pipelines.storage.hit_schema import WAREHOUSE, ddl_of

# Canonical content columns of a list entry, in docs/domain.md order (data_contracts.schemas).
LIST_CONTENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("list_type", "VARCHAR"),
    ("party_type", "VARCHAR"),
    ("name", "VARCHAR"),
    ("gender", "VARCHAR"),
    ("age", "BIGINT"),
    ("id_number", "VARCHAR"),
    ("legal_rep", "VARCHAR"),
    ("legal_rep_id_number", "VARCHAR"),
    ("court", "VARCHAR"),
    ("province", "VARCHAR"),
    ("case_no", "VARCHAR"),
    ("basis_doc_no", "VARCHAR"),
    ("basis_org", "VARCHAR"),
    ("duty", "VARCHAR"),
    ("performance", "VARCHAR"),
    ("behavior", "VARCHAR"),
    ("filed_on", "DATE"),
    ("published_on", "DATE"),
    ("amount_due", "DOUBLE"),
    ("amount_performed", "DOUBLE"),
)

_LIST_COLUMNS_SQL = ",\n    ".join(f"{name} {kind}" for name, kind in LIST_CONTENT_COLUMNS)
_HIT_COLUMNS_SQL = ",\n    ".join(
    f"{name} {kind}" for name, kind in ddl_of(WAREHOUSE, skip=("agency",))
)

# No PRIMARY KEY constraints: DuckDB checks them eagerly, and a delete followed by an insert of
# the same key inside one transaction (our upsert) would trip them. Keys are kept by `upsert`.
DDL: tuple[str, ...] = (
    f"""CREATE TABLE IF NOT EXISTS list_entries (
    entry_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    {_LIST_COLUMNS_SQL},
    status VARCHAR NOT NULL,
    removed_on DATE,
    removal_reason VARCHAR,
    valid_from_run DATE NOT NULL,
    valid_to_run DATE,
    source VARCHAR,
    row_hash VARCHAR NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS list_loads (
    run_date DATE NOT NULL,
    source VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    snapshot_is_complete BOOLEAN NOT NULL,
    added BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    removed BIGINT NOT NULL,
    unchanged BIGINT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS agency_records (
    agency VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    record_id VARCHAR NOT NULL,
    payload JSON
)""",
    """CREATE TABLE IF NOT EXISTS quarantine (
    run_date DATE NOT NULL,
    dataset VARCHAR NOT NULL,
    source VARCHAR,
    "row" BIGINT,
    record_key VARCHAR,
    reason VARCHAR
)""",
    f"""CREATE TABLE IF NOT EXISTS hits (
    agency VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    {_HIT_COLUMNS_SQL}
)""",
    """CREATE TABLE IF NOT EXISTS alerts (
    alert_id VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    entry_id VARCHAR NOT NULL,
    pair_key VARCHAR,
    rule_id VARCHAR,
    status VARCHAR NOT NULL,
    first_run DATE NOT NULL,
    opened_run DATE NOT NULL,
    last_run DATE NOT NULL,
    deadline DATE NOT NULL,
    sent_run DATE,
    withdrawn_run DATE,
    reason VARCHAR
)""",
    # Every change of an alert's status: when (run date or reply date), by whom, from where.
    """CREATE TABLE IF NOT EXISTS alert_transitions (
    alert_id VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    to_status VARCHAR NOT NULL,
    on_date DATE NOT NULL,
    at_ts TIMESTAMP,
    by_user VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    note VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR NOT NULL,
    agency VARCHAR,
    run_date DATE NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    summary JSON
)""",
    # removals of entries never listed are reported per load (added after the first release)
    "ALTER TABLE list_loads ADD COLUMN IF NOT EXISTS unknown_removals BIGINT DEFAULT 0",
)

TABLES = (
    "list_entries",
    "list_loads",
    "agency_records",
    "quarantine",
    "hits",
    "alerts",
    "alert_transitions",
    "runs",
)

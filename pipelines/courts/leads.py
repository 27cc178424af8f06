"""Whereabouts leads for the enforcing courts: where each court's debtors were seen tonight.

Every confident match (a sighting) is kept by the sweep in `sightings`, with the agency record
it came from; `night_leads` joins the night's sightings to the list entry as it stood that
night, so each lead goes to the court on that entry (执行法院) and to no other. A court sees its
own debtor in full (its own case), the agency's document number only masked, and no third
party (a pupil, a co-guardian) at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from matching.vocab import MatchDecision
from pipelines.ingest.listing import stood_on
from pipelines.runtime.masking import mask_id, mask_ids_in_text
from pipelines.sanctions.rules import LIST_TYPE_ZH, ROLE_ZH
from pipelines.storage.hit_schema import header
from pipelines.storage.warehouse import Warehouse, replace_partition

SIGHTINGS_DDL = """CREATE TABLE IF NOT EXISTS sightings (
    agency VARCHAR NOT NULL,
    run_date DATE NOT NULL,
    record_id VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    entry_id VARCHAR NOT NULL,
    alert_id VARCHAR,
    match_score DOUBLE,
    explanation_zh VARCHAR,
    sighted_id VARCHAR,
    record JSON
)"""
# Per agency: (place, area, date from, date to, detail columns) of the record.
WHERE_SEEN: dict[str, tuple[str, str, str, str | None, tuple[str, ...]]] = {
    "hotel_booking": ("hotel_name", "city", "check_in", "check_out", ("hotel_star", "room_rate")),
    "school_enrollment": ("school_name", "region", "enrolled_on", None, ("annual_fee",)),
    "subsidy_application": ("department", "department", "applied_on", None, ("program", "amount")),
    "civil_service_candidate": ("exam", "position_code", "registered_on", None, ("stage",)),
}
DETAIL_ZH = {
    "hotel_star": "星级",
    "room_rate": "房价",
    "annual_fee": "年收费",
    "program": "补贴项目",
    "amount": "申请金额",
    "stage": "环节",
}
AGENCY_ZH = {
    "hotel_booking": "酒店住宿登记",
    "school_enrollment": "学校招生",
    "subsidy_application": "政府补贴申请",
    "civil_service_candidate": "公务员招录",
}
LEAD_FIELDS: tuple[tuple[str, str], ...] = (
    ("court", "执行法院"),
    ("case_no", "案号"),
    ("entry_id", header("entry_id")),
    ("list_type", header("list_type")),
    ("debtor_name", "被执行人"),
    ("debtor_id", "证件号码（名单公布）"),
    ("amount_due", "未履行金额"),
    ("agency", "发现渠道"),
    ("role", header("role")),
    ("place", "场所/事项"),
    ("area", "地区"),
    ("seen_from", "日期"),
    ("seen_to", "离开日期"),
    ("detail", "详情"),
    ("sighted_id", "登记证件号（脱敏）"),
    ("match_score", header("match_score")),
    ("evidence", header("explanation_zh")),
    ("record_id", header("record_id")),
    ("alert_id", header("alert_id")),
)


def _ddl(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SIGHTINGS_DDL)


def record_sightings(wh: Warehouse, agency: str, run_date: date, hits: pl.DataFrame,
                     records: pl.DataFrame) -> int:  # fmt: skip
    """Keep the night's confident matches with their agency record (replaces the night)."""
    seen = (
        hits.filter(pl.col("match_decision") == MatchDecision.MATCH)
        if not hits.is_empty()
        else hits
    )
    payload = records.select(
        pl.col("record_id").cast(pl.String),
        pl.struct(pl.exclude("record_id", "_source", "_row")).struct.json_encode().alias("record"),
    ).unique("record_id", keep="first")
    rows = (
        seen.select(
            pl.col("record_id").cast(pl.String),
            pl.col("role").cast(pl.String),
            pl.col("entry_id").cast(pl.String),
            pl.col("alert_id").cast(pl.String),
            pl.col("match_score").cast(pl.Float64),
            pl.col("explanation_zh").cast(pl.String),
            pl.col("query_id_number")
            .cast(pl.String)
            .map_elements(mask_id, return_dtype=pl.String)
            .alias("sighted_id"),
        )
        .unique(["record_id", "role", "entry_id"], keep="first", maintain_order=True)
        .join(payload, on="record_id", how="left")
        .with_columns(pl.lit(agency).alias("agency"), pl.lit(run_date).alias("run_date"))
        if not seen.is_empty()
        else pl.DataFrame()
    )
    with wh.transaction() as con:
        _ddl(con)
        return replace_partition(con, "sightings", rows, {"agency": agency, "run_date": run_date})


def _where_seen(agency: str, record: dict[str, Any]) -> dict[str, Any]:
    place, area, start, end, details = WHERE_SEEN[agency]
    parts = [f"{DETAIL_ZH[d]}：{record[d]}" for d in details if record.get(d) not in (None, "")]
    return {
        "place": record.get(place),
        "area": record.get(area) if area != place else None,
        "seen_from": str(record.get(start) or "")[:10] or None,
        "seen_to": str(record.get(end) or "")[:10] or None if end else None,
        "detail": "；".join(parts) or None,
    }


def night_leads(wh: Warehouse, run_date: date) -> pl.DataFrame:
    """The night's sightings of active listed debtors, with the court and the case (LEAD_FIELDS)."""
    with wh.transaction() as con:
        _ddl(con)
        found = con.sql(
            f"""SELECT s.*, e.court, e.case_no, e.list_type, e.name AS debtor_name,
                      e.id_number AS debtor_id, e.amount_due
               FROM sightings s
               JOIN list_entries e ON e.entry_id = s.entry_id AND {stood_on("s.run_date", "e")}
               WHERE s.run_date = $run AND e.status = 'active'
               ORDER BY e.court, e.entry_id, s.agency, s.record_id, s.role""",
            params={"run": run_date},
        ).pl()
    rows = []
    for row in found.iter_rows(named=True):
        record = json.loads(row["record"] or "{}")
        rows.append(
            {
                "court": row["court"] or "未注明执行法院",
                "case_no": row["case_no"],
                "entry_id": row["entry_id"],
                "list_type": LIST_TYPE_ZH.get(row["list_type"], row["list_type"]),
                "debtor_name": row["debtor_name"],
                "debtor_id": row["debtor_id"],
                "amount_due": row["amount_due"],
                "agency": AGENCY_ZH.get(row["agency"], row["agency"]),
                "role": ROLE_ZH.get(row["role"], row["role"]),
                **_where_seen(row["agency"], record),
                "sighted_id": row["sighted_id"],
                "match_score": round(float(row["match_score"] or 0), 3),
                "evidence": mask_ids_in_text(row["explanation_zh"] or ""),
                "record_id": row["record_id"],
                "alert_id": row["alert_id"],
            }
        )
    schema = {k: pl.Float64 if k in ("amount_due", "match_score") else pl.String
              for k, _ in LEAD_FIELDS}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def court_folder(court: str) -> str:
    """A court's name as a folder name (path separators and control characters replaced)."""
    return re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", court).strip(". ") or "_"


def _text_writer(text: str) -> Callable[[Path], object]:
    return lambda tmp: tmp.write_text(text, encoding="utf-8")


def write_leads(leads: pl.DataFrame, run_date: date, out: Path) -> dict[str, int]:
    """Write `out/<court>/leads.xlsx` and `leads.json` per court; returns leads per court.

    A court that had leads on an earlier run of the same night but none now loses its stale
    files, so a rerun leaves exactly what the night holds.
    """
    from pipelines.sanctions.reports import _atomic, _xlsx

    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for (court,), rows in leads.group_by(["court"], maintain_order=True):
        folder = out / court_folder(str(court))
        _xlsx(folder / "leads.xlsx", [("行踪线索", rows, LEAD_FIELDS)], run_date)
        document = {
            "court": court,
            "run_date": run_date.isoformat(),
            "count": rows.height,
            "leads": rows.to_dicts(),
        }
        _atomic(
            folder / "leads.json",
            _text_writer(json.dumps(document, ensure_ascii=False, indent=2) + "\n"),
        )
        written[str(court)] = rows.height
    kept = {court_folder(c) for c in written}
    for stale in out.glob("*/leads.json"):
        if stale.parent.name not in kept:
            stale.unlink()
            (stale.parent / "leads.xlsx").unlink(missing_ok=True)
    return written

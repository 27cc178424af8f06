"""Link welfare and asset-inquiry rows to list entries by identity, conservatively.

Court evidence must not rest on a namesake, so the rules are strict and deterministic:
- a person entry whose ID is full links on the ID alone (a valid full ID is near-proof);
- a masked person ID links when every visible character agrees AND the folded names are equal;
- an organisation links on its 9-char organisation code (inside a USCC), or on its folded name
  when either side lacks a code;
- a name alone never links a person.
"""

from __future__ import annotations

import polars as pl

from matching.ids import org_code_of

from .entries import id_key, name_key

_ID_LEN = 18


def _org_code(col: str) -> pl.Expr:
    return pl.col(col).map_elements(org_code_of, return_dtype=pl.String)


def _compatible(left: str, right: str) -> pl.Expr:
    """True when two 18-char IDs agree on every position both of them show."""
    checks = [
        (pl.col(left).str.slice(i, 1) == "*")
        | (pl.col(right).str.slice(i, 1) == "*")
        | (pl.col(left).str.slice(i, 1) == pl.col(right).str.slice(i, 1))
        for i in range(_ID_LEN)
    ]
    lengths = (pl.col(left).str.len_chars() == _ID_LEN) & (pl.col(right).str.len_chars() == _ID_LEN)
    return pl.all_horizontal(checks) & lengths


def _people(entries: pl.DataFrame) -> pl.DataFrame:
    return (
        entries.filter(pl.col("party_type") == "person")
        .select("entry_id", id_key("id_number").alias("_eid"), name_key("name").alias("_ename"))
        .filter(pl.col("_eid").str.len_chars() == _ID_LEN)
    )


def link_people(entries: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Person records (id_number, name) with the entry_id they belong to; unlinked rows dropped."""
    recs = records.with_row_index("_rec").with_columns(
        id_key("id_number").alias("_rid"), name_key("name").alias("_rname")
    )
    people = _people(entries)
    full = people.filter(~pl.col("_eid").str.contains("*", literal=True))
    masked = people.filter(pl.col("_eid").str.contains("*", literal=True))
    by_id = recs.join(full.select("entry_id", "_eid"), left_on="_rid", right_on="_eid")
    by_mask = (
        recs.join(masked, left_on="_rname", right_on="_ename")
        .filter(_compatible("_eid", "_rid"))
        .drop("_eid")
    )
    out = pl.concat([by_id, by_mask], how="diagonal_relaxed")
    return (
        out.unique(["_rec", "entry_id"]).sort("_rec").drop("_rec", "_rid", "_rname", strict=False)
    )


def link_orgs(entries: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Records of organisations with the entry_id they belong to, by org code or folded name."""
    orgs = entries.filter(pl.col("party_type") == "org").select(
        "entry_id", _org_code("id_number").alias("_ecode"), name_key("name").alias("_ename")
    )
    if orgs.is_empty() or records.is_empty():
        return records.clear().with_columns(pl.lit(None, pl.String).alias("entry_id"))
    recs = records.with_row_index("_rec").with_columns(
        _org_code("id_number").alias("_rcode"), name_key("name").alias("_rname")
    )
    by_code = recs.filter(pl.col("_rcode").is_not_null()).join(
        orgs.filter(pl.col("_ecode").is_not_null()).select("entry_id", "_ecode"),
        left_on="_rcode",
        right_on="_ecode",
    )
    by_name = (
        recs.join(orgs, left_on="_rname", right_on="_ename")
        .filter(pl.col("_rcode").is_null() | pl.col("_ecode").is_null())
        .drop("_ecode")
    )
    out = pl.concat([by_code, by_name], how="diagonal_relaxed")
    return (
        out.unique(["_rec", "entry_id"]).sort("_rec").drop("_rec", "_rcode", "_rname", strict=False)
    )


def link_records(entries: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """All records (persons and organisations) with their entry_id."""
    people = link_people(entries, records)
    orgs = link_orgs(entries, records)
    linked = pl.concat([people, orgs], how="diagonal_relaxed")
    return linked.unique(maintain_order=True)


def legal_rep_roles(entries: pl.DataFrame) -> pl.DataFrame:
    """Per person entry, how many listed organisations name them as legal representative.

    With an ID on the org side (legal_rep_id_number) the IDs must be compatible; without it the
    folded name must match AND the org must be enforced by the same court, because a name alone
    would tie every 张伟 to every company run by a 张伟.
    """
    people = entries.filter(pl.col("party_type") == "person").select(
        "entry_id",
        id_key("id_number").alias("_pid"),
        name_key("name").alias("_pname"),
        pl.col("court").alias("_pcourt")
        if "court" in entries.columns
        else pl.lit(None, pl.String).alias("_pcourt"),
    )
    rep_id = "legal_rep_id_number"
    orgs = entries.filter(
        (pl.col("party_type") == "org") & pl.col("legal_rep").is_not_null()
    ).select(
        pl.col("entry_id").alias("org_entry_id"),
        name_key("legal_rep").alias("_oname"),
        (id_key(rep_id) if rep_id in entries.columns else pl.lit(None, pl.String)).alias("_oid"),
        pl.col("court").alias("_ocourt")
        if "court" in entries.columns
        else pl.lit(None, pl.String).alias("_ocourt"),
    )
    pairs = people.join(orgs, left_on="_pname", right_on="_oname")
    id_ok = pl.col("_oid").is_not_null() & _compatible("_oid", "_pid")
    no_id_ok = pl.col("_oid").is_null() & (pl.col("_pcourt") == pl.col("_ocourt"))
    found = pairs.filter(id_ok | no_id_ok)
    return found.group_by("entry_id").agg(pl.len().cast(pl.Int64).alias("legal_rep_roles"))

"""One debtor, one assessment: group a person's list entries by identity with the matching engine.

A person listed for several cases (and on both lists) is one debtor to the court, which bundles
the cases for enforcement (捆绑执行). The entries are screened against each other with
`matching.link`; every `match` pair joins two entries, and the connected groups are the persons.
Only `match` joins: a shared common name with an unreadable number never merges two people.
Organisations are grouped the same way (same USCC / organisation code and name).

One more join needs no number at all: two entries of the **same enforcement case** (same case
number at the same court) naming the same debtor (same name, same party type) are that case's
失信 and 限制消费 listings, which courts publish together with differently masked numbers. They
are joined unless their readable ID digits contradict each other (then they are two co-debtors
of one name). The court is part of the case's identity: a case number without the court's code
(`（2020）执29858号`) recurs at other courts, where it names another case and, with a common
name, another person.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from matching.config import MatchThresholds
from matching.parties import QUERY_SCHEMA


def _components(ids: list[str], edges: list[tuple[str, str]]) -> dict[str, str]:
    """Union-find: each id to the smallest id of its connected group."""
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: root(i) for i in ids}


def same_party_pairs(
    entries: pl.DataFrame, *, thresholds: MatchThresholds, as_of: date
) -> pl.DataFrame:
    """`entry_id, other_id`: pairs of entries the engine calls the same party (`match` only).

    Gender is blanked on both sides, as everywhere in capacity: grouping must not depend on it.
    """
    from matching import link
    from matching.parties import list_parties

    parties = list_parties(entries).filter(pl.col("list_role") == "debtor")
    parties = parties.with_columns(pl.lit(None, pl.String).alias("gender"))
    empty = pl.DataFrame(schema={"entry_id": pl.String, "other_id": pl.String})
    if parties.height < 2:
        return empty
    query = parties.select(
        pl.col("entry_id").alias("record_id"),
        pl.lit("subject").alias("role"),
        "party_type",
        "name",
        "id_number",
        pl.lit(None, pl.String).alias("id_type"),
        "gender",
        pl.lit(None, pl.Date).alias("birth_date"),
    ).cast(QUERY_SCHEMA)  # type: ignore[arg-type]
    hits = link(query, parties, model=None, thresholds=thresholds, as_of=as_of).hits
    return hits.filter(
        (pl.col("match_decision") == "match")
        & (pl.col("list_role") == "debtor")
        & (pl.col("record_id") != pl.col("entry_id"))
    ).select(pl.col("record_id").alias("entry_id"), pl.col("entry_id").alias("other_id"))


def ids_agree(a: str | None, b: str | None) -> bool:
    """Two published IDs could be one number: no readable digit differs where both show one.

    Masks (`*`) hide digits; an 18- and a 15-digit form, or a missing number, cannot contradict.
    """
    if not a or not b or len(a) != len(b):
        return True
    return all(x == y or "*" in (x, y) for x, y in zip(a.upper(), b.upper(), strict=True))


def same_case_pairs(entries: pl.DataFrame) -> pl.DataFrame:
    """`entry_id, other_id`: one case at one court naming the same debtor, IDs agreeing."""
    empty = pl.DataFrame(schema={"entry_id": pl.String, "other_id": pl.String})
    if not {"case_no", "name", "party_type"} <= set(entries.columns):
        return empty
    key = entries.select(
        pl.col("entry_id").cast(pl.String),
        pl.col("case_no").cast(pl.String).str.replace_all(r"\s", "").alias("_case"),
        pl.col("name").cast(pl.String).str.replace_all(r"\s", "").alias("_name"),
        pl.col("party_type").cast(pl.String),
        (
            pl.col("court").cast(pl.String).str.replace_all(r"\s", "").fill_null("")
            if "court" in entries.columns
            else pl.lit("")
        ).alias("_court"),
        (
            pl.col("id_number").cast(pl.String)
            if "id_number" in entries.columns
            else pl.lit(None, pl.String)
        ).alias("_id"),
    ).filter((pl.col("_case").str.len_chars() > 0) & (pl.col("_name").str.len_chars() > 0))
    pairs = key.join(key, on=["_case", "_court", "_name", "party_type"], suffix="_o").filter(
        pl.col("entry_id") < pl.col("entry_id_o")
    )
    agree = [ids_agree(a, b) for a, b in pairs.select("_id", "_id_o").iter_rows()]
    if not agree:
        return empty
    return pairs.filter(pl.Series(agree, dtype=pl.Boolean)).select(
        "entry_id", pl.col("entry_id_o").alias("other_id")
    )


def birth_year_pairs(entries: pl.DataFrame) -> pl.DataFrame:
    """`entry_id, other_id`: person entries with the same name, region code and birth year.

    Courts mask different parts of one number (`4229211987****7828` on one list,
    `42292119870530****` on the other); when both still show the region code and the birth year
    (the first ten digits) and no readable digit differs, under the same name, they are one
    person. The key is trusted only when the list itself shows no namesake twin under it: if any
    two entries sharing it have readable digits that contradict, none of its entries is joined.
    """
    empty = pl.DataFrame(schema={"entry_id": pl.String, "other_id": pl.String})
    if not {"name", "party_type", "id_number"} <= set(entries.columns):
        return empty
    number = pl.col("id_number").cast(pl.String).str.to_uppercase()
    key = entries.select(
        pl.col("entry_id").cast(pl.String),
        pl.col("name").cast(pl.String).str.replace_all(r"\s", "").alias("_name"),
        number.str.slice(0, 10).alias("_key"),
        number.alias("_id"),
        pl.col("party_type").cast(pl.String).alias("_party"),
    ).filter(
        (pl.col("_party") == "person")
        & (pl.col("_name").str.len_chars() > 0)
        & (pl.col("_id").str.len_chars() == 18)
        & ~pl.col("_key").str.contains("*", literal=True)
    )
    pairs = key.join(key, on=["_name", "_key"], suffix="_o").filter(
        pl.col("entry_id") < pl.col("entry_id_o")
    )
    if pairs.is_empty():
        return empty
    agree = pl.Series([ids_agree(a, b) for a, b in pairs.select("_id", "_id_o").iter_rows()])
    pairs = pairs.with_columns(agree.alias("_agree"))
    trusted = pairs.group_by("_name", "_key").agg(pl.col("_agree").all().alias("_ok"))
    return (
        pairs.join(trusted, on=["_name", "_key"])
        .filter(pl.col("_ok"))
        .select("entry_id", pl.col("entry_id_o").alias("other_id"))
    )


def person_keys(entries: pl.DataFrame, *, thresholds: MatchThresholds, as_of: date) -> pl.DataFrame:
    """`entry_id, debtor_id`: the debtor (smallest entry id of the group) of every entry."""
    ids = entries["entry_id"].cast(pl.String).to_list()
    pairs = pl.concat(
        [
            same_party_pairs(entries, thresholds=thresholds, as_of=as_of),
            same_case_pairs(entries),
            birth_year_pairs(entries),
        ]
    )
    party = dict(zip(ids, entries["party_type"].cast(pl.String).to_list(), strict=True))
    # a person and an organisation are never one debtor, whatever a name collision suggests
    edges = [(a, b) for a, b in pairs.iter_rows() if party.get(a) == party.get(b)]
    root = _components(ids, edges)
    return pl.DataFrame(
        {"entry_id": ids, "debtor_id": [root[i] for i in ids]},
        schema={"entry_id": pl.String, "debtor_id": pl.String},
    )


def _visible_digits(col: str) -> pl.Expr:
    """How much of an ID is readable: the best-published number of a person is kept."""
    text = pl.col(col).cast(pl.String).fill_null("")
    return text.str.len_chars() - text.str.count_matches(r"\*", literal=False)


def debtor_rows(entries: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """One list-shaped row per debtor, keyed `entry_id` = debtor id, with every case combined.

    Amounts are summed over the cases (the court enforces them together); the behaviour texts
    are joined (a ground named in any case counts); dates are the earliest (time on the list);
    the ID with the most visible digits is kept (it gives the birth date when any case shows it).
    """
    cols = set(entries.columns)

    def has(c: str) -> bool:
        return c in cols

    frame = entries.join(keys, on="entry_id", how="left")
    frame = frame.with_columns(
        _visible_digits("id_number").alias("_visible") if has("id_number") else pl.lit(0)
    ).sort(["debtor_id", "_visible", "entry_id"], descending=[False, True, False])
    aggs: list[pl.Expr] = [
        pl.col("party_type").first(),
        pl.len().cast(pl.Int64).alias("cases"),
        pl.col("entry_id").sort().str.join(",").alias("case_entries"),
    ]
    if has("list_type"):
        aggs.append(
            (pl.col("list_type").fill_null("dishonest") == "dishonest")
            .sum()
            .cast(pl.Int64)
            .alias("dishonest_cases")
        )
    for c in ("amount_due", "amount_performed"):
        if has(c):
            aggs.append(pl.col(c).cast(pl.Float64, strict=False).sum().alias(c))
    for c in ("published_on", "filed_on"):
        if has(c):
            aggs.append(pl.col(c).min())
    for c in ("id_number", "age", "court", "name"):
        if has(c):
            aggs.append(pl.col(c).drop_nulls().first())
    if has("behavior"):
        aggs.append(pl.col("behavior").drop_nulls().str.join("；").alias("behavior"))
    if has("performance"):
        aggs.append(pl.col("performance").drop_nulls().str.join("；").alias("performance"))
    return frame.group_by("debtor_id").agg(aggs).rename({"debtor_id": "entry_id"}).sort("entry_id")


def to_debtors(rows: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """Re-key rows attached to entries (`entry_id`) to their debtor, dropping exact duplicates.

    A welfare row linked to two cases of the same person is one record about that person.
    """
    if rows.is_empty():
        return rows
    keyed = rows.join(keys, on="entry_id", how="left").with_columns(
        pl.col("debtor_id").fill_null(pl.col("entry_id")).alias("entry_id")
    )
    return keyed.drop("debtor_id").unique(maintain_order=True)

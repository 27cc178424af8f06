"""A listed organisation's named legal representative, resolved to the person's own list entry.

Lists publish an organisation's legal representative by name only, and a name alone never
identifies a person. When the same list also carries that person as a debtor in their own right,
in the organisation's court's own list, the representative borrows that entry's number, so the
interception of the representative rests on an identifier. It is done only when the region holds
exactly one such person (entries whose visible digits all agree count as one person); two
namesakes leave the representative unresolved.
"""

from __future__ import annotations

import polars as pl

from matching.normalize import person_name_forms

_REGION_COLUMNS = ("court",)


def _one_person(cand: pl.DataFrame) -> pl.DataFrame:
    """`entry_id, rep_id` per entry whose candidate numbers (`pid`) can all be one person's.

    The most visible number (fewest `*`, then the smallest) stands for the entry when every other
    candidate has its length and never disagrees with it where both are visible. Done as frame
    operations: a province's list has tens of thousands of representatives to resolve.
    """
    ids = cand.select(pl.col("entry_id").cast(pl.String), "pid").unique(maintain_order=True)
    stars = pl.col("pid").str.count_matches("*", literal=True)
    best = ids.group_by("entry_id", maintain_order=True).agg(
        pl.col("pid").sort_by(stars, pl.col("pid")).first().alias("rep_id")
    )
    width: int = ids.select(pl.col("pid").str.len_chars().max().fill_null(0)).item()
    pid, rep = pl.col("pid"), pl.col("rep_id")
    agrees = [
        (pid.str.slice(i, 1) == rep.str.slice(i, 1))
        | (pid.str.slice(i, 1) == "*")
        | (rep.str.slice(i, 1) == "*")
        for i in range(width)
    ]
    compatible = (pid.str.len_chars() == rep.str.len_chars()) & pl.all_horizontal(
        pl.lit(True), *agrees
    )
    ok = (
        ids.join(best, on="entry_id", how="left", maintain_order="left")
        .group_by("entry_id", maintain_order=True)
        .agg(compatible.all().alias("ok"))
    )
    return (
        best.join(ok, on="entry_id", how="left", maintain_order="left")
        .filter("ok")
        .select("entry_id", "rep_id")
    )


def resolve_legal_reps(orgs: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """`entry_id, rep_id`: the number of each org entry's representative, where resolvable.

    `orgs`: `entry_id, rep_name` and the region columns; `persons`: person debtors with `name`,
    `pid` (cleaned number or pattern) and the region columns. The region is the enforcing court:
    a province holds too many namesakes of a common name (measured: resolving by province linked
    organisations to the wrong 刘/张/杨 of the same province).
    """
    region = [c for c in _REGION_COLUMNS if c in orgs.columns and c in persons.columns]
    if orgs.is_empty() or persons.is_empty() or not region:
        return pl.DataFrame(schema={"entry_id": pl.String, "rep_id": pl.String})
    scope = region[0]
    forms = person_name_forms(pl.concat([orgs["rep_name"], persons["name"]]))
    norm = forms.select("name", "norm")
    o = orgs.join(norm.rename({"name": "rep_name"}), on="rep_name", how="left")
    p = persons.filter(pl.col("pid").is_not_null()).join(norm, on="name", how="left")
    cand = o.join(p.select("norm", "pid", scope), on=["norm", scope], how="inner")
    return _one_person(cand)

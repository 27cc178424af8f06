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


def _compatible(a: str, b: str) -> bool:
    """Two cleaned 18-char patterns that never disagree where both are visible."""
    return len(a) == len(b) and all(x == y or "*" in (x, y) for x, y in zip(a, b, strict=True))


def _one_person(ids: list[str]) -> str | None:
    """The most visible of `ids` when they can all be one person's number, else None."""
    ids = sorted(set(ids), key=lambda t: (t.count("*"), t))
    best = ids[0]
    if all(_compatible(best, other) for other in ids[1:]):
        return best
    return None


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
    out: list[tuple[str, str]] = []
    for (entry_id,), group in cand.group_by(["entry_id"], maintain_order=True):
        number = _one_person(group["pid"].to_list())
        if number is not None:
            out.append((str(entry_id), number))
    return pl.DataFrame(out, schema={"entry_id": pl.String, "rep_id": pl.String}, orient="row")

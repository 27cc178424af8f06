"""What a pair can show depends on what each side made visible: m is taken per layout.

EM estimates m as a share among *all* true pairs, so a level that only a rare layout can produce
(a mask showing region + last four, a romanised passport name, two full birth dates) gets a tiny
m wherever that layout is rare in the training data, and its evidence is then under-weighted on
data where the layout is common. But the layout is not evidence of anything: a publisher's mask,
or a guest's passport, is the same whether or not the pair matches. What is evidence is whether
the visible parts agree, given the layout. So the levels that are "everything visible agrees" for
their layouts share one m (the share of true pairs whose visible parts agree), and each keeps its
own u (how often that much visible agreement happens by chance), which is the likelihood ratio
conditional on the layout.
"""

from __future__ import annotations

import numpy as np

from matching.comparisons import LEVELS

AGREEMENT_GROUPS: dict[str, tuple[str, ...]] = {
    "id": ("masked_weak", "masked_mid", "masked_strong", "org_code", "exact"),
    "birth": ("age_consistent", "year", "exact"),
}
"""Per comparison, the levels meaning "all that both sides show agrees", one per layout."""

SCRIPT_LEVEL = ("name", "romanised", ("exact", "homophone", "lookalike", "romanised"), "homophone")
"""A romanised name against a Han one can only agree by sound: its m is the share of true pairs
whose names agree in any form, and its u the chance that two different people's names sound
alike (the homophone level's u), not the rarity of passports among random pairs."""


def condition_on_layout(
    m: dict[str, np.ndarray], u: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """m and u with every layout-bound level priced given its layout (see the module doc)."""
    m = {k: v.copy() for k, v in m.items()}
    u = {k: v.copy() for k, v in u.items()}
    for comp, group in AGREEMENT_GROUPS.items():
        if comp not in m:
            continue
        idx = [LEVELS[comp].index(lv) for lv in group]
        m[comp][idx] = float(m[comp][idx].sum())
    comp, level, agreeing, like = SCRIPT_LEVEL
    if comp in m:
        names = LEVELS[comp]
        m[comp][names.index(level)] = float(m[comp][[names.index(x) for x in agreeing]].sum())
        u[comp][names.index(level)] = u[comp][names.index(like)]
    return m, u

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

from collections.abc import Sequence

import numpy as np

from matching.comparison_level import ComparisonSpec
from matching.comparison_library import DECLARED


def condition_on_layout(
    m: dict[str, np.ndarray],
    u: dict[str, np.ndarray],
    specs: Sequence[ComparisonSpec] = DECLARED,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """m and u with every layout-bound level priced given its layout (see the module doc).

    Declared on the levels: levels tagged with one `shares_m` share the sum of their m (the levels
    meaning "all that both sides show agrees", one per layout); a level with `m_like` / `u_like`
    takes the sum of those levels' m / that level's u (a romanised name against a Han one can
    only agree by sound: its m is the share of true pairs whose names agree in any form, its u the
    chance that two different people's names sound alike).
    """
    m = {k: v.copy() for k, v in m.items()}
    u = {k: v.copy() for k, v in u.items()}
    for spec in specs:
        if spec.name not in m:
            continue
        groups: dict[str, list[int]] = {}
        for code, lv in enumerate(spec.scored):
            if lv.shares_m:
                groups.setdefault(lv.shares_m, []).append(code)
        for idx in groups.values():
            m[spec.name][idx] = float(m[spec.name][idx].sum())
    for spec in specs:
        if spec.name not in m:
            continue
        for code, lv in enumerate(spec.scored):
            if lv.m_like:
                m[spec.name][code] = float(m[spec.name][[spec.code(x) for x in lv.m_like]].sum())
            if lv.u_like:
                u[spec.name][code] = u[spec.name][spec.code(lv.u_like)]
    return m, u

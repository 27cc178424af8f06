"""Console tables of `credsweep evaluate`: headline figures, recall by evidence, calibration,
and the night's self-assessment against the truth.

Rendering only: every figure comes from `pipelines.evaluation.metrics` via the figures dict of one
evaluation run (`pipelines.evaluation.command.run_evaluation`). `rich` is imported inside each
function, as the command loads it only when it prints.
"""

from __future__ import annotations


def summary_table(figures: dict) -> object:
    """One rich table: the headline figures of each agency."""
    from rich.table import Table

    table = Table(title="credsweep evaluate (vs generator truth)")
    table.add_column("agency", no_wrap=True)
    for col in ("records", "positives", "P@match", "R@match", "F1@match"):
        table.add_column(col, justify="right")
    for col in ("P@m+r", "R@m+r", "F1@m+r", "review rate", "removed intercepts"):
        table.add_column(col, justify="right")
    for agency, fig in figures.items():
        m, mr = fig["match"], fig["match+review"]
        table.add_row(
            agency,
            str(fig["records"]),
            str(fig["positives"]),
            *[f"{x[k]:.4f}" for x in (m,) for k in ("precision", "recall", "f1")],
            *[f"{x[k]:.4f}" for x in (mr,) for k in ("precision", "recall", "f1")],
            f"{fig['review_rate']:.3%}",
            str(fig.get("removed_entry_intercepts", "-")),
        )
    return table


def _evidence_cell(row: dict | None, level: str) -> str:
    """`recall tp/n` of one evidence class at one level; `-` when the class is empty."""
    if not row or not row["n"]:
        return "-"
    return f"{row[f'recall_{level}']:.1%} {row[f'tp_{level}']}/{row['n']}"


def evidence_table(figures: dict) -> object:
    """Recall (tp/n) per evidence class, agency and level: what the matcher could have found."""
    from rich.table import Table

    from pipelines.evaluation.evidence import EVIDENCE_CLASSES, NOT_SCREENED
    from pipelines.evaluation.metrics import LEVELS

    classes = (*EVIDENCE_CLASSES, NOT_SCREENED)
    table = Table(
        title="recall by evidence (both_ids: both sides carry an ID, USCC or org code)",
        caption="not_screened: positives on records the data contract quarantined",
    )
    table.add_column("agency", no_wrap=True)
    table.add_column("level", no_wrap=True)
    for cls in classes:
        table.add_column(cls, justify="right", no_wrap=True)
    for agency, fig in figures.items():
        by_class = fig.get("recall_by_evidence", {})
        for i, level in enumerate(LEVELS):
            cells = [_evidence_cell(by_class.get(cls), level) for cls in classes]
            table.add_row(agency if i == 0 else "", level.replace("match+review", "m+r"), *cells)
    return table


def _worst_band(cal: dict) -> str:
    """The band whose score strays furthest from its precision, e.g. `[0.6,0.8) +0.312`."""
    if not cal["bands"]:
        return "-"
    b = max(cal["bands"], key=lambda r: abs(r["gap"]))
    close = "]" if b["hi"] == 1.0 else ")"
    return f"[{b['lo']:g},{b['hi']:g}{close} {b['gap']:+.3f}"


def calibration_table(figures: dict) -> object:
    """Per agency: does `match_score` mean what it says (ECE), and the name-screened hits apart."""
    from rich.table import Table

    from pipelines.evaluation.reliability import NAME_SCREEN

    table = Table(
        title="calibration of match_score (model-scored hits; gap = mean score - precision)",
        caption="name-screened: hits floored at the review threshold, no probability of their own",
    )
    table.add_column("agency", no_wrap=True)
    for col in ("hits", "tp", "expected tp", "ECE", "worst band", "name-screened", "precision"):
        table.add_column(col, justify="right", no_wrap=True)
    for agency, fig in figures.items():
        cal = fig.get("calibration")
        if cal is None:
            continue
        screen = cal[NAME_SCREEN]
        table.add_row(
            agency,
            str(cal["n"]),
            str(cal["tp"]),
            f"{cal['expected_tp']:.1f}",
            f"{cal['ece']:.4f}",
            _worst_band(cal),
            str(screen["n"]),
            f"{screen['precision']:.4f}" if screen["n"] else "-",
        )
    return table


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def claims_table(figures: dict) -> object:
    """Per agency and claim: what the night expected (summary.json), what truth says, the gap."""
    from rich.table import Table

    table = Table(
        title="self-assessment: the night's expected figures vs truth (gap = claimed - measured)",
        caption="a positive gap: the night promised more than it delivered; '-': no claim made",
    )
    table.add_column("agency", no_wrap=True)
    table.add_column("figure", no_wrap=True)
    for col in ("claimed", "measured", "gap"):
        table.add_column(col, justify="right", no_wrap=True)
    for agency, fig in figures.items():
        for i, (name, row) in enumerate(fig.get("self_assessment", {}).items()):
            gap = row["gap"]
            table.add_row(
                agency if i == 0 else "",
                name,
                _share(row["claimed"]),
                _share(row["measured"]),
                "-" if gap is None else f"{gap:+.4f}",
            )
    return table

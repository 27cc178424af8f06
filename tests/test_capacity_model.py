"""Capacity model: scores, classes, evidence words, fairness, and refitting from outcomes."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from matching.config import MatchThresholds
from pipelines.capacity import CapacityModel, Thresholds, assess, fit, load_model, score
from pipelines.capacity.features import build_features
from pipelines.capacity.identity import link_all
from pipelines.capacity.model import derive_thresholds, strictest_thresholds
from pipelines.capacity.terms import TERM_NAMES, design_matrix
from tests.test_capacity_helpers import AS_OF, assets, consumption, entries, entry, welfare

ID_RICH = "11010519850312231X"
ID_POOR = "110105195001011236"
MODEL = load_model()


def _scenario() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    ents = entries(
        entry("RICH", id_number=ID_RICH, behavior="隐匿、转移财产"),
        # listed for a settlement she could not keep, after paying part of the debt
        entry(
            "POOR",
            name="王芳",
            gender="F",
            id_number=ID_POOR,
            age=75,
            behavior="无正当理由拒不履行执行和解协议",
            amount_performed=20_000.0,
        ),
        entry("NONE", name="刘洋"),
    )
    wel = welfare(
        {
            "id_number": ID_POOR,
            "status_type": "minimum_living",
            "since": date(2022, 1, 1),
            "until": None,
        }
    )
    ast = assets(
        {
            "id_number": ID_RICH,
            "asset_type": "real_estate",
            "value": 1_000_000.0,
            "queried_on": date(2025, 6, 1),
        },
        {
            "id_number": ID_RICH,
            "asset_type": "real_estate",
            "value": 800_000.0,
            "queried_on": date(2025, 6, 1),
        },
        {"id_number": ID_POOR, "asset_type": "none", "value": None, "queried_on": date(2025, 6, 1)},
    )
    cons = consumption(
        *[
            {
                "entry_id": "RICH",
                "agency": "hotel_booking",
                "event_date": date(2025, 6, d),
                "hotel_star": 5,
                "room_rate": 1800.0,
            }
            for d in (1, 8, 15)
        ]
    )
    return ents, wel, ast, cons


def _table(
    ents: pl.DataFrame, wel: pl.DataFrame, ast: pl.DataFrame, cons: pl.DataFrame
) -> dict[str, dict[str, object]]:
    table, _ = assess(
        ents,
        welfare=wel,
        assets=ast,
        consumption=cons,
        as_of=AS_OF,
        model=MODEL,
        match_thresholds=MatchThresholds(),
    )
    return {r["entry_id"]: r for r in table.iter_rows(named=True)}


def test_classes_actions_and_evidence_words() -> None:
    t = _table(*_scenario())
    rich, poor, none = t["RICH"], t["POOR"], t["NONE"]
    assert rich["capacity_class"] == "dishonest" and rich["action"] == "重点执行（附证据）"
    assert "查得财产合计约180万元（不动产2处）" in rich["evidence"]
    assert "近90天入住五星级酒店3次" in rich["evidence"]
    assert poor["capacity_class"] == "incapable" and poor["action"] == "终本退出及救助审查"
    assert (
        "享受最低生活保障（低保）" in poor["evidence"] and "网络查控未发现财产" in poor["evidence"]
    )
    assert none["capacity_class"] == "uncertain" and none["action"] == "人工核查"
    assert "未进行网络查控" in none["evidence"]
    cut = MODEL.thresholds
    assert rich["capacity_score"] > cut.dishonest > cut.incapable > poor["capacity_score"]


def test_more_evidence_of_means_ranks_higher() -> None:
    ents, wel, ast, cons = _scenario()
    base = _table(ents, wel, ast, cons)["RICH"]["capacity_score"]
    fewer = _table(ents, wel, ast.filter(pl.col("value") != 800_000.0), cons)["RICH"][
        "capacity_score"
    ]
    assert fewer < base


def test_gender_and_name_never_change_the_score() -> None:
    ents, wel, ast, cons = _scenario()
    # The engine links a full ID despite another name, and gender is blanked before linking.
    swapped = ents.with_columns(
        pl.when(pl.col("gender") == "M").then(pl.lit("F")).otherwise(pl.lit("M")).alias("gender"),
        pl.col("name").replace({"张伟": "买买提·艾力", "王芳": "阿依古丽", "刘洋": "扎西·多吉"}),
    )
    a, b = _table(ents, wel, ast, cons), _table(swapped, wel, ast, cons)
    for k in a:
        assert (a[k]["capacity_score"], a[k]["capacity_class"]) == (
            b[k]["capacity_score"],
            b[k]["capacity_class"],
        )
    assert not any("gender" in n or "name" in n or "ethnic" in n for n in TERM_NAMES)


def test_unknown_term_rejected() -> None:
    with pytest.raises(ValueError, match="unknown model terms"):
        CapacityModel(version="x", intercept=0.0, weights={"gender": 1.0})


def _known_world(n: int = 4000) -> tuple[pl.DataFrame, pl.DataFrame, CapacityModel, dict]:
    """Features and outcomes drawn from known weights (a synthetic known-parameter set-up)."""
    rng = np.random.default_rng(7)
    feats = pl.DataFrame(
        {
            "entry_id": [f"E{i}" for i in range(n)],
            "real_estate_count": rng.integers(0, 3, n),
            "welfare_minimum_living": rng.random(n) < 0.3,
            "beh_evasion": rng.random(n) < 0.2,
            "evidence_sources": np.ones(n, dtype=np.int64),
        }
    )
    truth = {"real_estate": 1.5, "minimum_living": -2.0, "beh_evasion": 1.0}
    prior = CapacityModel(version="t", intercept=0.0, weights=dict.fromkeys(truth, 0.0))
    x = design_matrix(feats, prior.names)
    logit = -0.5 + x @ np.array([truth[k] for k in prior.names])
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    outcomes = pl.DataFrame(
        {"entry_id": feats["entry_id"], "outcome": np.where(y, "dishonest", "incapable")}
    )
    return feats, outcomes, prior, truth


def test_fit_recovers_known_weights() -> None:
    """Synthetic known-parameter check: outcomes drawn from known weights are recovered."""
    feats, outcomes, prior, truth = _known_world()
    fitted = fit(feats, outcomes, base=prior, l2=0.1)
    for k, w in truth.items():
        assert fitted.weights[k] == pytest.approx(w, abs=0.25)
    assert fitted.thresholds.incapable < fitted.thresholds.dishonest


def test_fit_chooses_cut_offs_for_the_declared_precision() -> None:
    feats, outcomes, prior, _ = _known_world()
    targets = Thresholds(target_precision_dishonest=0.85, target_precision_incapable=0.9)
    fitted = fit(feats, outcomes, base=prior.model_copy(update={"thresholds": targets}), l2=0.1)
    scored = score(fitted, feats).join(outcomes, on="entry_id")
    for cls, target in (("dishonest", 0.85), ("incapable", 0.9)):
        called = scored.filter(pl.col("capacity_class") == cls)
        assert called.height >= targets.min_band
        assert (called["outcome"] == cls).mean() >= target
    # The widest band that meets the target: one step lower would fall short or be too small.
    t = fitted.thresholds
    wider = scored.filter(pl.col("capacity_score") >= t.dishonest - 0.5)
    assert (wider["outcome"] == "dishonest").mean() < 0.85 or t.dishonest == 50.0
    assert "target precision 85% (失信) / 90% (失能)" in t.chosen_by


def test_strictest_cut_offs_hold_the_precision_on_every_source() -> None:
    """A second source where welfare says less (more fraud) must not lower the promise."""
    feats, outcomes, prior, _ = _known_world()
    targets = Thresholds(target_precision_dishonest=0.85, target_precision_incapable=0.85)
    fitted = fit(feats, outcomes, base=prior.model_copy(update={"thresholds": targets}), l2=0.1)
    # the same people, but some able debtors now also draw 低保 (fraud)
    rng = np.random.default_rng(3)
    able = (outcomes["outcome"] == "dishonest").to_numpy()
    fraud = able & (rng.random(len(able)) < 0.05)
    noisy = feats.with_columns(
        (pl.col("welfare_minimum_living") | pl.Series(fraud)).alias("welfare_minimum_living")
    )
    sources = [(feats, outcomes), (noisy, outcomes)]
    strict = strictest_thresholds(fitted, sources, label="two settings")
    own = [derive_thresholds(fitted, f, o, label="one").thresholds for f, o in sources]
    assert strict.thresholds.dishonest == max(t.dishonest for t in own)
    assert strict.thresholds.incapable == min(t.incapable for t in own)
    for f, _ in sources:
        scored = score(strict, f).join(outcomes, on="entry_id")
        for cls in ("dishonest", "incapable"):
            called = scored.filter(pl.col("capacity_class") == cls)
            assert called.height >= strict.thresholds.min_band
            assert (called["outcome"] == cls).mean() >= 0.85
    assert own[1].dishonest > own[0].dishonest  # the noisy source alone needed the stricter cut
    assert "strictest over 2" in strict.thresholds.chosen_by
    with pytest.raises(ValueError):
        strictest_thresholds(fitted, [], label="none")


def test_default_model_covers_every_term_and_features_supply_them() -> None:
    assert set(MODEL.weights) == set(TERM_NAMES)
    ents, wel, ast, cons = _scenario()
    links = link_all(ents, welfare=wel, assets=ast, thresholds=MatchThresholds(), as_of=AS_OF)
    feats = build_features(
        ents,
        welfare=links.welfare,
        assets=links.assets,
        consumption=cons,
        legal_reps=links.legal_reps,
        as_of=AS_OF,
        params=MODEL.params,
    )
    x = design_matrix(feats)
    assert x.shape == (3, len(TERM_NAMES)) and np.isfinite(x).all()


def test_every_term_is_documented_with_the_direction_fit_enforces() -> None:
    """docs/capacity.md's feature table names every term once, with the sign `fit` holds it to."""
    import re
    from pathlib import Path

    from pipelines.capacity.terms import DIRECTION

    doc = (Path(__file__).parents[1] / "docs" / "capacity.md").read_text(encoding="utf-8")
    table = doc.split("## Features and the direction each may push", 1)[1].split("\n## ", 1)[0]
    sign = {"+": 1, "−": -1, "-": -1, "0": 0}
    documented: dict[str, int] = {}
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1] in sign:
            for name in re.findall(r"`([a-z_]+)`", cells[0]):
                assert name not in documented, f"{name} documented twice"
                documented[name] = sign[cells[1]]
    assert documented == DIRECTION

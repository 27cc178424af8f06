"""Welfare and asset-inquiry sources drawn from a latent ability to pay, with deliberate overlap.

Each listed person gets `latent_class` (dishonest 60% / incapable 40%) and `latent_ability` in
0..1 drawn from overlapping Beta distributions (dishonest Beta(4,2), incapable Beta(1.5,5)), so
ability itself does not separate the classes. Signals are then drawn from ability and class with
noise on every side, so no single signal separates them either:
- welfare: incapable are often on 低保/特困/disability/illness/unemployed, but a share of the
  dishonest are on 低保 fraudulently, and many incapable have no welfare record at all;
- assets: a quarter of debtors have no inquiry at all; an inquiry that finds nothing writes a
  `none` row; the chance and size of each asset grow with ability, and incapable people still
  have small deposits and a minimum social-insurance base.
- conduct (`case_conduct`): listing grounds and partial payment lean toward the class they
  point to by one stated likelihood ratio, never decide it.
`shifted` lowers inquiry coverage and raises welfare noise to test robustness of a model.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.synth.lists import REF_DATE

SETTINGS = {
    "base": {
        "inquired": 0.75,
        "welfare_incapable": 0.55,
        "welfare_fraud": 0.06,
        "deposit_incapable": 0.30,
    },
    "shifted": {
        "inquired": 0.45,
        "welfare_incapable": 0.40,
        "welfare_fraud": 0.15,
        "deposit_incapable": 0.45,
    },
}
_WELFARE = np.array(
    ["minimum_living", "extreme_poverty", "disability", "serious_illness", "unemployed"]
)
_WELFARE_P = np.array([0.40, 0.10, 0.18, 0.12, 0.20])
_ASSETS = ("real_estate", "vehicle", "equity", "securities")


def latent(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Latent class labels and ability for `n` debtors."""
    dishonest = rng.random(n) < 0.6
    ability = np.where(dishonest, rng.beta(4, 2, n), rng.beta(1.5, 5, n))
    return np.where(dishonest, "dishonest", "incapable"), np.round(ability, 4)


def welfare(
    rng: np.random.Generator, people: pl.DataFrame, cls: np.ndarray, setting: str
) -> pl.DataFrame:
    """Welfare status rows for the people who have one."""
    s = SETTINGS[setting]
    n = people.height
    p = np.where(cls == "incapable", s["welfare_incapable"], s["welfare_fraud"])
    has = rng.random(n) < p
    kind = _WELFARE[rng.choice(len(_WELFARE), n, p=_WELFARE_P)]
    # Fraud is mostly 低保, else a registered unemployment or disability claim hiding income.
    fraud = np.array(["minimum_living", "unemployed", "disability"])[
        rng.choice(3, n, p=[0.6, 0.25, 0.15])
    ]
    kind = np.where(cls == "dishonest", fraud, kind)
    since = REF_DATE - rng.integers(60, 3000, n).astype("timedelta64[D]")
    ended = rng.random(n) < 0.15
    until = np.where(
        ended, since + rng.integers(30, 900, n).astype("timedelta64[D]"), np.datetime64("NaT")
    )
    frame = pl.DataFrame(
        {
            "id_number": people["id18"],
            "name": people["name"],
            "status_type": kind,
            "since": pl.Series(since).cast(pl.Date),
            "until": pl.Series(until).cast(pl.Date),
        }
    )
    return frame.filter(pl.Series(has))


def assets(
    rng: np.random.Generator,
    people: pl.DataFrame,
    cls: np.ndarray,
    ability: np.ndarray,
    setting: str,
) -> pl.DataFrame:
    """Asset-inquiry rows: found assets, `none` for empty inquiries, nothing for the uninquired."""
    s = SETTINGS[setting]
    n = people.height
    inquired = rng.random(n) < s["inquired"]
    queried = pl.Series(REF_DATE - rng.integers(0, 365, n).astype("timedelta64[D]")).cast(pl.Date)
    parts: list[pl.DataFrame] = []
    found_any = np.zeros(n, dtype=bool)

    def add(mask: np.ndarray, kind: str, value: np.ndarray) -> None:
        nonlocal found_any
        hit = mask & inquired
        found_any |= hit
        parts.append(
            pl.DataFrame(
                {"_i": np.flatnonzero(hit), "asset_type": kind, "value": np.round(value[hit], 2)}
            )
        )

    small = rng.random(n) < s["deposit_incapable"]
    deposit_p = np.where(cls == "incapable", small, rng.random(n) < 0.3 + 0.6 * ability)
    add(deposit_p, "deposit", np.exp(rng.normal(6.5 + 5 * ability, 1.0)))
    for k, kind in enumerate(_ASSETS):
        add(
            rng.random(n) < (0.05 + 0.5 * ability) * (0.9 - 0.15 * k),
            kind,
            np.exp(rng.normal(11 + 2 * ability, 0.8)),
        )
    employed = rng.random(n) < 0.2 + 0.6 * ability
    add(
        employed,
        "social_insurance_base",
        np.round(np.exp(rng.normal(8.3 + 1.2 * ability, 0.25)), -1),
    )
    none = inquired & ~found_any
    parts.append(
        pl.DataFrame(
            {"_i": np.flatnonzero(none), "asset_type": "none", "value": np.zeros(int(none.sum()))}
        )
    )
    rows = pl.concat(parts).sort("_i", "asset_type")
    idx = rows["_i"].to_numpy()
    return pl.DataFrame(
        {
            "id_number": people["id18"].gather(idx),
            "name": people["name"].gather(idx),
            "asset_type": rows["asset_type"],
            "value": rows.select(
                pl.when(pl.col("asset_type") == "none").then(None).otherwise(pl.col("value"))
            ).to_series(),
            "queried_on": queried.gather(idx),
        }
    )


# Grounds for listing and partial payment lean toward the debtor's latent class, never decide
# it. What we believe, stated once: each ground is about as common overall as courts report it
# (refusal and failing to report assets most often, evasion and consumption breaches rarely), and
# a ground that points to a class is TWICE as likely for a debtor of that class. Refusing while
# able, evading and breaching the consumption order point to means; failing to report assets
# (there is nothing to report) and breaking a settlement one cannot keep point to inability; so
# does having paid part of the debt in good faith (the unable pay what they can). One likelihood
# ratio (2) for every signal, not rates read off any sample.
_GROUNDS = (
    "有履行能力而拒不履行生效法律文书确定义务",
    "违反财产报告制度",
    "违反限制消费令",
    "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
    "无正当理由拒不履行执行和解协议",
)
_GROUND_BASE = np.array([0.3, 0.3, 0.1, 0.1, 0.2])
_GROUND_POINTS_TO_MEANS = np.array([True, False, True, True, False])
_LIKELIHOOD_RATIO = 2.0


def _grounds_p(able: bool) -> np.ndarray:
    w = _GROUND_BASE * np.where(_GROUND_POINTS_TO_MEANS == able, _LIKELIHOOD_RATIO, 1.0)
    return np.asarray(w / w.sum())


_GROUNDS_P = {"dishonest": _grounds_p(True), "incapable": _grounds_p(False)}
_PARTIAL_P = {"dishonest": 0.15, "incapable": 0.15 * _LIKELIHOOD_RATIO}


def case_conduct(seed: int, entries: pl.DataFrame, person_cap: pl.DataFrame) -> pl.DataFrame:
    """Person entries with `behavior` and partial performance drawn from the latent class.

    Its own random stream (`[seed, 27]`), so the rest of the world is the same draw as before.
    Organisation entries keep what they had (they have no latent class).
    """
    rng = np.random.default_rng([seed, 27])
    cls_of = entries.select(pl.col("_pid").cast(pl.Int64).alias("pid"), "party_type").join(
        person_cap.select("pid", "latent_class"), on="pid", how="left", maintain_order="left"
    )
    person = (cls_of["party_type"] == "person").to_numpy() & cls_of[
        "latent_class"
    ].is_not_null().to_numpy()
    able = (cls_of["latent_class"] == "dishonest").fill_null(False).to_numpy()
    n = entries.height
    u = rng.random(n)
    cum_able = np.cumsum(_GROUNDS_P["dishonest"])
    cum_unable = np.cumsum(_GROUNDS_P["incapable"])
    pick = np.where(able, np.searchsorted(cum_able, u), np.searchsorted(cum_unable, u))
    grounds = np.array(_GROUNDS)[np.minimum(pick, len(_GROUNDS) - 1)]
    partial = rng.random(n) < np.where(able, _PARTIAL_P["dishonest"], _PARTIAL_P["incapable"])
    share = rng.uniform(0.05, 0.6, n)
    due = entries["amount_due"].cast(pl.Float64).to_numpy()
    performed = np.where(partial, np.round(due * share, 2), 0.0)
    return entries.with_columns(
        pl.when(pl.Series(person))
        .then(pl.Series(grounds))
        .otherwise(pl.col("behavior"))
        .alias("behavior"),
        pl.when(pl.Series(person))
        .then(pl.Series(np.where(partial, "部分履行", "全部未履行")))
        .otherwise(pl.col("performance"))
        .alias("performance"),
        pl.when(pl.Series(person))
        .then(pl.Series(performed))
        .otherwise(pl.col("amount_performed"))
        .alias("amount_performed"),
    )

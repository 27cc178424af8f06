"""Court list entries: the snapshot and one delta, with hidden truth columns prefixed `_`.

Published lists mask most person IDs (`1101051985****2315`, `3302**********0016`), a few carry
the full number or a legacy 15-digit one, a few none. Organisations carry a USCC or only the old
9-char organisation code. `_pid` / `_org` / `_id_form` say who an entry really is.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.synth.idgen import mask_ric, region_table, to_legacy

REF_DATE = np.datetime64("2025-06-30")  # fixed "today" of the synthetic world: never read the clock
PERSON_ID_FORMS = (
    ("masked_a", 0.55),
    ("masked_b", 0.20),
    ("full", 0.15),
    ("legacy", 0.05),
    ("none", 0.05),
)
_DUTIES = (
    "支付货款及利息",
    "偿还借款本金及利息",
    "支付工程款",
    "支付劳动报酬",
    "赔偿损失",
    "返还租金",
)
_BEHAVIORS = (
    "有履行能力而拒不履行生效法律文书确定义务",
    "违反财产报告制度",
    "违反限制消费令",
    "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
    "无正当理由拒不履行执行和解协议",
)


def _pick(rng: np.random.Generator, items: tuple[str, ...], n: int) -> pl.Series:
    return pl.Series(list(items), dtype=pl.String).gather(rng.integers(0, len(items), n))


def _choice(rng: np.random.Generator, spec: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    labels = np.array([s for s, _ in spec])
    p = np.array([w for _, w in spec])
    return labels[rng.choice(len(labels), n, p=p / p.sum())]


def _case_columns(
    rng: np.random.Generator, n: int, published_lo: str, published_hi: str
) -> pl.DataFrame:
    """Court, case number, dates, duties and amounts shared by person and organisation entries."""
    regions = region_table()
    court = regions[rng.integers(0, regions.height, n)]
    lo, hi = np.datetime64(published_lo), np.datetime64(published_hi)
    published = lo + rng.integers(0, int((hi - lo).astype(int)), n).astype("timedelta64[D]")
    filed = published - rng.integers(60, 900, n).astype("timedelta64[D]")
    due = np.round(np.exp(rng.normal(11.0, 1.3, n)), 2)
    partial = rng.random(n) < 0.2
    performed = np.where(partial, np.round(due * rng.uniform(0.05, 0.6, n), 2), 0.0)
    year = filed.astype("datetime64[Y]").astype(int) + 1970
    return pl.DataFrame(
        {
            "court": (court["province"] + court["county"] + "人民法院"),
            "province": court["province"],
            "case_no": pl.Series(
                [f"（{y}）执{k}号" for y, k in zip(year, rng.integers(1, 30000, n), strict=True)]
            ),
            "basis_doc_no": pl.Series(
                [
                    f"（{y - 1}）民初{k}号"
                    for y, k in zip(year, rng.integers(1, 30000, n), strict=True)
                ]
            ),
            "basis_org": court["county"] + "人民法院",
            "duty": _pick(rng, _DUTIES, n),
            "performance": pl.Series(np.where(partial, "部分履行", "全部未履行")),
            "behavior": _pick(rng, _BEHAVIORS, n),
            "filed_on": pl.Series(filed).cast(pl.Date),
            "published_on": pl.Series(published).cast(pl.Date),
            "amount_due": pl.Series(due),
            "amount_performed": pl.Series(performed),
            "list_type": pl.Series(
                np.where(rng.random(n) < 0.7, "dishonest", "consumption_restriction")
            ),
        }
    )


def _shown_id(id18: pl.Expr, form: pl.Expr | pl.Series) -> pl.Expr:
    """The ID text the court publishes for a person entry of the given form."""
    # a Series when the forms are drawn apart from the frame (legal reps of org entries)
    return (
        pl.when(form == "masked_a")
        .then(mask_ric(id18, pl.lit("a")))
        .when(form == "masked_b")
        .then(mask_ric(id18, pl.lit("b")))
        .when(form == "full")
        .then(id18)
        .when(form == "legacy")
        .then(to_legacy(id18))
        .otherwise(pl.lit(None, pl.String))
    )


def person_entries(
    rng: np.random.Generator, debtors: pl.DataFrame, published: tuple[str, str]
) -> pl.DataFrame:
    """One entry per debtor row (repeat a debtor row to give them several cases)."""
    n = debtors.height
    form = _choice(rng, PERSON_ID_FORMS, n)
    # Legacy 15-digit numbers were replaced from 1999 on; only people born before 1985
    # still show one.
    form = np.where(
        (form == "legacy") & (debtors["birth"].dt.year() >= 1985).to_numpy(), "masked_a", form
    )
    cases = _case_columns(rng, n, *published)
    pub = cases["published_on"]
    age = (pub.dt.year() - debtors["birth"].dt.year()) - (
        (pub.dt.ordinal_day() < debtors["birth"].dt.ordinal_day()).cast(pl.Int32)
    )
    return pl.concat(
        [
            debtors.select(
                pl.lit("person").alias("party_type"),
                "name",
                "gender",
                pl.col("pid").alias("_pid"),
                pl.lit(None, pl.Int64).alias("_org"),
                pl.col("id18").alias("_id18"),
            ).with_columns(
                pl.Series("age", age),
                pl.Series("_id_form", form),
                pl.lit(None, pl.String).alias("legal_rep"),
                pl.lit(None, pl.String).alias("legal_rep_id_number"),
            ),
            cases,
        ],
        how="horizontal",
    ).with_columns(id_number=_shown_id(pl.col("_id18"), pl.col("_id_form")))


def org_entries(
    rng: np.random.Generator, orgs: pl.DataFrame, reps: pl.DataFrame, published: tuple[str, str]
) -> pl.DataFrame:
    """One entry per organisation row; `reps` is row-aligned (the legal representative of each)."""
    n = orgs.height
    form = np.where(rng.random(n) < 0.8, "uscc", "org_code")
    rep_form = np.where(rng.random(n) < 0.6, "masked_a", "none")
    cases = _case_columns(rng, n, *published)
    return pl.concat(
        [
            pl.DataFrame(
                {
                    "party_type": pl.Series(["org"] * n, dtype=pl.String),
                    "name": orgs["name"],
                    "gender": pl.Series([None] * n, dtype=pl.String),
                    "_pid": reps["pid"].cast(pl.UInt32),
                    "_org": orgs["org"].cast(pl.Int64),
                    "_id18": orgs["uscc"],
                    "age": pl.Series([None] * n, dtype=pl.Int32),
                    "_id_form": pl.Series(form),
                    "legal_rep": reps["name"],
                    "legal_rep_id_number": reps.select(
                        _shown_id(pl.col("id18"), pl.Series(rep_form))
                    ).to_series(),
                }
            ),
            cases,
        ],
        how="horizontal",
    ).with_columns(
        id_number=pl.when(pl.col("_id_form") == "uscc")
        .then(pl.col("_id18"))
        .otherwise(pl.col("_id18").str.slice(8, 9)),
    )


COLUMNS = (
    "entry_id",
    "list_type",
    "party_type",
    "name",
    "gender",
    "age",
    "id_number",
    "legal_rep",
    "legal_rep_id_number",
    "court",
    "province",
    "case_no",
    "basis_doc_no",
    "basis_org",
    "duty",
    "performance",
    "behavior",
    "filed_on",
    "published_on",
    "amount_due",
    "amount_performed",
    "status",
    "removed_on",
)


def finish(entries: pl.DataFrame, prefix: str, start: int) -> pl.DataFrame:
    """Give entries ids `<prefix><8 digits>` and active status; keep `_` truth columns last."""
    return entries.with_columns(
        pl.concat_str(
            [pl.lit(prefix), (pl.int_range(pl.len()) + start).cast(pl.String).str.zfill(8)]
        ).alias("entry_id"),
        pl.lit("active").alias("status"),
        pl.lit(None, pl.Date).alias("removed_on"),
    ).select(*COLUMNS, pl.col("^_.*$"))


def removals(rng: np.random.Generator, snapshot: pl.DataFrame, share: float) -> pl.DataFrame:
    """Delta rows withdrawing a share of snapshot entries (debt paid, revoked or expired)."""
    pick = np.sort(rng.choice(snapshot.height, int(round(snapshot.height * share)), replace=False))
    sub = snapshot[pick]
    days = rng.integers(30, 400, sub.height).astype("timedelta64[D]")
    removed_on = np.minimum(sub["published_on"].to_numpy().astype("datetime64[D]") + days, REF_DATE)
    return sub.with_columns(
        pl.lit("removed").alias("status"), pl.Series("removed_on", removed_on).cast(pl.Date)
    )

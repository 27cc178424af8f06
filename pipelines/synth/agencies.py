"""Agency datasets: random customers with a few percent of true listed parties and hard negatives.

Every record starts from fresh random people (same name distribution as the list, so natural
homonyms occur). Then `inject` overwrites chosen (row, role) slots with a listed party distorted
by a quirk, or with a prepared hard-negative person. Truth is one row per screened (record, role).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.synth.lists import REF_DATE

_HOTEL_BRANDS = (
    "如家",
    "汉庭",
    "锦江之星",
    "全季",
    "亚朵",
    "希尔顿",
    "万豪",
    "洲际",
    "香格里拉",
    "维也纳",
    "格林豪泰",
    "凯悦",
)
_SCHOOLS = ("实验小学", "外国语学校", "第一中学", "双语学校", "国际学校", "育才学校", "附属小学")
_PROGRAMS = (
    "创业担保贷款贴息",
    "稳岗补贴",
    "技能提升补贴",
    "科技型中小企业研发补助",
    "农机购置补贴",
    "一次性创业补贴",
)
_DEPARTMENTS = ("人力资源和社会保障局", "财政局", "科学技术局", "农业农村局", "工业和信息化局")
_EXAMS = ("2025年度中央机关公务员招考", "2025年省考", "2025年事业单位公开招聘")
_STAGES = ("报名", "笔试", "面试", "体检", "政审", "录用")
STAR_P = np.array([0.45, 0.03, 0.10, 0.20, 0.14, 0.08])


def _pick(rng: np.random.Generator, items: tuple[str, ...], n: int) -> pl.Series:
    return pl.Series(list(items), dtype=pl.String).gather(rng.integers(0, len(items), n))


def _ids(prefix: str, n: int) -> pl.Series:
    return pl.select(
        pl.concat_str([pl.lit(prefix), (pl.int_range(n) + 1).cast(pl.String).str.zfill(9)])
    ).to_series()


def _when(mask: np.ndarray, a: pl.Series | None, b: pl.Series | None) -> pl.Series:
    """Row-wise choice between two string series (None = null), staying in polars."""
    none = pl.lit(None, pl.String)
    expr = (
        pl.when(pl.Series(mask)).then(none if a is None else a).otherwise(none if b is None else b)
    )
    return pl.select(expr.cast(pl.String)).to_series()


def _dates(rng: np.random.Generator, n: int, days_back: int) -> np.ndarray:
    return REF_DATE - rng.integers(0, days_back, n).astype("timedelta64[D]")


def hotel(rng: np.random.Generator, guests: pl.DataFrame, ability: np.ndarray) -> pl.DataFrame:
    """Hotel registrations; `ability` (NaN for customers) raises the star rating of able debtors."""
    n = guests.height
    star = rng.choice(6, n, p=STAR_P)
    able = ~np.isnan(ability)
    rated = rng.random(n) < 0.25 + 0.65 * np.nan_to_num(ability)
    star = np.where(able, np.where(rated, rng.integers(1, 6, n), 0), star)
    rate = np.round(np.exp(rng.normal(5.0 + 0.35 * star, 0.3)), 0)
    check_in = _dates(rng, n, 30).astype("datetime64[s]") + rng.integers(
        8 * 3600, 23 * 3600, n
    ).astype("timedelta64[s]")
    check_out = (
        check_in.astype("datetime64[D]")
        + rng.integers(1, 5, n).astype("timedelta64[D]")
        + np.timedelta64(12, "h")
    )
    city = guests["_city"]
    return pl.DataFrame(
        {
            "record_id": _ids("HB", n),
            "guest_name": guests["name"],
            "id_type": pl.Series(["resident_id"] * n),
            "id_number": guests["id18"],
            "hotel_name": city + _pick(rng, _HOTEL_BRANDS, n) + "酒店",
            "hotel_star": pl.Series(star).cast(pl.String),
            "room_rate": pl.Series(rate).cast(pl.String),
            "check_in": pl.Series(check_in.astype("datetime64[ms]")).dt.strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "check_out": pl.Series(check_out.astype("datetime64[ms]")).dt.strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "city": city,
        }
    )


def school(
    rng: np.random.Generator,
    g1: pl.DataFrame,
    g2: pl.DataFrame,
    kids: pl.DataFrame,
    ability: np.ndarray,
) -> pl.DataFrame:
    """Enrolments; private schools charge around the 20,000 CNY threshold.

    Able debtors choose private schools more often.
    """
    n = g1.height
    private = np.where(
        np.isnan(ability), rng.random(n) < 0.3, rng.random(n) < 0.2 + 0.6 * np.nan_to_num(ability)
    )
    edge = rng.choice([19_999.0, 20_000.0, 20_001.0], n)
    fee = np.where(
        private,
        np.where(rng.random(n) < 0.1, edge, np.round(np.exp(rng.normal(9.9, 0.45, n)), -2)),
        np.where(rng.random(n) < 0.7, 0.0, np.round(rng.uniform(500, 3000, n), -2)),
    )
    has2 = rng.random(n) < 0.6
    enrolled = (
        REF_DATE.astype("datetime64[Y]")
        + np.timedelta64(0, "D")
        + np.timedelta64(243, "D")
        - rng.integers(0, 3, n).astype("timedelta64[D]")
    )
    return pl.DataFrame(
        {
            "record_id": _ids("SE", n),
            "student_name": g1["surname"].str.replace(r"^$", "李") + kids["name"].str.slice(-1),
            "student_id_number": kids["id18"],
            "school_name": g1["_city"] + _pick(rng, _SCHOOLS, n),
            "school_type": pl.Series(np.where(private, "private", "public")),
            "annual_fee": pl.Series(fee).cast(pl.String),
            "guardian_name": g1["name"],
            "guardian_id_number": g1["id18"],
            "guardian2_name": _when(has2, g2["name"], None),
            "guardian2_id_number": _when(has2, g2["id18"], None),
            "enrolled_on": pl.Series(enrolled).cast(pl.Date).cast(pl.String),
            "region": g1["_city"],
        }
    )


def subsidy(
    rng: np.random.Generator, applicants: pl.DataFrame, orgs: pl.DataFrame, reps: pl.DataFrame
) -> pl.DataFrame:
    """Subsidy applications by people (60%) and organisations with their legal representatives."""
    n = applicants.height
    is_org = rng.random(n) < 0.4
    amount = np.round(
        np.where(is_org, np.exp(rng.normal(11.5, 1.0, n)), np.exp(rng.normal(8.5, 0.7, n))), -1
    )
    return pl.DataFrame(
        {
            "record_id": _ids("SA", n),
            "applicant_type": pl.Series(np.where(is_org, "org", "person")),
            "applicant_name": _when(is_org, orgs["name"], applicants["name"]),
            "id_number": _when(is_org, orgs["uscc"], applicants["id18"]),
            "legal_rep_name": _when(is_org, reps["name"], None),
            "legal_rep_id_number": _when(is_org, reps["id18"], None),
            "program": _pick(rng, _PROGRAMS, n),
            "amount": pl.Series(amount).cast(pl.String),
            "applied_on": pl.Series(_dates(rng, n, 60)).cast(pl.Date).cast(pl.String),
            "department": applicants["_city"] + _pick(rng, _DEPARTMENTS, n),
        }
    )


def civil(rng: np.random.Generator, cands: pl.DataFrame) -> pl.DataFrame:
    """Civil-service candidates with declared gender and birth date."""
    n = cands.height
    return pl.DataFrame(
        {
            "record_id": _ids("CS", n),
            "name": cands["name"],
            "id_number": cands["id18"],
            "gender": cands["gender"],
            "birth_date": cands["birth"].cast(pl.String),
            "exam": _pick(rng, _EXAMS, n),
            "position_code": pl.Series(rng.integers(10_000_000, 99_999_999, n)).cast(pl.String),
            "stage": _pick(rng, _STAGES, n),
            "registered_on": pl.Series(_dates(rng, n, 90)).cast(pl.Date).cast(pl.String),
        }
    )

"""One assessment per debtor, and the night's hits used: grouping, invariance, sweep -> capacity."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from matching.config import MatchThresholds
from pipelines.capacity import assess
from pipelines.capacity.persons import ids_agree, person_keys
from pipelines.capacity.run import CapacityRequest, night_of, run_capacity
from pipelines.settings import default_settings
from tests.test_capacity_helpers import AS_OF, assets, consumption, entries, entry, welfare
from tests.test_capacity_model import MODEL

ID_A = "11010519850312231X"
ID_B = "110105195001011236"


def _two_cases_one_person() -> pl.DataFrame:
    return entries(
        # the same person published with a full and with a masked number, on both lists
        entry("A1", id_number=ID_A, amount_due=50_000.0, court="北京市朝阳区人民法院"),
        entry(
            "A2",
            id_number="1101051985****231X",
            list_type="consumption_restriction",
            amount_due=30_000.0,
            court="北京市海淀区人民法院",
            behavior=None,
        ),
        entry("B1", name="王芳", gender="F", id_number=ID_B, age=75),
        # a namesake of A with a different full number: another person
        entry("C1", id_number="110105199001011230"),
    )


def test_entries_of_one_person_are_one_debtor() -> None:
    keys = person_keys(_two_cases_one_person(), thresholds=MatchThresholds(), as_of=AS_OF)
    debtor = dict(keys.iter_rows())
    assert debtor["A1"] == debtor["A2"] == "A1"
    assert debtor["B1"] == "B1" and debtor["C1"] == "C1"


def test_every_entry_of_a_person_carries_the_same_assessment() -> None:
    ents = _two_cases_one_person()
    # the consumption hit and the asset row point at one case only; both cases get the credit
    cons = consumption(
        {
            "entry_id": "A2",
            "agency": "hotel_booking",
            "event_date": date(2025, 6, 1),
            "hotel_star": 5,
            "room_rate": 1800.0,
        }
    )
    ast = assets(
        {
            "id_number": ID_A,
            "asset_type": "real_estate",
            "value": 900_000.0,
            "queried_on": date(2025, 6, 1),
        }
    )
    wel = welfare({"id_number": ID_B, "status_type": "minimum_living", "since": date(2022, 1, 1)})
    table, features = assess(
        ents,
        welfare=wel,
        assets=ast,
        consumption=cons,
        as_of=AS_OF,
        model=MODEL,
        match_thresholds=MatchThresholds(),
    )
    rows = {r["entry_id"]: r for r in table.iter_rows(named=True)}
    a1, a2 = rows["A1"], rows["A2"]
    shared = ("capacity_score", "capacity_class", "evidence", "action", "debtor_id", "cases")
    assert all(a1[k] == a2[k] for k in shared)
    assert a1["cases"] == 2 and a1["amount_due_total"] == 80_000.0
    assert a1["court"] != a2["court"]  # each case stays with its own enforcing court
    assert "五星级酒店" in a1["evidence"]
    debtor_a = features.filter(pl.col("entry_id") == a1["debtor_id"]).row(0, named=True)
    assert debtor_a["real_estate_count"] == 1 and debtor_a["hotel_stays"] == 1
    assert features.height == 3  # A, B and the namesake C: one feature row per debtor
    assert rows["C1"]["debtor_id"] == "C1" and rows["C1"]["cases"] == 1


def test_gender_and_ethnicity_never_change_a_debtor_or_a_score() -> None:
    ents = _two_cases_one_person()
    flipped = ents.with_columns(
        pl.when(pl.col("gender") == "M").then(pl.lit("F")).otherwise(pl.lit("M")).alias("gender"),
        pl.lit("维吾尔族").alias("ethnicity"),
    )
    base = ents.with_columns(pl.lit("汉族").alias("ethnicity"))
    ast = assets(
        {"id_number": ID_A, "asset_type": "deposit", "value": 80_000.0, "queried_on": AS_OF}
    )
    wel = welfare({"id_number": ID_B, "status_type": "disability", "since": date(2020, 1, 1)})
    out = []
    for ents_ in (base, flipped):
        table, _ = assess(
            ents_,
            welfare=wel,
            assets=ast,
            consumption=None,
            as_of=AS_OF,
            model=MODEL,
            match_thresholds=MatchThresholds(),
        )
        out.append(table.select("entry_id", "debtor_id", "capacity_score", "capacity_class"))
    assert out[0].equals(out[1])


def test_the_run_date_is_the_night_unless_the_files_are_a_replay() -> None:
    night = date(2026, 3, 2)
    assert night_of([night], night - timedelta(days=1), 365) == night
    assert night_of([], night - timedelta(days=1), 365) == night - timedelta(days=1)
    replay = date(2024, 11, 16)
    assert night_of([night], replay, 365) == replay


def _world(root: Path, night: date) -> dict[str, list[Path]]:
    """A generated world moved to the night before `night`, and its hotel and school sweeps."""
    from pipelines.sweep.run import SweepRequest, run_sweep
    from pipelines.synth import generate

    data = root / "world"
    generate(data, 900, 21, formats="csv", hit_rate=0.3, as_of=night - timedelta(days=1))
    lists = sorted((data / "lists").glob("snapshot.*")) + sorted((data / "lists").glob("delta_*"))
    hits = []
    for agency in ("hotel_booking", "school_enrollment"):
        out = root / "sweeps" / agency
        run_sweep(
            SweepRequest(
                agency=agency,
                lists=tuple(lists),
                input=sorted((data / "agencies").glob(f"{agency}.*"))[0],
                out=out,
                run_date=night,
                settings=default_settings(),
            )
        )
        hits.append(out)
    return {
        "lists": lists,
        "welfare": sorted((data / "capacity").glob("welfare_status.*")),
        "assets": sorted((data / "capacity").glob("asset_inquiry.*")),
        "hits": hits,
    }


def _read(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig") as fh:
        return {r["entry_id"]: r for r in csv.DictReader(fh)}


def test_the_nights_hits_change_the_assessment_of_sighted_debtors(tmp_path: Path) -> None:
    night = date(2026, 3, 2)
    w = _world(tmp_path, night)
    runs = {}
    for name, hits in (("with", w["hits"]), ("without", [])):
        req = CapacityRequest(
            lists=tuple(w["lists"]),
            welfare=w["welfare"][0],
            assets=w["assets"][0],
            out=tmp_path / name,
            hits=tuple(hits),
            reports=False,
        )
        runs[name] = run_capacity(req)
    assert runs["with"]["as_of"] == night.isoformat()  # no --as-of: the sweeps' night
    assert runs["with"]["consumption_hits_used"] > 0
    raw = (tmp_path / "with" / "capacity.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8
    with_hits, without = (
        _read(tmp_path / "with" / "capacity.csv"),
        _read(tmp_path / "without" / "capacity.csv"),
    )
    sighted: set[str] = set()
    for h in w["hits"]:
        with (h / "hits.csv").open(encoding="utf-8-sig") as fh:
            sighted |= {
                r["entry_id"]
                for r in csv.DictReader(fh)
                # seen at a star hotel / a high-fee private school: the hits that always count
                if r["match_decision"] == "match"
                and r["intercept"] == "true"
                and r["entry_id"] in with_hits
            }
    assert sighted
    score = {
        e: (float(with_hits[e]["capacity_score"]), float(without[e]["capacity_score"]))
        for e in sighted
    }
    # a star-hotel stay or a private-school fee raises the score, unless it is already at the
    # top of the scale (100.0 after rounding); every other sighted debtor moves
    assert all(a >= b for a, b in score.values())
    assert all(a > b for a, b in score.values() if b < 99.5)
    assert sum(a > b for a, b in score.values()) >= len(sighted) // 2
    # every entry of one debtor carries one class, with and without the hits
    for table in (with_hits, without):
        by_debtor: dict[str, set[str]] = {}
        for r in table.values():
            by_debtor.setdefault(r["debtor_id"], set()).add(r["capacity_class"])
        assert all(len(c) == 1 for c in by_debtor.values())
    assert any(int(r["cases"]) > 1 for r in with_hits.values())


def test_one_case_listed_twice_with_different_masks_is_one_debtor() -> None:
    """A case's 失信 and 限制消费 entries name one debtor even when no digit pair is readable."""
    ents = entries(
        entry("S1", id_number="11010519890729****"),
        entry("X1", id_number="1101051989****1918", list_type="consumption_restriction"),
        # same case, same name, but readable digits disagree: two co-debtors of one name
        entry("S2", id_number="11010519890729****"),
        entry("X2", id_number="1101051975****1918", list_type="consumption_restriction"),
        # same name, another case: nothing joins them without the engine's word
        entry("S3", id_number="4****************8"),
    ).with_columns(
        pl.Series(
            "case_no",
            [
                "（2019）京01执1号",
                "（2019）京01执1号 ",
                "（2020）京01执2号",
                "（2020）京01执2号",
                "（2021）京01执3号",
            ],
        )
    )
    debtor = dict(person_keys(ents, thresholds=MatchThresholds(), as_of=AS_OF).iter_rows())
    assert debtor["S1"] == debtor["X1"] == "S1"
    assert debtor["S2"] != debtor["X2"]
    assert debtor["S3"] == "S3"
    assert ids_agree("1101051989****1918", "11010519890729****")
    assert not ids_agree("1101051975****1918", "11010519890729****")
    assert ids_agree(None, "110105198907291918") and ids_agree("110105890729191", "1101051989****")


def test_one_case_number_at_two_courts_is_two_cases() -> None:
    """Case numbers recur across courts: the same number and name at another court is not joined."""
    ents = entries(
        entry("S1", id_number="11010519890729****"),
        entry("X1", id_number=None, list_type="consumption_restriction"),
        entry("X2", id_number=None, list_type="consumption_restriction"),
    ).with_columns(
        pl.Series("case_no", ["（2020）执29858号"] * 3),
        pl.Series(
            "court", ["北京市朝阳区人民法院", "北京市朝阳区人民法院", "贵州省六盘水市中级人民法院"]
        ),
    )
    debtor = dict(person_keys(ents, thresholds=MatchThresholds(), as_of=AS_OF).iter_rows())
    assert debtor["S1"] == debtor["X1"] == "S1"
    assert debtor["X2"] == "X2"


def test_two_masks_showing_region_and_birth_year_are_one_person() -> None:
    """One number masked two ways (birth date hidden / last digits hidden) joins under one name;
    a name, region and year shared with a contradicting number is a namesake twin: not joined."""
    ents = entries(
        entry("A1", id_number="4229211987****7828"),
        entry("A2", id_number="42292119870530****", list_type="consumption_restriction"),
        entry("B1", name="王伟", id_number="1101051975****1234"),
        entry("B2", name="王伟", id_number="11010519750101****"),
        entry("B3", name="王伟", id_number="1101051975****5678"),
        entry("C1", name="李娜", id_number="4229211987****7828"),
    ).with_columns(pl.Series("case_no", [f"（2020）京01执{i}号" for i in range(6)]))
    debtor = dict(person_keys(ents, thresholds=MatchThresholds(), as_of=AS_OF).iter_rows())
    assert debtor["A1"] == debtor["A2"] == "A1"
    assert len({debtor["B1"], debtor["B2"], debtor["B3"]}) == 3
    assert debtor["C1"] == "C1"

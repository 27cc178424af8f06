"""Statistics on literal facts: overdue and reply times on the official calendar, ranking."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.courts.stats import StatsInputs, by_agency, by_court, compute, ranking, series
from pipelines.courts.stats_report import charts, page_html

D = date


def _inputs() -> StatsInputs:
    hits = pl.DataFrame(
        {
            "agency": ["hotel_booking", "hotel_booking", "school_enrollment"],
            "run_date": [D(2025, 9, 30), D(2025, 10, 10), D(2025, 9, 30)],
            "entry_id": ["E1", "E2", "E3"],
            "intercept": [True, False, True],
            "court": ["甲法院", "甲法院", "乙法院"],
            "list_type": ["dishonest", "consumption_restriction", "dishonest"],
        }
    )
    alerts = pl.DataFrame(
        {
            "alert_id": ["A1", "A2", "A3"],
            "agency": ["hotel_booking", "hotel_booking", "school_enrollment"],
            "entry_id": ["E1", "E1", "E3"],
            "status": ["sent", "intercepted", "released"],
            "first_run": [D(2025, 9, 30)] * 3,
            "sent_run": [D(2025, 9, 30)] * 3,
            "deadline": [D(2025, 10, 9), D(2025, 10, 9), D(2025, 10, 17)],
            "court": ["甲法院", "甲法院", "乙法院"],
            # a reply on 9 October is one working day after sending: the holiday week is skipped
            "replied_on": [None, D(2025, 10, 9), D(2025, 10, 13)],
            "first_reply": [None, "intercepted", "released"],
        }
    )
    capacity = pl.DataFrame(
        {"entry_id": ["E1", "E3"], "court": ["甲法院", "乙法院"],
         "capacity_class": ["incapable", "dishonest"]}
    )  # fmt: skip
    reviews = pl.DataFrame(
        {"entry_id": ["E1"], "court": ["甲法院"], "measures": ["exit_list,refer_civil_affairs"],
         "decided_on": [D(2025, 10, 9)]}
    )  # fmt: skip
    return StatsInputs(hits=hits, alerts=alerts, capacity=capacity, reviews=reviews)


def test_agency_figures_count_overdue_and_reply_time_in_working_days() -> None:
    rows = {r["agency"]: r for r in by_agency(_inputs(), D(2025, 10, 10)).to_dicts()}
    hotel = rows["hotel_booking"]
    assert (hotel["hits"], hotel["intercepts"], hotel["hits_restricted"]) == (2, 1, 1)
    assert hotel["overdue"] == 1 and hotel["status_intercepted"] == 1
    assert hotel["median_reply_working_days"] == 1 and hotel["replied_on_time"] == 1
    school = rows["school_enrollment"]
    # 9, 10, 11 (a make-up Saturday) and 13 October: four working days
    assert school["overdue"] == 0 and school["median_reply_working_days"] == 4


def test_court_figures_carry_capacity_classes_and_exits() -> None:
    rows = {r["court"]: r for r in by_court(_inputs(), D(2025, 10, 10)).to_dicts()}
    assert rows["甲法院"]["debtors_incapable"] == 1 and rows["甲法院"]["exits"] == 1
    assert rows["甲法院"]["referrals"] == 1 and rows["乙法院"]["debtors_dishonest"] == 1
    assert list(rows) == ["甲法院", "乙法院"]  # most hits first


def test_periods_are_day_iso_week_and_quarter() -> None:
    weeks = series(_inputs(), "week")
    # the reply of 13 October falls in week 42
    assert set(weeks["period"]) == {"2025-W40", "2025-W41", "2025-W42"}
    assert set(series(_inputs(), "quarter")["period"]) == {"2025Q3", "2025Q4"}
    assert "2025-10-10" in set(series(_inputs(), "day")["period"])


def test_ranking_puts_the_on_time_agency_first() -> None:
    ranked = ranking(by_agency(_inputs(), D(2025, 10, 10)))
    assert ranked["agency"].to_list() == ["school_enrollment", "hotel_booking"]
    assert ranked["rank"].to_list() == [1, 2]


def test_html_embeds_four_charts_without_scripts_or_remote_resources() -> None:
    document = compute(_inputs(), D(2025, 9, 30), D(2025, 10, 10))
    drawn = charts(document)
    assert len(drawn) == 4 and all(uri.startswith("data:image/svg+xml;base64,") for _, uri in drawn)
    page = page_html(document)
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org", "")
    assert "酒店住宿登记" in page and "按期反馈率" in page

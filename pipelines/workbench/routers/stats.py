"""The statistics page: charts and tables of the latest published statistics.

Courts, analysts and supervisors see it (the figures hold no personal data); a court user sees
the agency figures, the ranking and its own court's row only. Agency users are refused.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pipelines.courts.stats_report import charts, table_html
from pipelines.review import court_desk
from pipelines.review.models import Role
from pipelines.workbench.deps import ClientIp, CourtOrStaff, Store
from pipelines.workbench.pages import render

router = APIRouter()
TOP_COURTS = 30


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, user: CourtOrStaff, store: Store, ip: ClientIp) -> HTMLResponse:
    """Charts (pygal SVG as data URIs: offline, no script) and the tables."""
    document = court_desk.latest_stats(store)
    store.audit(user, "view_stats", None, ip)
    if document is None:
        return render(request, "stats.html", document=None, figures=[], tables=[])
    courts = document["by_court"]
    if user.role == Role.COURT:
        courts = [r for r in courts if r["court"] == user.agency]
    else:
        # the courts with the most hits; every court is in stats.xlsx
        courts = courts[:TOP_COURTS]
    tables = [
        ("协作单位按期反馈排名", table_html(document["ranking"], "agency")),
        ("按协作单位", table_html(document["by_agency"], "agency")),
        (
            f"按执行法院（命中最多的前 {TOP_COURTS} 家）" if user.role != Role.COURT else "本院",
            table_html(courts, "court"),
        ),
    ]
    return render(
        request,
        "stats.html",
        document=document,
        figures=charts({**document, "by_court": courts}),
        tables=tables,
    )

"""What `credsweep nightly` shows a person: a line per stage while it runs, a readable night.

Progress goes to stderr (so stdout stays the night's summary); the summary names every output's
place and how to open the workbench, instead of the raw result JSON (still available: `--json`).
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from data_contracts.schemas import spec
from pipelines.settings import Settings

COUNTS: tuple[tuple[str, str], ...] = (
    ("records_in", "记录数"),
    ("records_quarantined", "隔离"),
    ("matches", "匹配"),
    ("reviews", "待复核"),
    ("intercepts", "拦截"),
    ("alerts_new", "新增预警"),
    ("alerts_withdrawn", "撤回预警"),
)


class StageProgress:
    """Progress sink: each call starts a stage and closes the previous one with its time."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._stage: str | None = None
        self._started = 0.0

    def __call__(self, stage: str) -> None:
        self.close()
        self._stage, self._started = stage, time.perf_counter()
        self.console.print(f"[bold cyan]▶[/] {stage} …")

    def close(self) -> None:
        """End the running stage (if any) with a tick and its duration."""
        if self._stage is not None:
            took = time.perf_counter() - self._started
            self.console.print(f"[green]✓[/] {self._stage} [dim]({took:.1f} 秒)[/]")
            self._stage = None


def _agency_table(summary: dict) -> Table:
    table = Table(title=f"{summary.get('run_date', '')} 夜间比对结果", title_justify="left")
    table.add_column("机构")
    for _, header in COUNTS:
        table.add_column(header, justify="right")
    agencies: dict = summary.get("agencies", {})
    for agency, counts in agencies.items():
        table.add_row(spec(agency).title_zh, *(str(counts.get(k) or 0) for k, _ in COUNTS))
    totals = summary.get("totals", {})
    table.add_row("[bold]合计[/]", *(f"[bold]{totals.get(k) or 0}[/]" for k, _ in COUNTS))
    return table


def _places(result: dict, settings: Settings) -> Text:
    night = result["run_date"]
    runs = settings.storage.path("runs") / night
    rows: list[tuple[str, Path]] = [
        ("当晚汇总", runs / "summary.json"),
        ("各机构命中与隔离（hits.csv、quarantine.csv）", runs),
        ("机构报告（Excel、CSV、JSON）", settings.storage.path("outbox")),
        ("数据仓库（名单版本、命中、预警）", settings.storage.path("warehouse")),
        ("复核工作台数据库", settings.storage.path("review_db")),
        ("测试数据（当晚输入）", Path(result["demo"]["landing"])),
    ]
    docs = settings.storage.path("data_docs") / night
    if docs.is_dir():
        rows.append(("数据契约报告（Data Docs）", docs))
    # plain lines, not a table: a path must stay whole to be copied into a shell
    lines = [("输出位置：\n", "bold")]
    lines += [(f"  {label}：{path}\n", "") for label, path in rows]
    return Text.assemble(*lines)


def _workbench(settings: Settings) -> Text:
    db = settings.storage.path("review_db")
    return Text.assemble(
        ("打开复核工作台：\n", "bold"),
        f"  credsweep review add-user --username analyst1 --role analyst --db {db}\n",
        f"  credsweep review serve --db {db}\n",
        "  然后在浏览器中打开 http://127.0.0.1:8765/",
    )


def night_report(result: dict, settings: Settings) -> Group:
    """The night as a person reads it: counts per agency, where every output is, the workbench."""
    took = result.get("timings", {}).get("total_s")
    footer = Text(f"用时 {took} 秒" if took is not None else "", style="dim")
    return Group(
        _agency_table(result["summary"]), _places(result, settings), _workbench(settings), footer
    )

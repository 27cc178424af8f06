"""`credsweep nightly` as a person runs it: a line per stage, then a readable night."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipelines.orchestration.airflow_runner import AGENCIES


def test_nightly_shows_stages_and_a_readable_summary(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CREDSWEEP"))}
    home = tmp_path / "home"
    args = [sys.executable, "-m", "pipelines.cli.app", "nightly", "--run-date", "2024-05-01"]
    args += ["--size", "150", "--home", str(home)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    stages = [line for line in done.stderr.splitlines() if line.startswith("✓")]
    assert any("名单入库" in s for s in stages)
    for agency in AGENCIES:
        assert any(agency in s for s in stages), agency
    out = done.stdout
    assert not out.lstrip().startswith("{")  # not raw JSON
    for words in ("酒店住宿登记", "合计", "拦截", "输出位置", "review serve", "http://127.0.0.1"):
        assert words in out.replace("\n", ""), words
    night = json.loads((home / "runs" / "2024-05-01" / "summary.json").read_text("utf-8"))
    total = str(night["totals"]["records_in"])
    assert total in out
    assert str(home / "outbox") in out and str(home / "review.duckdb") in out

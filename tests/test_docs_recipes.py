"""The Airflow recipe in docs/airflow.md runs as written, from a fresh clone, with no home set.

A data team copies this block first; it must not depend on anything a developer's checkout
happens to hold (a `var/` folder, `CREDSWEEP_HOME`, an Airflow home of an earlier run).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = "`tests/test_docs_recipes.py` runs this block"


def _recipe() -> str:
    text = (ROOT / "docs" / "airflow.md").read_text(encoding="utf-8")
    after = text[text.index(MARKER):]
    match = re.search(r"```bash\n(.*?)```", after, re.S)
    assert match, "the Airflow recipe block is missing from docs/airflow.md"
    return match.group(1)


def _fresh_clone(dst: Path) -> Path:
    # A clone has exactly the tracked files; without git (an exported tree) the DAG folder is
    # what the recipe reads from the working directory.
    if shutil.which("git") and (ROOT / ".git").exists():
        done = subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dst)], check=False)
        if done.returncode == 0:
            return dst
    dst.mkdir()
    shutil.copytree(ROOT / "dags", dst / "dags")
    return dst


def test_the_airflow_cli_recipe_runs_as_written(tmp_path: Path) -> None:
    clone = _fresh_clone(tmp_path / "clone")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CREDSWEEP_", "AIRFLOW"))
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _recipe()],
        cwd=clone, env=env, capture_output=True, text=True, timeout=900,
    )
    tail = (done.stdout + done.stderr)[-3000:]
    assert done.returncode == 0, tail
    finished = re.findall(r"DagRun Finished: dag_id=(\w+).*?state=(\w+)", done.stdout + done.stderr)
    assert ("credsweep_list_ingest", "success") in finished, tail
    assert ("credsweep_sweep_hotel_booking", "success") in finished, tail
    summary = json.loads(
        (clone / "var" / "runs" / "2024-05-01" / "hotel_booking" / "summary.json").read_text()
    )
    assert summary["records_in"] == summary["records_processed"] + summary["records_quarantined"]
    assert summary["records_in"] > 0

"""`credsweep screen serve` sizes polars' thread pool for one record at a time before polars is
imported; other commands keep polars' default, and an operator's own setting wins."""

from __future__ import annotations

import os
import subprocess
import sys

from pipelines.cli import SERVICE_POLARS_THREADS

_PROBE = (
    "import sys; sys.argv = ['credsweep', *sys.argv[1:]]; "
    "import pipelines.cli.app, polars; print(polars.thread_pool_size())"
)


def _pool(*argv: str, env: dict[str, str] | None = None, probe: str = _PROBE) -> int:
    clean = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
    out = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def test_the_service_runs_with_its_own_pool_size() -> None:
    assert _pool("screen", "serve", "--help") == SERVICE_POLARS_THREADS


def test_other_commands_keep_polars_default() -> None:
    default = _pool(probe="import polars; print(polars.thread_pool_size())")
    assert _pool("sweep", "--help") == default
    assert _pool("screen", "add-key", "--help") == default


def test_an_operator_s_setting_wins() -> None:
    assert _pool("screen", "serve", env={"POLARS_MAX_THREADS": "3"}) == 3

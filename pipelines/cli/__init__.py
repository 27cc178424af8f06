"""The `credsweep` command line. This package's first lines run before any module imports polars.

Polars reads the size of its thread pool once, when it is first imported. The screening
service answers one record at a time through row-at-a-time paths, where polars' pool only adds
hand-offs: on a 1M-entry list one thread gave a lower median and 99th percentile through HTTP
(docs/screening.md, "Polars' thread pool"), at the price of a slower index build. So
`credsweep screen serve` runs with `SERVICE_POLARS_THREADS` unless the environment sets
`POLARS_MAX_THREADS` itself; every other command keeps polars' default (one per core).
"""

from __future__ import annotations

import os
import sys

SERVICE_POLARS_THREADS = 1


def serve_with_service_threads() -> None:
    """Size polars' pool for the screening service (before polars is imported; an operator's
    own `POLARS_MAX_THREADS` wins)."""
    os.environ.setdefault("POLARS_MAX_THREADS", str(SERVICE_POLARS_THREADS))


if sys.argv[1:3] == ["screen", "serve"]:
    serve_with_service_threads()

"""Imported first by the desk's latency benches: polars' thread pool sized as `credsweep screen
serve` sizes it (`pipelines.cli`), before anything imports polars."""

from pipelines.cli import serve_with_service_threads

serve_with_service_threads()

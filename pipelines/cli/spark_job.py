"""`spark-submit` entry point: one agency's sweep with the pair scoring on the submitting cluster.

    spark-submit --master yarn --deploy-mode client pipelines/cli/spark_job.py \\
        --agency hotel_booking --list snapshot.csv --list delta_001.jsonl \\
        --input hotel_booking.csv --out runs/2026-11-20/hotel_booking --run-date 2026-11-20

The arguments are those of `credsweep sweep` (see `credsweep sweep --help`); the engine is Spark
and the master is whatever spark-submit was given, so the same command line runs on `local[N]`,
YARN or Kubernetes. The driver runs the sweep itself (contracts, blocking, rules, reports); the
executors score the candidate pairs. Executors need this project installed in the Python they
run (`spark.pyspark.python`), as the local engine does.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from pyspark.sql import SparkSession

    from pipelines.cli.app import app

    args = list(sys.argv[1:] if argv is None else argv)
    if "--engine" in args or "--spark-master" in args:
        print("spark_job: the engine and master come from spark-submit", file=sys.stderr)
        return 2
    # the session spark-submit configured (master, executors, memory) is the one the sweep uses
    master = SparkSession.builder.getOrCreate().sparkContext.master
    try:
        app(["sweep", *args, "--engine", "spark", "--spark-master", master])
    except SystemExit as done:  # typer exits; spark-submit wants the code
        return int(done.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def job_args(agency: str, run_date: str, settings_path: str | None = None) -> list[str]:
    """spark_job's arguments for one agency's night, from the landing area and the settings.

    The list files are passed with the warehouse, as the local nightly sweep passes them.
    """
    from pipelines.ingest.listing import list_files
    from pipelines.orchestration.nightly import _landing, agency_input
    from pipelines.settings import load_settings

    settings = load_settings(settings_path)
    args = ["--agency", agency, "--input", str(agency_input(settings, run_date, agency))]
    for path in list_files(_landing(settings, run_date) / "lists"):
        args += ["--list", str(path)]
    args += [
        "--run-date",
        run_date,
        "--out",
        str(settings.storage.path("runs") / run_date / agency),
    ]
    args += ["--warehouse", str(settings.storage.path("warehouse"))]
    if settings_path:
        args += ["--settings", settings_path]
    return args

"""Shared test set-up: an isolated Airflow home (before Airflow is imported) and quiet GE."""

import logging
import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
logging.getLogger("great_expectations").setLevel(logging.WARNING)

pytest_plugins = ["tests.airflow_env"]

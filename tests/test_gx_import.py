"""Great Expectations imported lean (data_contracts.gx_import): what it hides and defers stays
fully usable, in this process and for everything imported afterwards."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from data_contracts.gx_import import lean_ge_import


def _run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def test_ge_import_leaves_modules_as_they_were_and_the_deferred_expectation_works() -> None:
    out = _run(
        """
        import sys
        import data_contracts.gx_runner  # imports GE inside lean_ge_import
        names = ("altair", "scipy.stats", "sqlalchemy", "pyspark", "jsonschema")
        print(sorted(n for n in names if n in sys.modules))
        from great_expectations.expectations.core import (
            expect_column_kl_divergence_to_be_less_than as kl,
        )
        # the expectation's module-level names are stand-ins; the first lookup imports for real
        print(type(kl.stats).__name__, round(kl.stats.entropy([0.5, 0.5], [0.25, 0.75]), 4))
        print(kl.alt.Chart.__module__)
        from great_expectations.expectations.metrics.column_map_metrics import (
            column_values_match_json_schema as js,
        )
        js.jsonschema.validate({"a": 1}, {"type": "object"})  # the real validator, on first use
        print(type(js.jsonschema).__name__, js.jsonschema.ValidationError.__module__)
        import altair, scipy.stats, sqlalchemy, pyspark
        print(type(altair).__name__, type(scipy.stats).__name__)
        print(sqlalchemy.__name__, pyspark.__name__)
        """
    )
    assert out.splitlines() == [
        "[]",
        "DeferredModule 0.1438",
        "altair.vegalite.v6.api",
        "DeferredModule jsonschema.exceptions",
        "module module",
        "sqlalchemy pyspark",
    ]


def test_already_imported_libraries_are_left_alone() -> None:
    import scipy.stats  # noqa: F401 - imported before GE, as a caller might have

    before = sys.modules["scipy.stats"]
    with lean_ge_import():
        assert sys.modules["scipy.stats"] is before
    assert sys.modules["scipy.stats"] is before


def test_hidden_libraries_cannot_be_imported_inside_the_scope_only() -> None:
    out = _run(
        """
        from data_contracts.gx_import import lean_ge_import
        with lean_ge_import():
            try:
                import sqlalchemy
                print("imported")
            except ImportError:
                print("hidden")
        import sqlalchemy
        print(sqlalchemy.__name__)
        """
    )
    assert out.splitlines() == ["hidden", "sqlalchemy"]

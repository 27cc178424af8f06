"""Import Great Expectations without the parts of it the contracts never use.

GE 1.x imports, at its own import time, libraries for engines and expectations the contracts do
not run (they use GE's pandas engine and four column-value expectations):

- PySpark (and pyspark.ml), ~1-5 s, whenever it is installed: GE treats it as optional and
  records it as absent when `import pyspark` fails. It is installed here for the Spark matching
  engine only.
- SQLAlchemy, ~0.7-1.8 s: optional in GE too (its SQL data sources, an install extra); it is
  present because Airflow needs it.
- scipy.stats and altair, ~2.5-3 s together: imported at module level by one expectation,
  `expect_column_kl_divergence_to_be_less_than`, which uses them only inside its validation
  (`stats.entropy`) and its chart renderers (`alt.Chart`);
- jsonschema, ~0.5-1 s: imported at module level by one metric,
  `column_values_match_json_schema`, which uses it only inside its functions.

While GE imports, the first two are hidden (GE then takes its own "not installed" path) and the
last two are stand-ins that import the real module the first time anything is looked up on
them, so that expectation still works in full if it is ever used. Afterwards `sys.modules` is
as it was: other code importing any of them gets the real module. A library already imported
(an Airflow worker has SQLAlchemy, a Spark sweep may have PySpark) is left alone.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

HIDDEN = ("pyspark", "sqlalchemy")
"""Optional in GE, unused by the contracts: GE sees them as not installed."""
DEFERRED = ("altair", "scipy.stats", "jsonschema")
"""Required by GE, used by one expectation or metric the contracts never run: imported on
first use."""


class DeferredModule(types.ModuleType):
    """Stands for module `name` until an attribute is looked up, then imports and forwards."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_real"] = None

    def __getattr__(self, attr: str) -> object:  # only called for attributes not set here
        real = self.__dict__["_real"]
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
            self.__dict__["_real"] = real
        return getattr(real, attr)


@contextmanager
def lean_ge_import() -> Iterator[None]:
    """Hide `HIDDEN` and defer `DEFERRED` (those not imported yet) for the enclosed import."""
    hidden = [name for name in HIDDEN if name not in sys.modules]
    deferred = [name for name in DEFERRED if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    stand_ins = {name: DeferredModule(name) for name in deferred}
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, "") is None:
                del sys.modules[name]
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
            parent, _, child = name.rpartition(".")
            holder = sys.modules.get(parent) if parent else None
            if holder is not None and holder.__dict__.get(child) is stand_in:
                delattr(holder, child)  # the package imports its real submodule when asked

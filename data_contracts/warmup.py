"""Import Great Expectations in the background while the first files are read and parsed.

GE takes ~4-5 s of interpreter time to import even lean (`data_contracts.gx_import` leaves out
or defers PySpark, SQLAlchemy, scipy.stats, altair and jsonschema; ~7.5 s before). A sweep reads and
parses a million rows in polars and DuckDB first, which release the GIL, so starting the import
on a thread at the start of the run hides most of it. `gx_runner()` waits for that thread before
anything touches GE, so GE is never used half-imported; without `start()` it simply imports.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

_MODULE = "data_contracts.gx_runner"
_lock = threading.Lock()
_thread: threading.Thread | None = None


def _import() -> None:
    try:
        importlib.import_module(_MODULE)
    except BaseException:  # noqa: BLE001, S110 - the foreground import raises it again, in full
        pass


def start() -> None:
    """Begin importing the GE runner on a daemon thread (once per process)."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_import, name="credsweep-ge-import", daemon=True)
            _thread.start()


def gx_runner() -> ModuleType:
    """The GE runner module, after any background import of it has finished."""
    with _lock:
        thread = _thread
    if thread is not None:
        thread.join()
    return importlib.import_module(_MODULE)

"""Named kill points for fault tests: the process dies there when told to, as a crash would.

`CREDSWEEP_KILL_AT=<name>` makes `kill_point(name)` end the process at once with `os._exit`
(no cleanup, no exception handlers, no flushed buffers), which is how a killed or power-cut sweep
behaves. The fault test uses it to show that a rerun after a crash at any point equals a clean
run. Unset (always, outside tests) it costs one dictionary lookup.
"""

from __future__ import annotations

import os

KILL_ENV = "CREDSWEEP_KILL_AT"
KILLED_EXIT = 86


def kill_point(name: str) -> None:
    """Die here when `$CREDSWEEP_KILL_AT` names this point."""
    if os.environ.get(KILL_ENV) == name:
        os._exit(KILLED_EXIT)

"""The few-row dispatch bypassed, so a row path can be held equal to the columnar code."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType
from unittest import mock

LIMITS = ("FEW_ROWS", "FEW_PAIRS")


@contextlib.contextmanager
def bypassed(*modules: ModuleType, limits: tuple[str, ...] = LIMITS) -> Iterator[None]:
    """Each of `limits` a module reads set to -1: no frame is few, every step runs columnar."""
    with contextlib.ExitStack() as stack:
        for module in modules:
            for name in limits:
                if hasattr(module, name):
                    stack.enter_context(mock.patch.object(module, name, -1))
        yield

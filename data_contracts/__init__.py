"""Data contracts: typed dataset specs (`schemas`) and their Great Expectations validation.

`validate` and `ContractResult` are imported lazily: Great Expectations takes seconds to import,
and readers, DAG files and the matcher only need `data_contracts.schemas`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from data_contracts.contract import validate
    from data_contracts.result import ContractResult

__all__ = ["ContractResult", "validate"]


def __getattr__(name: str) -> Any:
    if name == "validate":
        from data_contracts.contract import validate

        return validate
    if name == "ContractResult":
        from data_contracts.result import ContractResult

        return ContractResult
    raise AttributeError(f"module 'data_contracts' has no attribute {name!r}")

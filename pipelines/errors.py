"""Errors that end a run (or one dataset of it) with a one-line reason for the operator.

The base and the contract error are declared in the layers below (`matching.errors`,
`data_contracts.errors`) and re-exported here, so the pipeline code has one place to import from.
"""

from data_contracts.errors import ContractError
from matching.errors import CredsweepError

__all__ = ["ConfigError", "ContractError", "CredsweepError", "InputError"]


class InputError(CredsweepError):
    """A source file cannot be read at all (missing, empty, not a table, unknown encoding)."""


class ConfigError(CredsweepError, ValueError):
    """The settings or the deployment are wrong (a bad settings file): no retry helps.

    Also a ValueError, which is what settings problems raised before this class existed.
    """

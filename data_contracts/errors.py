"""The error of a dataset that broke its data contract as a whole."""

from matching.errors import CredsweepError


class ContractError(CredsweepError):
    """A dataset broke its data contract as a whole; its run stops and prior state is kept."""


class DataDocsAssetsError(CredsweepError, ValueError):
    """Data Docs were asked for but their local assets are missing (a configuration error)."""

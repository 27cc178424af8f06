"""Errors that end a run (or one dataset of it) with a one-line reason for the operator."""


class CredsweepError(Exception):
    """Base: the message is shown to the operator as one line, never a traceback."""


class InputError(CredsweepError):
    """A source file cannot be read at all (missing, empty, not a table, unknown encoding)."""


class ContractError(CredsweepError):
    """A dataset broke its data contract as a whole; its run stops and prior state is kept."""


class ConfigError(CredsweepError, ValueError):
    """The settings or the deployment are wrong (a bad settings file): no retry helps.

    Also a ValueError, which is what settings problems raised before this class existed.
    """

"""Errors that end a run (or one dataset of it) with a one-line reason for the operator."""


class CredsweepError(Exception):
    """Base: the message is shown to the operator as one line, never a traceback."""


class InputError(CredsweepError):
    """A source file cannot be read at all (missing, empty, not a table, unknown encoding)."""


class ContractError(CredsweepError):
    """A dataset broke its data contract as a whole; its run stops and prior state is kept."""

"""The base of every error that ends a run (or one dataset of it) with a one-line reason.

It sits in the lowest layer so that every layer above raises the same kind of error and the
command line shows any of them as one line, never a traceback.
"""


class CredsweepError(Exception):
    """Base: the message is shown to the operator as one line, never a traceback."""

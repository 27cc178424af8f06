"""Masking for reports and logs: personal data never leaves in clear unless an agency needs it.

`mask_id` and `mask_name` are the matching package's (`matching.mask`), re-exported so pipeline
code has one import; this module adds the log filter that catches ID numbers in any log line.
"""

from __future__ import annotations

import logging
import re

from matching.mask import mask_id, mask_name

# 18-char resident IDs (last char may be X) and legacy 15-digit ones, not inside a longer token.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")


def mask_ids_in_text(text: str) -> str:
    """Replace every ID-like number in free text by its masked form."""
    return _ID_LIKE.sub(lambda m: mask_id(m.group(0)), text)


class IdMaskingFilter(logging.Filter):
    """Masks 15/18-digit ID-like substrings in a log record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_ids_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_masking(target: logging.Logger | logging.Handler | None = None) -> IdMaskingFilter:
    """Attach the filter to a handler, or to every handler of a logger (the root by default).

    Filters on a logger do not see records propagated from child loggers; filters on handlers
    see every record they emit, so the handlers are where it belongs.
    """
    chosen = target if target is not None else logging.getLogger()
    filt = IdMaskingFilter()
    if isinstance(chosen, logging.Handler):
        chosen.addFilter(filt)
        return filt
    for handler in chosen.handlers:
        handler.addFilter(filt)
    return filt


__all__ = ["IdMaskingFilter", "install_log_masking", "mask_id", "mask_ids_in_text", "mask_name"]

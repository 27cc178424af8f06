"""Catch text that was mis-decoded before it reached us (mojibake), instead of matching on it.

A UTF-8 export once opened as GBK and saved again turns 张伟 into 寮犱紵; opened as Latin-1 or
Windows-1252 it turns into å¼ ä¼Ÿ. Such a file is valid text, so no decoder refuses it, yet every
name in it is wrong: matches are lost and the rest fall to review. The test is reversible: take a
value, encode it back with the codec that garbled it and decode as UTF-8; mojibake comes back as
clean Chinese, while genuine Chinese text almost never forms valid UTF-8 that way. A file is
refused when most of its non-ASCII names reverse like that (a single lucky collision is not
enough), and the message names the column and the share, never a value.
"""

from __future__ import annotations

import re

import polars as pl

from pipelines.errors import InputError

SAMPLE = 2000  # non-ASCII values looked at per column: enough for a verdict, cheap on 8M rows
MIN_VALUES = 3  # fewer non-ASCII values than this give no verdict either way
SHARE = 0.5  # share of reversible values above which the column is mis-decoded
_CJK = re.compile(r"[\u3400-\u9fff]")
_CODECS = ("gbk", "cp1252", "latin-1")


def _reverses(value: str) -> bool:
    """True when `value` is UTF-8 Chinese text that some codec decoded wrongly.

    The garbling decoder usually replaced a few bytes it could not map (U+FFFD), so the reversal
    tolerates a few holes: what matters is that it yields Chinese characters at all, which
    genuine Chinese text re-encoded this way does not.
    """
    if _CJK.search(value) is None and not any("\u00c0" <= ch <= "\u00ff" for ch in value):
        return False
    for codec in _CODECS:
        raw = value.replace("\ufffd", "").encode(codec, errors="ignore")
        fixed = raw.decode("utf-8", errors="replace")
        han = len(_CJK.findall(fixed))
        if han and fixed.count("\ufffd") <= max(1, han // 2):
            return True
    return False


def reversible_share(values: list[str]) -> float | None:
    """Share of non-ASCII `values` that reverse into clean UTF-8 Chinese; None if too few."""
    wide = [v for v in values if not v.isascii()][:SAMPLE]
    if len(wide) < MIN_VALUES:
        return None
    return sum(_reverses(v) for v in wide) / len(wide)


def refuse_mojibake(frame: pl.DataFrame, columns: list[str], source: str) -> None:
    """Raise a one-line `InputError` when a name column of `frame` reads as mojibake."""
    for name in columns:
        if name not in frame.columns:
            continue
        values = frame[name].drop_nulls().unique(maintain_order=True).head(SAMPLE * 4)
        share = reversible_share([v for v in values.to_list() if isinstance(v, str)])
        if share is not None and share > SHARE:
            raise InputError(
                f"{source}: column {name} looks mis-decoded ({share:.0%} of its non-ASCII values"
                " are UTF-8 text read with the wrong encoding); re-export the file as UTF-8"
                " (疑似乱码，请以UTF-8重新导出)"
            )

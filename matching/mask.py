"""Masking of ID numbers and names for logs and reports: personal data never leaves in clear."""

from __future__ import annotations

from matching.ids import clean_id_text


def mask_id(text: str | None) -> str:
    """Hide the middle of a document number, keeping the region prefix and the last four chars."""
    clean = clean_id_text(text)
    if len(clean) >= 15:
        return clean[:6] + "*" * (len(clean) - 10) + clean[-4:]
    if len(clean) > 4:
        return clean[:2] + "*" * (len(clean) - 4) + clean[-2:]
    return "*" * len(clean)


def _mask_token(token: str) -> str:
    if token.isascii():
        return token[:1] + "*" * (len(token) - 1)
    if len(token) <= 2:
        return token[:1] + "*" * (len(token) - 1)
    return token[0] + "*" * (len(token) - 2) + token[-1]


def mask_name(text: str | None) -> str:
    """Hide all but the first (and, for long Han names, the last) character.

    张伟 -> 张*, 张小伟 -> 张*伟.
    """
    if not text:
        return ""
    return " ".join(_mask_token(t) for t in str(text).split())

"""Name forms one name at a time: `normalize.person_name_forms` / `org_name_forms` for few rows.

The screening desk asks for the forms of one or two names per record, where polars' fixed cost
per expression (a regex compiled per call, a `replace_many` automaton built per call) is ~10 ms.
This path runs the same steps in Python from the same declarations: the same patterns (compiled
once), the same OpenCC / pypinyin calls per character, the same look-alike map and compound
surnames. Where Python and polars' regex engine read a pattern differently the difference is
settled here, not by a second copy of the pattern:

- `\\s`: polars means Unicode White_Space; Python's `re` and `str.strip` also count the
  separators \\x1c-\\x1f. `WHITE_SPACE` spells the polars set out.
- `\\p{Han}` and `\\p{Mn}`: Python's `re` has no script classes, and `unicodedata` may be of
  another Unicode version than polars. Whether a character is in them is asked of polars itself,
  once per character a name brings that was not seen before (one small call for all of them).
- Text with characters Python's Unicode version does not know (`readable` is False) is left to
  the columnar path: normalisation of those is not guaranteed to agree.

Property tests hold these forms equal to the columnar ones.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import polars as pl

from matching.normalize import (
    _FOLD,
    _HAN,
    _MN,
    _NOT_LATIN,
    _NOT_PINYIN,
    _PERSON_NOISE,
    COMPOUND_SURNAMES,
    _pinyin_map,
    _t2s_map,
    alt_spellings,
    normalize_org_name,
    parent_and_branch,
    surname_heteronyms,
)

WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
"""What polars' `\\s` and `str.strip_chars()` count as white space (Unicode White_Space)."""


def python_pattern(pattern: str) -> re.Pattern[str]:
    """A polars regex pattern for Python's `re`, `\\s` read as polars reads it."""
    return re.compile(pattern.replace(r"\s", WHITE_SPACE))


_NOISE = python_pattern(_PERSON_NOISE)
_NOT_PINYIN_RE = python_pattern(_NOT_PINYIN)
_NOT_LATIN_RE = python_pattern(_NOT_LATIN)
_FOLD_TABLE = str.maketrans(_FOLD)


class _CharClasses(dict[str, tuple[bool, bool]]):
    """Per character: (matches `_HAN`, matches `_MN`) as polars' regex engine reads them."""

    def learn(self, text: str) -> None:
        """Ask polars, in one call, about every character of `text` not asked about yet."""
        new = sorted({c for c in text if c not in self})
        if not new:
            return
        answers = pl.DataFrame({"c": new}, schema={"c": pl.String}).select(
            pl.col("c").str.contains(_HAN), pl.col("c").str.contains(_MN).alias("m")
        )
        self.update(zip(new, answers.iter_rows(), strict=True))

    def __missing__(self, char: str) -> tuple[bool, bool]:
        self.learn(char)
        return self[char]


_CLASSES = _CharClasses()


def readable(text: str) -> bool:
    """Whether every character of `text` is assigned in Python's Unicode version."""
    return text.isascii() or all(unicodedata.category(c) != "Cn" for c in text)


class _PerChar(dict[str, str]):
    """A per-character map filled on demand from the columnar path's own batch function."""

    def __init__(self, batch: object) -> None:
        super().__init__()
        self._batch = batch

    def __missing__(self, char: str) -> str:
        out = self[char] = self._batch([char]).get(char, char)  # type: ignore[operator]
        return out


_T2S = _PerChar(_t2s_map)
_PINYIN = _PerChar(_pinyin_map)


def _drop_marks(text: str) -> str:
    split = unicodedata.normalize("NFKD", text)
    _CLASSES.learn(split)
    return "".join(c for c in split if not _CLASSES[c][1])


def _pinyin(part: str) -> str:
    spelled = "".join(_PINYIN[c] if _CLASSES[c][0] else c for c in part)
    return _NOT_PINYIN_RE.sub("", spelled.lower())


class PersonForms(NamedTuple):
    """One row of `person_name_forms` (without `name`)."""

    han: bool
    norm: str | None
    fold: str | None
    py: str | None
    py_rev: str | None
    py_alt: str | None


@lru_cache(maxsize=1 << 16)
def person_forms(name: str) -> PersonForms:
    """`person_name_forms` of one name (which must be `readable`)."""
    nfkc = unicodedata.normalize("NFKC", name).strip(WHITE_SPACE)
    _CLASSES.learn(nfkc)
    han = any(_CLASSES[c][0] for c in nfkc)
    simp = "".join(_T2S[c] if _CLASSES[c][0] else c for c in nfkc)
    norm = _NOISE.sub("", unicodedata.normalize("NFC", _drop_marks(simp))).upper()
    if not norm:
        return PersonForms(han, None, None, None, None, None)
    n = 2 if norm[:2] in COMPOUND_SURNAMES else 1
    if han:
        surname, given = _pinyin(norm[:n]), _pinyin(norm[n:])
        py, py_rev = surname + given, given + surname
        readings = surname_heteronyms(norm[:n])
        alt = None if readings is None else alt_spellings(norm, n, readings)
    else:
        latin = _NOT_LATIN_RE.sub(" ", _drop_marks(nfkc).lower()).strip(WHITE_SPACE)
        tokens = [t for t in latin.split(" ") if t]
        py, py_rev, alt = "".join(tokens), "".join(reversed(tokens)), None
    return PersonForms(han, norm, norm.translate(_FOLD_TABLE), py, py_rev, alt)


class OrgForms(NamedTuple):
    """One row of `org_name_forms` (without `name`)."""

    norm: str | None
    parent: str | None
    branch: str | None


def org_forms(name: str) -> OrgForms:
    """`org_name_forms` of one name."""
    norm = normalize_org_name(name)
    parent, branch = parent_and_branch(norm)
    return OrgForms(norm or None, parent or None, branch)


def learn_characters(names: pl.Series) -> int:
    """Learn every character of `names` at once (a list's names, when the desk indexes it).

    Without this the first desk record bringing a character pays one polars call for its
    classes and one OpenCC / pypinyin look-up; a list's names cover nearly every character a
    record will bring. Returns how many characters were learnt.
    """
    chars = (
        names.drop_nulls()
        .str.normalize("NFKC")
        .str.split("")
        .explode()
        .drop_nulls()
        .unique()
        .to_list()
    )
    chars = [c for c in chars if c and c not in _CLASSES and readable(c)]
    if not chars:
        return 0
    _CLASSES.learn("".join(chars))
    han = [c for c in chars if _CLASSES[c][0]]
    for table, batch in ((_T2S, _t2s_map), (_PINYIN, _pinyin_map)):
        found = batch(han)
        table.update({c: found.get(c, c) for c in han})
    return len(chars)

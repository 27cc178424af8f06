"""A night is published whole or not at all: outputs are staged, then moved in together.

Every file of a sweep (hits.csv, quarantine.csv, summary.json and the agency's outbox reports) is
first written into a staging folder beside its final place (`<root>/.staging-<agency>-<night>/`,
same file system, so a move is a rename). Only after the warehouse has committed the run row are
the files moved into place, `summary.json` last: a folder whose summary.json belongs to a run
is complete. A sweep killed before that leaves its old outputs untouched and a staging folder
that the next sweep of the same agency removes, together with any stray `.*.tmp` file of an
interrupted write. Published files are 0644, like any file a person or a share reads.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

FILE_MODE = 0o644
_LAST = "summary.json"


@dataclass(frozen=True)
class Stage:
    """One staged folder and where its files go once the night is committed."""

    staged: Path
    final: Path

    def publish(self) -> list[Path]:
        """Move every staged file into `final` (summary.json last) and drop the staging folder."""
        files = sorted(
            (p for p in self.staged.rglob("*") if p.is_file()), key=lambda p: p.name == _LAST
        )
        moved = []
        for src in files:
            dst = self.final / src.relative_to(self.staged)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(src, FILE_MODE)
            os.replace(src, dst)
            moved.append(dst)
        shutil.rmtree(self.staged, ignore_errors=True)
        return moved


def staging_name(agency: str, night: str) -> str:
    return f".staging-{agency}-{night}"


def open_stage(root: Path, final: Path, agency: str, night: str) -> Stage:
    """A fresh, empty staging folder under `root` for files bound for `final`."""
    staged = root / staging_name(agency, night)
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    return Stage(staged, final)


def clean_leftovers(root: Path, agency: str) -> list[Path]:
    """Remove what interrupted sweeps of `agency` left under `root`: staging folders, temp files."""
    if not root.is_dir():
        return []
    gone = [p for p in root.glob(staging_name(agency, "*")) if p.is_dir()]
    for p in gone:
        shutil.rmtree(p, ignore_errors=True)
    # the root's own temp files, and any under this agency's folder; never another agency's,
    # whose sweep may be writing right now
    strays = [*root.glob(".*.tmp"), *(root / agency).rglob(".*.tmp")]
    for tmp in strays:
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            gone.append(tmp)
    return gone

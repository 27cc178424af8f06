"""The list side of matching kept next to the warehouse, so a night's list is prepared once.

Every agency's sweep of a night screens against the same list: the list parties' features,
name frequencies and blocking keys (`matching.list_side`) are the same for all four, about a
fifth of a sweep's matching at 200k entries. The first sweep stores them in
`<warehouse>.list-side/<key>/`, the later ones load them.

Safe by construction:
- the key (`matching.list_side.list_side_key`) digests the list parties themselves, the model,
  the review floor, the night, the blocking rules and the matcher's code, so a changed list,
  label-refined model or code version simply misses;
- an entry is written into a temporary folder and renamed into place only once complete, so a
  killed run leaves at most a `.tmp-*` folder that is never read (and is removed later);
- a folder that cannot be read back whole (a disk fault) is a miss: the sweep computes the list
  side as if nothing were stored, and the store is only ever an optimisation;
- rerunning the same night finds the same key and computes nothing new.
Only the newest `KEEP` entries are kept.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from matching.blocking import ListBlockKeys
from matching.list_side import ListSide, build_list_side, list_side_key
from matching.model import MatchModel
from matching.scoring import NameFrequencies

log = logging.getLogger("credsweep.sweep")
KEEP = 4
"""Entries kept: a night's list for each model in use, plus the previous night's."""
_FILES = ("features", "norm", "py", "keys")
_META = "meta.json"


@dataclass(frozen=True)
class ListSideStore:
    """The folder of stored list sides next to one warehouse file."""

    root: Path

    @classmethod
    def beside(cls, warehouse: Path | None) -> ListSideStore | None:
        """The store of `warehouse`, or None for an in-memory warehouse (nothing to share)."""
        if warehouse is None or str(warehouse) == ":memory:":
            return None
        warehouse = Path(warehouse)
        return cls(warehouse.with_name(warehouse.name + ".list-side"))

    def load(self, key: str) -> ListSide | None:
        """The stored list side for `key`, or None (absent or unreadable: compute it)."""
        folder = self.root / key
        meta_path = folder / _META
        if not meta_path.is_file():  # written last: without it the folder is not an entry
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            frames = {name: pl.read_parquet(folder / f"{name}.parquet") for name in _FILES}
            if meta.get("key") != key or any(
                frames[name].height != meta["rows"][name] for name in _FILES
            ):
                return None
        except (OSError, ValueError, KeyError, pl.exceptions.PolarsError) as exc:
            log.warning("stored list side %s unreadable, computing it (%s)", key[:12], exc)
            return None
        os.utime(folder)  # recently used: kept by `_prune`
        freqs = NameFrequencies(norm=frames["norm"], py=frames["py"], persons=meta["persons"])
        keys = ListBlockKeys(frames["keys"], meta["skipped_blocks"])
        return ListSide(frames["features"], freqs, keys)

    def save(self, key: str, side: ListSide) -> None:
        """Store `side` under `key` (complete or not at all); a failure only costs the reuse."""
        final = self.root / key
        if (final / _META).is_file():
            return
        tmp = self.root / f".tmp-{key[:16]}-{os.getpid()}"
        frames = {
            "features": side.features,
            "norm": side.freqs.norm,
            "py": side.freqs.py,
            "keys": side.keys.keys,
        }
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            for name, frame in frames.items():
                frame.write_parquet(tmp / f"{name}.parquet", compression="lz4", statistics=False)
            meta = {
                "key": key,
                "persons": side.freqs.persons,
                "skipped_blocks": side.keys.skipped_blocks,
                "rows": {name: frame.height for name, frame in frames.items()},
            }
            (tmp / _META).write_text(json.dumps(meta), encoding="utf-8")
            if (final / _META).is_file():  # a sweep running alongside stored it meanwhile
                shutil.rmtree(tmp, ignore_errors=True)
                return
            shutil.rmtree(final, ignore_errors=True)  # a folder without meta.json: never an entry
            os.replace(tmp, final)
        except OSError as exc:
            log.warning("list side not stored (%s); later sweeps compute it again", exc)
            shutil.rmtree(tmp, ignore_errors=True)
            return
        self._prune()

    def _prune(self) -> None:
        """Keep the `KEEP` most recently used entries; drop leftovers of killed runs."""
        entries = [p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")]
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        stale = entries[KEEP:]
        hour_ago = time.time() - 3600
        stale += [
            p for p in self.root.iterdir()
            if p.name.startswith(".tmp-") and p.stat().st_mtime < hour_ago
        ]  # fmt: skip
        for path in stale:
            shutil.rmtree(path, ignore_errors=True)


def night_list_side(
    listed: pl.DataFrame,
    model: MatchModel,
    floor: float,
    as_of: date,
    store: ListSideStore | None,
) -> tuple[ListSide, threading.Thread | None]:
    """The list side for tonight's list parties: from `store` when it has it, else computed.

    A computed side is stored for the next sweep on a thread (polars writes Parquet without
    the GIL, so it overlaps the matching that follows); the caller joins the returned thread
    before the run ends. A run killed meanwhile leaves only a temporary folder.
    """
    if store is None:
        return build_list_side(listed, model, floor, as_of), None
    key = list_side_key(listed, model, floor, as_of)
    side = store.load(key)
    if side is not None:
        log.info("list side %s reused from %s", key[:12], store.root)
        return side, None
    side = build_list_side(listed, model, floor, as_of)
    saving = threading.Thread(
        target=store.save, args=(key, side), name="credsweep-list-side-save", daemon=True
    )
    saving.start()
    return side, saving

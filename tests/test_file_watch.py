"""A store is re-read only when its file may have changed: the desk's poll relies on this."""

from __future__ import annotations

import os
import time
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipelines.storage.file_watch import SETTLE_S, FileWatch, file_state


def _age(path: Path, seconds: float) -> None:
    """Set the file's modification time `seconds` in the past, as if written then."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_no_file_never_changes_and_memory_is_never_vouched_for() -> None:
    assert file_state(None) == ()
    assert file_state(":memory:") is None
    watch = FileWatch(None)
    assert watch.changed()  # nothing read yet
    watch.read(lambda: 1)
    assert not watch.changed()
    memory = FileWatch(":memory:")
    memory.read(lambda: 1)
    assert memory.changed()


def test_a_file_written_within_the_settling_time_is_not_vouched_for(tmp_path: Path) -> None:
    db = tmp_path / "review.duckdb"
    db.write_bytes(b"x" * 10)
    assert file_state(db) is None
    assert file_state(db, now=time.time() + SETTLE_S + 1) == ((os.stat(db).st_mtime_ns, 10), None)
    watch = FileWatch(db)
    watch.read(lambda: 1)
    assert watch.changed()  # a second write in the same tick could follow unseen


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(1, 3),
    age=st.floats(SETTLE_S + 0.5, 10**6),
    wal=st.booleans(),
    change=st.sampled_from(["none", "rewrite", "append", "wal appears", "wal goes", "touch"]),
)
def test_every_write_is_seen_and_no_write_is_imagined(
    tmp_path_factory: object, size: int, age: float, wal: bool, change: str
) -> None:
    assume(wal or change != "wal goes")
    root = Path(os.fspath(tmp_path_factory.mktemp("watch")))  # type: ignore[attr-defined]
    db, log = root / "list.duckdb", root / "list.duckdb.wal"
    db.write_bytes(b"a" * 4096 * size)
    _age(db, age)
    if wal:
        log.write_bytes(b"w")
        _age(log, age)
    watch = FileWatch(db)
    assert watch.read(lambda: "content") == "content"
    assert not watch.changed()
    if change == "rewrite":  # same size, new content: a write in place
        db.write_bytes(b"b" * 4096 * size)
    elif change == "append":
        with open(db, "ab") as f:
            f.write(b"c" * 4096)
    elif change == "wal appears":
        (log.unlink() if wal else log.write_bytes(b"w"))
    elif change == "wal goes":
        log.unlink()
    elif change == "touch":
        _age(db, age / 2)
    assert watch.changed() == (change != "none")


def test_a_write_while_reading_leaves_the_file_unvouched(tmp_path: Path) -> None:
    db = tmp_path / "review.duckdb"
    db.write_bytes(b"x")
    _age(db, 60)
    watch = FileWatch(db)

    def read_while_written() -> int:
        db.write_bytes(b"yy")
        _age(db, 30)  # even a write that looks settled by the next look
        return 1

    watch.read(read_while_written)
    assert watch.changed()
    watch.read(lambda: 1)
    assert not watch.changed()

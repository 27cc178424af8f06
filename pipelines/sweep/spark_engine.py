"""The pair scoring stage on Apache Spark: the same `score_in_chunks`, run inside `mapInArrow`.

The driver does what needs the whole list at once and is cheap: features, name frequencies and
the reach of each listed name (`matching.link`), blocking with its list-wide block caps, and the
thresholds chosen over every pair's score. Spark does the heavy part, comparing and scoring the
candidate pairs: the pairs are range-partitioned by list row (each partition meets one shard of
the list), the feature frames and the frequencies travel once to every executor as broadcast
Arrow IPC, and each Arrow batch of pairs is scored by `matching.pairs.score_in_chunks` itself.
No matching logic lives here, so the hits are the local engine's whatever matching changes.

Each batch comes back as one row: the kept pairs as Arrow IPC (so polars types round-trip
exactly, with no Spark type mapping), and the positions and scores of all its pairs. The driver
puts both back in pair order, so ties resolve as on the local engine and hits.csv is
byte-identical.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa

from matching.model import MatchModel
from matching.pairs import score_in_chunks
from matching.scoring import NameFrequencies

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

POS = "_pair_pos"
"""Position of a pair in the driver's pair frame, carried through scoring to restore order."""
PAIRS_PER_PARTITION = 250_000
"""Candidate pairs per Spark partition (each task then scores a few Arrow batches)."""
RESULT_SCHEMA = "kept binary, positions binary, scores binary"
_APP_NAME = "credsweep-pair-scoring"


def spark_session(master: str) -> SparkSession:
    """The process's Spark session (created once; later calls on the same master reuse it)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors import this project
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # PySpark 4 warns about pandas 3 on import; the scoring stage exchanges Arrow, not pandas
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master == master:
        return active
    if active is not None:
        active.stop()
    session = (
        SparkSession.builder.master(master)
        .appName(_APP_NAME)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
        .config("spark.driver.memory", os.environ.get("CREDSWEEP_SPARK_DRIVER_MEMORY", "2g"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")  # failures still surface as exceptions
    return session


def _ipc(frame: pl.DataFrame) -> bytes:
    sink = io.BytesIO()
    frame.write_ipc(sink)
    return sink.getvalue()


def _from_ipc(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(data))


@dataclass(frozen=True)
class _Job:
    """What every task needs besides its pairs: both sides' features and the scoring inputs."""

    qf: bytes
    lf: bytes
    model: MatchModel
    as_of: date
    freqs: NameFrequencies
    can_hit: pl.Expr
    pair_schema: pl.Schema


_loaded: dict[str, tuple[_Job, pl.DataFrame, pl.DataFrame]] = {}
"""Per executor Python worker: the broadcast job, decoded once and reused by later batches."""


def _job_frames(key: str, broadcast: Any) -> tuple[_Job, pl.DataFrame, pl.DataFrame]:
    if key not in _loaded:
        _loaded.clear()  # a worker serves one sweep at a time: drop the previous one's frames
        job: _Job = pickle.loads(broadcast.value)
        _loaded[key] = (job, _from_ipc(job.qf), _from_ipc(job.lf))
    return _loaded[key]


def _score_batches(key: str, broadcast: Any) -> Any:
    """The `mapInArrow` function: each Arrow batch of pairs scored by `score_in_chunks`."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        job, qf, lf = _job_frames(key, broadcast)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            pairs = frame.cast(job.pair_schema)  # Spark has no unsigned ints: back to UInt32
            kept, scores = score_in_chunks(
                qf, lf, pairs, job.model, job.as_of, job.freqs, job.can_hit
            )
            yield pa.RecordBatch.from_pydict(
                {
                    "kept": [_ipc(kept)],
                    "positions": [pairs[POS].to_numpy().astype(np.int64).tobytes()],
                    "scores": [np.ascontiguousarray(scores, dtype=np.float64).tobytes()],
                }
            )

    return run


@dataclass(frozen=True)
class SparkPairScorer:
    """`score_in_chunks` with the pairs scored on Spark; a drop-in `score_pairs` for `link`."""

    master: str = "local[2]"

    def __call__(
        self,
        qf: pl.DataFrame,
        lf: pl.DataFrame,
        pairs: pl.DataFrame,
        model: MatchModel,
        as_of: date,
        freqs: NameFrequencies,
        can_hit: pl.Expr,
    ) -> tuple[pl.DataFrame, np.ndarray]:
        if pairs.is_empty():  # nothing to distribute: the local function gives the empty schema
            return score_in_chunks(qf, lf, pairs, model, as_of, freqs, can_hit)
        spark = spark_session(self.master)
        numbered = pairs.with_row_index(POS).with_columns(pl.col(POS).cast(pl.Int64))
        job = _Job(_ipc(qf), _ipc(lf), model, as_of, freqs, can_hit, numbered.schema)
        broadcast = spark.sparkContext.broadcast(pickle.dumps(job))
        try:
            rows = self._run(spark, numbered, broadcast)
        finally:
            broadcast.unpersist()
        kept = pl.concat([_from_ipc(r[0]) for r in rows]).sort(POS).drop(POS)
        scores = np.empty(pairs.height, dtype=np.float64)  # in pair order, as the local engine
        for _, positions, batch_scores in rows:
            scores[np.frombuffer(positions, dtype=np.int64)] = np.frombuffer(batch_scores)
        return kept, scores

    @staticmethod
    def _run(spark: SparkSession, numbered: pl.DataFrame, broadcast: Any) -> list[tuple]:
        partitions = max(1, -(-numbered.height // PAIRS_PER_PARTITION))
        # Spark SQL has no unsigned integers; the tasks cast back to the driver's schema
        wire = numbered.with_columns(pl.col(pl.UInt32, pl.UInt64).cast(pl.Int64))
        table = wire.to_arrow(compat_level=pl.CompatLevel.oldest())
        df = spark.createDataFrame(table)
        # range partitions by list row: each task meets one contiguous shard of the list
        sharded = df.repartitionByRange(partitions, "li", POS)
        # the broadcast's id is not kept on executors: a fresh token names this job's frames
        score_batches = _score_batches(uuid.uuid4().hex, broadcast)
        result = sharded.mapInArrow(score_batches, RESULT_SCHEMA)
        return [
            (bytes(r["kept"]), bytes(r["positions"]), bytes(r["scores"])) for r in result.collect()
        ]

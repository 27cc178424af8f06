"""Every file of the bad-input corpus ends in one clear line or in quarantine rows with reasons.

Never a traceback, never a row lost without a reason: rows in = clean + quarantined for every
file that could be read, and the reasons and error lines never carry a name or an ID from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from data_contracts import validate
from data_contracts.config import ContractSettings
from pipelines.errors import CredsweepError
from pipelines.ingest import read_dataset
from tests.bad_corpus import NAMES, corpus, rid, write

CASES = corpus()
SETTINGS = ContractSettings()


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 50
    assert len({c[0] for c in CASES}) == len(CASES)


def _personal(text: str) -> list[str]:
    found = [n for n in NAMES if n in text]
    return found + [rid(i) for i in range(10) if rid(i) in text]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_file_ends_cleanly(case: tuple, tmp_path: Path) -> None:
    name, dataset, _, expected = case
    path = write(case, tmp_path)
    try:
        raw = read_dataset(path, dataset)
        result = validate(dataset, raw, run_id=f"{dataset}-2024-05-02", settings=SETTINGS)
    except CredsweepError as exc:  # InputError / ContractError: one clear line
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
        assert not _personal(message), message
        if expected is not None and "refused" not in message:
            pytest.fail(f"{name}: a readable file ({expected} rows) was refused: {message}")
        return
    assert raw.height == result.clean.height + result.quarantine.height
    if expected is not None:
        assert raw.height == expected, f"{name}: {raw.height} rows read, {expected} in the file"
    reasons = result.quarantine["reason"].to_list()
    assert all(r and ":" in r for r in reasons)
    assert not _personal(" ".join(reasons)), reasons
    assert not _personal(" ".join(str(k) for k in result.quarantine["record_key"].to_list()))

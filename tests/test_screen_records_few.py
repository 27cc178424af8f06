"""Property tests: records posted to the desk are checked row by row exactly as in a frame.

`pipelines.screen.records.records_frame` hands a few records to `data_contracts.rows.check_few`
as Python values, without building the raw text frame; with the few-row paths bypassed it builds
that frame and runs the columnar checks. Both must give the same clean frame (columns, order,
dtypes, values), the same positions and the same reasons, for records of any agency with hard
cells (those of `test_row_checks_few`), fields under their aliases, JSON numbers and booleans,
undeclared and underscore fields, nested values and records that are no object at all.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from data_contracts import rows
from data_contracts.result import REJECT_COLUMN
from data_contracts.schemas import AGENCY_DATASETS
from data_contracts.schemas import spec as dataset_spec
from matching.config import FEW_ROWS
from pipelines.ingest import read_dataset
from pipelines.ingest.headers import canonical_names
from pipelines.screen import records
from pipelines.settings import default_settings
from pipelines.synth.generate import generate
from tests.few_paths import bypassed
from tests.test_row_checks_few import KNOWN_TEXT, NIGHT, PROPERTY, cells

SETTINGS = default_settings()
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(), KNOWN_TEXT
)


def columnar() -> contextlib.AbstractContextManager[None]:
    """The few-row paths bypassed: the raw frame is built and checked by polars expressions."""
    return bypassed(records, rows, limits=("FEW_ROWS",))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Generated agency records (most pass the contract) to start records from."""
    out = tmp_path_factory.mktemp("posted")
    generate(out, 300, 5, records=300, formats="csv", as_of=NIGHT)
    return {
        d: read_dataset(out / "agencies" / f"{d}.csv", d)
        .drop("_source", "_row", REJECT_COLUMN)
        .to_dicts()
        for d in AGENCY_DATASETS
    }


@st.composite
def posted(draw: st.DrawFn, dataset: str, generated: list[dict[str, Any]]) -> Any:
    """One posted record: a generated one with some fields hard, aliased, absent or JSON
    numbers, and extras; or junk."""
    shape = draw(st.integers(0, 19))
    if shape == 0:
        return draw(st.sampled_from(([], "x", 3, None, {})))
    spec = dataset_spec(dataset)
    base = generated[draw(st.integers(0, len(generated) - 1))]
    changed = set(draw(st.lists(st.sampled_from([f.name for f in spec.fields]), max_size=3)))
    record: dict[str, Any] = {}
    for f in spec.fields:
        key = f.name if not f.aliases or draw(st.integers(0, 3)) else f.aliases[0]
        if f.name not in changed:
            record[key] = base[f.name]
        elif draw(st.integers(0, 4)):
            record[key] = draw(st.one_of(cells(f), JSON_SCALARS))
    extras = ("gender", "birth_date", "备注", "_reject", "_x", "_row", "_flags")
    for name in draw(st.lists(st.sampled_from(extras), unique=True, max_size=3)):
        record[name] = draw(JSON_SCALARS)
    if shape == 1 and record:
        record[draw(st.sampled_from(list(record)))] = draw(st.sampled_from(([1], {"a": 1})))
    return record


@pytest.mark.parametrize("dataset", AGENCY_DATASETS)
@PROPERTY
@given(data=st.data())
def test_posted_records_are_checked_as_a_frame(
    world: dict[str, list[dict[str, Any]]], dataset: str, data: st.DataObject
) -> None:
    batch = data.draw(st.lists(posted(dataset, world[dataset]), max_size=FEW_ROWS + 1))
    night = data.draw(st.one_of(st.just(NIGHT), st.dates(date(2000, 1, 1), date(2040, 12, 31))))
    got = records.records_frame(dataset, batch, SETTINGS, night)
    with columnar():
        want = records.records_frame(dataset, batch, SETTINGS, night)
    assert got.errors == want.errors
    assert got.positions == want.positions
    assert_frame_equal(got.clean, want.clean)


@pytest.mark.parametrize("dataset", AGENCY_DATASETS)
@PROPERTY
@given(data=st.data())
def test_canonical_and_underscore_names_need_no_lookup(dataset: str, data: st.DataObject) -> None:
    """What `records._row` assumes when it skips the header lookup: the lookup keeps canonical
    names and leaves underscore names (which `_row` drops) underscore names of no field."""
    spec = dataset_spec(dataset)
    known = [f.name for f in spec.fields]
    underscore = st.text(max_size=8).map(lambda t: "_" + t)
    names = data.draw(st.lists(st.one_of(st.sampled_from(known), underscore), unique=True))
    for given_name, renamed in zip(names, canonical_names(names, spec), strict=True):
        if given_name.startswith("_"):
            assert renamed.startswith("_") and renamed not in known
        else:
            assert renamed == given_name

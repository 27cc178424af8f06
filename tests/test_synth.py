"""The synthetic world: determinism, readable formats, consistent truth, every quirk present."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from stdnum.cn import ric, uscc

from pipelines.synth import generate
from pipelines.synth.idgen import legacy_to_18
from pipelines.synth.writers import zh_headers

SIZE = 2000


def zh_headers_cols() -> tuple[str, ...]:
    from pipelines.synth.lists import COLUMNS

    return COLUMNS


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, SIZE, 11)
    return out


def _read(out: Path, info: dict[str, object]) -> pl.DataFrame:
    path = out / str(info["path"])
    fmt = info["format"]
    if fmt == "parquet":
        return pl.read_parquet(path)
    if fmt == "jsonl":
        return pl.read_ndjson(path, infer_schema_length=None)
    if str(fmt).startswith("xlsx"):
        rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
        rows = rows[1:] if info["title_row"] else rows
        return pl.DataFrame(rows[1:], schema={str(c): pl.String for c in rows[0]}, orient="row")
    return pl.read_csv(
        path, encoding="utf8" if fmt != "csv_gb18030" else "gb18030", infer_schema=False
    )


def test_same_seed_byte_identical(world: Path, tmp_path: Path) -> None:
    generate(tmp_path, SIZE, 11)
    files = [p.relative_to(world) for p in world.rglob("*") if p.is_file()]
    match, mismatch, errors = filecmp.cmpfiles(world, tmp_path, files, shallow=False)
    assert not mismatch and not errors and len(match) == len(files)


def test_every_format_readable_with_its_headers(world: Path) -> None:
    manifest = json.loads((world / "manifest.json").read_text(encoding="utf-8"))
    formats = set()
    for info in manifest["files"]:
        if "encoding" not in info:
            continue
        frame = _read(world, info)
        assert frame.height == info["rows"]
        first = (
            "record_id"
            if info["dataset"] not in ("dishonest_list", "welfare_status", "asset_inquiry")
            else None
        )
        if first:
            expected = "记录编号" if info["header_lang"] == "zh" else "record_id"
            assert expected in frame.columns
        formats.add(info["format"])
    if (world / "lists/snapshot.csv").exists() and manifest["files"][0]["format"] == "csv_gb18030":
        with pytest.raises(UnicodeDecodeError):
            (world / "lists/snapshot.csv").read_text(encoding="utf-8")
    assert formats == {
        "csv_utf8",
        "csv_bom",
        "csv_gb18030",
        "xlsx",
        "xlsx_title",
        "parquet",
        "jsonl",
    }


def test_bom_only_where_declared(world: Path) -> None:
    manifest = json.loads((world / "manifest.json").read_text(encoding="utf-8"))
    for info in manifest["files"]:
        if str(info.get("format", "")).startswith("csv"):
            head = (world / info["path"]).read_bytes()[:3]
            assert (head == b"\xef\xbb\xbf") == (info["format"] == "csv_bom")


def test_truth_points_at_entries_and_ids_follow_their_form(world: Path) -> None:
    entries = pl.read_parquet(world / "truth/entries.parquet")
    truth = pl.read_parquet(world / "truth/matches.parquet")
    known = set(entries["entry_id"].to_list())
    assert set(truth["entry_id"].drop_nulls().to_list()) <= known
    manifest = json.loads((world / "manifest.json").read_text(encoding="utf-8"))
    snap_info = next(f for f in manifest["files"] if f["path"].startswith("lists/snapshot"))
    snap = _read(world, snap_info)
    cols = list(zh_headers_cols())
    zh = zh_headers(pl.DataFrame({c: [] for c in cols}), "dishonest_list").columns
    canonical = dict(zip(zh, cols, strict=True))
    snap = snap.rename(canonical, strict=False)
    joined = snap.select("entry_id", "id_number").join(entries, on="entry_id")
    assert joined.height == snap.height
    for row in joined.iter_rows(named=True):
        shown, true_id, form = row["id_number"], row["true_id"], row["id_form"]
        if form == "full":
            assert shown == true_id and ric.is_valid(true_id)
        elif form == "masked_a":
            assert (
                shown[:10] == true_id[:10] and shown[10:14] == "****" and shown[14:] == true_id[14:]
            )
        elif form == "masked_b":
            assert shown == true_id[:4] + "*" * 10 + true_id[14:]
        elif form == "legacy":
            assert len(shown) == 15 and legacy_to_18(shown) == true_id
        elif form == "uscc":
            assert shown == true_id and uscc.is_valid(shown)
        elif form == "org_code":
            assert shown == true_id[8:17]
        else:
            assert shown in (None, "")


def test_every_quirk_present_and_removed_entries_tagged(world: Path) -> None:
    truth = pl.read_parquet(world / "truth/matches.parquet")
    tags = set(truth["noise"].to_list())
    expected = {
        "exact",
        "masked_id",
        "legacy_id",
        "traditional",
        "homophone",
        "lookalike",
        "romanised_passport",
        "middle_dot",
        "fullwidth",
        "spaces",
        "lowercase_x",
        "transposed_id",
        "region_recode",
        "empty_id",
        "excel_mangled",
        "org_variant",
        "branch_negative",
        "homonym_negative",
        "birthdate_negative",
        "id_neighbor_negative",
        "removed_entry",
        "none",
    }
    assert expected <= tags
    entries = pl.read_parquet(world / "truth/entries.parquet")
    removed = set(entries.filter(pl.col("removed_in_delta"))["entry_id"].to_list())
    tagged = truth.filter(pl.col("noise") == "removed_entry")["entry_id"].to_list()
    assert tagged and set(tagged) <= removed


def test_bad_rows_and_capacity_truth(world: Path) -> None:
    bad = pl.read_parquet(world / "truth/bad_rows.parquet")
    assert set(bad["defect"].to_list()) == {
        "bad_date",
        "duplicate_record_id",
        "missing_required",
        "malformed_id",
    }
    cap = pl.read_parquet(world / "truth/capacity.parquet")
    assert set(cap["latent_class"].to_list()) == {"dishonest", "incapable"}
    assert cap["latent_ability"].is_between(0, 1).all()


def test_command_writes_world_and_rejects_bad_options(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from pipelines.synth.command import synth

    app = typer.Typer()
    app.command()(synth)
    ok = CliRunner().invoke(app, ["--out", str(tmp_path), "--size", "100", "--formats", "parquet"])
    assert ok.exit_code == 0
    assert (tmp_path / "agencies/hotel_booking.parquet").exists()
    bad = CliRunner().invoke(app, ["--out", str(tmp_path / "x"), "--formats", "pdf"])
    assert bad.exit_code == 2

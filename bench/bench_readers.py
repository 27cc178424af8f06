"""Read time of the agency file readers on a generated world (the school file is an XLSX).

Run: .venv/bin/python bench/bench_readers.py [RECORDS] [WORLD-DIR]

Generates a world with RECORDS rows per agency (list of min(RECORDS, 20000) entries) into
WORLD-DIR unless it is already there. `credsweep synth` writes a sheet of over 50,000 rows as
CSV and types every cell as text, so the school file is also written here as an XLSX (a title
line above the header, every 100th all-digit ID typed into a number cell, as clerks' exports
have them). Then each agency file is read REPEATS times with
`pipelines.ingest.read_dataset` and prints the best and median seconds, the rows read, how many
ID cells came back as Excel's lost display, and a digest of the frame (so two versions of a
reader can be shown to read the same thing).
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pipelines.ingest import read_dataset

REPEATS = 3


def world(records: int, folder: Path) -> Path:
    if not (folder / "agencies").is_dir():
        from pipelines.synth import generate

        t = time.perf_counter()
        generate(folder, size=min(records, 20000), seed=7, records=records)
        print(f"generated {records} records per agency in {time.perf_counter() - t:.1f} s")
    return folder


def school_xlsx(root: Path) -> Path:
    """The world's school file as a one-sheet workbook, some IDs in number cells."""
    import xlsxwriter

    path = root / "xlsx" / "school_enrollment.xlsx"
    if path.exists():
        return path
    path.parent.mkdir(exist_ok=True)
    source = next((root / "agencies").glob("school_enrollment.*"))
    frame = read_dataset(source, "school_enrollment").drop("_row")
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Sheet1")
    sheet.write_string(0, 0, "某市学校入学登记（导出）")
    sheet.write_row(1, 0, frame.columns)
    ids = {i for i, c in enumerate(frame.columns) if c.endswith("id_number")}
    for r, row in enumerate(frame.iter_rows(), start=2):
        for c, value in enumerate(row):
            if value is None:
                continue
            if c in ids and r % 100 == 0 and str(value).isdigit():
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return path


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "world"
    root = world(records, folder)
    print(f"{'file':<40} {'best s':>7} {'median s':>9} {'rows':>8} {'lost ids':>8}  digest")
    files = [*sorted((root / "agencies").iterdir()), school_xlsx(root)]
    for path in files:
        dataset = path.stem
        times = []
        for _ in range(REPEATS):
            t = time.perf_counter()
            frame = read_dataset(path, dataset)
            times.append(time.perf_counter() - t)
        id_cols = [c for c in frame.columns if c.endswith("id_number")]
        lost = sum(frame[c].str.contains("E+", literal=True).sum() for c in id_cols)
        digest = hashlib.sha256(frame.write_csv().encode()).hexdigest()[:12]
        print(
            f"{f'{path.parent.name}/{path.name}':<40} {min(times):7.2f}"
            f" {statistics.median(times):9.2f}"
            f" {frame.height:8d} {lost:8d}  {digest}"
        )


if __name__ == "__main__":
    main()

"""`credsweep synth`: write a synthetic world (the CLI owner registers `synth` on the typer app)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer


def synth(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    size: Annotated[int, typer.Option("--size", help="List entries in the snapshot.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed gives byte-identical files.")] = 7,
    records: Annotated[
        int | None, typer.Option("--records", help="Records per agency dataset.")
    ] = None,
    capacity_setting: Annotated[
        str, typer.Option("--capacity-setting", help="base or shifted.")
    ] = "base",
    formats: Annotated[str, typer.Option("--formats", help="mixed, csv or parquet.")] = "mixed",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Night the data leads up to (YYYY-MM-DD); default the fixed world date.",
        ),
    ] = None,
) -> None:
    """Generate court lists, agency datasets, capacity sources and ground truth."""
    from pipelines.synth.generate import generate  # heavy: only when generating

    try:
        night = date.fromisoformat(as_of) if as_of else None
        manifest = generate(
            out,
            size,
            seed,
            records=records,
            capacity_setting=capacity_setting,
            formats=formats,
            as_of=night,
        )
    except ValueError as exc:
        typer.echo(f"synth: {exc}", err=True)
        raise typer.Exit(2) from None
    rows = sum(manifest.counts.values())
    typer.echo(f"wrote {len(manifest.files)} files to {out} ({rows} rows)")

"""`credsweep synth`: write a synthetic world (the CLI owner registers `synth` on the typer app)."""

from __future__ import annotations

from pathlib import Path

import typer

from pipelines.synth.generate import generate


def synth(
    out: Path = typer.Option(..., "--out", help="Output folder."),
    size: int = typer.Option(2000, "--size", help="List entries in the snapshot."),
    seed: int = typer.Option(7, "--seed", help="Random seed; same seed gives byte-identical files."),
    records: int | None = typer.Option(None, "--records", help="Records per agency dataset (default: size)."),
    capacity_setting: str = typer.Option("base", "--capacity-setting", help="base or shifted signal rates."),
    formats: str = typer.Option("mixed", "--formats", help="mixed, csv or parquet."),
) -> None:
    """Generate court lists, agency datasets, capacity sources and ground truth."""
    try:
        manifest = generate(out, size, seed, records=records, capacity_setting=capacity_setting, formats=formats)
    except ValueError as exc:
        typer.echo(f"synth: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {len(manifest.files)} files to {out} ({sum(manifest.counts.values())} rows)")

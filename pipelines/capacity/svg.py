"""Tiny inline-SVG charts for the HTML report (no JavaScript, no network at view time)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

FONT = 'font-family="sans-serif" font-size="12"'


def histogram(
    counts: Sequence[int],
    edges: Sequence[float],
    *,
    width: int = 560,
    height: int = 220,
    colors: Sequence[str] | None = None,
) -> str:
    """Vertical bars, one per bin; `edges` has len(counts) + 1 values."""
    top = max(max(counts, default=0), 1)
    pad, bw = 30, (width - 40) / max(len(counts), 1)
    bars = []
    for i, c in enumerate(counts):
        h = (height - 2 * pad) * c / top
        x, y = 35 + i * bw, height - pad - h
        fill = colors[i] if colors else "#4a7ab5"
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" '
            f'fill="{fill}"><title>{edges[i]:g}-{edges[i + 1]:g}: {c}</title></rect>'
        )
        if c:
            bars.append(
                f'<text x="{x + bw / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" {FONT}>{c}</text>'
            )
    ticks = [
        f'<text x="{35 + i * bw:.1f}" y="{height - pad + 15}" text-anchor="middle" {FONT}>'
        f"{e:g}</text>"
        for i, e in enumerate(edges)
    ]
    axis = f'<line x1="35" y1="{height - pad}" x2="{width - 5}" y2="{height - pad}" stroke="#333"/>'
    return _svg(width, height, "".join(bars) + axis + "".join(ticks))


def class_histogram(
    counts: Mapping[str, Sequence[int]],
    edges: Sequence[float],
    colors: Mapping[str, str],
    legend: Mapping[str, str],
    *,
    width: int = 560,
    height: int = 240,
) -> str:
    """Score histogram whose bars are stacked by the class each debtor actually got."""
    n = len(edges) - 1
    totals = [sum(c[i] for c in counts.values()) for i in range(n)]
    top = max(max(totals, default=0), 1)
    pad, bw, base = 30, (width - 40) / max(n, 1), height - 50
    parts = []
    for i in range(n):
        x, y = 35 + i * bw, float(base)
        for name, values in counts.items():
            h = (base - pad) * values[i] / top
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" '
                f'fill="{colors[name]}"><title>{edges[i]:g}-{edges[i + 1]:g} '
                f"{escape(name)}: {values[i]}</title></rect>"
            )
        if totals[i]:
            parts.append(
                f'<text x="{x + bw / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" {FONT}>'
                f"{totals[i]}</text>"
            )
    parts += [
        f'<text x="{35 + i * bw:.1f}" y="{base + 15}" text-anchor="middle" {FONT}>{e:g}</text>'
        for i, e in enumerate(edges)
    ]
    parts.append(f'<line x1="35" y1="{base}" x2="{width - 5}" y2="{base}" stroke="#333"/>')
    for j, name in enumerate(counts):
        lx = 35 + j * 170
        parts.append(
            f'<rect x="{lx}" y="{height - 22}" width="12" height="12" fill="{colors[name]}"/>'
            f'<text x="{lx + 16}" y="{height - 12}" {FONT}>{escape(legend[name])}</text>'
        )
    return _svg(width, height, "".join(parts))


def hbars(
    labels: Sequence[str], values: Sequence[int], *, width: int = 560, color: str = "#4a7ab5"
) -> str:
    """Horizontal bars with labels on the left (e.g. top evidence types)."""
    row, left = 22, 150
    height = row * len(labels) + 10
    top = max(max(values, default=0), 1)
    parts = []
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y, w = 5 + i * row, (width - left - 50) * v / top
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" {FONT}>{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{color}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 14}" {FONT}>{v}</text>'
        )
    return _svg(width, height, "".join(parts))


def stacked(
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    colors: Mapping[str, str],
    *,
    width: int = 560,
) -> str:
    """One horizontal stacked bar per label (e.g. classes per court), with a legend."""
    row, left = 24, 190
    height = row * len(labels) + 34
    totals = [sum(s[i] for s in series.values()) for i in range(len(labels))]
    top = max(max(totals, default=0), 1)
    parts = []
    for i, label in enumerate(labels):
        y, x = 5 + i * row, float(left)
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" {FONT}>{escape(label)}</text>'
        )
        for name, values in series.items():
            w = (width - left - 50) * values[i] / top
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
                f'fill="{colors[name]}"><title>{escape(name)}: {values[i]}</title></rect>'
            )
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 15}" {FONT}>{totals[i]}</text>')
    ly = height - 14
    for j, name in enumerate(series):
        lx = left + j * 110
        parts.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colors[name]}"/>'
            f'<text x="{lx + 16}" y="{ly}" {FONT}>{escape(name)}</text>'
        )
    return _svg(width, height, "".join(parts))


def _svg(width: int, height: int, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">{body}</svg>'
    )

"""Issuance throughput against batch size and worker count, as a table and an SVG plot.

    .venv/bin/python bench/issue_sweep.py --sizes 100,1000,5000 --workers 1,2 \\
        --svg docs/performance-issuance.svg

For each batch size N and worker count W: a fresh home in a temporary directory (random
passphrase) with N synthetic people meeting gd-2010, one
``Issuer.issue(workers=W, keep_records=False)`` call, timed by wall clock and by CPU (this
process and its joined workers, ``RUSAGE_CHILDREN``). Prints certificates per second by wall
time and per CPU-second, and writes both against N, one line per W, as a small hand-written
SVG (no plotting library). On a machine shared with other work the wall-time rate with
several workers measures the share of the cores it got: compare the CPU figures.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

from benchlib import create_home, print_header
from issue import Run, issue_batch

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
_WIDTH, _HEIGHT = 720, 380
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 210, 40, 50


def measure(size: int, workers: int) -> Run:
    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        bench = create_home(Path(tmp), size)
        run = issue_batch(bench, size, workers)
        bench.registry.close()
    return run


def _x(size: int, sizes: list[int]) -> float:
    low, high = math.log10(min(sizes)), math.log10(max(sizes))
    span = (high - low) or 1.0
    return _LEFT + (math.log10(size) - low) / span * (_WIDTH - _LEFT - _RIGHT)


def _y(rate: float, top: float) -> float:
    return _HEIGHT - _BOTTOM - rate / top * (_HEIGHT - _TOP - _BOTTOM)


def svg(results: dict[tuple[int, int], Run], sizes: list[int], workers: list[int]) -> str:
    """Certificates/s (wall, solid; per CPU-second, dashed) against batch size (log axis)."""
    rates = {
        key: (key[0] / run.wall, key[0] / run.cpu if run.cpu else 0.0)
        for key, run in results.items()
    }
    highest = max(max(pair) for pair in rates.values())
    step = 10 ** math.floor(math.log10(highest)) if highest > 0 else 1
    top = math.ceil(highest / step) * step or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{_WIDTH}" height="{_HEIGHT}" fill="white"/>',
        f'<text x="{_LEFT}" y="22" font-size="14">cecert issuance (PAdES B-LTA): '
        "certificates/s by batch size</text>",
    ]
    for tick in range(0, 6):
        value = top * tick / 5
        y = _y(value, top)
        out.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{_LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>')
    for size in sizes:
        x = _x(size, sizes)
        out.append(
            f'<text x="{x:.1f}" y="{_HEIGHT - _BOTTOM + 18}" text-anchor="middle">{size:,}</text>'
        )
    out.append(
        f'<text x="{(_LEFT + _WIDTH - _RIGHT) / 2}" y="{_HEIGHT - 12}" text-anchor="middle">'
        "people in the batch (log scale)</text>"
    )
    out.append(
        f'<text x="16" y="{(_TOP + _HEIGHT - _BOTTOM) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(_TOP + _HEIGHT - _BOTTOM) / 2})">certificates/s</text>'
    )
    for index, count in enumerate(workers):
        colour = _COLOURS[index % len(_COLOURS)]
        for which, dash, label in ((0, "", "wall"), (1, ' stroke-dasharray="5 4"', "per CPU-s")):
            points = " ".join(
                f"{_x(size, sizes):.1f},{_y(rates[(size, count)][which], top):.1f}"
                for size in sizes
            )
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash}/>'
            )
            for size in sizes:
                cx, cy = _x(size, sizes), _y(rates[(size, count)][which], top)
                out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}"/>')
            legend_y = _TOP + 10 + (2 * index + which) * 20
            out.append(
                f'<line x1="{_WIDTH - _RIGHT + 12}" y1="{legend_y}" x2="{_WIDTH - _RIGHT + 40}"'
                f' y2="{legend_y}" stroke="{colour}" stroke-width="2"{dash}/>'
            )
            out.append(
                f'<text x="{_WIDTH - _RIGHT + 46}" y="{legend_y + 4}">'
                f"workers={count}, {label}</text>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="batch sizes")
    parser.add_argument("--workers", default="1,2", help="worker counts")
    parser.add_argument("--svg", type=Path, default=None, help="write the plot here")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")]
    workers = [int(n) for n in args.workers.split(",")]
    print_header(
        "cecert issuance sweep: Issuer.issue by batch size and worker count",
        mode="the issuing process with 1 or more worker processes",
    )
    print()
    print(f"  {'batch':>7}  {'workers':>7}  {'wall s':>8}  {'CPU s':>8}  {'cert/s wall':>11}"
          f"  {'cert/CPU-s':>10}  {'CPU ms/cert':>11}")  # fmt: skip
    results: dict[tuple[int, int], Run] = {}
    for size in sizes:
        for count in workers:
            run = measure(size, count)
            results[(size, count)] = run
            print(
                f"  {size:7d}  {count:7d}  {run.wall:8.2f}  {run.cpu:8.2f}"
                f"  {size / run.wall:11.1f}  {size / run.cpu:10.1f}"
                f"  {1000 * run.cpu / size:11.2f}",
                flush=True,
            )
    if args.svg is not None:
        args.svg.write_text(svg(results, sizes, workers), encoding="utf-8")
        print(f"\nplot written to {args.svg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark geomap's start-up against a bare interpreter, in the same run.

``import geomap`` and ``geomap --help`` each run in a fresh interpreter, against
``python -c pass``.

The machine is shared, so the figures are medians of many runs, interleaved (pass, import,
help, pass, ...), and the table gives each as a difference and a ratio to the bare
interpreter. It also lists the heavy libraries each command loads (none is the goal).

Usage::

    python bench/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("folium", "geopandas", "scipy", "pyogrio", "pandas", "shapely", "pyproj")
PROBE = "import sys; print('loaded:' + ','.join(m for m in {heavy!r} if m in sys.modules))"
COMMANDS = {
    "python -c pass": "pass",
    "import geomap": "import geomap",
    "geomap --help": "import sys; sys.argv = ['geomap', '--help']\n"
    "from geomap.cli import cli\ntry:\n    cli()\nexcept SystemExit:\n    pass",
}


def run(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - start


def loaded(code: str) -> str:
    probe = code + "\n" + PROBE.format(heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, check=True, capture_output=True, text=True
    )
    return out.stdout.rsplit("loaded:", 1)[-1].strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for code in COMMANDS.values():
        run(code)  # warm the file cache
    for _ in range(args.runs):
        for name, code in COMMANDS.items():
            times[name].append(run(code))
    base = statistics.median(times["python -c pass"])
    print(
        f"start-up, median of {args.runs} runs each, interleaved; Python {sys.version.split()[0]}"
    )
    print()
    print("| command | median s | over `python -c pass` | ratio | heavy libraries loaded |")
    print("|---|---:|---:|---:|---|")
    for name, code in COMMANDS.items():
        median = statistics.median(times[name])
        heavy = loaded(code) if name != "python -c pass" else ""
        print(
            f"| `{name}` | {median:.3f} | {median - base:+.3f} | {median / base:.2f}x "
            f"| {heavy or 'none'} |"
        )


if __name__ == "__main__":
    main()

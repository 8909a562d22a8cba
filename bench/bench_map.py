"""Benchmark the main job, ``geomap map``, run through the real CLI as a subprocess.

Measured in one run, so the ratios compare like with like on the same machine:

- cold: ``GEOMAP_CACHE_DIR`` points at a fresh, empty temporary directory, so the run includes
  building the gazetteer (once);
- warm: the same cache directory again, five times (median reported);
- in process: opening the built gazetteer, ``geomap.gazetteer.Gazetteer(path)`` (median of 20),
  against building it from scratch (``build_gazetteer``, once);
- ``import geomap`` in a fresh interpreter, against a bare ``python -c pass`` (median of 5).

Usage::

    python bench/bench_map.py                      # everything (~40 s on 2 cores)
    python bench/bench_map.py --cache-dir DIR      # warm runs against an existing cache only

Nothing is written outside temporary directories, except that ``--cache-dir DIR`` builds the
gazetteer in DIR if it is not there yet (the first run then says so).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from geomap.gazetteer import SCHEMA_VERSION

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "samples" / "syunik_shelling.txt"
WARM_RUNS = 5
GAZETTEER_FILE = f"gazetteer-v{SCHEMA_VERSION}.sqlite"  # what default_gazetteer_path() names
OPEN_RUNS = 20
IMPORT_RUNS = 5


def git_revision() -> str:
    """Return the commit measured, with ``-dirty`` when the working tree has changes."""
    proc = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
    )
    return proc.stdout.strip() or "unknown"


def cli_command() -> list[str]:
    """Return the ``geomap`` console script of this interpreter (not a pyenv shim)."""
    script = Path(sys.executable).parent / "geomap"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "geomap"]


def run_map(cache_dir: Path, out_dir: Path) -> float:
    """Run ``geomap map SAMPLE --out OUT --force`` once; return its wall-clock seconds."""
    env = {**os.environ, "GEOMAP_CACHE_DIR": str(cache_dir)}
    cmd = [*cli_command(), "map", str(SAMPLE), "--out", str(out_dir), "--force"]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"geomap map failed ({proc.returncode}):\n{proc.stderr}")
    written = proc.stdout.split()
    if len(written) != 2 or not all(Path(p).is_file() for p in written):
        sys.exit(f"geomap map did not write its two outputs: {proc.stdout!r}")
    return elapsed


def time_python(code: str, runs: int) -> float:
    """Return the median wall-clock seconds of ``python -c CODE`` in a fresh interpreter."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            sys.exit(f"python -c {code!r} failed:\n{proc.stderr.decode(errors='replace')}")
    return statistics.median(times)


def time_open(path: Path, runs: int) -> float:
    """Return the median seconds of ``Gazetteer(path)`` (open and read its metadata)."""
    from geomap.gazetteer import Gazetteer

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        gaz = Gazetteer(path)
        times.append(time.perf_counter() - started)
        gaz.close()
    return statistics.median(times)


def time_build(path: Path) -> float:
    """Return the seconds to build the gazetteer from scratch into ``path`` (in process, once)."""
    from geomap.gazetteer import build_gazetteer

    started = time.perf_counter()
    build_gazetteer(path, progress=False)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="Reuse this gazetteer cache for the warm runs; skips the cold run and the build.",
    )
    args = parser.parse_args(argv)

    print(f"# geomap map benchmark, {dt.datetime.now().isoformat(timespec='seconds')}")
    print(
        f"platform: {platform.platform()}; CPUs: {os.cpu_count()}; Python {sys.version.split()[0]}"
    )
    print(f"geomap revision: {git_revision()}")
    print(f"command: {' '.join(cli_command())} map {SAMPLE.relative_to(REPO)} --out TMP --force\n")

    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="geomap-bench-") as tmp:
        tmp_path = Path(tmp)
        out_dir = tmp_path / "out"
        cold = None
        if args.cache_dir is None:
            cache = tmp_path / "cache"
            cache.mkdir()
            cold = run_map(cache, out_dir)
        else:
            cache = args.cache_dir.expanduser().resolve()
            if not (cache / GAZETTEER_FILE).exists():
                print(f"note: no gazetteer in {cache} yet: one untimed run builds it first")
                run_map(cache, out_dir)
        warm_times = [run_map(cache, out_dir) for _ in range(WARM_RUNS)]
        warm = statistics.median(warm_times)

        gaz_path = cache / GAZETTEER_FILE
        open_s = time_open(gaz_path, OPEN_RUNS)
        build_s = time_build(tmp_path / "rebuilt.sqlite") if cold is not None else None

    bare = time_python("pass", IMPORT_RUNS)
    imported = time_python("import geomap", IMPORT_RUNS)

    if cold is not None:
        rows.append(("`geomap map`, cold (builds the gazetteer)", f"{cold:.2f}", ""))
    rows.append(
        (
            f"`geomap map`, warm (median of {WARM_RUNS})",
            f"{warm:.2f}",
            f"cold/warm = {cold / warm:.1f}x" if cold is not None else "",
        )
    )
    if build_s is not None:
        rows.append(("`build_gazetteer()` in process (once)", f"{build_s:.2f}", ""))
    rows.append(
        (
            f"`Gazetteer(path)` open (median of {OPEN_RUNS})",
            f"{open_s:.5f} ({open_s * 1e3:.2f} ms)",
            f"build/open = {build_s / open_s:,.0f}x" if build_s is not None else "",
        )
    )
    rows.append((f"`python -c pass` (median of {IMPORT_RUNS})", f"{bare:.3f}", ""))
    rows.append(
        (
            f"`python -c 'import geomap'` (median of {IMPORT_RUNS})",
            f"{imported:.3f}",
            f"import itself = {imported - bare:.3f} s; "
            f"{(imported - bare) / warm:.0%} of a warm run",
        )
    )

    print("| what | seconds | ratio |\n|---|---:|---|")
    for what, secs, ratio in rows:
        print(f"| {what} | {secs} | {ratio} |")
    print(f"\nwarm runs (s): {', '.join(f'{t:.2f}' for t in warm_times)}")
    if args.cache_dir is not None:
        print("(--cache-dir given: no cold run and no build, so no cold/warm ratio)")


if __name__ == "__main__":
    main()

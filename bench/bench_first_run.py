"""Benchmark the first run of ``geomap map`` (empty cache) against a warm run, and its progress.

A fresh cache directory makes ``geomap map data/samples/syunik_shelling.txt --progress``
derive the border data and build the gazetteer before it maps. The command runs in a
subprocess whose stderr (the progress bars) is read as it comes, so the report says:

- the wall time of the first run and of a warm run right after it (same cache), and their
  ratio: the first-run cost in units of this machine's ordinary run;
- the CPU time (user + system) of each, which the load of a shared machine disturbs less;
- how long the output stayed silent at most (the longest gap between two bar redraws) and
  when the first bar appeared;
- the last percentage the gazetteer bar showed (100 is the goal), and how long each phase
  of the build took (from the bar's descriptions).

Usage::

    python bench/bench_first_run.py [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "samples" / "syunik_shelling.txt"
FRAME = re.compile(r"^(?P<desc>[^:]+(?:: [^:%]+)?): *(?P<pct>\d+)%")


def run(cache: Path, out: Path) -> dict:
    """Run ``geomap map`` once; return wall and CPU seconds and the bar frames seen."""
    cmd = [sys.executable, "-m", "geomap", "--cache-dir", str(cache), "map", str(SAMPLE)]
    cmd += ["--out", str(out), "--force", "--progress"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    frames: list[tuple[float, str]] = []
    # tqdm writes each frame whole, as "\r<frame>": a frame counts when it arrives.
    while chunk := os.read(proc.stderr.fileno(), 65536):
        now = time.perf_counter() - start
        for frame in re.split(rb"[\r\n]", chunk):
            if frame.strip():
                frames.append((now, frame.decode("utf-8", "replace").strip()))
    if proc.wait() != 0:
        raise SystemExit(f"geomap map failed: {frames[-3:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "frames": frames}


def progress_report(frames: list[tuple[float, str]], wall: float) -> dict:
    """Longest silence, first output, the gazetteer bar's last %, seconds per build phase."""
    times = [0.0, *(t for t, _ in frames), wall]
    gaps = [b - a for a, b in zip(times[:-1], times[1:], strict=True)]
    phases: dict[str, list[float]] = {}
    last_pct = None
    for t, text in frames:
        found = FRAME.match(text)
        if not found or not found["desc"].startswith("building gazetteer"):
            continue
        last_pct = int(found["pct"])
        phase = found["desc"].partition(": ")[2] or "start"
        phases.setdefault(phase, [t, t])[1] = t
    # A phase lasts from its first frame to the first frame of the next one.
    names = list(phases)
    durations = {
        name: (phases[names[i + 1]][0] if i + 1 < len(names) else phases[name][1])
        - phases[name][0]
        for i, name in enumerate(names)
    }
    return {
        "first_output": frames[0][0] if frames else wall,
        "longest_silence": max(gaps),
        "gazetteer_last_pct": last_pct,
        "phases": durations,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="first runs (each on a new cache)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"# bench_first_run: {os.cpu_count()} cores, load average {load:.1f} at start")
    firsts, warms, reports = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            cache, out = Path(tmp) / "cache", Path(tmp) / "out"
            first = run(cache, out)
            warm = run(cache, out)
            firsts.append(first)
            warms.append(warm)
            reports.append(progress_report(first["frames"], first["wall"]))
    first_wall = statistics.median(r["wall"] for r in firsts)
    warm_wall = statistics.median(r["wall"] for r in warms)
    print("| run | wall (s) | CPU (s) | ratio to warm (wall) |")
    print("|---|---:|---:|---:|")
    print(
        f"| first (empty cache) | {first_wall:.1f} | "
        f"{statistics.median(r['cpu'] for r in firsts):.1f} | {first_wall / warm_wall:.1f} |"
    )
    print(
        f"| warm (cache built) | {warm_wall:.1f} | "
        f"{statistics.median(r['cpu'] for r in warms):.1f} | 1.0 |"
    )
    report = reports[len(reports) // 2]
    print()
    print(
        f"first bar after {report['first_output']:.1f} s; longest silence "
        f"{report['longest_silence']:.1f} s; gazetteer bar ended at "
        f"{report['gazetteer_last_pct']} %"
    )
    print(
        "gazetteer phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in report["phases"].items())
    )


if __name__ == "__main__":
    main()

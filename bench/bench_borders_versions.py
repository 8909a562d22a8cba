"""``Borders.distance`` of this checkout against another version of geomap, in one run.

The other version (a git ref, by default ``main``) is extracted with ``git archive`` into a
temporary directory. The same random land points (uniform on the sphere, kept if inside a
country) are timed with each version in fresh processes, alternately, ``--repeat`` times,
after each has loaded its borders (disk cache warmed first) and built its indexes; the
median seconds (wall clock, and CPU: the process's time in all its threads, steadier on a
shared machine) and the ratios this/other are printed per measure and size. On a shared
machine only the ratios mean anything.

    python bench/bench_borders_versions.py                 # against main
    python bench/bench_borders_versions.py --baseline HEAD~3 --sizes 10000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# Run inside a fresh interpreter whose sys.path starts at one version's checkout.
_WORKER = """
import json, sys, time
import numpy as np
from geomap.borders import load_borders
points = np.load(sys.argv[1])
measures = sys.argv[2].split(",")
sizes = [int(s) for s in sys.argv[3].split(",")]
borders = load_borders()
for measure in measures:  # build every index before timing
    borders.distance(points[0, :1000], points[1, :1000], measure=measure)
out = {}
for measure in measures:
    for n in sizes:
        start, cpu = time.perf_counter(), time.process_time()
        borders.distance(points[0, :n], points[1, :n], measure=measure)
        out[f"{measure} {n}"] = (time.perf_counter() - start, time.process_time() - cpu)
print(json.dumps(out))
"""


def random_land_points(n: int, seed: int) -> np.ndarray:
    """(2, n) lon/lat of uniform points on the sphere inside a country (this version)."""
    sys.path.insert(0, str(ROOT))
    from geomap.borders import load_borders

    borders = load_borders()
    rng = np.random.default_rng(seed)
    lon_out, lat_out, have = [], [], 0
    while have < n:
        lon = rng.uniform(-180, 180, 4 * n)
        lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 4 * n)))
        inside = np.asarray([c is not None for c in borders.country_at(lon, lat)])
        lon_out.append(lon[inside])
        lat_out.append(lat[inside])
        have += int(inside.sum())
    return np.vstack([np.concatenate(lon_out)[:n], np.concatenate(lat_out)[:n]])


def run(
    checkout: Path, points: Path, measures: str, sizes: str, cache: Path
) -> dict[str, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(checkout), "GEOMAP_CACHE_DIR": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", _WORKER, str(points), measures, sizes],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git ref of the other version")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--measures", default="land,any")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "baseline"
        other.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.baseline, "geomap"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)
        points = Path(tmp) / "points.npy"
        np.save(points, random_land_points(max(sizes), seed=2026))
        cache = Path(tmp) / "cache"
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        times: dict[str, dict[str, list[list[float]]]] = {"this": {}, "baseline": {}}
        for _ in range(args.repeat):
            for name, checkout in (("baseline", other), ("this", ROOT)):
                found = run(checkout, points, args.measures, args.sizes, cache)
                for key, seconds in found.items():
                    times[name].setdefault(key, []).append(seconds)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\nthis checkout vs {args.baseline}: median of {args.repeat} alternating runs\n")
    ref = args.baseline
    print(
        f"| measure | points | {ref} s | this s | ratio | {ref} CPU s | this CPU s | CPU ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for key in times["this"]:
        base = np.median(np.asarray(times["baseline"][key]), axis=0)
        mine = np.median(np.asarray(times["this"][key]), axis=0)
        measure, n = key.split()
        print(
            f"| {measure} | {int(n):,} | {base[0]:.2f} | {mine[0]:.2f} | {mine[0] / base[0]:.2f} "
            f"| {base[1]:.2f} | {mine[1]:.2f} | {mine[1] / base[1]:.2f} |"
        )


if __name__ == "__main__":
    main()

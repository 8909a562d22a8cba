"""Distance to the nearest land border: geomap against the naive geopandas ways, in one run.

For 10k, 100k and 1M random land points (uniform on the sphere, kept if inside a country of
the border dataset, Antarctica included) this measures, each in a fresh forked process:

- geomap: ``Borders.distance(lon, lat)`` (measure ``land``: point-in-country, nearest land
  border, geodesic distance, side), with the borders loaded and the index built beforehand;
- naive: ``GeoSeries.to_crs(EPSG:4087)`` + ``.distance`` to the union of all land borders
  projected the same way;
- sjoin_nearest: ``geopandas.sjoin_nearest`` of the projected points to the projected lines.

It prints points/s, the ratio of geomap to each peer, peak memory (the process's maximum
resident set, and how much it grew during the call) and the error against an independent
reference on a sample of 2,000 points: the border lines densified to <= 25 m by geodesic
interpolation, minimum geodesic distance over all vertices (``tests/test_borders.py``).
The ``any`` and ``outline`` measures are timed on 10k and 100k points (their indexes built
beforehand, as the land index is), and ``load_borders()`` cold (deriving the borders) and
warm (from the disk cache). The machine's load average is printed before and after the
runs: on a shared machine compare the ratios within one run.

    python bench/bench_borders.py            # about 3-4 minutes on 2 cores
    python bench/bench_borders.py --quick    # 10k and 100k only
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geomap.borders as gb  # noqa: E402
from geomap.borders import clear_loaded, load_borders  # noqa: E402
from geomap.borders.index import WORKERS  # noqa: E402
from tests.test_borders import Reference  # noqa: E402

PROJECTED = "EPSG:4087"  # World Equidistant Cylindrical: one global projection
SAMPLE = 2000


def random_land_points(borders: gb.Borders, n: int, seed: int) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    lon_out: list[Any] = []
    lat_out: list[Any] = []
    have = 0
    while have < n:
        lon = rng.uniform(-180, 180, 4 * n)
        lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 4 * n)))
        inside = borders._country_index(lon, lat) >= 0
        lon_out.append(lon[inside])
        lat_out.append(lat[inside])
        have += int(inside.sum())
    return np.concatenate(lon_out)[:n], np.concatenate(lat_out)[:n]


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def in_child(func: Callable[[], Any]) -> tuple[float, float, float, Any]:
    """Run ``func`` in a forked process: (seconds, peak RSS MB, growth MB, result)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def target() -> None:
        before = rss_mb()
        start = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child.send((seconds, peak, peak - before, result))

    proc = ctx.Process(target=target)
    proc.start()
    out = parent.recv()
    proc.join()
    return out  # type: ignore[no-any-return]


def naive(lines: gpd.GeoDataFrame, lon: Any, lat: Any) -> Any:
    union = lines.to_crs(PROJECTED).union_all()
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(PROJECTED)
    return points.distance(union).to_numpy() / 1000


def sjoin(lines: gpd.GeoDataFrame, lon: Any, lat: Any) -> Any:
    projected = lines[["pair", "geometry"]].to_crs(PROJECTED)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat, crs=4326).to_crs(PROJECTED))
    joined = gpd.sjoin_nearest(points, projected, distance_col="d")
    joined = joined[~joined.index.duplicated()]
    return joined["d"].to_numpy() / 1000, joined["pair"].to_numpy(dtype=object)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k points only")
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]

    with tempfile.TemporaryDirectory() as cache:
        os.environ["GEOMAP_CACHE_DIR"] = cache
        start = time.perf_counter()
        load_borders()
        cold = time.perf_counter() - start
        clear_loaded()
        start = time.perf_counter()
        borders = load_borders()
        warm = time.perf_counter() - start
    start = time.perf_counter()
    borders._segment_index()
    index_s = time.perf_counter() - start
    print(
        f"load_borders(): cold (derive + write cache) {cold:.2f} s, warm (disk cache) "
        f"{warm:.2f} s, land index already in the cache: {index_s:.3f} s"
    )
    lines = borders.lines
    index = borders._segment_index()
    coarse = len(index.coarse) if index.coarse is not None else 0
    print(
        f"land borders: {len(lines)} lines, {len(index):,} vertices after densifying to "
        f"<= 1 km, {coarse:,} at <= 16 km; threads: {WORKERS}"
    )
    start = time.perf_counter()
    borders._country_grid()
    borders._coast_pieces()
    for row in range(len(borders.countries)):
        borders._outline_index(row)
    built = time.perf_counter() - start
    print(f"point-in-country grid, coast pieces and outline indexes: {built:.2f} s")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    lon_all, lat_all = random_land_points(borders, max(sizes), seed=2026)

    # Accuracy on a sample, against the independent 25 m brute force.
    rng = np.random.default_rng(1)
    pick = rng.choice(min(100_000, len(lon_all)), SAMPLE, replace=False)
    s_lon, s_lat = lon_all[pick], lat_all[pick]
    reference = Reference(lines)
    start = time.perf_counter()
    ref = [reference.nearest(float(x), float(y)) for x, y in zip(s_lon, s_lat, strict=True)]
    ref_km = np.array([r[0] for r in ref])
    ref_pair = np.array([r[1] for r in ref], dtype=object)
    print(f"reference on {SAMPLE} points: {time.perf_counter() - start:.1f} s")
    mine = borders.distance(s_lon, s_lat)
    errors = {
        "geomap": (np.abs(mine["distance_km"].to_numpy() - ref_km), mine["border"].to_numpy()),
        "naive": (np.abs(naive(lines, s_lon, s_lat) - ref_km), None),
    }
    d, pair = sjoin(lines, s_lon, s_lat)
    errors["sjoin_nearest"] = (np.abs(d - ref_km), pair)

    rows = []
    for n in sizes:
        lon, lat = lon_all[:n], lat_all[:n]
        runs = {
            "geomap": in_child(lambda lon=lon, lat=lat: len(borders.distance(lon, lat))),
            "sjoin_nearest": in_child(lambda lon=lon, lat=lat: len(sjoin(lines, lon, lat)[0])),
            "naive": in_child(lambda lon=lon, lat=lat: len(naive(lines, lon, lat))),
        }
        for name, (seconds, peak, grew, _) in runs.items():
            rows.append((n, name, seconds, n / seconds, runs["geomap"][0], peak, grew))
            print(
                f"{n:>9,} {name:<14} {seconds:7.2f} s {n / seconds:>10,.0f} pts/s "
                f"peak {peak:,.0f} MB (+{grew:,.0f})",
                flush=True,
            )

    measures = []
    for n in [s for s in sizes if s <= 100_000]:
        for measure in ("outline", "any"):
            lon, lat = lon_all[:n], lat_all[:n]
            seconds, peak, grew, _ = in_child(
                lambda lon=lon, lat=lat, m=measure: len(borders.distance(lon, lat, measure=m))
            )
            measures.append((n, measure, seconds, n / seconds, peak, grew))

    print()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}"
    )
    print()
    print("| points | method | seconds | points/s | geomap speed-up | peak RSS MB (growth) |")
    print("|---:|---|---:|---:|---:|---:|")
    for n, name, seconds, rate, geomap_s, peak, grew in rows:
        ratio = "" if name == "geomap" else f"{seconds / geomap_s:.1f}x"
        print(
            f"| {n:,} | {name} | {seconds:.2f} | {rate:,.0f} | {ratio} | "
            f"{peak:,.0f} (+{grew:,.0f}) |"
        )
    print()
    print(f"| method | max error km | median error km | 99th pct km | same pair (of {SAMPLE}) |")
    print("|---|---:|---:|---:|---:|")
    for name, (err, pairs) in errors.items():
        same = "n/a" if pairs is None else str(int((pairs == ref_pair).sum()))
        print(
            f"| {name} | {err.max():.4f} | {np.median(err):.4f} | "
            f"{np.percentile(err, 99):.4f} | {same} |"
        )
    print()
    print("| points | measure | seconds | points/s | peak RSS MB (growth) |")
    print("|---:|---|---:|---:|---:|")
    for n, measure, seconds, rate, peak, grew in measures:
        print(f"| {n:,} | {measure} | {seconds:.2f} | {rate:,.0f} | {peak:,.0f} (+{grew:,.0f}) |")


if __name__ == "__main__":
    main()

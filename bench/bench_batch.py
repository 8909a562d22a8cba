"""Scale: ``geomap annotate`` vs a plain geopandas loop, ``geomap batch`` on three engines.

Prints two Markdown tables (see bench/README.md):

1. annotate N random land-ish points (default 1,000,000) from a CSV with geomap's local
   engine, 1 process and all cores, against a plain pandas + geopandas loop doing the
   same geodesic work per row (nearest border line from the spatial index, nearest point
   on it, ``pyproj.Geod.inv``). The loop is timed on a sample (default 5,000 rows) and
   extrapolated; its agreement with geomap on that sample is printed.
2. batch-geoparse D documents (default 10,000) built by repeating GeoWebNews (Gritta,
   Pilehvar & Collier 2020; evaluation only, read from ``../shared``, never copied):
   1 process vs the local engine vs a dask LocalCluster of 2 workers; docs/s, speed-up and
   peak memory per worker.

Run it alone on the machine: ``nice -n 10 python bench/bench_batch.py``.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import Geod

from geomap import load_borders, open_gazetteer
from geomap.annotate import annotate_table
from geomap.corpus import batch_geoparse

CORPUS = Path(__file__).resolve().parents[2] / "shared/bench/geoparse/gwn.jsonl"


def points(n: int, seed: int = 0) -> pd.DataFrame:
    """Random points over Europe, Africa and Asia (mostly land), plus 1% invalid rows."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-15.0, 120.0, n).round(5)
    lat = rng.uniform(-30.0, 60.0, n).round(5)
    frame = pd.DataFrame({"event_id": np.arange(n), "latitude": lat, "longitude": lon})
    bad = rng.random(n) < 0.01
    frame.loc[bad, "latitude"] = np.nan
    return frame


def plain_loop(frame: pd.DataFrame) -> pd.DataFrame:
    """Annotate as an analyst would without geomap: per row, nearest line, Geod to it."""
    borders = load_borders()
    lines = borders.lines
    countries = borders.countries
    geod = Geod(ellps="WGS84")
    tree = lines.sindex
    rows = []
    for lon, lat in zip(frame["longitude"], frame["latitude"], strict=True):
        if not (np.isfinite(lon) and np.isfinite(lat)):
            rows.append((None, None, np.nan))
            continue
        point = shapely.Point(lon, lat)
        inside = countries.sindex.query(point, predicate="within")
        country = countries["code"].iloc[inside[0]] if len(inside) else None
        # The nearest line in degrees (the spatial index), then geodesic metres to it.
        i = tree.nearest(point)[1][0]
        on = shapely.ops.nearest_points(lines.geometry.iloc[i], point)[0]
        _, _, metres = geod.inv(lon, lat, on.x, on.y)
        best = (metres, lines["pair"].iloc[i])
        rows.append((country, best[1], best[0] / 1000.0))
    return pd.DataFrame(rows, columns=["country", "border", "distance_km"])


def bench_annotate(n: int, sample: int, workers: int) -> None:
    load_borders()  # derive or read the cached borders before timing
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "events.csv"
        points(n).to_csv(source, index=False)
        results = {}
        for label, count in (("geomap, 1 process", 1), (f"geomap, local x{workers}", workers)):
            started = time.perf_counter()
            summary = annotate_table(source, Path(tmp) / f"{count}.csv", workers=count)
            results[label] = (time.perf_counter() - started, summary.invalid)
        same = (Path(tmp) / "1.csv").read_bytes() == (Path(tmp) / f"{workers}.csv").read_bytes()
        frame = points(sample, seed=1)
        started = time.perf_counter()
        loop = plain_loop(frame)
        loop_rate = sample / (time.perf_counter() - started)
        frame.to_csv(Path(tmp) / "sample.csv", index=False)  # geomap on the same sample
        annotate_table(Path(tmp) / "sample.csv", Path(tmp) / "sample.out.csv", workers=1)
        mine = pd.read_csv(Path(tmp) / "sample.out.csv")
    valid = loop["distance_km"].notna()
    diff = (loop["distance_km"] - mine["distance_km"]).abs()[valid]
    print(f"\n### annotate {n:,} rows (CSV in, CSV out)\n")
    print("| what | seconds | rows/s | vs plain loop |")
    print("|---|---:|---:|---:|")
    print(
        f"| plain pandas + geopandas loop (on {sample:,} rows) | "
        f"{n / loop_rate:,.0f} (extrapolated) | {loop_rate:,.0f} | 1.0x |"
    )
    for label, (seconds, _) in results.items():
        rate = n / seconds
        print(f"| {label} | {seconds:.1f} | {rate:,.0f} | {rate / loop_rate:,.0f}x |")
    print(
        f"\nInvalid rows kept: {results[f'geomap, local x{workers}'][1]:,}. Files identical "
        f"across engines: {same}. Plain loop vs geomap on the sample: same border "
        f"{(loop['border'][valid] == mine['border'][valid]).mean():.3f}, |distance "
        f"difference| median {diff.median():.3f} km, max {diff.max():.3f} km."
    )


def corpus(docs: int, folder: Path) -> Path:
    """Write a JSONL of ``docs`` documents: GeoWebNews repeated, with new ids."""
    records = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line]
    path = folder / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(docs):
            record = records[i % len(records)]
            fh.write(json.dumps({"id": f"d{i}", "text": record["text"], "date": "2020"}) + "\n")
    return path


def worker_peaks_local() -> float:
    """Peak RSS (MB) of the largest child process so far (workers are reaped on close)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bench_batch(docs: int, workers: int) -> None:
    open_gazetteer(progress=False)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        source = corpus(docs, Path(tmp))
        for label, engine, count in (
            ("1 process", "local", 1),
            (f"local engine, {workers} processes", "local", workers),
            (f"dask LocalCluster, {workers} workers", "dask", workers),
        ):
            started = time.perf_counter()
            summary = batch_geoparse(
                source, Path(tmp) / label.split()[0], engine=engine, workers=count
            )
            seconds = time.perf_counter() - started
            if count == 1:
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                memory = f"{peak:,.0f} (the one process)"
            else:
                memory = f"{worker_peaks_local():,.0f}"
            rows.append((label, seconds, summary.rows, memory))
        tables = [
            gpd.read_parquet(Path(tmp) / name / "incidents") for name in ("1", "local", "dask")
        ]
        same = all(t.equals(tables[0]) for t in tables[1:])
    base = docs / rows[0][1]
    print(f"\n### batch {docs:,} documents (GeoWebNews x{docs // 200}, JSONL)\n")
    print("| engine | seconds | docs/s | speed-up | places | peak MB per worker |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, seconds, places, memory in rows:
        rate = docs / seconds
        print(
            f"| {label} | {seconds:.1f} | {rate:,.0f} | {rate / base:.2f}x | {places:,} "
            f"| {memory} |"
        )
    print(f"\nIncidents identical across the three engines: {same}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-sample", type=int, default=5_000)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-annotate", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args()
    if not args.skip_annotate:
        bench_annotate(args.rows, args.loop_sample, args.workers)
    if not args.skip_batch:
        bench_batch(args.docs, args.workers)


if __name__ == "__main__":
    main()

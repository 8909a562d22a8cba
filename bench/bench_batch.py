"""Scale: ``geomap annotate`` on a 10M-row ACLED-shaped table, ``geomap batch`` on three engines.

Prints two Markdown tables (see bench/README.md):

1. annotate an ACLED-shaped table (``bench/acled_like.py``: ACLED's 31 columns, invented
   values, events at 400,000 recurring sites; default 10,000,000 rows, 4.9 GB of CSV) CSV in
   -> Parquet out and Parquet -> Parquet, in the same run:

   - this version of geomap (in one process, whose border search uses every core with
     threads; and with two worker processes);
   - the version before issue 17 (``--baseline-ref``, extracted with ``git archive``), which
     needs ``--prefix geomap_`` on an ACLED table (it has ``country``);
   - the worst case for geomap: a table in which every row has its own point
     (``--distinct-rows``, default 1,000,000), so no result is shared;
   - a plain geopandas ``sjoin_nearest`` of the points to the land-border lines in a projected
     CRS (EPSG:3857, reading only the coordinates, on the first ``--sjoin-rows``, default
     1,000,000): planar distances in a projection, so its error against geomap's geodesic
     distance on the same rows is printed.

   Each runs as its own process; the table gives wall seconds, rows/s, CPU seconds (user +
   system, the whole process tree) and the peak memory of the whole process tree (RSS
   sampled every 0.2 s). The machine's load average is printed with it: wall time on a
   shared machine depends on it, CPU time much less.
2. batch-geoparse D documents (default 10,000) built by repeating GeoWebNews (Gritta,
   Pilehvar & Collier 2020; evaluation only, read from ``../shared``, never copied):
   1 process vs the local engine vs a dask LocalCluster of 2 workers; docs/s, speed-up and
   peak memory per worker.

Run it alone on the machine: ``nice -n 10 python bench/bench_batch.py`` (``--rows`` to
choose the size, ``--data DIR`` to keep the generated tables between runs).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq

from geomap import load_borders, open_gazetteer
from geomap.corpus import batch_geoparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
import acled_like  # noqa: E402 - the generator beside this script

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared/bench/geoparse/gwn.jsonl"

SJOIN = """
import sys, time
import geopandas as gpd, numpy as np, pyarrow.parquet as pq
from geomap import load_borders
table = pq.read_table(sys.argv[1], columns=["latitude", "longitude"]).slice(0, int(sys.argv[4]))
lines = load_borders().lines.to_crs("EPSG:3857")
started = time.perf_counter()
points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(
    table.column("longitude").to_numpy(), table.column("latitude").to_numpy()), crs=4326)
joined = gpd.sjoin_nearest(points.to_crs("EPSG:3857"), lines[["pair", "geometry"]],
                           distance_col="metres")
joined = joined[~joined.index.duplicated()]  # ties: keep one
np.save(sys.argv[2], joined["metres"].to_numpy() / 1000.0)
np.save(sys.argv[3], joined["pair"].to_numpy().astype(str))
"""


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [pid], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except OSError:
            continue
    return total * os.sysconf("SC_PAGE_SIZE") / 1e6


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run ``command``; return wall seconds, CPU seconds and peak MB of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # From a neutral folder: `python -m geomap` would import a geomap/ in the working
    # directory before PYTHONPATH, which picks the version.
    process = subprocess.Popen(
        command,
        env=env,
        cwd=tempfile.gettempdir(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _rss_mb(_tree(process.pid)))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {stderr.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, peak[0]


def baseline_tree(ref: str, into: Path) -> Path:
    """Extract geomap as it was at ``ref`` (the version to compare with) into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "geomap"], check=True, capture_output=True
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def bench_annotate(
    rows: int, data: Path, baseline_ref: str, baseline_rows: int, sjoin_rows: int, distinct: int
) -> None:
    load_borders()  # derive or read the cached borders before timing
    data.mkdir(parents=True, exist_ok=True)
    tables = {}
    for suffix in (".csv", ".parquet"):
        path = data / f"acled_like_{rows}{suffix}"
        if not path.exists():
            acled_like.write(path, rows)
        tables[suffix] = path
    small = {}
    if baseline_rows < rows:  # the old version on fewer rows: it is slow
        for suffix in (".csv", ".parquet"):
            path = data / f"acled_like_{baseline_rows}{suffix}"
            if not path.exists():
                acled_like.write(path, baseline_rows)
            small[suffix] = path
    else:
        small = tables
    distinct_table = data / f"acled_like_{distinct}_distinct.parquet"
    if distinct and not distinct_table.exists():
        acled_like.write(distinct_table, distinct, sites_count=None)
    load = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        old = baseline_tree(baseline_ref, out / "baseline")
        env_new = {**os.environ, "PYTHONPATH": str(ROOT)}
        env_old = {**os.environ, "PYTHONPATH": str(old)}
        geomap_cli = [sys.executable, "-m", "geomap", "annotate"]
        # Warm the old version's border cache (its format may differ): not timed.
        warm = out / "warm.csv"
        warm.write_text("latitude,longitude\n39.2,46.4\n", encoding="utf-8")
        measured([*geomap_cli, str(warm), "--out", str(out / "w.csv"), "--workers", "1"], env_old)
        version = subprocess.run(
            [sys.executable, "-c", "import geomap.annotate as a; print(a.__file__)"],
            env=env_old,
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert version.startswith(str(old)), f"the old version is not the one run: {version}"
        prefix = ["--prefix", "geomap_"]  # it refuses a table with a `country` column
        runs = [
            ("geomap, 1 process (threads)", ".csv", env_new, ["--workers", "1"], rows),
            ("geomap, 2 worker processes", ".csv", env_new, ["--workers", "2"], rows),
            ("geomap, 1 process (threads)", ".parquet", env_new, ["--workers", "1"], rows),
            ("geomap, 2 worker processes", ".parquet", env_new, ["--workers", "2"], rows),
            ("version before issue 17", ".csv", env_old, prefix, baseline_rows),
            ("version before issue 17", ".parquet", env_old, prefix, baseline_rows),
        ]  # fmt: skip
        if distinct:  # the worst case: every row its own point
            runs.append(("geomap, every point distinct", "distinct", env_new, [], distinct))
        for i, (label, suffix, env, extra, count) in enumerate(runs):
            if suffix == "distinct":
                source = distinct_table
            else:
                source = tables[suffix] if count == rows else small[suffix]
            command = [*geomap_cli, str(source), "--out", str(out / f"run{i}.parquet"), *extra]
            seconds, cpu, peak = measured(command, env)
            results.append((label, suffix, count, seconds, cpu, peak))
            print(f"  {label}, {suffix}: {seconds:.1f} s", file=sys.stderr)
        added = ["geomap_distance_km", "geomap_border"]
        reference = pq.read_table(out / "run0.parquet", columns=added)
        same = all(
            pq.read_table(out / f"run{i}.parquet", columns=added).equals(reference)
            for i in (1, 2, 3)
        )
        old = pq.read_table(out / "run4.parquet", columns=added)
        old_diff = np.nanmax(
            np.abs(
                old.column(added[0]).to_numpy(zero_copy_only=False)
                - reference.column(added[0]).to_numpy(zero_copy_only=False)[: len(old)]
            )
        )
        script = out / "sjoin.py"
        script.write_text(SJOIN, encoding="utf-8")
        seconds, cpu, peak = measured(
            [sys.executable, str(script), str(tables[".parquet"]), str(out / "km.npy"),
             str(out / "pair.npy"), str(sjoin_rows)],
            env_new,
        )  # fmt: skip
        count = min(rows, sjoin_rows)
        results.append(("geopandas sjoin_nearest, EPSG:3857", "sjoin", count, seconds, cpu, peak))
        planar_km = np.load(out / "km.npy")
        planar_pair = np.load(out / "pair.npy")
    geodesic = reference.column(added[0]).to_numpy(zero_copy_only=False)[: len(planar_km)]
    border = np.asarray(reference.column(added[1]).to_pylist(), dtype=object)[: len(planar_km)]
    error = np.abs(planar_km - geodesic)
    relative = error / np.maximum(geodesic, 1e-9)
    print(f"\n### annotate {rows:,} ACLED-shaped rows (load average {load[0]:.1f} at the start)\n")
    print("| what | in -> out | rows | seconds | rows/s | CPU s | peak MB (all processes) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, suffix, count, seconds, cpu, peak in results:
        kind = {
            ".csv": "CSV -> Parquet",
            ".parquet": "Parquet -> Parquet",
            "distinct": "Parquet -> Parquet, every point distinct",
            "sjoin": "Parquet (2 columns) -> memory",
        }[suffix]
        print(
            f"| {label} | {kind} | {count:,} | {seconds:.1f} | {count / seconds:,.0f} "
            f"| {cpu:.1f} | {peak:,.0f} |"
        )
    print(
        f"\nThis version's four runs give identical columns: {same}. The version before issue "
        f"17 agrees on its {len(old):,} rows to {old_diff * 1000:.1f} m (max |distance "
        "difference|)."
    )
    print(
        f"\nsjoin_nearest in EPSG:3857 against geomap's geodesic distance, same rows: "
        f"|error| median {np.median(error):.1f} km, 95th percentile "
        f"{np.percentile(error, 95):.1f} km, max {error.max():.1f} km; relative error median "
        f"{np.median(relative):.0%}; another border than geomap's nearest for "
        f"{np.mean(planar_pair != border):.1%} of rows."
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
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "geomap-bench")
    parser.add_argument("--baseline-ref", default="04aa753", help="the version to compare with")
    parser.add_argument("--baseline-rows", type=int, default=None, help="default: --rows")
    parser.add_argument("--sjoin-rows", type=int, default=1_000_000, help="its first rows")
    parser.add_argument("--distinct-rows", type=int, default=1_000_000, help="0: skip")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-annotate", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args()
    if not args.skip_annotate:
        bench_annotate(
            args.rows,
            args.data,
            args.baseline_ref,
            args.baseline_rows or args.rows,
            args.sjoin_rows,
            args.distinct_rows,
        )
    if not args.skip_batch:
        bench_batch(args.docs, args.workers)


if __name__ == "__main__":
    main()

"""Benchmark the incident map at 1k, 10k and 100k incidents against the naive way.

Measured in one run, on the same synthetic incidents and the real border data:

- **geomap**: ``geomap.render.incident_map(..., offline=True)`` + ``save_map``: one
  embedded GeoJSON FeatureCollection from which the browser draws clustered markers,
  lines and popups; Leaflet, markercluster and the offline basemap inlined.
- **naive**: one ``folium.Marker`` per incident with an escaped ``folium.Popup`` and
  tooltip (folium's stock page: CDN links, no basemap), saved with ``Map.save``.

For each: build + save time (median of ``--repeat`` runs; one run for the naive way at
100k), HTML size, and, unless ``--no-browser``, the time until the page has drawn its
first markers or clusters in Debian's headless Chromium (file://, all network blocked;
for the naive page that means no Leaflet from the CDN, so its browser time is only
measured with ``--naive-browser``, which lets its CDN requests through).

Usage::

    python bench/bench_render.py                  # 1k, 10k, 100k (~4 min on 2 cores)
    python bench/bench_render.py --sizes 1000 10000 --naive-max 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import folium
import geopandas as gpd

from geomap import render
from geomap.borders import load_borders
from geomap.snapshot import CHROMIUM, LOCAL_SCHEMES, chromium

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.common import many_incidents  # noqa: E402  (synthetic incidents)


def build_geomap(gdf: gpd.GeoDataFrame, borders, path: Path) -> None:
    m = render.incident_map(
        gdf, border_lines=borders.lines, countries=borders.countries, offline=True
    )
    render.save_map(m, path, force=True)


def build_naive(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """One folium.Marker (with popup and tooltip) per incident: the naive way."""
    m = folium.Map(location=(40, 46), zoom_start=7, tiles=None)
    for row in gdf.itertuples(index=False):
        popup = (
            f"<b>{render.escape_text(row.name)}</b><br>"
            f"{render.escape_text(render.format_distance(row.distance_km))} to the "
            f"{render.escape_text(row.border)} border<br>"
            f"{render.escape_text(row.sentence)}<br>{render.escape_text(row.source)}"
        )
        folium.Marker(
            location=(row.lat, row.lon),  # (lat, lon)
            popup=folium.Popup(popup, max_width=300),
            tooltip=render.escape_text(row.name),
        ).add_to(m)
    m.save(str(path))


def timed(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def browser_open_seconds(path: Path, selector: str, *, allow_network: bool) -> float | None:
    """Seconds from navigation until ``selector`` is in the DOM, in headless Chromium."""
    if not Path(CHROMIUM).exists():
        return None
    with chromium() as browser:  # Debian's chromium, geomap's launch settings
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        if not allow_network:
            page.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES) else r.abort(),
            )
        start = time.perf_counter()
        page.goto(path.as_uri(), timeout=600_000)
        page.wait_for_selector(selector, timeout=600_000)
        seconds = time.perf_counter() - start
    return seconds


def git_revision() -> str:
    proc = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
    )
    return proc.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--naive-max", type=int, default=100000, help="largest naive size")
    parser.add_argument("--repeat", type=int, default=3, help="runs per geomap size")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--naive-browser", action="store_true", help="also open the naive pages (needs the CDN)"
    )
    args = parser.parse_args()

    borders = load_borders()
    print(f"# bench_render, {dt.date.today()}, geomap {git_revision()}")
    print(
        f"# {platform.platform()}, Python {platform.python_version()}, folium {folium.__version__}"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            gdf = many_incidents(n)
            ours = Path(tmp) / f"geomap_{n}.html"
            naive = Path(tmp) / f"naive_{n}.html"
            t_ours = statistics.median(
                timed(build_geomap, gdf, borders, ours) for _ in range(args.repeat)
            )
            t_naive = None
            if n <= args.naive_max:
                runs = 1 if n >= 100000 else args.repeat
                t_naive = statistics.median(timed(build_naive, gdf, naive) for _ in range(runs))
            open_ours = open_naive = None
            if not args.no_browser:
                open_ours = browser_open_seconds(
                    ours, ".geomap-cluster, .geomap-marker", allow_network=False
                )
                if args.naive_browser and naive.exists():
                    open_naive = browser_open_seconds(
                        naive, ".leaflet-marker-icon", allow_network=True
                    )
            rows.append(
                (
                    n,
                    t_ours,
                    ours.stat().st_size,
                    t_naive,
                    naive.stat().st_size if naive.exists() else None,
                    open_ours,
                    open_naive,
                )
            )
            print(f"# {n}: done", file=sys.stderr, flush=True)

    def fmt(value, unit=""):
        if value is None:
            return "–"
        return f"{value:.2f}{unit}"

    print()
    print(
        "| incidents | geomap build+save (s) | geomap HTML (MB) | naive build+save (s) "
        "| naive HTML (MB) | build speed-up | size ratio | geomap opens in Chromium (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, t_ours, size_ours, t_naive, size_naive, open_ours, _open_naive in rows:
        speed = f"{t_naive / t_ours:.1f}x" if t_naive else "–"
        ratio = f"{size_naive / size_ours:.1f}x" if size_naive else "–"
        print(
            f"| {n:,} | {fmt(t_ours)} | {size_ours / 1e6:.2f} | {fmt(t_naive)} "
            f"| {fmt(size_naive and size_naive / 1e6)} | {speed} | {ratio} | {fmt(open_ours)} |"
        )
    if args.naive_browser:
        print()
        for n, *_, open_naive in rows:
            print(f"naive page, {n:,} incidents, first marker in Chromium: {fmt(open_naive)} s")


if __name__ == "__main__":
    main()

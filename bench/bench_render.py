"""Benchmark the incident map at 1k, 10k and 100k incidents, against a baseline and the naive way.

Measured in one run, on the same synthetic incidents and the real border data:

- **geomap**: ``geomap.render.incident_map(..., offline=True)`` + ``save_map``: one
  embedded GeoJSON FeatureCollection from which the browser draws clustered markers,
  lines, labels, popups and the incident list; Leaflet, markercluster and the offline
  basemap inlined.
- **baseline** (``--baseline REV``): the same, with the geomap of git revision ``REV``
  (e.g. the commit before a change), extracted with ``git archive`` and run in a child
  process, so that a change is measured against the code it replaces on the same
  (shared, noisy) machine in the same run. Quote the ratios.
- **naive**: one ``folium.Marker`` per incident with an escaped ``folium.Popup`` and
  tooltip (folium's stock page: CDN links, no basemap), saved with ``Map.save``.

For each: build + save time (median of ``--repeat`` runs; one run for the naive way at
100k), HTML size, and, unless ``--no-browser``, the time until the page has drawn in
Debian's headless Chromium (file://, all network blocked): its first markers or clusters
and, when the page has an incident list, its first list rows. For the naive page (no
Leaflet without its CDN) the browser time is only measured with ``--naive-browser``,
which lets its CDN requests through.

Usage::

    python bench/bench_render.py                        # 1k, 10k, 100k (~4 min on 2 cores)
    python bench/bench_render.py --baseline 04aa753 --naive-max 0
    python bench/bench_render.py --sizes 1000 10000 --naive-max 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Drawn: the first markers or clusters, and the first list row when the page has a list.
DRAWN = """() => !!document.querySelector('.geomap-cluster, .leaflet-marker-icon.geomap-marker')
    && (!document.querySelector('.geomap-list') || !!document.querySelector('.geomap-list-row'))"""


def _paths(source: Path) -> None:
    """Import geomap from ``source`` (a checkout), the test helpers from this repository."""
    sys.path[:0] = [str(source)] if source == REPO else [str(source), str(REPO)]


def build_geomap(gdf, borders, path: Path) -> None:
    from geomap import render

    m = render.incident_map(
        gdf, border_lines=borders.lines, countries=borders.countries, offline=True
    )
    render.save_map(m, path, force=True)


def build_naive(gdf, path: Path) -> None:
    """One folium.Marker (with popup and tooltip) per incident: the naive way."""
    import folium

    from geomap import render

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


def browser_open_seconds(path: Path, *, naive: bool = False) -> float | None:
    """Seconds from navigation until the page has drawn, in headless Chromium.

    Always this checkout's browser settings (`geomap.snapshot`), also for a baseline's pages.
    """
    from geomap.snapshot import CHROMIUM, LOCAL_SCHEMES, chromium

    if not Path(CHROMIUM).exists():
        return None
    with chromium() as browser:  # Debian's chromium, geomap's launch settings
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        if not naive:
            page.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES) else r.abort(),
            )
        start = time.perf_counter()
        page.goto(path.as_uri(), timeout=600_000)
        if naive:
            page.wait_for_selector(".leaflet-marker-icon", timeout=600_000)
        else:
            page.wait_for_function(DRAWN, timeout=600_000, polling=50)
        return time.perf_counter() - start


def measure(sizes: list[int], repeat: int, browser: bool, out: Path) -> list[dict]:
    """Build, save and open the geomap page of each size: one dict per size."""
    from geomap.borders import load_borders
    from tests.common import many_incidents

    borders = load_borders()
    rows = []
    for n in sizes:
        gdf = many_incidents(n)
        path = out / f"geomap_{n}.html"
        build = statistics.median(timed(build_geomap, gdf, borders, path) for _ in range(repeat))
        opens = browser_open_seconds(path) if browser else None
        rows.append(
            {"n": n, "build": build, "mb": path.stat().st_size / 1e6, "open": opens,
             "path": str(path)}
        )  # fmt: skip
        print(f"# {n}: done ({out.name})", file=sys.stderr, flush=True)
    return rows


def baseline_rows(rev: str, args: argparse.Namespace, tmp: Path) -> list[dict]:
    """Run `measure` with the geomap of git revision ``rev``, in a child process."""
    source = tmp / "baseline"
    source.mkdir()
    archive = subprocess.run(
        ["git", "archive", rev], cwd=REPO, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    out = tmp / "baseline_out"
    out.mkdir()
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(source),
        "--out",
        str(out),
        "--repeat",
        str(args.repeat),
        "--sizes",
        *map(str, args.sizes),
    ]
    command.append("--no-browser")  # opened below, with this checkout's browser settings
    env = {**os.environ, "PYTHONPATH": ""}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    sys.stderr.write(done.stderr)
    if done.returncode:
        raise SystemExit(f"baseline {rev} failed (exit {done.returncode})")
    rows: list[dict] = json.loads(done.stdout)
    if not args.no_browser:
        for row in rows:
            row["open"] = browser_open_seconds(Path(row["path"]))
    return rows


def git_revision(rev: str | None = None) -> str:
    """Return the work tree's revision (``-dirty`` if changed), or the short hash of ``rev``."""
    if rev is None:
        command = ["git", "describe", "--always", "--dirty"]
    else:
        command = ["git", "rev-parse", "--short", rev]
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    return proc.stdout.strip() or "unknown"


def fmt(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def ratio(a, b) -> str:
    return "–" if not a or not b else f"{a / b:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--naive-max", type=int, default=100000, help="largest naive size")
    parser.add_argument("--repeat", type=int, default=3, help="runs per geomap size")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--naive-browser", action="store_true", help="also open the naive pages (needs the CDN)"
    )
    parser.add_argument("--baseline", metavar="REV", help="also measure geomap at git REV")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # a baseline's run
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        _paths(args.child.resolve())
        print(json.dumps(measure(args.sizes, args.repeat, not args.no_browser, args.out)))
        return
    _paths(REPO)
    import folium

    print(f"# bench_render, {dt.date.today()}, geomap {git_revision()}")
    print(
        f"# {platform.platform()}, Python {platform.python_version()}, folium {folium.__version__}"
    )
    from tests.common import many_incidents

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        ours = measure(args.sizes, args.repeat, not args.no_browser, tmp)
        base = baseline_rows(args.baseline, args, tmp) if args.baseline else None
        naive: dict[int, tuple[float, float, float | None]] = {}
        for n in args.sizes:
            if n > args.naive_max:
                continue
            gdf = many_incidents(n)
            path = tmp / f"naive_{n}.html"
            runs = 1 if n >= 100000 else args.repeat
            seconds = statistics.median(timed(build_naive, gdf, path) for _ in range(runs))
            opens = browser_open_seconds(path, naive=True) if args.naive_browser else None
            naive[n] = (seconds, path.stat().st_size / 1e6, opens)
            print(f"# {n}: naive done", file=sys.stderr, flush=True)

    print()
    print(
        "| incidents | geomap build+save (s) | HTML (MB) | drawn in Chromium (s) "
        "| naive build+save (s) | naive HTML (MB) | build speed-up | size ratio |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in ours:
        n = row["n"]
        t_naive, mb_naive, _ = naive.get(n, (None, None, None))
        print(
            f"| {n:,} | {fmt(row['build'])} | {row['mb']:.2f} | {fmt(row['open'])} "
            f"| {fmt(t_naive)} | {fmt(mb_naive)} | {ratio(t_naive, row['build'])} "
            f"| {ratio(mb_naive, row['mb'])} |"
        )
    if base:
        print()
        print(f"Against the baseline geomap {git_revision(args.baseline)} (same run):")
        print()
        print(
            "| incidents | build+save (s) | baseline (s) | ratio | HTML (MB) | baseline (MB) "
            "| drawn (s) | baseline (s) | ratio |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row, old in zip(ours, base, strict=True):
            print(
                f"| {row['n']:,} | {fmt(row['build'])} | {fmt(old['build'])} "
                f"| {ratio(row['build'], old['build'])} | {row['mb']:.2f} | {old['mb']:.2f} "
                f"| {fmt(row['open'])} | {fmt(old['open'])} | {ratio(row['open'], old['open'])} |"
            )
    if args.naive_browser:
        print()
        for n, (_, _, opens) in naive.items():
            print(f"naive page, {n:,} incidents, first marker in Chromium: {fmt(opens)} s")


if __name__ == "__main__":
    main()

r"""Hostile sizes: time and memory of the whole text path as the input doubles.

Two texts that once took quadratic time or memory (issue 11), each run through
:func:`geomap.document_incidents` (sentences, recognition, resolution, the incidents table
and its border join) at N, 2N and 4N:

- ``datelines``: a wire dump of N dateline paragraphs, ``"<TOWN> — the road was quiet.
  Nothing else.\n"``, the town cycling through 50 real towns of the gazetteer written in
  capitals, as datelines are;
- ``places``: one sentence listing N distinct real town names of the gazetteer,
  ``"Shelling was reported in A, B, C, ... and Z."``.

Each size runs in a fresh interpreter that first loads the gazetteer and the borders and
maps a small text (warm-up), then times the call (CPU seconds of the process, the best of
three: other processes on a shared machine count less than in wall time); the RSS delta is the
peak resident set size during the first call over the size before it (Linux: the peak is
reset through ``/proc/self/clear_refs`` and read as ``VmHWM``; elsewhere ``ru_maxrss``,
which can hide a call's peak below the warm-up's). A separate call under ``tracemalloc``
gives the peak of Python's own allocations. Linear time and memory show as ratios near 2.0
per doubling (quadratic: 4.0).

    python bench/bench_hostile.py     # 4,000/8,000/16,000 datelines, 1,250/2,500/5,000 places
    python bench/bench_hostile.py --datelines 1000 --places 300   # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, re, resource, sys, time, tracemalloc
from geomap.borders import load_borders
from geomap.gazetteer import open_gazetteer
from geomap.incidents import document_incidents
from geomap.names import normalize_name

case, n = sys.argv[1], int(sys.argv[2])
gaz, borders = open_gazetteer(progress=False), load_borders()
names = list(dict.fromkeys(
    name for name in gaz.place_names(limit=None) if re.fullmatch("[A-Z][a-z]{4,}", name)
))
found = gaz.lookup(normalize_name(name) for name in names)
def town(name):  # a real town: the name's best candidate is a town of 1,000 people or more
    best = found.get(normalize_name(name))
    return bool(best) and best[0].feature == "city" and best[0].population >= 1000
towns = [name for name in names if town(name)][: max(n, 50)]
if len(towns) < (n if case == "places" else 50):
    sys.exit(f"only {len(towns)} towns in the gazetteer")
if case == "datelines":
    line = " — the road was quiet. Nothing else.\n"
    text = "".join(towns[i % 50].upper() + line for i in range(n))
else:
    text = "Shelling was reported in " + ", ".join(towns[: n - 1]) + f" and {towns[n - 1]}."
document_incidents("Artillery shelled Kapan, Armenia.", gazetteer=gaz, borders=borders)
def kilobytes(key):  # from /proc/self/status (Linux), else the peak so far (ru_maxrss)
    try:
        with open("/proc/self/status") as status:
            line = next(x for x in status if x.startswith(key + ":"))
        return int(line.split()[1])
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:  # reset the peak (VmHWM) to the present size, so the peak is this call's own
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
except OSError:
    pass
rss0 = kilobytes("VmRSS")
start = time.process_time()
frame = document_incidents(text, gazetteer=gaz, borders=borders)
seconds = time.process_time() - start
rss1 = kilobytes("VmHWM")
for _ in range(2):  # the best of three: the machine is shared
    del frame
    start = time.process_time()
    frame = document_incidents(text, gazetteer=gaz, borders=borders)
    seconds = min(seconds, time.process_time() - start)
del frame
tracemalloc.start()
frame = document_incidents(text, gazetteer=gaz, borders=borders)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"chars": len(text), "rows": len(frame), "seconds": seconds,
                  "rss_delta_mb": (rss1 - rss0) / 1024, "py_peak_mb": peak / 1e6}))
"""


def run(case: str, n: int) -> dict[str, float]:
    """Measure one case at one size in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, case, str(n)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{case} {n}: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datelines", type=int, default=4_000, help="N for the datelines")
    parser.add_argument("--places", type=int, default=1_250, help="N for the place list")
    args = parser.parse_args()
    print(f"# {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(
        "| case | N | characters | rows | CPU s | x per doubling | RSS delta MB "
        "| x per doubling | Python peak MB | x per doubling |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case, base in (("datelines", args.datelines), ("places", args.places)):
        last: dict[str, float] | None = None
        for n in (base, 2 * base, 4 * base):
            got = run(case, n)
            # No ratio of quantities too small to measure (RSS grows in steps of MBs).
            floor = {"seconds": 0.05, "rss_delta_mb": 1.0, "py_peak_mb": 1.0}
            ratio = {
                k: f"{got[k] / last[k]:.2f}" if last and last[k] >= floor[k] else "–"
                for k in floor
            }
            print(
                f"| {case} | {n:,} | {got['chars']:,} | {got['rows']:,} | {got['seconds']:.2f} "
                f"| {ratio['seconds']} | {got['rss_delta_mb']:.1f} | {ratio['rss_delta_mb']} "
                f"| {got['py_peak_mb']:.1f} | {ratio['py_peak_mb']} |",
                flush=True,
            )
            last = got


if __name__ == "__main__":
    main()

"""Gazetteer build time (and optionally geoparsing speed) of this tree against another revision.

Both builds run in the same run, alternately, each in a fresh Python process with its own
empty cache directory, so that the machine's load falls on both alike. The other revision
(default: where this branch left ``main``) is exported with ``git archive`` into a temporary
folder. Times are wall-clock seconds and CPU seconds (user + system, of the process and of
any process it started) of the build alone (``build_gazetteer``), medians of ``--repeat``
builds; the ratio is this tree's over the baseline's. The load average of the machine is
printed before and after: on a shared machine the CPU seconds are the steadier figure.

With ``--corpus``, each tree then geoparses the corpus with the gazetteer it built (one
warm-up document, then all), alternately, ``--parse-repeat`` times, each in a fresh process;
the documents per second (wall clock and CPU) and their ratios are printed. With
``--incidents`` too, each tree also runs ``document_incidents`` (geoparsing, the events
stage where the tree has one, the borders) on every document, its border data loaded once
beforehand (a warm-up run per tree fills each tree's own cache directory first).

    python bench/bench_gazetteer.py [--baseline REV] [--repeat 3] [--corpus gwn.jsonl]
                                    [--parse-repeat 5] [--incidents]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CPU = """
import resource
def cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
"""

_BUILD = (
    _CPU
    + """
import json, sys, time
t0, c0 = time.perf_counter(), cpu()
from geomap.gazetteer import build_gazetteer
build_gazetteer(sys.argv[1], progress=False)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": cpu() - c0}))
"""
)

_PARSE = (
    _CPU
    + """
import json, sys, time
from geomap.evaluate import read_corpus
from geomap.gazetteer import open_gazetteer
from geomap.resolve import geoparse
docs = read_corpus(sys.argv[2])
gaz = open_gazetteer(sys.argv[1], build=False)
geoparse(docs[0]["text"], gazetteer=gaz)
t0, c0 = time.perf_counter(), cpu()
n = sum(len(geoparse(d["text"], gazetteer=gaz)) for d in docs)
wall, used = time.perf_counter() - t0, cpu() - c0
print(json.dumps({"docs_per_s": len(docs) / wall, "docs_per_cpu_s": len(docs) / used,
                  "toponyms": n}))
"""
)

_INCIDENTS = (
    _CPU
    + """
import json, sys, time
from geomap.borders import load_borders
from geomap.evaluate import read_corpus
from geomap.gazetteer import open_gazetteer
from geomap.incidents import document_incidents
docs = read_corpus(sys.argv[2])
gaz = open_gazetteer(sys.argv[1], build=False)
borders = load_borders()
document_incidents(docs[0]["text"], gazetteer=gaz, borders=borders)
t0, c0 = time.perf_counter(), cpu()
n = sum(len(document_incidents(d["text"], gazetteer=gaz, borders=borders)) for d in docs)
wall, used = time.perf_counter() - t0, cpu() - c0
print(json.dumps({"docs_per_s": len(docs) / wall, "docs_per_cpu_s": len(docs) / used,
                  "rows": n}))
"""
)


def _run(tree: Path, script: str, *args: str, cache: Path | None = None) -> dict[str, float]:
    """Run ``script`` with ``tree`` first on the import path; return its JSON answer."""
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    if cache is not None:
        env["GEOMAP_CACHE_DIR"] = str(cache)
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"{tree}: the benchmark script failed:\n{done.stderr}")
    answer: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _baseline_rev() -> str:
    """Return where this branch left main (the merge base), or main itself."""
    found = subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True
    )
    return found.stdout.strip() or "main"


def _content(path: Path) -> str:
    """Return a SHA-256 of every table of a gazetteer, rows in rowid order (not built_at)."""
    digest = hashlib.sha256()
    con = sqlite3.connect(path)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                            " ORDER BY name")]  # fmt: skip
        for table in tables:
            digest.update(f"\n# {table}\n".encode())
            for row in con.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                if table != "meta" or row[0] != "built_at":
                    digest.update(repr(row).encode("utf-8", "surrogatepass"))
    finally:
        con.close()
    return digest.hexdigest()


def _load() -> str:
    """Return the load average (1, 5, 15 minutes) as text."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _speeds(
    title: str, script: str, trees: dict[str, Path], repeat: int, tmp: Path, corpus: Path
) -> None:
    """Run ``script`` over ``corpus`` in each tree, alternately; print docs/s and ratios."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for n in range(repeat):
        for name, tree in trees.items() if n % 2 == 0 else reversed(trees.items()):
            slug = name.replace(" ", "-")
            runs[name].append(_run(tree, script, str(tmp / f"{slug}.sqlite"), str(corpus),
                                   cache=tmp / f"{slug}-cache"))  # fmt: skip
    print(f"\n# {title}, median of {repeat} (load average now {_load()})\n")
    print("| tree | docs/s | docs per CPU s | runs (docs/s) |\n|---|---:|---:|---|")
    med = {}
    for name, found in runs.items():
        wall = statistics.median(r["docs_per_s"] for r in found)
        cpu = statistics.median(r["docs_per_cpu_s"] for r in found)
        med[name] = (wall, cpu)
        shown = ", ".join(f"{r['docs_per_s']:.0f}" for r in found)
        print(f"| {name} | {wall:.0f} | {cpu:.0f} | {shown} |")
    print(f"\nratio this tree / baseline: wall {med['this tree'][0] / med['baseline'][0]:.2f},"
          f" CPU {med['this tree'][1] / med['baseline'][1]:.2f}")  # fmt: skip


def main() -> None:
    """Build both gazetteers ``--repeat`` times, alternately, and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="git revision to compare with (default: merge base)")
    parser.add_argument("--repeat", type=int, default=3, help="builds per tree")
    parser.add_argument("--corpus", type=Path, help="also geoparse this JSONL corpus")
    parser.add_argument("--parse-repeat", type=int, default=5, help="corpus runs per tree")
    parser.add_argument("--incidents", action="store_true",
                        help="also time document_incidents on the corpus")  # fmt: skip
    args = parser.parse_args()
    rev = args.baseline or _baseline_rev()
    print(f"load average at the start: {_load()} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="bench-gazetteer-") as tmp_name:
        tmp = Path(tmp_name)
        base = tmp / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True,
                                 check=True)  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        trees = {"baseline": base, "this tree": ROOT}
        builds: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for n in range(args.repeat):
            for name, tree in trees.items() if n % 2 == 0 else reversed(trees.items()):
                target = tmp / f"{name.replace(' ', '-')}.sqlite"
                target.unlink(missing_ok=True)
                builds[name].append(_run(tree, _BUILD, str(target)))
        print(f"\n# gazetteer build, median of {args.repeat} (baseline: {rev[:12]};"
              f" load average now {_load()})\n")  # fmt: skip
        print("| tree | wall s | CPU s | runs (wall / CPU s) |\n|---|---:|---:|---|")
        med = {}
        for name, runs in builds.items():
            med[name] = (statistics.median(r["wall"] for r in runs),
                         statistics.median(r["cpu"] for r in runs))  # fmt: skip
            shown = ", ".join(f"{r['wall']:.1f} / {r['cpu']:.1f}" for r in runs)
            print(f"| {name} | {med[name][0]:.1f} | {med[name][1]:.1f} | {shown} |")
        print(f"\nratio this tree / baseline: wall {med['this tree'][0] / med['baseline'][0]:.2f},"
              f" CPU {med['this tree'][1] / med['baseline'][1]:.2f}")  # fmt: skip
        same = {name: _content(tmp / f"{name.replace(' ', '-')}.sqlite") for name in trees}
        if same["this tree"] != same["baseline"]:
            sys.exit(f"\nthe gazetteers differ: {same}")
        print(f"\nsame tables in both gazetteers (sha256 {same['this tree'][:16]}...)")
        if args.corpus is None:
            return
        corpus = args.corpus.resolve()
        _speeds(f"geoparse {corpus.name}", _PARSE, trees, args.parse_repeat, tmp, corpus)
        if args.incidents:
            for tree_name, tree in trees.items():  # warm-up: each tree's border cache
                slug = tree_name.replace(" ", "-")
                _run(tree, _INCIDENTS, str(tmp / f"{slug}.sqlite"), str(corpus),
                     cache=tmp / f"{slug}-cache")  # fmt: skip
            _speeds(f"document_incidents {corpus.name}", _INCIDENTS, trees, args.parse_repeat,
                    tmp, corpus)  # fmt: skip


if __name__ == "__main__":
    main()

"""Gazetteer build time (and optionally geoparsing speed) of this tree against another revision.

Both builds run in the same run, alternately, each in a fresh Python process with its own
empty cache directory, so that the machine's load falls on both alike. The other revision
(default: where this branch left ``main``) is exported with ``git archive`` into a temporary
folder. Times are wall-clock seconds and CPU seconds (user + system) of the build alone
(``build_gazetteer``), medians of ``--repeat`` builds; the ratio is this tree's over the
baseline's. With ``--corpus``, each tree then geoparses the corpus with the gazetteer it
built (one warm-up document, then all), alternately, and the documents per second and their
ratio are printed too.

    python bench/bench_gazetteer.py [--baseline REV] [--repeat 3] [--corpus gwn.jsonl]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_BUILD = """
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from geomap.gazetteer import build_gazetteer
build_gazetteer(sys.argv[1], progress=False)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))
"""

_PARSE = """
import json, sys, time
from geomap.evaluate import read_corpus
from geomap.gazetteer import open_gazetteer
from geomap.resolve import geoparse
docs = read_corpus(sys.argv[2])
gaz = open_gazetteer(sys.argv[1], build=False)
geoparse(docs[0]["text"], gazetteer=gaz)
t0 = time.perf_counter()
n = sum(len(geoparse(d["text"], gazetteer=gaz)) for d in docs)
print(json.dumps({"docs_per_s": len(docs) / (time.perf_counter() - t0), "toponyms": n}))
"""


def _run(tree: Path, script: str, *args: str) -> dict[str, float]:
    """Run ``script`` with ``tree`` first on the import path; return its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        check=True,
    )
    answer: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _baseline_rev() -> str:
    """Return where this branch left main (the merge base), or main itself."""
    found = subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True
    )
    return found.stdout.strip() or "main"


def main() -> None:
    """Build both gazetteers ``--repeat`` times, alternately, and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="git revision to compare with (default: merge base)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, help="also geoparse this JSONL corpus")
    args = parser.parse_args()
    rev = args.baseline or _baseline_rev()
    with tempfile.TemporaryDirectory(prefix="bench-gazetteer-") as tmp:
        base = Path(tmp) / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True,
                                 check=True)  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        trees = {"baseline": base, "this tree": ROOT}
        builds: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for n in range(args.repeat):
            for name, tree in trees.items() if n % 2 == 0 else reversed(trees.items()):
                target = Path(tmp) / f"{name.replace(' ', '-')}.sqlite"
                target.unlink(missing_ok=True)
                builds[name].append(_run(tree, _BUILD, str(target)))
        print(f"# gazetteer build, median of {args.repeat} (baseline: {rev[:12]})\n")
        print("| tree | wall s | CPU s |\n|---|---:|---:|")
        med = {}
        for name, runs in builds.items():
            med[name] = (statistics.median(r["wall"] for r in runs),
                         statistics.median(r["cpu"] for r in runs))  # fmt: skip
            print(f"| {name} | {med[name][0]:.1f} | {med[name][1]:.1f} |")
        print(f"\nratio this tree / baseline: wall {med['this tree'][0] / med['baseline'][0]:.2f},"
              f" CPU {med['this tree'][1] / med['baseline'][1]:.2f}")  # fmt: skip
        if args.corpus is None:
            return
        speeds: dict[str, list[float]] = {name: [] for name in trees}
        for n in range(args.repeat):
            for name, tree in trees.items() if n % 2 == 0 else reversed(trees.items()):
                target = Path(tmp) / f"{name.replace(' ', '-')}.sqlite"
                answer = _run(tree, _PARSE, str(target), str(args.corpus.resolve()))
                speeds[name].append(answer["docs_per_s"])
        print(f"\n# geoparse {args.corpus.name}, median of {args.repeat}\n")
        print("| tree | docs/s | runs |\n|---|---:|---|")
        for name, runs in speeds.items():
            shown = ", ".join(f"{r:.0f}" for r in runs)
            print(f"| {name} | {statistics.median(runs):.0f} | {shown} |")
        ratio = statistics.median(speeds["this tree"]) / statistics.median(speeds["baseline"])
        print(f"\nratio this tree / baseline: {ratio:.2f}")


if __name__ == "__main__":
    main()

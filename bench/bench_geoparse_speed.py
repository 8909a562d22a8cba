"""Geoparsing speed of this tree against other revisions, in CPU seconds, in the same run.

Each tree (this one, and each ``--baseline`` revision exported with ``git archive``) builds
its own gazetteer once, in a fresh process. Then, for ``--rounds`` rounds, each tree parses
the corpus in a fresh process, the trees taking turns in a rotating order: after a
one-document warm-up, one pass over the corpus ("cold": the first SQLite lookup of every
name is in it), then ``--passes`` more passes, of which the fastest counts ("warm"). Times
are CPU seconds of the process (``time.process_time``), not wall-clock seconds: on a
machine shared with other jobs, the wall clock measures the others as much as geomap.
Printed: documents per CPU second, medians over the rounds, and each tree's ratio to the
first baseline.

    python bench/bench_geoparse_speed.py --corpus gwn.jsonl [--baseline REV ...]
        [--rounds 4] [--passes 5]
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
import sys
from geomap.gazetteer import build_gazetteer
build_gazetteer(sys.argv[1], progress=False)
"""

_PARSE = """
import json, sys, time
from geomap.evaluate import read_corpus
from geomap.gazetteer import Gazetteer
from geomap.resolve import geoparse
docs = read_corpus(sys.argv[2])
gaz = Gazetteer(sys.argv[1])
geoparse(docs[0]["text"], gazetteer=gaz)
def one_pass():
    started = time.process_time()
    for d in docs:
        geoparse(d["text"], gazetteer=gaz)
    return time.process_time() - started
cold = one_pass()
warm = min(one_pass() for _ in range(int(sys.argv[3])))
print(json.dumps({"cold": len(docs) / cold, "warm": len(docs) / warm}))
"""


def _run(tree: Path, script: str, *args: str) -> str:
    """Run ``script`` with ``tree`` first on the import path; return its last output line."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _merge_base() -> str:
    """Return where this branch left main, or main itself."""
    found = subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True
    )
    return found.stdout.strip() or "main"


def main() -> None:
    """Build each tree's gazetteer, then time the parses in turns and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a JSONL corpus")
    parser.add_argument("--baseline", action="append", help="git revision (repeatable)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--passes", type=int, default=5, help="warm passes per round")
    args = parser.parse_args()
    revs = args.baseline or [_merge_base()]
    with tempfile.TemporaryDirectory(prefix="bench-geoparse-speed-") as tmp:
        trees: dict[str, Path] = {}
        for rev in revs:
            tree = Path(tmp) / rev.replace("/", "_")
            tree.mkdir()
            archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True,
                                     check=True)  # fmt: skip
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
            trees[rev[:12]] = tree
        trees["this tree"] = ROOT
        gazetteers = {}
        for name, tree in trees.items():
            gazetteers[name] = Path(tmp) / f"{name.replace(' ', '-')}.sqlite"
            _run(tree, _BUILD, str(gazetteers[name]))
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        order = list(trees)
        for n in range(args.rounds):
            for name in order[n % len(order) :] + order[: n % len(order)]:
                answer = _run(trees[name], _PARSE, str(gazetteers[name]),
                              str(args.corpus.resolve()), str(args.passes))  # fmt: skip
                runs[name].append(json.loads(answer))
    first = order[0]
    med = {
        name: {kind: statistics.median(r[kind] for r in rs) for kind in ("cold", "warm")}
        for name, rs in runs.items()
    }
    print(f"# geoparse {args.corpus.name}: documents per CPU second, median of {args.rounds}\n")
    print(f"| tree | cold | warm (fastest of {args.passes}) | cold ratio | warm ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, m in med.items():
        cold, warm = m["cold"] / med[first]["cold"], m["warm"] / med[first]["warm"]
        print(f"| {name} | {m['cold']:.0f} | {m['warm']:.0f} | {cold:.2f} | {warm:.2f} |")
    print(f"\nratios are to {first}; each round's runs: ")
    for name, rs in runs.items():
        shown = ", ".join(f"{r['cold']:.0f}/{r['warm']:.0f}" for r in rs)
        print(f"- {name}: {shown}")


if __name__ == "__main__":
    main()

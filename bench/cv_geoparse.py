"""Cross-validate geomap's hand-set resolution weights on an annotated corpus.

For every combination in a small grid of the resolver's weights and thresholds, each
document is geoparsed once and scored (per-document counts, so folds can be summed). Then,
for k folds over documents, the combination with the best end-to-end score on the other
folds is chosen and scored on the held-out fold. It prints the held-out scores per fold, the
combinations chosen, and the current defaults scored the same way.

    python bench/cv_geoparse.py [--corpus ../shared/bench/geoparse/gwn.jsonl] [--folds 5]
        [--grid namesakes|base|alternates] [--select e2e|F1]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np

import geomap.evidence as weights
import geomap.resolve as resolve
from geomap.evaluate import ACCURACY_KM, _great_circle_km, _match, read_corpus
from geomap.gazetteer import open_gazetteer

CORPUS = Path(__file__).resolve().parents[2] / "shared/bench/geoparse/gwn.jsonl"
GRIDS = {
    # the weights of the first resolver (checked when they were set)
    "base": {
        "W_NEARBY": [0.75, 1.5, 3.0],
        "W_COUNTRY_IN_TEXT": [0.5, 1.0, 2.0],
        "W_POPULATION": [1.0, 2.0, 3.0],
        "TINY": [500, 1000, 5000],
    },
    # the weights issue 14 added: the document's focus region and "Town, State"
    "namesakes": {
        "W_FOCUS": [0.75, 1.5, 3.0],
        "FOCUS_SHARE": [0.34, 0.5, 0.67],
        "W_WITHIN": [1.5, 3.0, 6.0],
        "W_NEARBY": [0.75, 1.5, 3.0],
    },
    # short alternate names need corroboration (0: the rule off)
    "alternates": {"SHORT_ALTERNATE": [0, 2, 3, 4], "SMALL": [5_000, 10_000, 20_000]},
}


def per_document(docs, gaz):
    """Return an array (docs, 4): gold, predicted, matched, matched within 161 km."""
    out = np.zeros((len(docs), 4))
    for i, doc in enumerate(docs):
        gold = [g for g in doc["toponyms"] if g.get("lat") is not None]
        pred = resolve.geoparse(doc["text"], gazetteer=gaz)
        pairs = _match(gold, pred)
        within = sum(
            p.lat is not None and _great_circle_km(g["lat"], g["lon"], p.lat, p.lon) < ACCURACY_KM
            for g, p in ((gold[gi], pred[pi]) for gi, pi in pairs)
        )
        out[i] = (len(gold), len(pred), len(pairs), within)
    return out


def scores(counts):
    gold, pred, matched, within = counts.sum(axis=0)
    p, r = matched / pred, matched / gold
    return {"F1": 2 * p * r / (p + r), "acc161": within / matched, "e2e": within / gold}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--grid", choices=sorted(GRIDS), default="namesakes")
    parser.add_argument(
        "--select",
        choices=["e2e", "F1"],
        default="e2e",
        help="the score the combination is chosen by on the training folds",
    )
    args = parser.parse_args()
    grid = GRIDS[args.grid]
    docs = read_corpus(args.corpus)
    gaz = open_gazetteer()
    defaults = {name: getattr(weights, name) for name in grid}
    combos = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    started = time.perf_counter()
    results = []
    for combo in combos:
        for name, value in combo.items():
            setattr(weights, name, value)
        results.append(per_document(docs, gaz))
    for name, value in defaults.items():
        setattr(weights, name, value)
    base = per_document(docs, gaz)
    print(
        f"# {len(combos)} combinations x {len(docs)} documents in "
        f"{time.perf_counter() - started:.0f} s; defaults {defaults}"
    )
    folds = np.arange(len(docs)) % args.folds
    print("\n| fold | chosen | held-out F1 | acc@161 | end-to-end | defaults: e2e |")
    print("|---:|---|---:|---:|---:|---:|")
    held, held_default = [], []
    for k in range(args.folds):
        train, test = folds != k, folds == k
        best = max(range(len(combos)), key=lambda c: scores(results[c][train])[args.select])
        s = scores(results[best][test])
        held.append(results[best][test])
        held_default.append(base[test])
        chosen = ", ".join(f"{n}={v}" for n, v in combos[best].items())
        print(
            f"| {k} | {chosen} | {s['F1']:.3f} | {s['acc161']:.3f} | {s['e2e']:.3f} "
            f"| {scores(base[test])['e2e']:.3f} |"
        )
    cv, dflt = scores(np.vstack(held)), scores(np.vstack(held_default))
    print(
        f"\ncross-validated (pooled held-out): F1 {cv['F1']:.3f}, acc@161 {cv['acc161']:.3f}, "
        f"end-to-end {cv['e2e']:.3f}"
    )
    print(
        f"hand-set defaults, same documents: F1 {dflt['F1']:.3f}, acc@161 "
        f"{dflt['acc161']:.3f}, end-to-end {dflt['e2e']:.3f}"
    )


if __name__ == "__main__":
    main()

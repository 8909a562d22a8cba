"""Fit the two linear models of the events stage by k-fold cross-validation; write their weights.

Writes ``geomap/data/metonymy_weights[_<backend>].tsv`` and
``geomap/data/event_weights[_<backend>].tsv`` (feature name, weight; plus the threshold 0.5),
read by :mod:`geomap.events.models`. The features are generic cues (function words, word
classes from ``geomap/data/event_words.tsv``, relations to the violence words, feature types;
never a place name or a document's words), so the weights say which cues matter, not which
sentences were seen.

- **metonymy**: logistic regression (L2) on the gold spans of ReLocaR train (``lit``/``met``;
  ``mix`` left out) and GeoWebNews (``Literal``/``Metonymic``). Reported: 10-fold CV accuracy
  on each (folds by sentence for ReLocaR, by document for GeoWebNews), and GeoWebNews scored by
  a model fitted on ReLocaR alone (no GeoWebNews at all). The shipped weights are fitted on both.
- **events**: logistic regression (L2) over the mentions that the hard cues leave open, on
  eventloc_dev (label: the place overlaps a gold location). Reported: 10-fold CV, folds by
  news article, scored through the whole stage (``analyse_events`` with the fold's model on
  the held-out sentences) exactly as ``bench/eval_incidents.py`` scores. The shipped weights
  are fitted on all of it. The cues of each open mention are those the stage weighs
  (``analyse_events(..., weighed=...)``), the backend's own cues included.

The dev data (../shared/bench, next to the repository) is read for fitting only; none of it
is written anywhere. Usage::

    python bench/fit_events.py                   # fit, report CV, write the two weight files
    python bench/fit_events.py --dry-run         # fit and report only
    python bench/fit_events.py --backend spacy   # the weights of the spaCy backend
"""

from __future__ import annotations

import argparse
import functools
import random
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geomap.evaluate_events import (  # noqa: E402
    gwn_metonymy_rows,
    metonymy_items,
    read_rows,
    relocar_rows,
    score_incidents,
    score_metonymy,
)
from geomap.events import BACKENDS, LinearModel, analyse_events, get_backend  # noqa: E402
from geomap.events.models import weights_file  # noqa: E402
from geomap.gazetteer import open_gazetteer  # noqa: E402
from geomap.resolve import Toponym, geoparse  # noqa: E402

FOLDS = 10
C = 1.0  # inverse L2 strength (fixed, not tuned)
DATA = ROOT / "geomap" / "data"


def shared_bench() -> Path:
    """Return ``shared/bench`` next to the repository (or its worktree)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "bench"
        if candidate.is_dir():
            return candidate
    raise SystemExit("cannot find shared/bench next to the repository: pass the paths")


def fit_logistic(items: Sequence[tuple[dict[str, float], bool]], c: float = C) -> dict[str, float]:
    """Fit L2-regularised logistic regression; return the weights by feature name."""
    names = sorted({k for f, _ in items for k in f})
    col = {k: i for i, k in enumerate(names)}
    x = np.zeros((len(items), len(names)))
    for r, (f, _) in enumerate(items):
        for k, v in f.items():
            x[r, col[k]] = v
    y = np.array([float(lab) for _, lab in items])
    reg = np.ones(len(names)) / c
    if "bias" in col:
        reg[col["bias"]] = 0.0

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        p = 1.0 / (1.0 + np.exp(-z))
        eps = 1e-12
        value = -np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
        value += 0.5 * np.sum(reg * w * w)
        grad = x.T @ (p - y) + reg * w
        return float(value), grad

    res = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B")
    return {k: float(res.x[i]) for k, i in col.items() if abs(res.x[i]) > 1e-6}


def folds_of(groups: Sequence[str], k: int = FOLDS) -> list[int]:
    """Assign each group to one of ``k`` folds (seeded shuffle); return the fold per item."""
    distinct = sorted(set(groups))
    random.Random(13).shuffle(distinct)
    fold = {g: i % k for i, g in enumerate(distinct)}
    return [fold[g] for g in groups]


def cv_metonymy(items: list[tuple[dict[str, float], bool]], groups: list[str]) -> float:
    fold = folds_of(groups)
    right = 0
    for f in range(FOLDS):
        train = [it for it, g in zip(items, fold, strict=True) if g != f]
        model = LinearModel(fit_logistic(train))
        test = [it for it, g in zip(items, fold, strict=True) if g == f]
        right += sum((model.probability(x) >= 0.5) == y for x, y in test)
    return right / len(items)


def write_weights(path: Path, weights: dict[str, float], header: str) -> None:
    lines = [f"# feature<TAB>weight: {header}"]
    lines += [f"{k}\t{v:.4f}" for k, v in sorted(weights.items())]
    lines.append("threshold\t0.5")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_metonymy_rows(bench: Path) -> tuple[list[Any], int, list[Any], list[str]]:
    """Return ReLocaR rows (text, start, end, met), its mix count, GWN rows and their doc ids."""
    relocar = read_rows(bench / "incidents/relocar_train.jsonl", required=("text", "reading"))
    rel_rows, mix = relocar_rows(relocar)
    gwn = read_rows(bench / "geoparse/gwn.jsonl", required=("text", "toponyms"))
    gwn_rows, gwn_groups = gwn_metonymy_rows(gwn)
    return rel_rows, mix, gwn_rows, gwn_groups


def metonymy_cv(
    rel_items: list[tuple[dict[str, float], bool]],
    gwn_items: list[tuple[dict[str, float], bool]],
    gwn_groups: list[str],
) -> dict[str, float]:
    """Return the held-out accuracies of the metonymy recipe (see the module docstring)."""
    out = {
        "relocar_alone": cv_metonymy(rel_items, [str(i) for i in range(len(rel_items))]),
        "gwn_alone": cv_metonymy(gwn_items, gwn_groups),
        "gwn_from_relocar": score_metonymy(
            gwn_items, LinearModel(fit_logistic(rel_items))
        ).accuracy,
    }
    both = rel_items + gwn_items
    fold = folds_of([f"r{i}" for i in range(len(rel_items))] + gwn_groups)
    right = [0, 0]
    for f in range(FOLDS):
        model = LinearModel(fit_logistic([it for it, g in zip(both, fold, strict=True) if g != f]))
        for i, (it, g) in enumerate(zip(both, fold, strict=True)):
            if g == f:
                right[i >= len(rel_items)] += (model.probability(it[0]) >= 0.5) == it[1]
    out["relocar"] = right[0] / len(rel_items)
    out["gwn"] = right[1] / len(gwn_items)
    return out


def article_of(doc_id: Any) -> str:
    """Return the news article of an eventloc sentence id ("AFP_ENG_2006..._3_kill")."""
    return re.sub(r"_\d+_\w+\s*$", "", str(doc_id))


def held_out_models(
    docs: list[dict[str, Any]],
    parsed: list[Any],
    met_model: LinearModel,
    backend: Any = "rules",
) -> tuple[list[int], dict[int, LinearModel], list[tuple[dict[str, float], bool]]]:
    """Return the fold of each sentence, each fold's model and every open mention's cues.

    The model of a fold is fitted on the other folds; the cues come as (cues, gold) pairs.
    Folds by news article (:func:`article_of`), so that sentences of one story never sit on
    both sides.
    """
    items_by_doc: list[list[tuple[dict[str, float], bool]]] = []
    for d, tops in zip(docs, parsed, strict=True):
        weighed: dict[int, dict[str, float]] = {}
        analyse_events(
            d["text"], tops, model=LinearModel({}), metonymy=met_model, backend=backend,
            weighed=weighed,
        )  # fmt: skip
        rows = []
        for index, features in weighed.items():
            t = tops[index]
            gold = any(t.start < e and s < t.end for s, e in d["locations"])
            rows.append((features, gold))
        items_by_doc.append(rows)
    fold = folds_of([article_of(d["id"]) for d in docs])
    held_out = {
        f: LinearModel(fit_logistic(
            [it for rows, g in zip(items_by_doc, fold, strict=True) if g != f for it in rows]
        ))
        for f in range(FOLDS)
    }  # fmt: skip
    return fold, held_out, [it for rows in items_by_doc for it in rows]


def events_cv(
    docs: list[dict[str, Any]],
    parsed: list[Any],
    met_model: LinearModel,
    backend: Any = "rules",
) -> tuple[Any, dict[str, float], int]:
    """Return held-out incident scores, the weights fitted on all, and the model's mentions.

    Held out: 10 folds by news article, each scored with the weights fitted on the others.
    """
    fold, held_out, all_items = held_out_models(docs, parsed, met_model, backend)
    by_text = {
        d["text"]: (tops, fold[i]) for i, (d, tops) in enumerate(zip(docs, parsed, strict=True))
    }

    def held_out_places(text: str, tops: Any) -> set[Any]:
        model = held_out[by_text[text][1]]
        result = analyse_events(text, tops, model=model, metonymy=met_model, backend=backend)
        return {p.key for p in result.places if p.role == "incident"}

    scores = score_incidents(docs, lambda t: by_text[t][0], held_out_places)
    return scores, fit_logistic(all_items), len(all_items)


def cached_backend(name: str) -> Any:
    """Return the backend ``name``; the spaCy one parses each text once (a cache)."""
    if name != "spacy":
        return get_backend(name)
    from geomap.events.spacy_backend import SpacyBackend, load_parser

    nlp = load_parser()
    docs: dict[str, Any] = {}

    def parse(text: str) -> Any:
        if text not in docs:
            docs[text] = nlp(text)
        return docs[text]

    return SpacyBackend(parse)


def cached_geoparse(gazetteer: Any) -> Callable[[str], list[Toponym]]:
    """Return geoparsing with ``gazetteer``, each text parsed once (the folds share them)."""

    @functools.cache
    def parse(text: str) -> list[Toponym]:
        return geoparse(text, gazetteer=gazetteer)

    return parse


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    ap.add_argument("--backend", choices=tuple(BACKENDS), default="rules",
                    help="the events backend whose weights to fit (default rules)")  # fmt: skip
    args = ap.parse_args()
    backend = cached_backend(args.backend)
    bench = shared_bench()
    parse = cached_geoparse(open_gazetteer())

    rel_rows, mix, gwn_rows, gwn_groups = load_metonymy_rows(bench)
    rel_items = metonymy_items(rel_rows, parse, backend=backend)
    gwn_items = metonymy_items(gwn_rows, parse, backend=backend)
    print(f"backend {args.backend}")
    print(f"ReLocaR: {len(rel_items)} spans ({mix} mix left out); GWN: {len(gwn_items)} spans")
    cv = metonymy_cv(rel_items, gwn_items, gwn_groups)
    print(f"metonymy 10-fold CV, each set alone: ReLocaR {cv['relocar_alone']:.3f}, "
          f"GWN {cv['gwn_alone']:.3f}")  # fmt: skip
    print(f"metonymy GWN scored by a model fitted on ReLocaR only: {cv['gwn_from_relocar']:.3f}")
    print(f"metonymy 10-fold CV on both (shipped recipe): ReLocaR {cv['relocar']:.3f}, "
          f"GWN {cv['gwn']:.3f}")  # fmt: skip
    met_weights = fit_logistic(rel_items + gwn_items)
    met_model = LinearModel(met_weights)

    docs = read_rows(bench / "incidents/eventloc_dev.jsonl", required=("text", "locations"))
    parsed = [parse(d["text"]) for d in docs]
    scores, ev_weights, n_open = events_cv(docs, parsed, met_model, backend)
    print(
        f"events 10-fold CV (held-out folds, whole stage): P {scores.precision:.3f} "
        f"R {scores.recall:.3f} F1 {scores.f1:.3f} over {scores.places} places"
    )
    print(f"{n_open} mentions decided by the model; largest weights:")
    for k, v in sorted(ev_weights.items(), key=lambda kv: -abs(kv[1]))[:25]:
        print(f"  {k:32s} {v:+.2f}")
    if not args.dry_run:
        write_weights(DATA / f"{weights_file('metonymy', args.backend)}.tsv", met_weights,
                      "fitted by bench/fit_events.py on ReLocaR train + GeoWebNews (10-fold CV "
                      "reported there); generic cues only")  # fmt: skip
        write_weights(DATA / f"{weights_file('event', args.backend)}.tsv", ev_weights,
                      "fitted by bench/fit_events.py on eventloc_dev (10-fold CV by article "
                      "reported there); generic cues only")  # fmt: skip
        print("wrote the weights of backend", args.backend, "to", DATA)


if __name__ == "__main__":
    main()

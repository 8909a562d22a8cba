"""Fit the linear probes of the ``minilm`` events backend by k-fold cross-validation.

Writes ``geomap/data/metonymy_weights_minilm.tsv`` and ``geomap/data/event_weights_minilm.tsv``
(feature name, weight; threshold 0.5; more than 700 lines each: generated here, not edited),
read by :mod:`geomap.events.models`. Each probe is an L2 logistic regression over the default
backend's generic cues **plus** the contextual cues of
:class:`geomap.events.minilm_backend.EncodedDocument` (all-MiniLM-L6-v2, numpy forward pass,
layer 4):

- **metonymy**: the mention's vector (384), on the gold spans of ReLocaR train (``lit`` /
  ``met``) and GeoWebNews (``Literal`` / ``Metonymic``);
- **events**: the mention's vector, the violence word's, their product and the attention
  between them in each head (1,296), on the mentions of eventloc_dev that the fixed rules
  leave open (``analyse_events(..., weighed=...)``; label: overlaps a gold location). As in
  the other backends, the target rule decides first (a town that is the target of a
  violence word is an incident). Letting the probe weigh those too (branch h13m's design,
  scored at commit ab39e2c) gave the same F1 with more precision and less recall: P 0.789
  R 0.708 F1 0.746 against P 0.750 R 0.744 F1 0.747 here.

Features are standardised on the training part and the standardisation is folded into the
written weights (so they apply to raw features). The L2 strength is chosen inside each
training part by a 5-fold inner CV over (30, 100, 300) (inner folds by item); the outer
figures are held out: 10 folds (eventloc by news article, ReLocaR by sentence, GWN by
document), the eventloc ones scored through the whole stage (``analyse_events`` with the
fold's probe on the held-out sentences), as ``bench/eval_incidents.py`` scores them. The
shipped weights are fitted on all of the data. The dev data (../shared/bench) is read for
fitting only; none of it is written anywhere.

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/fit_events_minilm.py            # fit, report, write
    OPENBLAS_NUM_THREADS=1 python bench/fit_events_minilm.py --dry-run  # report only
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fit_events import (  # noqa: E402
    article_of,
    cached_geoparse,
    folds_of,
    load_metonymy_rows,
    shared_bench,
)

from geomap.evaluate_events import metonymy_items, read_rows, score_incidents  # noqa: E402
from geomap.events import LinearModel, analyse_events  # noqa: E402
from geomap.events.minilm_backend import EncodedDocument, MiniLMBackend  # noqa: E402
from geomap.gazetteer import open_gazetteer  # noqa: E402

FOLDS = 10
LAMBDAS = (30.0, 100.0, 300.0)
DATA = ROOT / "geomap" / "data"
Items = list[tuple[dict[str, float], bool]]


class CachedMiniLM(MiniLMBackend):
    """The minilm backend with one view per text, so each sentence is encoded once per run."""

    def __init__(self) -> None:
        super().__init__()
        self.cache: dict[str, EncodedDocument] = {}

    def document(self, text: str) -> EncodedDocument:
        """Return the text's view (made on the first call)."""
        if text not in self.cache:
            self.cache[text] = super().document(text)
        return self.cache[text]


def _fit_matrix(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """L2 logistic regression on standardised ``x``; the last weight is the intercept."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    reg = np.full(d + 1, lam)
    reg[-1] = 0.0

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        eps = 1e-12
        value = -np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
        return float(value + 0.5 * np.sum(reg * w * w)), xb.T @ (p - y) + reg * w

    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return np.asarray(res.x)


def _matrix(items: Items, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    col = {k: i for i, k in enumerate(names)}
    x = np.zeros((len(items), len(names)))
    for r, (f, _) in enumerate(items):
        for k, v in f.items():
            if k in col:
                x[r, col[k]] = v
    return x, np.array([float(lab) for _, lab in items])


def fit_probe(items: Items, lambdas: Sequence[float] = LAMBDAS) -> dict[str, float]:
    """Fit a standardised L2 probe (L2 strength by inner 5-fold CV); return raw-feature weights.

    The standardisation is folded in: ``w_raw = w / sd`` and the intercept minus
    ``sum(w * mean / sd)`` goes to the ``bias`` feature (present in every item).
    """
    names = sorted({k for f, _ in items for k in f})
    x, y = _matrix(items, names)
    mu, sd = x.mean(0), x.std(0)
    live = sd > 1e-9
    z = (x[:, live] - mu[live]) / sd[live]
    lam = lambdas[0]
    if len(lambdas) > 1:
        inner = np.array([i % 5 for i in random.Random(7).sample(range(len(y)), len(y))])
        best = -1.0
        for cand in lambdas:
            right = 0
            for f in range(5):
                tr, te = inner != f, inner == f
                zm, zs = z[tr].mean(0), z[tr].std(0) + 1e-9
                w = _fit_matrix((z[tr] - zm) / zs, y[tr], cand)
                right += int(np.sum((((z[te] - zm) / zs) @ w[:-1] + w[-1] > 0) == (y[te] > 0.5)))
            if right > best:
                best, lam = right, cand
    w = _fit_matrix(z, y, lam)
    weights = dict.fromkeys(names, 0.0)
    live_names = [k for k, ok in zip(names, live, strict=True) if ok]
    raw = w[:-1] / sd[live]
    for k, v in zip(live_names, raw, strict=True):
        weights[k] = float(v)
    weights["bias"] = weights.get("bias", 0.0) + float(w[-1] - np.sum(raw * mu[live]))
    return {k: v for k, v in weights.items() if v != 0.0}


def _accuracy(
    items: Items, groups: Sequence[str], fit: Callable[[Items], dict[str, float]]
) -> list[bool]:
    fold = folds_of(groups, FOLDS)
    right = [False] * len(items)
    for f in range(FOLDS):
        model = LinearModel(fit([it for it, g in zip(items, fold, strict=True) if g != f]))
        for i, (it, g) in enumerate(zip(items, fold, strict=True)):
            if g == f:
                right[i] = (model.probability(it[0]) >= 0.5) == it[1]
    return right


def metonymy_cv(rel: Items, gwn: Items, gwn_groups: list[str]) -> dict[str, float]:
    """Held-out accuracies: 10-fold CV on both (ReLocaR by sentence, GWN by document)."""
    both = _accuracy(rel + gwn, [f"r{i}" for i in range(len(rel))] + gwn_groups, fit_probe)
    from_rel = LinearModel(fit_probe(rel))
    return {
        "relocar": float(np.mean(both[: len(rel)])),
        "gwn": float(np.mean(both[len(rel) :])),
        "gwn_from_relocar": float(
            np.mean([(from_rel.probability(f) >= 0.5) == y for f, y in gwn])
        ),
    }


def events_cv(docs: list[dict[str, Any]], parsed: list[Any], met_model: LinearModel,
              backend: CachedMiniLM) -> tuple[Any, dict[str, float], int]:  # fmt: skip
    """Held-out incident scores (10 folds by article, whole stage), weights fitted on all."""
    items_by_doc: list[Items] = []
    for d, tops in zip(docs, parsed, strict=True):
        weighed: dict[int, dict[str, float]] = {}
        analyse_events(d["text"], tops, model=LinearModel({}), metonymy=met_model,
                       backend=backend, weighed=weighed)  # fmt: skip
        rows = []
        for index, features in weighed.items():
            t = tops[index]
            rows.append((features, any(t.start < e and s < t.end for s, e in d["locations"])))
        items_by_doc.append(rows)
    fold = folds_of([article_of(d["id"]) for d in docs], FOLDS)
    held_out = {
        f: LinearModel(fit_probe(
            [it for rows, g in zip(items_by_doc, fold, strict=True) if g != f for it in rows]
        ))
        for f in range(FOLDS)
    }  # fmt: skip
    by_text = {
        d["text"]: (tops, fold[i]) for i, (d, tops) in enumerate(zip(docs, parsed, strict=True))
    }

    def held_out_places(text: str, tops: Any) -> set[Any]:
        result = analyse_events(text, tops, model=held_out[by_text[text][1]], metonymy=met_model,
                                backend=backend)  # fmt: skip
        return {p.key for p in result.places if p.role == "incident"}

    scores = score_incidents(docs, lambda t: by_text[t][0], held_out_places)
    all_items = [it for rows in items_by_doc for it in rows]
    return scores, fit_probe(all_items), len(all_items)


def write_weights(path: Path, weights: dict[str, float], header: str) -> None:
    lines = [f"# feature<TAB>weight: {header}"]
    lines += [f"{k}\t{v:.6g}" for k, v in sorted(weights.items())]
    lines.append("threshold\t0.5")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def quality(bench: Path, parse: Callable[[str], Any], backend: CachedMiniLM) -> dict[str, Any]:
    """Return the held-out figures of the minilm backend and the weights fitted on all."""
    rel_rows, _, gwn_rows, gwn_groups = load_metonymy_rows(bench)
    rel = metonymy_items(rel_rows, parse, backend=backend)
    gwn = metonymy_items(gwn_rows, parse, backend=backend)
    met_cv = metonymy_cv(rel, gwn, gwn_groups)
    met_weights = fit_probe(rel + gwn)
    docs = read_rows(bench / "incidents/eventloc_dev.jsonl", required=("text", "locations"))
    parsed = [parse(d["text"]) for d in docs]
    ev_scores, ev_weights, n_open = events_cv(docs, parsed, LinearModel(met_weights), backend)
    return {
        "met_cv": met_cv, "met_weights": met_weights, "cv": ev_scores, "ev_weights": ev_weights,
        "n_open": n_open, "n_rel": len(rel), "n_gwn": len(gwn),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    args = ap.parse_args()
    bench = shared_bench()
    parse = cached_geoparse(open_gazetteer())

    start = time.perf_counter()
    q = quality(bench, parse, CachedMiniLM())
    cv, s = q["met_cv"], q["cv"]
    print(f"metonymy ({q['n_rel']} ReLocaR, {q['n_gwn']} GWN spans), 10-fold CV on both: "
          f"ReLocaR {cv['relocar']:.3f}, GWN {cv['gwn']:.3f}; GWN from a ReLocaR-only probe: "
          f"{cv['gwn_from_relocar']:.3f}")  # fmt: skip
    print(f"events 10-fold CV by article (whole stage): "
          f"P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f} over {s.places} places "
          f"({s.gold} gold, {s.predicted} predicted); {q['n_open']} mentions weighed by the "
          "probe")  # fmt: skip
    print(f"({time.perf_counter() - start:.0f} s)")
    if not args.dry_run:
        write_weights(DATA / "metonymy_weights_minilm.tsv", q["met_weights"],
                      "generated by bench/fit_events_minilm.py (do not edit) on ReLocaR train + "
                      "GeoWebNews (10-fold CV reported there); generic cues + all-MiniLM-L6-v2 "
                      "layer-4 mention vector (mlm_m*), standardisation folded in")  # fmt: skip
        write_weights(DATA / "event_weights_minilm.tsv", q["ev_weights"],
                      "generated by bench/fit_events_minilm.py (do not edit) on eventloc_dev "
                      "(10-fold CV by article reported there); generic cues + all-MiniLM-L6-v2 "
                      "layer-4 mention/trigger vectors, product, attention (mlm_*)")  # fmt: skip
        print("wrote the minilm weights to", DATA)


if __name__ == "__main__":
    main()

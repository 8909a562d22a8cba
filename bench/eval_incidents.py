"""Incident locations and metonymy: today's rule against the events stage, in one run.

Data (``../shared/bench`` next to the repository; evaluation only, never copied):

- ``incidents/eventloc_dev.jsonl`` (Halterman 2019, AFP/Xinhua sentences): incident-location
  precision/recall/F1 per sentence over the places geomap finds, as
  ``incidents/README.md`` scores it (:func:`geomap.evaluate_events.score_incidents`);
- ``incidents/relocar_train.jsonl`` (Gritta et al. 2017): metonymy accuracy, ``lit`` vs
  ``met`` (``mix`` rows left out; there are none in this file);
- ``geoparse/gwn.jsonl`` (GeoWebNews, Gritta et al. 2020): metonymy accuracy on its
  ``Literal`` vs ``Metonymic`` toponyms, and the speed test.

Rows:

- **today**: geomap's rule before the events stage (a place in a sentence holding a violence
  word is an incident, countries never: :func:`geomap.evaluate_events.baseline_incident_places`
  with the violence words of that time, frozen in ``bench/baseline_violence.tsv``); for
  metonymy, today has none (every mention literal);
- **events, 10-fold CV**: the events stage with its linear models fitted on the other nine
  folds (events: folds by news article; metonymy: ReLocaR by sentence, GWN by document), so
  every figure is held out. These are the figures to quote;
- **events, shipped weights**: the weights in ``geomap/data`` (fitted on all of this data by
  ``bench/fit_events.py``): training-set figures, printed for reference only.

Speed: geoparse + today's rows (:func:`today_rows`, a copy of ``geomap.incidents._rows``
before the events stage) against geoparse + :func:`geomap.events.analyse_events` + the rows
of ``geomap.incidents`` now, on the GWN texts, pinned to one core, alternating documents (CPU
time of the thread, so that other processes on the shared machine weigh less); the ratio of
the medians is what to quote.

Usage::

    python bench/eval_incidents.py              # quality and speed (~3 min)
    python bench/eval_incidents.py --no-speed   # quality only
    python bench/eval_incidents.py --no-quality # speed only
    python bench/eval_incidents.py --spacy      # + the optional dependency-parse backend
    OPENBLAS_NUM_THREADS=1 python bench/eval_incidents.py --minilm   # + contextual embeddings
    OPENBLAS_NUM_THREADS=1 python bench/eval_incidents.py --minilm --no-quality  # its speed

``--minilm`` adds the held-out figures of ``bench/fit_events_minilm.py`` (its probes refitted
per fold, ~3 min) and its speed and memory: geoparse + events stage + rows, default backend
against minilm, interleaved document by document on the GWN texts, pinned to one core,
process CPU time (so that BLAS threads count; ``OPENBLAS_NUM_THREADS=1`` keeps it to one),
median of ``--minilm-rounds``; peak RSS before and after loading the model and after the run.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fit_events import (  # noqa: E402
    cached_backend,
    cached_geoparse,
    events_cv,
    fit_logistic,
    load_metonymy_rows,
    metonymy_cv,
    shared_bench,
)

from geomap.evaluate_events import (  # noqa: E402
    baseline_incident_places,
    metonymy_items,
    read_rows,
    score_incidents,
    score_metonymy,
)
from geomap.events import (  # noqa: E402
    LinearModel,
    analyse_events,
    get_backend,
    load_metonymy_model,
)
from geomap.gazetteer import open_gazetteer  # noqa: E402
from geomap.incidents import _rows  # noqa: E402  (the rows of the incidents table)
from geomap.resolve import Toponym, geoparse  # noqa: E402
from geomap.text import excerpt  # noqa: E402


def _today_words() -> re.Pattern[str]:
    """Return the violence words of today's rule (``bench/baseline_violence.tsv``)."""
    lines = (ROOT / "bench" / "baseline_violence.tsv").read_text("utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return re.compile(r"\b(?:" + "|".join(p for p, _ in rows) + r")\b", re.IGNORECASE)


#: Today's violence words: geomap/data/violence.tsv before the events stage, frozen.
TODAY_WORDS = _today_words()


def today_rows(text: str, toponyms: list[Toponym], source: str) -> list[dict[str, Any]]:
    """Return the rows geomap made before the events stage (its per-sentence rule), for speed.

    A copy of ``geomap.incidents._rows`` as it was: a place is an incident when a sentence
    mentioning it holds a violence word (:data:`TODAY_WORDS`), countries and larger never.
    """
    cues = TODAY_WORDS
    groups: dict[tuple[Any, ...], list[Toponym]] = {}
    for t in toponyms:
        if t.lat is not None and t.lon is not None:
            groups.setdefault((t.geonameid, t.place, t.lat, t.lon), []).append(t)
    rows = []
    for mentions in groups.values():
        first = mentions[0]
        cue, shown = "", first
        if first.feature not in ("country", "macroregion", "continent"):
            for t in mentions:
                found = cues.search(text, t.sentence_start, t.sentence_end)
                if found:
                    cue, shown = found.group().lower(), t
                    break
        sentence, sentence_start, sentence_end = excerpt(
            text, (shown.sentence_start, shown.sentence_end), (shown.start, shown.end)
        )
        rows.append(
            {
                "source": source, "name": first.name, "place": first.place,
                "start": first.start, "end": first.end, "mentions": len(mentions),
                "offsets": ";".join(f"{t.start}-{t.end}" for t in mentions),
                "role": "incident" if cue else "context", "cue": cue, "sentence": sentence,
                "sentence_start": sentence_start, "sentence_end": sentence_end,
                "lat": first.lat, "lon": first.lon, "geonameid": first.geonameid,
                "country_code": first.country_code, "feature": first.feature,
                "population": first.population, "score": max(t.score for t in mentions),
                "reason": first.reason,
            }
        )  # fmt: skip
    return rows


def speed(texts: list[str], gaz: Any, rounds: int) -> tuple[float, float]:
    """Return the median docs/s of (geoparse + today's rows, geoparse + events + rows).

    CPU time of this thread (``time.thread_time``), the two ways interleaved document by
    document, so that other processes on a shared machine slow both alike.
    """

    def today(t: str) -> None:
        today_rows(t, geoparse(t, gazetteer=gaz), "<text>")

    def new(t: str) -> None:
        tops = geoparse(t, gazetteer=gaz)
        _rows(t, tops, "<text>", analyse_events(t, tops))

    for t in texts:  # warm-up: word lists, weights, caches
        today(t)
        new(t)
    a, b = [], []
    for _ in range(rounds):
        spent = [0.0, 0.0]
        for t in texts:
            for k, fn in enumerate((today, new)):
                start = time.thread_time()
                fn(t)
                spent[k] += time.thread_time() - start
        a.append(len(texts) / spent[0])
        b.append(len(texts) / spent[1])
    return statistics.median(a), statistics.median(b)


def quality(bench: Path, parse: Any, name: str) -> dict[str, Any]:
    """Return the held-out and shipped-weight figures of one backend."""
    backend = cached_backend(name)
    docs = read_rows(bench / "incidents/eventloc_dev.jsonl", required=("text", "locations"))
    parsed = [parse(d["text"]) for d in docs]
    rel_rows, mix, gwn_rows, gwn_groups = load_metonymy_rows(bench)
    rel_items = metonymy_items(rel_rows, parse, backend=backend)
    gwn_items = metonymy_items(gwn_rows, parse, backend=backend)
    met_cv = metonymy_cv(rel_items, gwn_items, gwn_groups)
    cv_met_model = LinearModel(fit_logistic(rel_items + gwn_items))
    cv_scores, _, _ = events_cv(docs, parsed, cv_met_model, backend)

    def shipped(text: str, tops: Any) -> set[Any]:
        result = analyse_events(text, tops, backend=backend)
        return {p.key for p in result.places if p.role == "incident"}

    return {
        "docs": docs,
        "mix": mix,
        "cv": cv_scores,
        "shipped": score_incidents(docs, parse, shipped),
        "met_cv": met_cv,
        "rel_shipped": score_metonymy(rel_items, load_metonymy_model(name)).accuracy,
        "gwn_shipped": score_metonymy(gwn_items, load_metonymy_model(name)).accuracy,
        "rel_lit": sum(not y for _, y in rel_items) / len(rel_items),
        "gwn_lit": sum(not y for _, y in gwn_items) / len(gwn_items),
    }


def minilm_quality(bench: Path, parse: Any) -> None:
    """Print the held-out figures of the minilm backend (as ``bench/fit_events_minilm.py``)."""
    from fit_events_minilm import CachedMiniLM
    from fit_events_minilm import quality as minilm_cv

    q = minilm_cv(bench, parse, CachedMiniLM())
    s, cv = q["cv"], q["met_cv"]
    print("\n## minilm backend, 10-fold CV (held out; probes refitted per fold)\n")
    print("| eventloc places | gold | predicted | P | R | F1 | ReLocaR | GWN | GWN from ReLocaR |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {s.places} | {s.gold} | {s.predicted} | {s.precision:.3f} | {s.recall:.3f} "
          f"| {s.f1:.3f} | {cv['relocar']:.3f} | {cv['gwn']:.3f} "
          f"| {cv['gwn_from_relocar']:.3f} |")  # fmt: skip


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def minilm_speed(texts: list[str], gaz: Any, rounds: int) -> None:
    """Print docs/s of geoparse + events + rows, rules vs minilm, and the memory it takes."""
    rss0 = _peak_mb()
    backend = get_backend("minilm")
    start = time.process_time()
    _ = backend.encoder  # type: ignore[attr-defined]  # loads the model
    load_s = time.process_time() - start
    rss1 = _peak_mb()

    def run(t: str, name: str) -> None:
        tops = geoparse(t, gazetteer=gaz)
        _rows(t, tops, "<text>", analyse_events(t, tops, backend=name))

    for t in texts[:5]:  # warm-up: weights, caches
        run(t, "rules")
        run(t, "minilm")
    a, b = [], []
    for _ in range(rounds):
        spent = [0.0, 0.0]
        for t in texts:
            for k, name in enumerate(("rules", "minilm")):
                start = time.process_time()
                run(t, name)
                spent[k] += time.process_time() - start
        a.append(len(texts) / spent[0])
        b.append(len(texts) / spent[1])
    rss2 = _peak_mb()
    print(f"\n## Speed, minilm backend: GWN, {len(texts)} documents, one core, process CPU "
          f"time, median of {rounds} rounds\n")  # fmt: skip
    print("| system | docs/s |")
    print("|---|---:|")
    print(f"| geoparse + events (rules) + rows | {statistics.median(a):.1f} |")
    print(f"| geoparse + events (minilm) + rows | {statistics.median(b):.1f} |")
    print(f"\nratio minilm/rules: {statistics.median(b) / statistics.median(a):.3f}")
    print(f"model load: {load_s:.2f} s CPU; peak RSS before the model {rss0:.0f} MB, after "
          f"loading it {rss1:.0f} MB, after the GWN run {rss2:.0f} MB")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-speed", action="store_true", help="skip the speed test")
    ap.add_argument("--no-quality", action="store_true", help="only the speed test")
    ap.add_argument("--rounds", type=int, default=5, help="speed rounds (default 5)")
    ap.add_argument(
        "--spacy", action="store_true", help="also score the spaCy backend (needs a model)"
    )
    ap.add_argument(
        "--minilm", action="store_true", help="also the minilm backend (needs its extra)"
    )
    ap.add_argument("--minilm-rounds", type=int, default=2, help="minilm speed rounds (2)")
    args = ap.parse_args()
    bench = shared_bench()
    gaz = open_gazetteer()
    parse = cached_geoparse(gaz)

    if not args.no_quality:
        runs = {"rules": quality(bench, parse, "rules")}
        if args.spacy:
            runs["spacy"] = quality(bench, parse, "spacy")
        first = runs["rules"]
        today = score_incidents(
            first["docs"],
            parse,
            lambda t, tops: baseline_incident_places(t, tops, words=TODAY_WORDS),
        )
        print(f"## Incident locations: eventloc_dev ({len(first['docs'])} sentences)\n")
        print("| system | places | gold | predicted | P | R | F1 | capitalised gold found |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        rows = [("today's rule", today)]
        for backend, run in runs.items():
            rows.append((f"events ({backend}), 10-fold CV (held out)", run["cv"]))
            rows.append((f"events ({backend}), shipped weights (training set)", run["shipped"]))
        for name, s in rows:
            print(
                f"| {name} | {s.places} | {s.gold} | {s.predicted} | {s.precision:.3f} "
                f"| {s.recall:.3f} | {s.f1:.3f} | {s.capitalised_found:.3f} |"
            )
        print(
            "\n## Metonymy accuracy (literal vs metonymic, gold spans; "
            f"ReLocaR mix rows left out: {first['mix']})\n"
        )
        print("| system | ReLocaR train | GWN Literal/Metonymic |")
        print("|---|---:|---:|")
        print(
            f"| today (no metonymy: all literal) | {first['rel_lit']:.3f} "
            f"| {first['gwn_lit']:.3f} |"
        )
        for backend, run in runs.items():
            cv = run["met_cv"]
            print(f"| events ({backend}), 10-fold CV on both (held out) | {cv['relocar']:.3f} "
                  f"| {cv['gwn']:.3f} |")  # fmt: skip
            print(f"| events ({backend}), 10-fold CV on each alone | {cv['relocar_alone']:.3f} "
                  f"| {cv['gwn_alone']:.3f} |")  # fmt: skip
            print(f"| events ({backend}), fitted on ReLocaR only | (training) "
                  f"| {cv['gwn_from_relocar']:.3f} |")  # fmt: skip
            print(f"| events ({backend}), shipped weights (training set) "
                  f"| {run['rel_shipped']:.3f} | {run['gwn_shipped']:.3f} |")  # fmt: skip
        if args.minilm:
            minilm_quality(bench, parse)

    if not args.no_speed:
        gwn = read_rows(bench / "geoparse/gwn.jsonl", required=("text",))
        texts = [d["text"] for d in gwn]
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        a, b = speed(texts, gaz, args.rounds)
        print(
            f"\n## Speed: GWN, {len(texts)} documents, one core, median of {args.rounds} rounds\n"
        )
        print("| system | docs/s |")
        print("|---|---:|")
        print(f"| geoparse + today's rows | {a:.0f} |")
        print(f"| geoparse + events stage + rows | {b:.0f} |")
        print(f"\nratio new/today: {b / a:.2f}")
        if args.minilm:
            minilm_speed(texts, gaz, args.minilm_rounds)


if __name__ == "__main__":
    main()

"""Geoparsing quality and speed on GeoWebNews: geomap against two peers, in one run.

Corpus: GeoWebNews (Gritta, Pilehvar & Collier 2020, "A Pragmatic Guide to Geoparsing
Evaluation", Language Resources and Evaluation 54:683-712), read from the shared benchmark
directory (``../shared/bench/geoparse/gwn.jsonl`` next to the repository). It is used for
evaluation only and is never copied into the repository.

All three systems are scored by the same code, :func:`geomap.evaluate.evaluate_documents`
(overlap matching against the gold toponyms that have coordinates; resolution error on the
matched ones), and printed with :func:`geomap.evaluate.format_report`:

- ``geomap``: :func:`geomap.geoparse` with the cached gazetteer.
- ``geotext``: the PyPI package ``geotext`` (``pip install -e ".[bench]"``), adapted. It returns
  city and country names (``GeoText(text).cities + .countries``; its nationalities are not
  used) without offsets, so each distinct returned name is located in the text by a whole-word,
  case-sensitive search (longer names first; an occurrence overlapping one already taken is
  skipped), and resolved to the most populous candidate of ``gaz.lookup([normalize_name(name)])``
  in geomap's gazetteer (no coordinates when the gazetteer has no such name).
- ``naive``: the most populous gazetteer match of every capitalised n-gram. Tokens are split at
  punctuation into runs; every n-gram of up to 3 consecutive words of a run that starts and ends
  with a capitalised word ("Bosnia and Herzegovina") is looked up with ``gaz.lookup``; matches
  are taken longest first (then leftmost), non-overlapping; each resolves to its most populous
  candidate.

Usage::

    python bench/bench_geoparse.py                # the whole corpus (~10 s)
    python bench/bench_geoparse.py --limit 20     # a quick run
    python bench/bench_geoparse.py --corpus other.jsonl --errors 30
    python bench/bench_geoparse.py --ablation     # + geomap spans resolved by population
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geomap.evaluate import (
    _match,  # the very matching evaluate_documents uses
    evaluate_documents,
    format_report,
    read_corpus,
)
from geomap.gazetteer import Gazetteer, open_gazetteer
from geomap.names import Candidate, normalize_name
from geomap.resolve import geoparse

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared/bench/geoparse/gwn.jsonl"
MAX_WORDS = 3

# A word: letters, digits, inner apostrophes, hyphens and dots ("U.S.", "Al-Hasakah").
_WORD = re.compile(r"\w+(?:['\u2019.\-]\w+)*\.?")


@dataclass(frozen=True, slots=True)
class Place:
    """A recognised span and the coordinates chosen for it (what the peers return)."""

    start: int
    end: int
    name: str
    lat: float | None
    lon: float | None
    geonameid: int | None = None


def most_populous(cands: Sequence[Candidate]) -> Candidate | None:
    return max(cands, key=lambda c: c.population) if cands else None


def _place(text: str, start: int, end: int, cand: Candidate | None) -> Place:
    if cand is None:
        return Place(start, end, text[start:end], None, None)
    return Place(start, end, text[start:end], cand.lat, cand.lon, cand.geonameid)


def _non_overlapping(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep spans in the given priority order, dropping any that overlaps one already kept."""
    kept: list[tuple[int, int]] = []
    for s, e in spans:
        if all(e <= ks or ke <= s for ks, ke in kept):
            kept.append((s, e))
    return sorted(kept)


def geotext_parser(gaz: Gazetteer) -> Callable[[str], list[Place]]:
    """Return ``geotext`` adapted to give spans and coordinates (see the module docstring)."""
    from geotext import GeoText

    def parse(text: str) -> list[Place]:
        found = GeoText(text)
        names = sorted(set(found.cities) | set(found.countries), key=lambda n: (-len(n), n))
        spans = [
            m.span()
            for name in names
            for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)
        ]
        spans = _non_overlapping(spans)
        cands = gaz.lookup(normalize_name(text[s:e]) for s, e in spans)
        return [
            _place(text, s, e, most_populous(cands.get(normalize_name(text[s:e]), [])))
            for s, e in spans
        ]

    return parse


def naive_parser(gaz: Gazetteer) -> Callable[[str], list[Place]]:
    """Return the naive peer: most populous match of each capitalised n-gram (see above)."""

    def parse(text: str) -> list[Place]:
        words = [m.span() for m in _WORD.finditer(text)]
        ngrams: list[tuple[int, int, int]] = []  # (n words, start, end)
        for i, (start, _) in enumerate(words):
            if not text[start].isupper():
                continue
            for n in range(1, MAX_WORDS + 1):
                j = i + n - 1
                if j >= len(words):
                    break
                if n > 1 and not text[words[j - 1][1] : words[j][0]].isspace():
                    break  # punctuation (or nothing) between two words ends the run
                if text[words[j][0]].isupper():
                    ngrams.append((n, start, words[j][1]))
        cands = gaz.lookup(normalize_name(text[s:e]) for _, s, e in ngrams)
        found = [(n, s, e) for n, s, e in ngrams if normalize_name(text[s:e]) in cands]
        found.sort(key=lambda t: (-t[0], t[1]))
        return [
            _place(text, s, e, most_populous(cands[normalize_name(text[s:e])]))
            for s, e in _non_overlapping([(s, e) for _, s, e in found])
        ]

    return parse


def geomap_spans_most_populous(gaz: Gazetteer) -> Callable[[str], list[Place]]:
    """Return the ablation: geomap's own spans, each resolved to its most populous candidate."""

    def parse(text: str) -> list[Place]:
        found = geoparse(text, gazetteer=gaz)
        cands = gaz.lookup(normalize_name(t.name) for t in found)
        return [
            _place(text, t.start, t.end, most_populous(cands.get(normalize_name(t.name), [])))
            for t in found
        ]

    return parse


def geonames_table(
    docs: Sequence[dict[str, Any]], outputs: dict[str, Sequence[Sequence[Any]]]
) -> str:
    """Return the GeoNames-id agreement on matched gold toponyms that have an id, per system.

    "same id, >= 161 km" counts the right place scored as wrong by the distance metrics, which
    happens when the gazetteer's point for a place (e.g. a country's polygon centroid) is far
    from the GeoNames point used by the annotators.
    """
    lines = [
        "| system | matched gold with id | same GeoNames id | same id, >= 161 km |",
        "|---|---:|---:|---:|",
    ]
    for name, outs in outputs.items():
        n = same = same_far = 0
        for doc, pred in zip(docs, outs, strict=True):
            gold = [g for g in doc["toponyms"] if g.get("lat") is not None]
            for gi, pi in _match(gold, pred):
                g, p = gold[gi], pred[pi]
                if g.get("geonameid") is None:
                    continue
                n += 1
                if getattr(p, "geonameid", None) == g["geonameid"]:
                    same += 1
                    same_far += _km(g["lat"], g["lon"], p.lat, p.lon) >= 161
        lines.append(f"| {name} | {n} | {same} ({same / n:.3f}) | {same_far} |")
    return "\n".join(lines)


def per_type_recall(
    docs: Sequence[dict[str, Any]], outputs: Sequence[Sequence[Any]]
) -> tuple[str, int]:
    """Return geomap's recall per GWN type (evaluate's overlap matching) and the matched total.

    Gold toponyms with coordinates are matched exactly as ``evaluate_documents`` does, so their
    matches add up to its ``matched`` (returned, for checking). Toponyms without coordinates
    (all Demonym, Homonym and Language ones, and a few Coercion/Literal ones) are not in the
    scored gold; for them a match is sought among all toponyms of the document and shown for
    information only.
    """
    total: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    unscored: Counter[str] = Counter()
    unscored_hit: Counter[str] = Counter()
    for doc, pred in zip(docs, outputs, strict=True):
        allg = doc["toponyms"]
        gold = [g for g in allg if g.get("lat") is not None and g.get("lon") is not None]
        total.update(g["type"] for g in gold)
        hit.update(gold[gi]["type"] for gi, _ in _match(gold, pred))
        unscored.update(g["type"] for g in allg if g.get("lat") is None or g.get("lon") is None)
        unscored_hit.update(
            allg[gi]["type"]
            for gi, _ in _match(allg, pred)
            if allg[gi].get("lat") is None or allg[gi].get("lon") is None
        )
    lines = ["| GWN type | gold | found | recall |", "|---|---:|---:|---:|"]
    for typ, n in total.most_common():
        lines.append(f"| {typ} | {n} | {hit[typ]} | {hit[typ] / n:.3f} |")
    n_all, h_all = sum(total.values()), sum(hit.values())
    lines.append(
        f"| **all scored (with coordinates)** | {n_all} | {h_all} | {h_all / n_all:.3f} |"
    )
    for typ, n in unscored.most_common():
        found = unscored_hit[typ]
        lines.append(f"| {typ}, no coordinates (not scored) | {n} | {found} | {found / n:.3f} |")
    return "\n".join(lines), h_all


def error_tables(
    docs: Sequence[dict[str, Any]], outputs: Sequence[Sequence[Any]], top: int
) -> str:
    """Return the most frequent false positives and missed gold toponyms (by surface form)."""
    false_pos: Counter[str] = Counter()
    fp_on_nocoord: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    missed_types: dict[str, Counter[str]] = defaultdict(Counter)
    far: Counter[str] = Counter()
    far_same_id: Counter[str] = Counter()
    for doc, pred in zip(docs, outputs, strict=True):
        text = doc["text"]
        gold = [g for g in doc["toponyms"] if g.get("lat") is not None]
        nocoord = [g for g in doc["toponyms"] if g.get("lat") is None]
        pairs = _match(gold, pred)
        matched_g = {gi for gi, _ in pairs}
        matched_p = {pi for _, pi in pairs}
        for pi, p in enumerate(pred):
            if pi not in matched_p:
                name = text[p.start : p.end]
                false_pos[name] += 1
                if any(p.start < g["end"] and g["start"] < p.end for g in nocoord):
                    fp_on_nocoord[name] += 1
        for gi, g in enumerate(gold):
            if gi not in matched_g:
                missed[g["name"]] += 1
                missed_types[g["name"]][g["type"]] += 1
        for gi, pi in pairs:
            g, p = gold[gi], pred[pi]
            if p.lat is None or _km(g["lat"], g["lon"], p.lat, p.lon) >= 161:
                place = getattr(p, "place", None) or p.name
                key = f"{g['name']} -> {place} ({getattr(p, 'country_code', None) or '?'})"
                far[key] += 1
                if g.get("geonameid") is not None and g["geonameid"] == p.geonameid:
                    far_same_id[key] += 1

    def table(title: str, counts: Counter[str], extra: Callable[[str], str]) -> str:
        rows = [f"| {title} | n | notes |", "|---|---:|---|"]
        rows += [f"| {name} | {n} | {extra(name)} |" for name, n in counts.most_common(top)]
        return "\n".join(rows)

    def fp_note(name: str) -> str:
        return (
            f"{fp_on_nocoord[name]} on a Demonym/Language/Homonym" if fp_on_nocoord[name] else ""
        )

    def type_note(name: str) -> str:
        return ", ".join(f"{t} {k}" for t, k in missed_types[name].most_common())

    return "\n\n".join(
        [
            f"Top {top} false positives ({sum(false_pos.values())} in all):\n\n"
            + table("predicted", false_pos, fp_note),
            f"Top {top} missed gold toponyms ({sum(missed.values())} in all):\n\n"
            + table("gold name", missed, type_note),
            f"Top {top} matched but >= 161 km off ({sum(far.values())} in all):\n\n"
            + table(
                "gold -> chosen place (country)",
                far,
                lambda k: f"{far_same_id[k]} with the gold GeoNames id" if far_same_id[k] else "",
            ),
        ]
    )


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    from geomap.evaluate import _great_circle_km

    return _great_circle_km(lat1, lon1, lat2, lon2)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def git_revision() -> str:
    """Return the commit measured, with ``-dirty`` when the working tree has changes."""
    proc = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="JSONL corpus.")
    parser.add_argument("--limit", type=int, help="Only the first N documents.")
    parser.add_argument(
        "--gazetteer",
        type=Path,
        help="Gazetteer file (default: the cache, built if missing; see GEOMAP_CACHE_DIR).",
    )
    parser.add_argument(
        "--ablation",
        action="store_true",
        help="Add a row: geomap's spans resolved to the most populous candidate.",
    )
    parser.add_argument(
        "--errors", type=int, default=15, metavar="N", help="Rows of geomap's error tables."
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        sys.exit(f"corpus not found: {args.corpus} (pass --corpus PATH)")

    docs = read_corpus(args.corpus, limit=args.limit)
    gaz = open_gazetteer(args.gazetteer)
    systems: dict[str, Callable[[str], Sequence[Any]]] = {
        "geomap": lambda t: geoparse(t, gazetteer=gaz)
    }
    try:
        systems["geotext (adapted, most populous)"] = geotext_parser(gaz)
    except ImportError:
        print("geotext is not installed (pip install -e '.[bench]'): that peer is skipped\n")
    systems["naive (capitalised n-grams, most populous)"] = naive_parser(gaz)
    if args.ablation:
        systems["ablation: geomap spans, most populous"] = geomap_spans_most_populous(gaz)

    reports = [
        evaluate_documents(docs, parse, corpus=str(args.corpus)) for parse in systems.values()
    ]
    print(f"# Geoparsing on {args.corpus.name}, {dt.datetime.now().isoformat(timespec='seconds')}")
    print(
        f"platform: {platform.platform()}; CPUs: {os.cpu_count()}; Python {sys.version.split()[0]}"
    )
    print(
        f"geomap revision: {git_revision()}; gazetteer: {gaz.path} "
        f"({gaz.meta.get('source', '?')}, built {gaz.meta.get('built_at', '?')})"
    )
    print(
        "Corpus: GeoWebNews (Gritta, Pilehvar & Collier 2020, LREV 54:683-712), "
        "used for evaluation only.\n"
        "Overlap matching against gold toponyms with coordinates; resolution scored on the "
        "recognised ones (end-to-end = share of all gold resolved within 161 km).\n"
    )
    print(format_report(reports, list(systems)))
    print("\n| ratio | F1 | end-to-end | docs/s |\n|---|---:|---:|---:|")
    names = list(systems)
    for name, r in zip(names[1:], reports[1:], strict=True):
        g = reports[0]
        print(
            f"| geomap / {name.split(' (')[0]} | {_ratio(g.f1, r.f1)} "
            f"| {_ratio(g.end_to_end, r.end_to_end)} | {_ratio(g.docs_per_s, r.docs_per_s)} |"
        )

    all_outputs = {name: [parse(d["text"]) for d in docs] for name, parse in systems.items()}
    print("\n## Resolution by GeoNames id\n")
    print(geonames_table(docs, all_outputs))
    outputs = all_outputs["geomap"]
    print("\n## geomap recall per GWN type (same overlap matching)\n")
    table, matched = per_type_recall(docs, outputs)
    print(table)
    assert matched == reports[0].matched, "per-type matching differs from evaluate_documents"
    if args.errors > 0:
        print("\n## geomap errors\n")
        print(error_tables(docs, outputs, args.errors))


if __name__ == "__main__":
    main()

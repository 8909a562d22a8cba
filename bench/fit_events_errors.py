"""Where the events stage goes wrong on eventloc_dev: held-out errors counted by category.

Runs the 10-fold cross-validation of ``bench/fit_events.py`` (incident model refitted per
fold, folds by news article; metonymy model as shipped, fitted on ReLocaR + GeoWebNews, no
eventloc data) and sorts every false positive and false negative place (scored as
``geomap.evaluate_events.score_incidents`` does) into one category, from the stage's own
reason and the sentence's annotated violent verb:

- false negatives by the rule or cue that kept the place out (dateline, speaker, origin,
  metonymic, destination, reference point, container, violence word not in the vocabulary,
  unreported violence) or, when the model decided, by the place's relation to the verb
  (another clause, same clause; its preposition);
- false positives: the sentence gives no place for the violence; the place holds a gold place
  (container country or region); another clause than the annotated verb; origin "from X";
  then by the incident reason (target, location preposition, opening "In X,", ...).

It also counts the gold location spans that geomap does not find at all (recognition or
resolution misses: they cap the end-to-end recall, and no events rule can recover them).
Only counts are printed; ``--show N`` prints up to N examples per category to the terminal
for inspection (dev text: never copy it into the repository or the docs).

Usage::

    python bench/fit_events_errors.py
    python bench/fit_events_errors.py --show 3
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fit_events import fit_logistic, held_out_models, shared_bench  # noqa: E402

from geomap.evaluate_events import read_rows  # noqa: E402
from geomap.events import analyse_events, load_metonymy_model  # noqa: E402
from geomap.events.vocab import vocabulary  # noqa: E402
from geomap.gazetteer import open_gazetteer  # noqa: E402
from geomap.resolve import geoparse  # noqa: E402

_LEFT_OUT = ("continent", "macroregion")
_RANK = {"country": 4, "region": 3, "county": 2}
_WORD = re.compile(r"[\w']+|[;\u2014]|--")


def _overlaps(a0: int, a1: int, spans: list[list[int]]) -> bool:
    return any(a0 < e and s < a1 for s, e in spans)


def _other_clause(text: str, start: int, end: int, verbs: list[list[int]]) -> bool:
    """Whether a clause word (speech, boundary, ";", dash) parts the mention from each verb."""
    vocab = vocabulary()
    splitters = vocab.words["boundary"] | vocab.words["speech"] | {";", "\u2014", "--"}
    if not verbs:
        return False
    for v0, v1 in verbs:
        lo, hi = (end, v0) if end <= v0 else (v1, start)
        between = [w.lower() for w in _WORD.findall(text[lo:hi])]
        if not any(w in splitters for w in between):
            return False
    return True


def _fn_category(text: str, t: Any, reason: str, verbs: list[list[int]]) -> str:
    if reason.startswith(("dateline", "named as", "origin", "metonymic", "destination")):
        return "FN " + reason.split(":")[0]
    if reason == "reference point":
        return "FN reference point (near/direction of X)"
    if reason.startswith("container"):
        return "FN container (a finer place named)"
    if reason == "no violence reported in its sentence":
        return "FN no violence word found in the sentence"
    if reason.startswith(("violence denied", "violence negated", "violence threatened")):
        return "FN violence judged unreported"
    if reason.startswith("not linked"):
        where = "other clause" if _other_clause(text, t.start, t.end, verbs) else "same clause"
        kind = "area" if t.feature in _RANK and t.feature != "county" else "point"
        return f"FN model: {where}, {kind}"
    return "FN " + reason


def _fp_category(text: str, t: Any, reason: str, gold_tops: list[Any], doc: dict[str, Any]) -> str:
    if not doc["locations"]:
        return "FP sentence gives no place"
    if any(
        g.country_code == t.country_code
        and _RANK.get(t.feature or "", 0) > _RANK.get(g.feature or "", 0)
        for g in gold_tops
    ):
        return "FP container of the gold place (country/region)"
    if not gold_tops:
        return "FP gold place not found by geomap"
    if _other_clause(text, t.start, t.end, doc["verbs"]):
        return "FP other clause than the violent verb"
    before = text[max(0, t.start - 6) : t.start].lower()
    if before.endswith(("from ", "from the ")):
        return "FP origin 'from X'"
    return "FP same clause: " + re.sub(r"'[^']*'|\([^)]*\)", "", reason).strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--show", type=int, default=0, help="examples per category (terminal)")
    ap.add_argument("--weights", action="store_true", help="print the weights fitted on all")
    args = ap.parse_args()
    bench = shared_bench()
    gaz = open_gazetteer()
    docs = read_rows(bench / "incidents/eventloc_dev.jsonl", required=("text", "locations"))
    parsed = [geoparse(d["text"], gazetteer=gaz) for d in docs]
    met = load_metonymy_model("rules")
    fold, models, items = held_out_models(docs, parsed, met)
    cats: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    tp = fp = fn = 0
    by_verb: dict[str, Counter[str]] = defaultdict(Counter)  # annotated verb -> tp, fp, fn
    caps = caps_found = spans = spans_found = 0
    for d, tops, f in zip(docs, parsed, fold, strict=True):
        text = d["text"]
        result = analyse_events(text, tops, model=models[f], metonymy=met)
        gold_tops = [t for t in tops if _overlaps(t.start, t.end, d["locations"])]
        for p in result.places:
            ms = [tops[i] for i in p.mentions]
            if ms[0].feature in _LEFT_OUT:
                continue
            gold = any(_overlaps(t.start, t.end, d["locations"]) for t in ms)
            pred = p.role == "incident"
            verb = text[d["verbs"][0][0] : d["verbs"][0][1]].lower() if d["verbs"] else ""
            if gold or pred:
                by_verb[verb]["tp" if gold and pred else "fn" if gold else "fp"] += 1
            if gold and pred:
                tp += 1
                continue
            if not gold and not pred:
                continue
            t = ms[0]
            if gold:
                fn += 1
                cat = _fn_category(text, t, p.reason, d["verbs"])
            else:
                fp += 1
                cat = _fp_category(text, t, p.reason, gold_tops, d)
            cats[cat] += 1
            if len(examples[cat]) < args.show:
                verb = [text[a:b] for a, b in d["verbs"]]
                examples[cat].append(f"  [{t.name} / {t.feature} / {p.reason} / {verb}] {text}")
        for s, e in d["locations"]:
            spans += 1
            found = any(t.start < e and s < t.end for t in tops)
            spans_found += found
            if text[s : s + 1].isupper():
                caps += 1
                caps_found += found
    p_ = tp / (tp + fp)
    r_ = tp / (tp + fn)
    f1 = 2 * p_ * r_ / (p_ + r_)
    print(f"held out: TP {tp} FP {fp} FN {fn}  P {p_:.3f} R {r_:.3f} F1 {f1:.3f}")
    print(
        f"gold location spans: {spans}, found by geomap {spans_found} ({spans_found / spans:.3f});"
        f" capitalised {caps}, found {caps_found} ({caps_found / caps:.3f})"
    )
    print("\n| category | places | P or R if fixed |")
    print("|---|---:|---:|")
    for cat, k in sorted(cats.items(), key=lambda kv: -kv[1]):
        gain = tp / (tp + fp - k) if cat.startswith("FP") else (tp + k) / (tp + fn)
        print(f"| {cat} | {k} | {gain:.3f} |")
        for ex in examples[cat]:
            print(ex)
    print("\n| annotated verb | TP | FP | FN | P | R |")
    print("|---|---:|---:|---:|---:|---:|")
    for verb, k in sorted(by_verb.items(), key=lambda kv: -sum(kv[1].values()))[:5]:
        vp = k["tp"] / max(1, k["tp"] + k["fp"])
        vr = k["tp"] / max(1, k["tp"] + k["fn"])
        print(f"| {verb} | {k['tp']} | {k['fp']} | {k['fn']} | {vp:.3f} | {vr:.3f} |")
    if args.weights:
        print(f"\n{len(items)} open mentions; weights fitted on all of them:")
        for k, v in sorted(fit_logistic(items).items(), key=lambda kv: -abs(kv[1])):
            print(f"  {k:32s} {v:+.2f}")


if __name__ == "__main__":
    main()

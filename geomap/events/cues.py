"""The cues the incident model weighs for one place mention (no words, no names).

Filled by :func:`geomap.events.grammar.analyse_sentence` into ``MentionContext.features``:
the mention's relation to the violence (target, preposition class, clause, distance), its
feature type, the other places of the sentence, and its relation to the word that reports
the violence (:func:`trigger_form`: the nearest verb in the past, else the nearest violence
word): distance, a clear path without comma or clause word, the first place after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from geomap.resolve import Toponym

from .vocab import Vocabulary

if TYPE_CHECKING:
    from .grammar import MentionContext, TriggerHit

__all__ = ["mention_features", "trigger_form"]


def _bin(value: int, edges: tuple[int, ...]) -> str:
    for e in edges:
        if value <= e:
            return f"<={e}"
    return f">{edges[-1]}"


def mention_features(
    c: MentionContext,
    triggers: list[TriggerHit],
    segment: list[int],
    toponyms: Sequence[Toponym],
    contexts: list[MentionContext],
    lows: list[str],
    vocab: Vocabulary,
) -> None:
    """Fill ``c.features``: the generic cues the linear model weighs (no words, no names)."""
    f = c.features
    t = toponyms[c.index]
    f["bias"] = 1.0
    f[f"feature={t.feature}"] = 1.0
    rel = "target" if c.target is not None else c.prep_class
    f[f"rel={rel}"] = 1.0
    point = "area" if t.feature in ("country", "region", "continent", "macroregion") else "point"
    f[f"rel={rel}&{point}"] = 1.0
    if c.prep in ("in", "at", "on"):
        f[f"prep={c.prep}"] = 1.0
    if c.via_area:
        f["via_area"] = 1.0
    if c.fronted:
        f["fronted"] = 1.0
    if c.followed_by_area:
        f["followed_by_area"] = 1.0
    if c.directional:
        f[f"directional&{'area' if t.feature in ('country', 'region') else 'point'}"] = 1.0
    if c.coordinated >= 0:
        f["coordinated"] = 1.0
    reported = [h for h in triggers if h.status == "reported"]
    if not reported:
        f["no_reported_trigger"] = 1.0
        return
    seg = segment[c.tok0]
    near = min(reported, key=lambda h: min(abs(h.token - c.tok0), abs(h.token - c.tok1)))
    dist = min(abs(near.token - c.tok0), abs(near.token - c.tok1))
    f[f"dist{_bin(dist, (2, 5, 10, 20))}"] = 1.0
    f["same_segment"] = float(any(segment[h.token] == seg for h in reported))
    if near.token > c.tok1:
        f["trigger_after"] = 1.0
    f[f"type={near.trigger.event_type}"] = 1.0
    if near.trigger.kind in ("weak", "capture"):
        f[f"kind={near.trigger.kind}"] = 1.0
    others = [o for o in contexts if o.index != c.index and not o.origin and not o.speaker]
    located = [
        o for o in others
        if (o.target is not None or o.prep_class in ("locative", "near", "between"))
        and not o.container_of and not o.dateline
    ]  # fmt: skip
    f[f"located_others{_bin(len(located), (0, 1))}"] = 1.0
    if all(o.tok0 > c.tok0 for o in located):
        f["first_located"] = 1.0
    f[f"places{_bin(len(others), (0, 1, 3))}"] = 1.0
    rank = {"country": 4, "region": 3, "county": 2, "city": 1, "capital": 1}
    own = rank.get(t.feature or "", 0)
    if all(o.tok0 > c.tok0 or rank.get(toponyms[o.index].feature or "", 0) > own for o in located):
        f["first_located_as_fine"] = 1.0  # "at Iraq's terminal in the city of Basra": Basra
    finer = [
        o for o in others
        if toponyms[o.index].country_code == t.country_code
        and rank.get(toponyms[o.index].feature or "", 0) < rank.get(t.feature or "", 0)
    ]  # fmt: skip
    if finer:
        f["finer_place_same_country"] = 1.0
    if len(reported) < len(triggers):
        f["unreported_trigger"] = 1.0
    if c.target is not None:
        f[f"target_form={trigger_form(c.target, vocab)}&{point}"] = 1.0
        f[f"target_kind={c.target.trigger.kind}&{point}"] = 1.0
    # the word that reports the violence: the nearest verb in the past ("detonated", "were
    # killed"), else the nearest violence word ("Clashes near X left four dead")
    verbs = [h for h in reported if trigger_form(h, vocab) == "past"] or reported
    # a place phrase follows its verb: the nearest one before it in its clause, else any
    before = [h for h in verbs if h.token < c.tok0 and segment[h.token] == seg]
    verb = min(before or verbs, key=lambda h: min(abs(h.token - c.tok0), abs(h.token - c.tok1)))
    vdist = min(abs(verb.token - c.tok0), abs(verb.token - c.tok1))
    f[f"verb_dist{_bin(vdist, (3, 8, 15, 25))}"] = 1.0
    if segment[verb.token] == seg:
        f["verb_same_segment"] = 1.0
    lo, hi = (verb.token + 1, c.tok0) if verb.token < c.tok0 else (c.tok1 + 1, verb.token)
    if not any(w == "," or w in vocab.words["boundary"] for w in lows[lo:hi]):
        f["verb_clear_path"] = 1.0  # no comma or clause word between them
        f[f"verb_clear_path&rel={rel}"] = 1.0
        if verb.token < c.tok0 and not any(
            o.tok0 > verb.token and o.tok0 < c.tok0 for o in located
        ):
            f["first_located_after_verb"] = 1.0
            f[f"first_located_after_verb&{point}"] = 1.0


def trigger_form(hit: TriggerHit, vocab: Vocabulary) -> str:
    """Return how a violence word is written: "past", "ing" or "other".

    "past": a verb reporting an event ("shelled", "were killed", "struck", "exchanged fire");
    "ing": "killing"; "other": a noun or a bare form ("clashes", "attack").
    """
    word = hit.text.lower()
    if word.split()[0].endswith("ed") or word in vocab.words["past_form"]:
        return "past"
    if word.endswith("ing"):
        return "ing"
    return "other"

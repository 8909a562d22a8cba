"""Invariants and Hypothesis strategies for testing geomap's text path on any input.

Used by geomap's property tests and its long fuzz run (``bench/fuzz_geoparse.py``), and
open to anyone who embeds geomap: :func:`check_toponyms` states what every
:func:`geomap.geoparse` result satisfies, :func:`texts` draws texts that exercise it.

The texts are arbitrary Unicode, and sentences built from the gazetteer's own names and the
ways names are written: connectors inside names ("Mar del Plata", "Villar de la Encina",
"Aix-les-Bains"), articles and prefixes ("Al-X", "Saint-X-de-Y"), initials, apostrophes,
hyphens, titles, datelines and short forms. Hypothesis is a test dependency: it is imported
only when a strategy is asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .gazetteer import Gazetteer
    from .resolve import Toponym

__all__ = ["NAME_PATTERNS", "check_toponyms", "name_shapes", "texts"]

#: SQL ``LIKE`` patterns of gazetteer names written in the ways that trip recognisers.
NAME_PATTERNS = (
    "% del %", "% de la %", "% de %", "Al-%", "Saint-%-%", "%-les-%", "%-sur-%", "%'%",
    "% y %", "% da %", "% of %", "% on %", "%-%-%", "St. %", "% al %", "% el %",
)  # fmt: skip
_WORDS = (
    "Kapan", "Goris", "Jermuk", "Armenia", "Baku", "shelled", "the", "in", "of", "near", "del",
    "de", "la", "les", "y", "da", "al", "YEREVAN", "—", ".", ",", "\n", "\r\n", "Nagorno-Karabakh",
    "St.", "Xankəndi", "  ", "Calif.", "Va", "N.M.", "Ft.", "Mr.", "Charles", "Beverly", "Hills",
    "Avenue", "Hotel", "EU", "'s", "said", "Nelson", "Georgia", "Atlanta", "Middle East",
    "Suffolk County", "Del", "Les", "Mar", "San", "José", "J.", "O'", "-", "'", "Al-",
)  # fmt: skip


def check_toponyms(text: str, toponyms: Sequence[Toponym]) -> None:
    """Assert the invariants of a :func:`geomap.geoparse` result on ``text``.

    Offsets are sorted, in bounds and exact (``text[start:end] == name``), each mention lies
    inside its sentence, scores are in [0, 1] and coordinates are valid WGS84 degrees.

    Raises
    ------
    AssertionError
        Naming the first toponym that breaks an invariant.
    """
    starts = [t.start for t in toponyms]
    assert starts == sorted(starts), f"toponyms out of order: {starts}"
    for t in toponyms:
        assert 0 <= t.start < t.end <= len(text), f"offsets out of bounds: {t}"
        assert text[t.start : t.end] == t.name, f"offsets do not give the name: {t}"
        assert 0 <= t.sentence_start <= t.start and t.end <= t.sentence_end <= len(text), t
        assert 0.0 <= t.score <= 1.0, f"score out of [0, 1]: {t}"
        if t.lat is not None:
            assert t.lon is not None and math.isfinite(t.lat) and -90 <= t.lat <= 90, t
            assert math.isfinite(t.lon) and -180 <= t.lon <= 180, t


def name_shapes(gazetteer: Gazetteer | None = None, *, per_pattern: int = 200) -> Any:
    """Return a strategy drawing place names as the gazetteer writes them, and variations.

    Real names matching :data:`NAME_PATTERNS` (``per_pattern`` of each), and names built
    from them: "X del Y", "X de la Y", "Al-X", "Saint-X-de-Y", an initial before a name, an
    apostrophe or hyphen inside one.
    """
    from hypothesis import strategies as st

    names: list[str] = []
    if gazetteer is not None:
        for pattern in NAME_PATTERNS:
            names += gazetteer.place_names(like=pattern, limit=per_pattern)
    pool = st.sampled_from(names or ["Mar del Plata", "Aix-les-Bains", "Ciudad del Este"])
    word = st.one_of(pool.map(lambda n: n.split()[0]), st.sampled_from(_WORDS))
    connector = st.sampled_from(["del", "de la", "de", "les", "y", "da", "al", "el", "of the"])
    built = st.one_of(
        st.builds(lambda a, c, b: f"{a} {c} {b}", word, connector, word),
        word.map(lambda a: f"Al-{a}"),
        st.builds(lambda a, b: f"Saint-{a}-de-{b}", word, word),
        st.builds(lambda i, a: f"{i}. {a}", st.sampled_from("ABCDEJMR"), word),
        st.builds(lambda a, b: f"{a}'{b.lower()}", word, word),
        st.builds(
            lambda a, c, b: f"{a}-{c}-{b}", word, st.sampled_from(["les", "sur", "en"]), word
        ),
    )
    return st.one_of(pool, built)


def texts(
    gazetteer: Gazetteer | None = None, *, max_words: int = 60, surrogates: bool = False
) -> Any:
    r"""Return a strategy drawing texts for :func:`geomap.geoparse`.

    Arbitrary Unicode, or sentences of words, punctuation, line ends and place names shaped
    as :func:`name_shapes` draws them (real ones when a ``gazetteer`` is given). With
    ``surrogates``, the arbitrary characters include lone surrogates (``"\udcff"``), which
    Python strings can hold but no text is made of: geomap must refuse them with a
    `GeomapError`, never crash on them.
    """
    from hypothesis import strategies as st

    chars = st.characters(codec="utf-8")  # what st.text() draws by default: no surrogates
    if surrogates:
        chars = st.one_of(chars, st.characters(categories=["Cs"]))
    pieces = st.one_of(st.sampled_from(_WORDS), st.text(chars, max_size=5), name_shapes(gazetteer))
    return st.one_of(
        st.text(chars, max_size=400),
        st.lists(pieces, max_size=max_words).map(" ".join),
        st.lists(pieces, max_size=max_words).map("".join),
    )

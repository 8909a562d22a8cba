"""Spelling-variant keys: fold transliteration differences out of a place name's lookup key.

The rewrite rules are data (``geomap/data/variants.tsv``). :func:`fold_key` applies them to a
key made by :func:`geomap.gazetteer.normalize_name`, so that "Baramulla" and "Baramula", or
"Oddar Meanchey" and "Otdar Mean Chey", share one folded key. A folded match is weak
evidence: the resolver should accept it only for a name the gazetteer does not know as
written, and only among places in the countries the document is about.
"""

from __future__ import annotations

import functools
import re

from .rules import table

__all__ = ["fold_key", "fold_keys", "variant_rules"]


@functools.cache
def variant_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Return the rewrite rules of ``variants.tsv`` as (compiled pattern, replacement) pairs.

    Examples
    --------
    >>> len(variant_rules()) > 10
    True
    """
    return tuple(
        (re.compile(pattern), replacement) for pattern, replacement, _ in table("variants")
    )


@functools.lru_cache(maxsize=1 << 16)
def fold_key(key: str) -> str:
    """Return the variant-folded form of a normalised key.

    Parameters
    ----------
    key : str
        A key made by :func:`geomap.gazetteer.normalize_name`.

    Returns
    -------
    str
        The key with every rule of :func:`variant_rules` applied in order.

    Examples
    --------
    >>> fold_key("baramulla") == fold_key("baramula")
    True
    >>> fold_key("oddar meanchey") == fold_key("otdar mean chey")
    True
    >>> fold_key("jalalobod") == fold_key("jalalabad")
    True
    >>> fold_key("khankendi") == fold_key("xankendi")
    True
    """
    for pattern, replacement in variant_rules():
        key = pattern.sub(replacement, key)
    return key


@functools.cache
def _line_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Return the rules for many keys joined by newlines.

    A normalised key's only white space is a single space, so a white-space class becomes a
    space and never reaches across a line's end; ``$`` ends each line.
    """
    return tuple(
        (re.compile(p.pattern.replace(r"\s", " "), re.MULTILINE), r) for p, r in variant_rules()
    )


def fold_keys(keys: list[str]) -> list[str]:
    """Return :func:`fold_key` of many keys, each rule applied once to all of them.

    Examples
    --------
    >>> fold_keys(["baramulla", "otdar mean chey"]) == [fold_key("baramula"),
    ...                                                 fold_key("oddar meanchey")]
    True
    """
    if not keys or any("\n" in k for k in keys):
        return [fold_key(k) for k in keys]
    text = "\n".join(keys)
    for pattern, replacement in _line_rules():
        text = pattern.sub(replacement, text)
    return text.split("\n")

"""Vocabularies: every word list and table geomap decides by, read from ``geomap/data/``.

The files are tab-separated text, one entry per line; ``#`` starts a comment line that
says what the file holds and where it comes from. :func:`table` is the one reader; the
helpers below give the shapes the stages use. Nothing here knows about text flow or maps.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from .errors import DataFileError

__all__ = ["Violence", "table", "violence", "words"]


@functools.cache
def table(name: str) -> tuple[tuple[str, ...], ...]:
    """Return the rows of the shipped table ``geomap/data/<name>.tsv``, fields split on tabs.

    Blank lines and lines starting with ``#`` are skipped. Read once per process.

    Raises
    ------
    DataFileError
        If the file is missing from the installed package.

    Examples
    --------
    >>> ("Calif.", "California") in table("abbreviations")
    True
    """
    try:
        text = resources.files("geomap").joinpath(f"data/{name}.tsv").read_text("utf-8")
    except OSError as err:
        raise DataFileError(
            f"geomap's vocabulary 'data/{name}.tsv' is missing: reinstall geomap"
        ) from err
    return tuple(
        tuple(line.split("\t")) for line in text.splitlines() if line and not line.startswith("#")
    )


@functools.cache
def words(name: str) -> frozenset[str]:
    """Return the casefolded words of a word list: every whitespace-separated token.

    Examples
    --------
    >>> "june" in words("calendar")
    True
    """
    return frozenset(w.casefold() for row in table(name) for field in row for w in field.split())


@dataclass(frozen=True)
class Violence:
    """The violence vocabulary: one regular expression, and each word's class.

    ``regex`` finds any violence word (its match is an incident's ``cue``); ``classes``
    lists the classes in legend order; :meth:`classify` gives a word's class.
    """

    regex: re.Pattern[str]
    classes: tuple[str, ...]
    _patterns: tuple[tuple[re.Pattern[str], str], ...]

    def classify(self, word: str) -> str | None:
        """Return the class of the violence word ``word``, or None if it is none.

        Examples
        --------
        >>> violence().classify("Stormed"), violence().classify("exploring")
        ('attack', None)
        """
        for pattern, cls in self._patterns:
            if pattern.fullmatch(word):
                return cls
        return None


@functools.cache
def violence() -> Violence:
    """Return the violence vocabulary of ``geomap/data/violence.tsv``.

    Examples
    --------
    >>> violence().regex.search("Snipers stormed Goris").group()
    'Snipers'
    """
    rows = table("violence")
    regex = re.compile(r"\b(?:" + "|".join(p for p, _ in rows) + r")\b", re.IGNORECASE)
    patterns = tuple((re.compile(p, re.IGNORECASE), cls) for p, cls in rows)
    return Violence(regex, tuple(dict.fromkeys(cls for _, cls in rows)), patterns)

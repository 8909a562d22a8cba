"""What the map says and how it looks: violence classes and colours, notes, text formatting.

The classes of the incident markers come from the one violence vocabulary
(`geomap.rules.violence`: the words of ``geomap/data/violence.tsv``, their event types and
the class of each type in ``geomap/data/event_types.tsv``), the same the events stage finds
violence with; their legend labels and colours come from ``geomap/data/violence_classes.tsv``.
An incident's event type decides its class; without one, its violence word does. Nothing
here knows about folium.
"""

from __future__ import annotations

import functools
import html
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from geomap.errors import ConfigurationError, DataFileError
from geomap.rules import table, violence

__all__ = [
    "ACCURACY_NOTE",
    "BORDER_COLOR",
    "BORDER_KIND_LABELS",
    "CONTEXT_COLOR",
    "CUE_CLASSES",
    "DISPUTED_LINE_STYLES",
    "HISTORIC_LINE_STYLE",
    "LAND_COLOR",
    "LINK_COLOR",
    "NEAREST_BORDER_COLOR",
    "LOW_SCORE",
    "OTHER_CLASS",
    "PRECISION_LEVELS",
    "PRECISION_NOTES",
    "REFERENCE_COLOR",
    "STAND_IN_FEATURES",
    "classify_cues",
    "cue_classes",
    "display_pair",
    "escape_text",
    "event_type_labels",
    "format_distance",
    "precision_codes",
    "precision_levels",
]

OTHER_CLASS = "other"
"""The class of an incident whose violence word has none (or that has no such word)."""

CONTEXT_COLOR = "#8c8c8c"
BORDER_COLOR = "#555555"
NEAREST_BORDER_COLOR = "#ff7f00"
LINK_COLOR = "#2c7bb6"
REFERENCE_COLOR = "#444444"
LAND_COLOR = "#f2efe9"

#: Line kinds of `geomap.borders` drawn in their own style (Leaflet path options), in legend
#: order: kind -> (legend label, style). Ceasefire lines are purple, not orange, so as not
#: to be read as the nearest land border (`NEAREST_BORDER_COLOR`).
DISPUTED_LINE_STYLES: dict[str, tuple[str, dict[str, Any]]] = {
    "line_of_control": (
        "line of control",
        {"color": "#d62728", "weight": 2.5, "opacity": 0.9, "dashArray": "10 4 2 4"},
    ),
    "ceasefire": (
        "ceasefire / armistice line",
        {"color": "#7b3294", "weight": 2.5, "opacity": 0.9, "dashArray": "2 4"},
    ),
    "claim": (
        "claim line (disputed)",
        {"color": "#7f7f7f", "weight": 2, "opacity": 0.9, "dashArray": "6 4"},
    ),
}
#: Applied on top of a kind's style for historic (superseded) lines.
HISTORIC_LINE_STYLE: dict[str, Any] = {"opacity": 0.35, "weight": 1.5}

LOW_SCORE = 0.5
"""Places resolved with a score below this are drawn hollow and flagged as low confidence."""

ACCURACY_NOTE = "border data good to ~1 km"

#: How the popup names a nearest border of each ``border_kind`` but "international".
BORDER_KIND_LABELS: dict[str, str] = {
    "line_of_control": "line of control",
    "ceasefire": "ceasefire line",
    "administrative": "administrative line",
    "coast": "coast",
}
PRECISION_NOTES = {
    "city": "the town's centre (GeoNames point), not its edge",
    "capital": "the town's centre (GeoNames point), not its edge",
    "county": "a point inside the district: it stands for the whole district",
    "region": "a point inside the region: it stands for the whole region",
    "country": "a point inside the country: it stands for the whole country",
    "": "GeoNames point",
}

_CLASSES_FILE = "geomap/data/violence_classes.tsv"
_PRECISION_FILE = "geomap/data/precision.tsv"
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")

# Escapes on top of html.escape for text that may end up inside a JavaScript template
# literal (`...`): a backtick ends the string, "${" starts an expression and a backslash
# starts an escape sequence.
# Braces too: branca renders folium's element output as a Jinja template a second time.
_JS_TEMPLATE_ESCAPES = str.maketrans(
    {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}
)


@functools.cache
def cue_classes() -> dict[str, tuple[str, str]]:
    """Return the incident classes in legend order: class -> (legend label, marker colour).

    The classes are those the event types map to (`geomap.rules.violence`,
    ``geomap/data/event_types.tsv``) and :data:`OTHER_CLASS`, in the order of
    ``geomap/data/violence_classes.tsv``, which gives their labels and colours.

    Raises
    ------
    DataFileError
        If a class has no row (or several) in ``violence_classes.tsv``, a row names a class
        no event type has, or a colour is not ``#rrggbb``.

    Examples
    --------
    >>> list(cue_classes())
    ['shelling', 'attack', 'clash', 'casualties', 'other']
    """
    classes = (*violence().classes, OTHER_CLASS)
    rows: dict[str, tuple[str, str]] = {}
    for row in table("violence_classes"):
        if len(row) != 3 or not _HEX_COLOR.fullmatch(row[2]) or row[0] in rows:
            raise DataFileError(
                f"{_CLASSES_FILE}: bad row {chr(9).join(row)!r}: write each class once as "
                "class<TAB>legend label<TAB>#rrggbb"
            )
        rows[row[0]] = (row[1], row[2])
    missing = [c for c in classes if c not in rows]
    unknown = [c for c in rows if c not in classes]
    if missing or unknown:
        raise DataFileError(
            f"{_CLASSES_FILE} must have one row per class of geomap/data/event_types.tsv "
            f"plus {OTHER_CLASS!r}: add {missing or 'nothing'}, remove {unknown or 'nothing'}"
        )
    return dict(rows)


CUE_CLASSES: dict[str, tuple[str, str]] = cue_classes()
"""Incident classes in legend order: class -> (legend label, marker colour)."""


@functools.cache
def precision_levels() -> tuple[dict[int, tuple[str, str]], dict[str, int]]:
    """Return the precision levels: (code -> (short label, legend text), feature -> code).

    Read from ``geomap/data/precision.tsv`` (ACLED-style ``geo_precision`` codes 1-3).

    Raises
    ------
    DataFileError
        If a row is malformed, a code repeats or is not 1, 2 or 3, or a feature has two codes.

    Examples
    --------
    >>> levels, by_feature = precision_levels()
    >>> levels[1][0], by_feature["county"], by_feature["region"]
    ('town', 2, 3)
    """
    levels: dict[int, tuple[str, str]] = {}
    by_feature: dict[str, int] = {}
    for row in table("precision"):
        code = int(row[0]) if len(row) == 4 and row[0] in ("1", "2", "3") else None
        if code is None or code in levels:
            raise DataFileError(
                f"{_PRECISION_FILE}: bad row {chr(9).join(row)!r}: write each code (1, 2 or 3) "
                "once as code<TAB>short label<TAB>legend text<TAB>features"
            )
        levels[code] = (row[1], row[2])
        for feature in filter(None, (f.strip() for f in row[3].split(","))):
            if feature in by_feature:
                raise DataFileError(f"{_PRECISION_FILE}: feature {feature!r} has two codes")
            by_feature[feature] = code
    return levels, by_feature


PRECISION_LEVELS: dict[int, tuple[str, str]] = precision_levels()[0]
"""Precision codes (ACLED-style ``geo_precision``): code -> (short label, legend text)."""

STAND_IN_FEATURES: frozenset[str] = frozenset(
    f for f, code in precision_levels()[1].items() if code == 3
)
"""Features whose point only stands in for a region, country, sea or line (precision 3 in
``geomap/data/precision.tsv``): the map draws no such place that is no incident, and no
line from such an incident's point to a border."""


def precision_codes(features: Any, geo_precision: Any = None) -> np.ndarray:
    """Precision code (1 town, 2 area, 3 region or coarser) of each place.

    A valid ``geo_precision`` value (1, 2 or 3) is used as it is; otherwise the code of
    the place's gazetteer feature (``geomap/data/precision.tsv``); 1 when neither says.

    Parameters
    ----------
    features : array-like of str
        The ``feature`` column (``"city"``, ``"region"``, ...).
    geo_precision : array-like, optional
        A ``geo_precision`` column, same length; missing or invalid values are ignored.

    Returns
    -------
    numpy.ndarray of int
        One code per place.

    Examples
    --------
    >>> precision_codes(["city", "county", "region", ""]).tolist()
    [1, 2, 3, 1]
    >>> precision_codes(["city", "city"], [2, None]).tolist()
    [2, 1]
    """
    by_feature = precision_levels()[1]
    names = pd.Series(np.atleast_1d(np.asarray(features, dtype=object)), dtype=object)
    codes = names.map(by_feature).fillna(1).to_numpy(dtype=np.int64, copy=True)
    if geo_precision is not None:
        given = pd.to_numeric(
            pd.Series(np.atleast_1d(np.asarray(geo_precision, dtype=object))), errors="coerce"
        ).to_numpy(dtype="float64", na_value=np.nan)
        valid = np.isin(given, (1.0, 2.0, 3.0))
        codes[valid] = given[valid].astype(np.int64)
    return codes


def classify_cues(cues: Any, sentences: Any = None, event_types: Any = None) -> Any:
    """Class of each incident: shelling, attack, clash, casualties or other.

    The event type (the ``event_type`` column, e.g. ``"air_strike"``) decides, through
    ``geomap/data/event_types.tsv``; where there is none, the cue word (the ``cue`` column,
    e.g. ``"shelled"``) does, through its event type in the one violence vocabulary
    (`geomap.rules.violence`); where the cue is empty or missing too, the first violence
    word of the sentence. Anything else is ``"other"``.

    Parameters
    ----------
    cues : str or array-like of str
        Cue words; None/NaN count as empty.
    sentences : str or array-like of str, optional
        The sentences, same shape as ``cues``, used where the cue is empty.
    event_types : str or array-like of str, optional
        The event types, same shape as ``cues``; empty or unknown ones are left to the cue.

    Returns
    -------
    str or numpy.ndarray of str
        One of `CUE_CLASSES` per cue: a str for a scalar, else an object array.

    Raises
    ------
    ConfigurationError
        If ``cues``, ``sentences`` and ``event_types`` differ in length.

    Examples
    --------
    >>> classify_cues("shelled")
    'shelling'
    >>> classify_cues(["killed", "", None], ["", "Clashes erupted.", "Calm."]).tolist()
    ['casualties', 'clash', 'other']
    >>> classify_cues(["attack", "attack"], event_types=["shelling", ""]).tolist()
    ['shelling', 'attack']
    """
    scalar = np.ndim(cues) == 0
    cue = _texts(cues)
    text = cue
    if sentences is not None:
        sentence = _texts(sentences)
        if len(sentence) != len(cue):
            raise ConfigurationError("cues and sentences must have the same length")
        text = cue.where(cue.str.strip() != "", sentence)
    types = _texts(event_types) if event_types is not None else pd.Series([""] * len(cue))
    if len(types) != len(cue):
        raise ConfigurationError("cues and event types must have the same length")
    vocabulary = violence()
    result = np.full(len(cue), OTHER_CLASS, dtype=object)
    for i, (value, event_type) in enumerate(zip(text.tolist(), types.tolist(), strict=True)):
        if event_type in vocabulary.class_of:
            result[i] = vocabulary.class_of[event_type]
            continue
        found = vocabulary.regex.search(value)
        if found:
            result[i] = vocabulary.classify(found.group()) or OTHER_CLASS
    return str(result[0]) if scalar else result


def event_type_labels() -> dict[str, str]:
    """Return the label of each event type (``geomap/data/event_types.tsv``), for people.

    Examples
    --------
    >>> event_type_labels()["air_strike"]
    'Air or drone strike'
    """
    return dict(violence().labels)


def _texts(values: Any) -> pd.Series:
    """Return ``values`` as a Series of str ("" for None/NaN)."""
    series = pd.Series(np.atleast_1d(np.asarray(values, dtype=object)), dtype=object)
    return series.where(series.notna(), "").astype(str)


def escape_text(value: Any) -> str:
    r"""Escape one value from the data for HTML (an attribution, a naive folium popup).

    ``html.escape(..., quote=True)`` plus the characters that matter inside a JavaScript
    template literal (backtick, ``$``, backslash) and to Jinja (braces: branca renders a
    folium element's output as a template a second time), all as HTML character
    references, so the browser shows the original text. None and NaN become the empty
    string. The map's own layers never need it: they carry the data as JSON and show it
    as DOM text.

    Parameters
    ----------
    value : object
        The value; converted with `str`.

    Returns
    -------
    str
        Text safe to place in HTML and in folium's template literals.

    Examples
    --------
    >>> escape_text('<script>alert(`x`)</script>')
    '&lt;script&gt;alert(&#96;x&#96;)&lt;/script&gt;'
    >>> escape_text("${a}\\b")
    '&#36;&#123;a&#125;&#92;b'
    >>> escape_text(None)
    ''
    """
    if _missing(value):
        return ""
    return html.escape(str(value), quote=True).translate(_JS_TEMPLATE_ESCAPES)


def format_distance(distance_km: float, *, digits: int = 1) -> str:
    """Format a distance in km for the map: ``digits`` decimals, two below 1 km.

    Parameters
    ----------
    distance_km : float
        Distance in kilometres.
    digits : int, default 1
        Decimals at or above 1 km.

    Returns
    -------
    str
        For example ``"8.6 km"``; ``""`` for NaN.

    Examples
    --------
    >>> format_distance(8.5612)
    '8.6 km'
    >>> format_distance(0.334)
    '0.33 km'
    >>> format_distance(8.5612, digits=2)
    '8.56 km'
    """
    if not math.isfinite(distance_km):
        return ""
    decimals = max(digits, 2) if distance_km < 1 else digits
    return f"{distance_km:.{decimals}f} km"


def display_pair(pair: str) -> str:
    """Show a border pair with an en dash.

    Examples
    --------
    >>> display_pair("AM-AZ")
    'AM–AZ'
    """
    return pair.replace("-", "\u2013")


def _missing(value: Any) -> bool:
    """Return whether ``value`` is None, NA or a non-finite float."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float | np.floating) and not math.isfinite(value)

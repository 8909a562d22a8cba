"""The pipeline: texts -> incidents GeoDataFrame, one row per place per document, with borders.

The incidents GeoDataFrame is the one contract between the text half of geomap (extract,
resolve) and the geometry half (borders, render, export). Its columns, in this order:

=============  =========  ===============================================================
column         dtype      meaning
=============  =========  ===============================================================
source         str        input file (as given) or "<text>"
name           str        the place as first written in the text (``text[start:end]``)
place          str        the gazetteer's name of the chosen place
start          int        0-based offset of the first mention (code points)
end            int        end-exclusive offset of the first mention
mentions       int        how many times the place is mentioned in the document
offsets        str        every mention as ``start-end`` joined by ``;``
role           str        "incident" (the text reports violence there), "container" (a larger
                          area holding an incident place the text names more precisely) or
                          "context" (anything else); see ``geomap.events``
cue            str        the violence word the incident is linked to ("" when no incident)
sentence       str        the sentence of the first incident mention (else of the first
                          mention), white space folded; a sentence over 400 characters is cut
                          to a window around the mention, marked "…" (``geomap.text.excerpt``)
sentence_start int        offset of that sentence (or window) in the text
sentence_end   int        its end-exclusive offset: ``text[sentence_start:sentence_end]``
lat            float      WGS84 latitude of the place, degrees
lon            float      WGS84 longitude of the place, degrees
geonameid      Int64      GeoNames id of the chosen place (<NA> for "Middle East" and the like)
country_code   str        ISO 3166-1 alpha-2 of the chosen place (gazetteer)
feature        str        "city", "capital", "county", "region", "country", "macroregion"
                          ("Middle East") or "continent"
population     int        GeoNames population (0 when unknown)
score          float      resolution confidence in [0, 1]
reason         str        short machine-readable reason for the choice of place
role_reason    str        why the role: "target of 'shelled'", "named as the speaker",
                          "dateline", "origin/nationality", "reference point", "container of
                          Kapan", "no violence reported in its sentence", ...
metonymic      bool       every mention stands for a government, people, army or team
                          ("Baku said"); such a place is never an incident
event_type     str        ACLED-like type of the incident's event (``geomap/data/
                          event_types.tsv``: shelling, air_strike, armed_clash, attack,
                          explosion, killing, abduction, destruction, territory); ""
trigger_start  Int64      offsets of the violence word (``cue``) in the text; <NA> when no
trigger_end    Int64      incident
geo_precision  Int64      ACLED-style: 1 the town itself, 2 near it, part of it or a small
                          area (district, between two towns, an offset), 3 a region or
                          country only; <NA> when no incident
where_prec     Int64      UCDP-style: 1 exact place, 2 within about 25 km of a named place,
                          3 second-order unit, 4 first-order unit, 5 between places or along
                          a line, 6 country (7, at sea or in the air, is not produced); <NA>
event_date     str|None   ISO date of the event ("2026-12-01"), when the document's date is
                          known and the sentence anchors the event to it ("on Tuesday")
date_precision str|None   "day", "week" or "month"
rel_kind       str|None   a relative location of the incident: "offset" ("10 km north of X"),
                          "direction" ("north of X"), "distance" ("30 km from X"), "near",
                          "between"
rel_distance_km float     its distance from the reference place, km (NaN when not given)
rel_bearing    float      its direction, degrees clockwise from north (NaN when not given)
ref_lat        float      the reference place, WGS84 degrees (NaN without ``rel_kind``); the
ref_lon        float      row's own point is the incident: see "Relative rows" below
country        str|None   alpha-2 of the border-dataset country containing the point under
                          the point of view ``pov`` (None at sea; a code of
                          ``geomap/data/borders/codes.tsv`` where there is no ISO code)
border         str|None   nearest border, e.g. "AM-AZ" (for the ``land`` measure, the default,
                          an international land border; see ``geomap.borders.MEASURES``)
distance_km    float      geodesic (WGS84) distance to that border, km
border_lon     float      nearest point on that border, longitude
border_lat     float      nearest point on that border, latitude
side           str|None   which code of ``border`` the point lies in (None: at sea or in a
                          third country); "at the border (within the data's accuracy)"
                          when ``at_border``
border_kind    str|None   what that border is: "international", "line_of_control" (e.g.
                          Kashmir's Line of Control), "ceasefire" (e.g. the Golan's 1974
                          line), "administrative" or "coast"
at_border      bool       nearer to that border than ``accuracy_km``: ``side`` and
                          ``distance_km`` are not to be trusted (the line may be on the other
                          side of the place)
accuracy_km    float      the border data's accuracy at that border, km (1.0 for Natural
                          Earth 1:10m; NaN when unknown)
at_coast       bool       the point lies at sea but nearer to a coast than the data's accuracy:
                          it is given that coast's country
admin          str|None   who administers the place de facto (``;``-joined where control is
                          split, e.g. Abyei "SD;SS"; None at sea and in land nobody holds)
claimants      str|None   who claims it, sorted, ``;``-joined (e.g. "IL;SY" in the Golan)
disputed       bool       more than one claimant
area           str|None   the disputed or de facto area it lies in (e.g. "golan_heights", an
                          id of ``geomap/data/borders/areas.geojson``), None elsewhere
area_status    str|None   that area's status: "occupied", "annexed", "breakaway", "disputed",
                          "claimed", "buffer_zone", "unclaimed" (Bir Tawil), "former"...
line           str|None   the nearest current de facto line (line of control, ceasefire or
                          armistice line), named by the parties on its two sides ("IN-PK")
line_kind      str|None   "line_of_control" or "ceasefire"
line_name      str|None   e.g. "Line of Control", "1974 disengagement line (Purple Line)"
line_distance_km float    geodesic distance to that line, km
line_lon       float      nearest point on that line, longitude
line_lat       float      nearest point on that line, latitude
at_line        bool       nearer to that line than the data's accuracy
pov            str        the point of view whose lines count as international borders:
                          "deu" (default) or "de_facto" (``--pov``; see ``geomap.options``)
country_mismatch bool     GeoNames' country (``country_code``) and the border data's
                          (``country``) differ: both are kept
geometry       Point      (lon, lat) in EPSG:4326
=============  =========  ===============================================================

**Relative rows.** An event located only relative to a named place ("shells landed 10 km
north of Kharkiv") gets a row of its own: ``role`` "incident", ``name`` the phrase as written
(``text[start:end]``, "10 km north of Kharkiv"), the point **at the offset** (computed
geodesically on WGS84) when the text gives a distance and a direction, else at the reference
place; ``place``, ``geonameid``, ``country_code``, ``feature``, ``population``, ``score`` and
``reason`` are those of the reference place, whose own row stays ``context`` ("reference
point"), and ``ref_lat``/``ref_lon`` hold its point.

**Areas.** A region or country (or larger) that is not an incident has no border columns
(``border``, ``distance_km``, ``border_lon``, ``border_lat``, ``side`` empty): its point
only stands in for an area, so a distance from it says nothing about an event. An area that
is the most precise place the text gives for an event is an incident, with
``geo_precision`` 3.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .borders import Borders, load_borders
from .events import (
    Event,
    EventAnalysis,
    EventsBackend,
    PlaceRole,
    analyse_events,
    dateline_date,
    document_date,
)
from .gazetteer import Gazetteer, open_gazetteer
from .names import NOT_INCIDENT_POINTS
from .resolve import Toponym, geoparse
from .text import excerpt

__all__ = [
    "AREA_FEATURES",
    "BORDER_COLUMNS",
    "COLUMNS",
    "EVENT_COLUMNS",
    "document_incidents",
    "incidents_from_texts",
]

#: What the events stage adds to each row (after ``reason``; see the module docstring).
EVENT_COLUMNS = [
    "role_reason", "metonymic", "event_type", "trigger_start", "trigger_end", "geo_precision",
    "where_prec", "event_date", "date_precision", "rel_kind", "rel_distance_km", "rel_bearing",
    "ref_lat", "ref_lon",
]  # fmt: skip
#: What the join to the border data adds (`geomap.borders.Borders.distance`).
BORDER_COLUMNS = [
    "country", "border", "distance_km", "border_lon", "border_lat", "side",
    "border_kind", "at_border", "accuracy_km", "at_coast", "admin", "claimants", "disputed",
    "area", "area_status", "line", "line_kind", "line_name", "line_distance_km", "line_lon",
    "line_lat", "at_line", "pov",
]  # fmt: skip
COLUMNS = [
    "source", "name", "place", "start", "end", "mentions", "offsets", "role", "cue", "sentence",
    "sentence_start", "sentence_end", "lat", "lon", "geonameid", "country_code", "feature",
    "population", "score", "reason", *EVENT_COLUMNS, *BORDER_COLUMNS, "country_mismatch",
]  # fmt: skip
#: Features whose point only stands in for an area: without an incident, no border columns.
AREA_FEATURES = ("region", "country", "macroregion", "continent")
# What an area's stand-in point does not get (the distances and what they say), of
# BORDER_COLUMNS: the country, administering party and claimants of the point stay.
_DISTANCE_COLUMNS = [
    "border", "distance_km", "border_lon", "border_lat", "side", "border_kind", "at_border",
    "accuracy_km", "line", "line_kind", "line_name", "line_distance_km", "line_lon",
    "line_lat", "at_line",
]  # fmt: skip
_DTYPES = {
    "start": "int64",
    "end": "int64",
    "sentence_start": "int64",
    "sentence_end": "int64",
    "mentions": "int64",
    "geonameid": "Int64",  # none for a region of several countries ("Middle East")
    "population": "int64",
    "lat": "float64",
    "lon": "float64",
    "score": "float64",
    "metonymic": "bool",
    "trigger_start": "Int64",
    "trigger_end": "Int64",
    "geo_precision": "Int64",
    "where_prec": "Int64",
    "rel_distance_km": "float64",
    "rel_bearing": "float64",
    "ref_lat": "float64",
    "ref_lon": "float64",
}


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _event_columns(place: PlaceRole, toponym: Toponym) -> dict[str, Any]:
    """Return the ``role``, ``cue`` and :data:`EVENT_COLUMNS` values of one place's row."""
    incident = place.role == "incident"
    rel = place.relative if incident else None
    return {
        "role": place.role,
        "cue": place.trigger.lower() if incident else "",
        "role_reason": place.reason,
        "metonymic": place.metonymic,
        "event_type": place.event_type if incident else "",
        "trigger_start": place.trigger_start if incident and place.trigger_start >= 0 else None,
        "trigger_end": place.trigger_end if incident and place.trigger_end >= 0 else None,
        "geo_precision": place.geo_precision,
        "where_prec": place.where_prec,
        "event_date": place.event_date.isoformat() if place.event_date else None,
        "date_precision": place.date_precision,
        "rel_kind": rel.kind if rel is not None else None,
        "rel_distance_km": _number(rel.distance_km if rel is not None else None),
        "rel_bearing": _number(rel.bearing if rel is not None else None),
        "ref_lat": _number(toponym.lat if rel is not None else None),
        "ref_lon": _number(toponym.lon if rel is not None else None),
    }


def _rows(
    text: str, toponyms: Sequence[Toponym], source: str, analysis: EventAnalysis
) -> list[dict[str, Any]]:
    rows = []
    for place in analysis.places:  # the mentions with coordinates, grouped by place
        mentions = [toponyms[i] for i in place.mentions]
        first = mentions[0]
        shown = next(  # the first mention with the place's role: its sentence is the row's
            (toponyms[i] for i in place.mentions if analysis.mentions[i].role == place.role),
            first,
        )
        sentence, sentence_start, sentence_end = excerpt(
            text, (shown.sentence_start, shown.sentence_end), (shown.start, shown.end)
        )
        rows.append(
            {
                "source": source,
                "name": first.name,
                "place": first.place,
                "start": first.start,
                "end": first.end,
                "mentions": len(mentions),
                "offsets": ";".join(f"{t.start}-{t.end}" for t in mentions),
                "sentence": sentence,
                "sentence_start": sentence_start,
                "sentence_end": sentence_end,
                "lat": first.lat,
                "lon": first.lon,
                "geonameid": first.geonameid,
                "country_code": first.country_code,
                "feature": first.feature,
                "population": first.population,
                "score": max(t.score for t in mentions),
                "reason": first.reason,
                **_event_columns(place, first),
            }
        )
        if first.feature in NOT_INCIDENT_POINTS and rows[-1]["role"] == "incident":
            rows[-1].update(  # a line or a body of water: no point of it is where it happened
                role="context", cue="", event_type="", trigger_start=None, trigger_end=None,
                geo_precision=None, where_prec=None,
                role_reason=f"a {first.feature}: named with the violence, but no point of it",
            )  # fmt: skip
    seen: set[tuple[int, int]] = set()
    for event in analysis.relative_events():
        row = _relative_row(text, toponyms, source, event)
        if row is not None and (row["start"], row["end"]) not in seen:
            seen.add((row["start"], row["end"]))
            rows.append(row)
    return rows


def _relative_row(
    text: str, toponyms: Sequence[Toponym], source: str, event: Event
) -> dict[str, Any] | None:
    """Return the row of an event located relative to a reference place (module docstring)."""
    rel, ref = event.relative, toponyms[event.reference or 0]
    if rel is None or event.reference is None or ref.lat is None or ref.lon is None:
        return None
    lat, lon = (rel.lat, rel.lon) if rel.kind == "offset" else (ref.lat, ref.lon)
    if lat is None or lon is None:
        return None
    start, end = min(rel.start, ref.start), ref.end
    sentence, sentence_start, sentence_end = excerpt(
        text, (event.sentence_start, event.sentence_end), (start, end)
    )
    trigger = event.trigger.lower()
    return {
        "source": source,
        "name": " ".join(text[start:end].split()),
        "place": ref.place,
        "start": start,
        "end": end,
        "mentions": 1,
        "offsets": f"{start}-{end}",
        "role": "incident",
        "cue": trigger,
        "sentence": sentence,
        "sentence_start": sentence_start,
        "sentence_end": sentence_end,
        "lat": lat,
        "lon": lon,
        "geonameid": ref.geonameid,
        "country_code": ref.country_code,
        "feature": ref.feature,
        "population": ref.population,
        "score": ref.score,
        "reason": ref.reason,
        "role_reason": f"relative to a reference point ({rel.kind}): location of '{trigger}'",
        "metonymic": False,
        "event_type": event.event_type,
        "trigger_start": event.trigger_start,
        "trigger_end": event.trigger_end,
        "geo_precision": event.geo_precision,
        "where_prec": event.where_prec,
        "event_date": event.event_date.isoformat() if event.event_date else None,
        "date_precision": event.date_precision,
        "rel_kind": rel.kind,
        "rel_distance_km": _number(rel.distance_km),
        "rel_bearing": _number(rel.bearing),
        "ref_lat": ref.lat,
        "ref_lon": ref.lon,
    }


def incidents_from_texts(
    texts: Iterable[tuple[str, str]],
    *,
    gazetteer: Gazetteer | None = None,
    borders: Borders | None = None,
    measure: str = "land",
    extractor: str = "gazetteer",
    dates: Mapping[str, str | dt.date | None] | None = None,
    events_backend: str | EventsBackend = "rules",
) -> gpd.GeoDataFrame:
    """Geoparse documents, decide where the violence happened, join each place to the borders.

    Each text goes through the pipeline: :func:`geomap.geoparse` (places), the events stage
    (:func:`geomap.events.analyse_events`: roles, events, precision, dates) and the border
    join of ``borders``.

    Parameters
    ----------
    texts : iterable of (source, text)
        ``source`` names the document in the output (a file path or an id).
    gazetteer : Gazetteer, optional
        Defaults to the cached gazetteer.
    borders : Borders, optional
        Defaults to Natural Earth 1:10m admin-0 with geomap's disputed areas, from the German
        point of view (`geomap.borders.load_borders`; ``load_borders(pov="de_facto")`` for
        de facto control).
    measure : {"land", "any", "outline"}
        Which border the distance is to (see ``geomap.borders.MEASURES``); default the
        nearest international land border.
    extractor : str
        The recogniser (see :func:`geomap.geoparse`): ``"gazetteer"``, ``"spacy"``, ``"auto"``.
    dates : mapping of source to date, optional
        The document's date (a :class:`datetime.date` or ISO 8601 text such as
        ``"2026-12-02"``), which events anchored to it ("on Tuesday") are dated from. A
        document without one is dated by a dated dateline when it opens with one.
    events_backend : str or EventsBackend, default "rules"
        The events stage's backend (see :mod:`geomap.events.models`): ``"rules"`` needs no
        model, ``"spacy"`` adds a dependency parse, ``"minilm"`` contextual embeddings
        (:mod:`geomap.events.minilm_backend`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per distinct place per document (plus one per event located relative to a
        place), columns :data:`COLUMNS` + geometry (see the module docstring), EPSG:4326.

    Raises
    ------
    InputError
        If a document's date is not a date.
    """
    gaz = gazetteer if gazetteer is not None else open_gazetteer()
    rows: list[dict[str, Any]] = []
    for source, text in texts:
        given = dates.get(source) if dates is not None else None
        day = document_date(given, what=f"the date of {source!r}")
        toponyms = geoparse(text, gazetteer=gaz, extractor=extractor)
        analysis = analyse_events(
            text,
            toponyms,
            document_date=day if day is not None else dateline_date(text),
            backend=events_backend,
        )
        rows.extend(_rows(text, toponyms, source, analysis))
    joined = [*BORDER_COLUMNS, "country_mismatch"]
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in joined])
    frame = frame.astype(_DTYPES)
    dist = (borders if borders is not None else load_borders()).distance(
        frame["lon"].to_numpy(), frame["lat"].to_numpy(), measure=measure
    )
    for col in BORDER_COLUMNS:
        frame[col] = dist[col].to_numpy()
    geonames = frame["country_code"].astype(object).where(frame["country_code"].notna(), "")
    border = frame["country"].astype(object).where(frame["country"].notna(), "")
    frame["country_mismatch"] = (
        (geonames != "") & (border != "") & (geonames != border)
    ).to_numpy(dtype=bool)
    area = frame["feature"].isin(AREA_FEATURES).to_numpy() & (frame["role"] != "incident")
    if area.any():  # an area's point is a stand-in: no distance from it
        for col in _DISTANCE_COLUMNS:
            kind = frame[col].dtype.kind
            frame.loc[area, col] = np.nan if kind == "f" else (False if kind == "b" else None)
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")  # (lon, lat)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def document_incidents(
    text: str,
    *,
    source: str = "<text>",
    gazetteer: Gazetteer | None = None,
    borders: Borders | None = None,
    measure: str = "land",
    date: str | dt.date | None = None,
    events_backend: str | EventsBackend = "rules",
) -> gpd.GeoDataFrame:
    """Return the incidents GeoDataFrame of one document (see :func:`incidents_from_texts`).

    Examples
    --------
    >>> gdf = document_incidents("Baku said artillery shelled Kapan, Armenia on Tuesday.",
    ...                          date="2026-12-02")
    >>> gdf[["name", "role", "role_reason"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['Baku', 'context', 'named as the speaker'],
     ['Kapan', 'incident', "target of 'shelled'"],
     ['Armenia', 'container', 'container of Kapan']]
    >>> kapan = gdf.set_index("name").loc["Kapan"]
    >>> kapan["event_type"], int(kapan["geo_precision"]), kapan["event_date"], kapan["border"]
    ('shelling', 1, '2026-12-01', 'AM-AZ')
    """
    return incidents_from_texts(
        [(source, text)],
        gazetteer=gazetteer,
        borders=borders,
        measure=measure,
        dates={source: date} if date is not None else None,
        events_backend=events_backend,
    )

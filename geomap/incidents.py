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
role           str        "incident" (a sentence mentioning it reports violence) or "context"
cue            str        the violence word that made it an incident ("" for context)
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
reason         str        short machine-readable reason for the choice
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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from .borders import Borders, load_borders
from .gazetteer import Gazetteer, open_gazetteer
from .names import NOT_INCIDENT_POINTS
from .resolve import Toponym, geoparse
from .rules import violence
from .text import excerpt

__all__ = [
    "BORDER_COLUMNS",
    "COLUMNS",
    "VIOLENCE_CUES",
    "document_incidents",
    "incidents_from_texts",
]

COLUMNS = [
    "source", "name", "place", "start", "end", "mentions", "offsets", "role", "cue", "sentence",
    "sentence_start", "sentence_end", "lat", "lon", "geonameid", "country_code", "feature",
    "population", "score", "reason",
    "country", "border", "distance_km", "border_lon", "border_lat", "side",
    "border_kind", "at_border", "accuracy_km", "at_coast", "admin", "claimants", "disputed",
    "area", "area_status", "line", "line_kind", "line_name", "line_distance_km", "line_lon",
    "line_lat", "at_line", "pov", "country_mismatch",
]  # fmt: skip

#: The columns the border dataset gives (`geomap.borders.Borders.distance`), in COLUMNS.
BORDER_COLUMNS = COLUMNS[COLUMNS.index("country") : COLUMNS.index("country_mismatch")]

#: Words that make a sentence report violence (``geomap/data/violence.tsv``); the match is
#: the row's ``cue``, and its class colours the marker (`geomap.render`).
VIOLENCE_CUES = violence().regex


def _rows(text: str, toponyms: Sequence[Toponym], source: str) -> list[dict[str, Any]]:
    groups: dict[tuple[Any, ...], list[Toponym]] = {}
    for t in toponyms:
        if t.lat is not None and t.lon is not None:  # a place without coordinates can't be mapped
            groups.setdefault((t.geonameid, t.place, t.lat, t.lon), []).append(t)
    rows = []
    for mentions in groups.values():
        first = mentions[0]
        cue, shown = "", first
        if first.feature not in NOT_INCIDENT_POINTS:  # too coarse to place, a line or water
            for t in mentions:
                found = VIOLENCE_CUES.search(text, t.sentence_start, t.sentence_end)
                if found:
                    cue, shown = found.group().lower(), t
                    break
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
                "role": "incident" if cue else "context",
                "cue": cue,
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
            }
        )
    return rows


def incidents_from_texts(
    texts: Iterable[tuple[str, str]],
    *,
    gazetteer: Gazetteer | None = None,
    borders: Borders | None = None,
    measure: str = "land",
    extractor: str = "gazetteer",
) -> gpd.GeoDataFrame:
    """Geoparse documents and join each distinct place to the nearest land border.

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

    Returns
    -------
    geopandas.GeoDataFrame
        One row per distinct place per document, columns :data:`COLUMNS` + geometry
        (see the module docstring), EPSG:4326.
    """
    gaz = gazetteer if gazetteer is not None else open_gazetteer()
    rows: list[dict[str, Any]] = []
    for source, text in texts:
        rows.extend(_rows(text, geoparse(text, gazetteer=gaz, extractor=extractor), source))
    joined = [*BORDER_COLUMNS, "country_mismatch"]
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in joined])
    frame = frame.astype(
        {
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
        }
    )
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
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")  # (lon, lat)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def document_incidents(
    text: str,
    *,
    source: str = "<text>",
    gazetteer: Gazetteer | None = None,
    borders: Borders | None = None,
    measure: str = "land",
) -> gpd.GeoDataFrame:
    """Return the incidents GeoDataFrame of one document (see :func:`incidents_from_texts`).

    Examples
    --------
    >>> gdf = document_incidents("Artillery shelled Kapan, Armenia.")
    >>> gdf.loc[gdf["name"] == "Kapan", ["role", "border"]].values.tolist()
    [['incident', 'AM-AZ']]
    """
    return incidents_from_texts(
        [(source, text)], gazetteer=gazetteer, borders=borders, measure=measure
    )

"""Small canonical inputs shared by the tests: incidents and land-border lines."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import LineString, MultiLineString, Polygon

from geomap.incidents import COLUMNS

# Debian's chromium, headless, with the launch settings geomap itself uses for PNG
# snapshots (geomap.snapshot); bench/ and docs/make_screenshot.py take them from there too.
from geomap.snapshot import CHROMIUM as CHROMIUM
from geomap.snapshot import CHROMIUM_ARGS as _LAUNCH_ARGS

CHROMIUM_ARGS = list(_LAUNCH_ARGS)

HOSTILE_NAME = 'Goris"><img src=x onerror=alert(1)>'
HOSTILE_SENTENCE = (
    "<script>alert(1)</script> shelled `${alert(2)}` at C:\\users\\x "
    'it\'s "quoted" </script><!-- Ստեփանակերտ'
)
HOSTILE_SOURCE = "evil</script><script>alert(3)</script>.txt"
NON_ASCII_PLACE = "Ստեփանակերտ"

# Texts that must neither execute nor break a page; each sets window.__pwned if it runs.
INJECTIONS = [
    "<script>window.__pwned = 'script'</script>",
    '"><img src=x onerror="window.__pwned = \'img\'">',
    "'><svg onload=\"window.__pwned = 'svg'\">",
    "`${window.__pwned = 'template'}`",
    "</script><script>window.__pwned = 'close'</script>",
    "<!--<script>window.__pwned = 'comment'</script>-->",
    '\\u003c/script\\u003e \u2028 \u2029 it\'s "quoted" & <b>bold</b>',
    "{{ 7*7 }} {% if true %}jinja{% endif %} {# comment #}",  # Jinja template injection
]


def sample_incidents() -> gpd.GeoDataFrame:
    """Four rows of the incidents table (`geomap.incidents.COLUMNS`, in that order).

    Goris and Kapan (AM incidents near the AM-AZ border), Russia (a context row far from
    the others) and a hostile row (HTML/JS in name, sentence and source, Armenian script,
    no border: NaN distance and None border).
    """
    rows = [
        {
            "source": "data/samples/syunik.txt",
            "name": "Goris",
            "place": "Goris",
            "start": 27,
            "end": 32,
            "mentions": 2,
            "offsets": "27-32;140-145",
            "role": "incident",
            "cue": "shelled",
            "sentence": "Azerbaijani forces shelled Goris on Tuesday.",
            "lat": 39.5111111,
            "lon": 46.3388889,
            "geonameid": 174875,
            "country_code": "AM",
            "feature": "city",
            "population": 20591,
            "score": 0.92,
            "reason": "unique-name",
            "role_reason": "target of 'shelled'",
            "metonymic": False,
            "event_type": "shelling",
            "trigger_start": 19,
            "trigger_end": 26,
            "geo_precision": 1,
            "where_prec": 1,
            "event_date": "2026-12-01",
            "date_precision": "day",
            "rel_kind": None,
            "rel_distance_km": math.nan,
            "rel_bearing": math.nan,
            "ref_lat": math.nan,
            "ref_lon": math.nan,
            "country": "AM",
            "border": "AM-AZ",
            "distance_km": 8.5612345,
            "border_lon": 46.4321987654,
            "border_lat": 39.4875123456,
            "side": "AM",
        },
        {
            "source": "data/samples/syunik.txt",
            "name": "Kapan",
            "place": "Kapan",
            "start": 60,
            "end": 65,
            "mentions": 1,
            "offsets": "60-65",
            "role": "incident",
            "cue": "killed",
            "sentence": "Two soldiers were killed near Kapan.",
            "lat": 39.2075,
            "lon": 46.40576,
            "geonameid": 174991,
            "country_code": "AM",
            "feature": "city",
            "population": 43190,
            "score": 0.81,
            "reason": "document-country",
            "role_reason": "near: location of 'killed'",
            "metonymic": False,
            "event_type": "killing",
            "trigger_start": 78,
            "trigger_end": 84,
            "geo_precision": 2,
            "where_prec": 2,
            "event_date": None,
            "date_precision": None,
            "rel_kind": "near",
            "rel_distance_km": math.nan,
            "rel_bearing": math.nan,
            "ref_lat": 39.2075,
            "ref_lon": 46.40576,
            "country": "AM",
            "border": "AM-AZ",
            "distance_km": 0.3349,
            "border_lon": 46.409,
            "border_lat": 39.2081,
            "side": "AM",
        },
        {
            "source": "data/samples/syunik.txt",
            "name": "Russia",
            "place": "Russia",
            "start": 200,
            "end": 206,
            "mentions": 1,
            "offsets": "200-206",
            "role": "context",
            "cue": "",
            "sentence": "Russia called for calm.",
            "lat": 61.52401,
            "lon": 105.318756,
            "geonameid": 2017370,
            "country_code": "RU",
            "feature": "country",
            "population": 140702000,
            "score": 0.6,
            "reason": "country-name",
            "role_reason": "metonymic: stands for its government, people or forces",
            "metonymic": True,
            "event_type": "",
            "trigger_start": None,
            "trigger_end": None,
            "geo_precision": None,
            "where_prec": None,
            "event_date": None,
            "date_precision": None,
            "rel_kind": None,
            "rel_distance_km": math.nan,
            "rel_bearing": math.nan,
            "ref_lat": math.nan,
            "ref_lon": math.nan,
            "country": "RU",
            "border": "RU-MN",
            "distance_km": 1234.56789,
            "border_lon": 105.1,
            "border_lat": 50.3,
            "side": "RU",
        },
        {
            "source": HOSTILE_SOURCE,
            "name": HOSTILE_NAME,
            "place": NON_ASCII_PLACE,
            "start": 0,
            "end": 35,
            "mentions": 1,
            "offsets": "0-35",
            "role": "incident",
            "cue": "shelled",
            "sentence": HOSTILE_SENTENCE,
            "lat": 39.8152,
            "lon": 46.7519,
            "geonameid": 586523,
            "country_code": "AZ",
            "feature": "city",
            "population": 55000,
            "score": 0.5,
            "reason": "alternate-name",
            "role_reason": HOSTILE_SENTENCE,
            "metonymic": False,
            "event_type": "attack",
            "trigger_start": 26,
            "trigger_end": 33,
            "geo_precision": 3,
            "where_prec": 4,
            "event_date": "2026-11-30",
            "date_precision": "week",
            "rel_kind": "offset",
            "rel_distance_km": 10.0004567,
            "rel_bearing": 45.0,
            "ref_lat": 39.7512345678,
            "ref_lon": 46.6612345678,
            "country": None,
            "border": None,
            "distance_km": math.nan,
            "border_lon": math.nan,
            "border_lat": math.nan,
            "side": None,
        },
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("start", "end", "mentions", "geonameid", "population"):
        frame[column] = frame[column].astype("int64")
    for column in ("country", "border", "side"):
        frame[column] = frame[column].astype(object)
    for column in ("trigger_start", "trigger_end", "geo_precision", "where_prec"):
        frame[column] = frame[column].astype("Int64")
    frame["metonymic"] = frame["metonymic"].astype(bool)
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")  # (lon, lat)
    return gpd.GeoDataFrame(frame, geometry=geometry)


def page_incidents() -> gpd.GeoDataFrame:
    """`sample_incidents` and Baku: a context place the map draws (a small grey marker).

    Baku is named as the speaker (a city, metonymic: it stands for its government), with
    its border columns; Russia, a country that is no incident, is not drawn by the map (its
    point only stands in for the country): it is listed apart.
    """
    gdf = sample_incidents()
    baku = gdf.iloc[[2]].copy()
    values = {
        "name": "Baku", "place": "Baku", "start": 240, "end": 244, "offsets": "240-244",
        "sentence": "Baku said it had been attacked by Armenia.", "lat": 40.37767,
        "lon": 49.89201, "geonameid": 587084, "country_code": "AZ", "feature": "capital",
        "population": 1116513, "score": 0.88, "reason": "capital",
        "role_reason": "named as the speaker", "country": "AZ", "border": "AZ-IR",
        "distance_km": 171.806, "border_lon": 48.8712, "border_lat": 38.4379, "side": "AZ",
    }  # fmt: skip
    for column, value in values.items():
        baku[column] = value
    frame = pd.concat([gdf.iloc[:2], baku, gdf.iloc[2:]], ignore_index=True)
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")  # (lon, lat)
    return gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=geometry)


def events_incidents() -> gpd.GeoDataFrame:
    """`page_incidents` and what the events and borders stages add, one row for each case.

    Kapan at the AM-AZ border within the data's accuracy (``at_border``); a container
    (Syunik district: a county, drawn quiet); Majdal Shams in the Golan Heights (disputed:
    administered by IL, claimed by IL and SY; GeoNames says IL, the border data SY, a
    ceasefire line 2.5 km away); and an incident located relative to Goris ("10 km
    north-east of Goris": its point at the offset, a reference point).
    """
    gdf = page_incidents()
    for column in ("border_kind", "at_border", "admin", "claimants", "disputed", "area",
                   "area_status", "line", "line_kind", "line_name", "at_line",
                   "country_mismatch"):  # fmt: skip
        gdf[column] = gdf[column].astype(object)
    gdf.loc[gdf["name"] == "Kapan", ["at_border", "accuracy_km", "border_kind"]] = [
        True, 1.0, "international"
    ]  # fmt: skip
    gdf.loc[gdf["name"] == "Goris", "border_kind"] = "international"
    base = gdf[gdf["name"] == "Goris"]
    rows = []
    container = base.copy()
    for column, value in {
        "name": "Syunik district", "place": "Syunik district", "role": "container",
        "cue": "", "feature": "county", "role_reason": "container of Goris",
        "event_type": "", "geo_precision": None, "event_date": None, "date_precision": None,
        "lat": 39.35, "lon": 46.1, "distance_km": 12.0, "border_lon": 46.2,
        "border_lat": 39.3,
    }.items():  # fmt: skip
        container[column] = value
    rows.append(container)
    golan = base.copy()
    for column, value in {
        "name": "Majdal Shams", "place": "Majdal Shams", "cue": "shelled",
        "sentence": "Rockets shelled Majdal Shams.", "country_code": "IL", "country": "SY",
        "lat": 33.2667, "lon": 35.7706, "role_reason": "target of 'shelled'",
        "event_date": "2026-11-30", "date_precision": "week", "border": "IL-SY",
        "distance_km": 6.2, "border_lon": 35.70, "border_lat": 33.25, "side": "SY",
        "border_kind": "international", "admin": "IL", "claimants": "IL;SY",
        "disputed": True, "area": "golan_heights", "area_status": "occupied",
        "line": "IL-SY", "line_kind": "ceasefire",
        "line_name": "1974 disengagement line (Purple Line)", "line_distance_km": 2.5,
        "country_mismatch": True,
    }.items():  # fmt: skip
        golan[column] = value
    rows.append(golan)
    offset = base.copy()
    for column, value in {
        "name": "10 km north-east of Goris", "cue": "clashes",
        "sentence": "Clashes erupted 10 km north-east of Goris.", "lat": 39.5747,
        "lon": 46.4212,
        "role_reason": "relative to a reference point (offset): location of 'clashes'",
        "event_type": "armed_clash", "geo_precision": 2, "event_date": None,
        "date_precision": None, "rel_kind": "offset", "rel_distance_km": 10.0,
        "rel_bearing": 45.0, "ref_lat": 39.5111111, "ref_lon": 46.3388889,
        "distance_km": 4.1, "border_lon": 46.46, "border_lat": 39.55,
    }.items():  # fmt: skip
        offset[column] = value
    rows.append(offset)
    frame = pd.concat([gdf, *rows], ignore_index=True)
    frame.loc[frame["name"] == "Goris", "role_reason"] = "target of 'shelled'"
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")  # (lon, lat)
    return gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=geometry)


def empty_incidents() -> gpd.GeoDataFrame:
    """No rows, same columns and dtypes as `sample_incidents`."""
    return sample_incidents().iloc[0:0]


# Distinctive coordinates so a test can tell which lines were drawn.
FAR_BORDER_LON = 61.777777


def sample_borders() -> gpd.GeoDataFrame:
    """Three land-border lines: AM-AZ (nearest to the incidents), AM-GE (near, not
    nearest) and KZ-UZ (far from the incidents: outside the padded box).
    """
    am_az = MultiLineString(
        [
            [(46.4321987654, 39.4875123456), (46.409, 39.2081), (46.5, 38.9)],
            [(46.0, 40.0), (46.4321987654, 39.4875123456)],
        ]
    )
    am_ge = LineString([(43.5, 41.1), (44.5, 41.2), (45.0, 41.3)])
    kz_uz = LineString([(FAR_BORDER_LON, 41.2), (62.5, 42.0)])
    return gpd.GeoDataFrame(
        {
            "pair": ["AM-AZ", "AM-GE", "KZ-UZ"],
            "a": ["AM", "AM", "KZ"],
            "b": ["AZ", "GE", "UZ"],
            "length_km": [753.9, 219.0, 2330.0],
        },
        geometry=[am_az, am_ge, kz_uz],
        crs="EPSG:4326",
    )


# The rounding the files must show, written out here (not taken from geomap.features) so that
# a change of the policy fails the tests.
ROUNDING = {
    "lat": 6,
    "lon": 6,
    "border_lat": 6,
    "border_lon": 6,
    "distance_km": 3,
    "line_lat": 6,
    "line_lon": 6,
    "line_distance_km": 3,
    "ref_lat": 6,
    "ref_lon": 6,
    "rel_distance_km": 3,
}


def rounded(column: str, value: object) -> object:
    """The value ``column`` should have in the files (coordinates 6, distances 3 decimals)."""
    decimals = ROUNDING.get(column)
    if decimals is None or not isinstance(value, float | np.floating) or math.isnan(value):
        return value
    return round(float(value), decimals)


def same_value(a: object, b: object, *, tol: float = 1e-6) -> bool:
    """Compare two cell values: None/NaN are equal, floats within ``tol``."""
    a_missing = a is None or a is pd.NA or a is pd.NaT
    a_missing = a_missing or (isinstance(a, float | np.floating) and math.isnan(a))
    b_missing = b is None or b is pd.NA or b is pd.NaT
    b_missing = b_missing or (isinstance(b, float | np.floating) and math.isnan(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, float | np.floating) or isinstance(b, float | np.floating):
        return abs(float(a) - float(b)) <= tol  # type: ignore[arg-type]
    if isinstance(a, np.integer):
        a = int(a)
    if isinstance(b, np.integer):
        b = int(b)
    return a == b


def injection_incidents() -> gpd.GeoDataFrame:
    """One incident row per text of `INJECTIONS`, the text in every string column.

    Rows are spread along the AM-AZ border (Goris' neighbourhood), all with a distance,
    so each gets a marker, a link line, a popup and a tooltip.
    """
    base = sample_incidents().iloc[[0]]
    frames = []
    for i, text in enumerate(INJECTIONS):
        row = base.copy()
        for column in (
            "source",
            "name",
            "place",
            "cue",
            "sentence",
            "reason",
            "role_reason",
            "country",
        ):
            row[column] = text
        row["sentence"] = f"{text} shelled {text} again."
        row["lat"] = 39.3 + 0.05 * i
        row["lon"] = 46.2 + 0.04 * i
        frames.append(row)
    frame = pd.concat(frames, ignore_index=True)
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")  # (lon, lat)
    return gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=geometry)


def sample_countries() -> gpd.GeoDataFrame:
    """Two rough country polygons (AM, AZ) and a far one (KZ), columns code, name."""
    am = Polygon([(43.4, 41.3), (45.0, 41.3), (46.6, 39.5), (46.5, 38.8), (43.4, 40.0)])
    az = Polygon([(45.0, 41.3), (49.0, 41.8), (50.4, 40.2), (48.8, 38.4), (46.6, 39.5)])
    kz = Polygon([(50.0, 45.0), (87.0, 49.0), (80.0, 55.0), (50.0, 51.0)])
    return gpd.GeoDataFrame(
        {"code": ["AM", "AZ", "KZ"], "name": ["Armenia", "Azerbaijan", "Kazakhstan"]},
        geometry=[am, az, kz],
        crs="EPSG:4326",
    )


def many_incidents(n: int, *, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` synthetic rows (the incidents contract) scattered over the Caucasus.

    About 90 % incidents, 10 % context places (towns), each column filled as the pipeline
    fills it (role reason, event type, precision, the border join's answers: a place less
    than 1 km from its border is ``at_border``), no event dates.
    """
    rng = np.random.default_rng(seed)
    lat = rng.uniform(38.5, 41.5, n)
    lon = rng.uniform(43.5, 49.5, n)
    cues = np.array(["shelled", "attacked", "clashes", "killed", "violence"], dtype=object)
    cue = cues[rng.integers(0, len(cues), n)]
    distance = rng.uniform(0.1, 80.0, n)
    at_border = distance < 1.0
    frame = pd.DataFrame(
        {
            "source": [f"article_{i % 97}.txt" for i in range(n)],
            "name": [f"Place {i}" for i in range(n)],
            "place": [f"Place {i}" for i in range(n)],
            "start": np.zeros(n, dtype="int64"),
            "end": np.full(n, 7, dtype="int64"),
            "mentions": np.ones(n, dtype="int64"),
            "offsets": "0-7",
            "role": np.where(rng.random(n) < 0.9, "incident", "context"),
            "cue": cue,
            "sentence": [f"Troops {c} Place {i} on Monday." for i, c in enumerate(cue)],
            "lat": lat,
            "lon": lon,
            "geonameid": np.arange(n, dtype="int64"),
            "country_code": "AM",
            "feature": "city",
            "population": np.full(n, 1000, dtype="int64"),
            "score": 0.9,
            "reason": "synthetic",
            "country": "AM",
            "border": "AM-AZ",
            "distance_km": distance,
            "border_lon": lon + rng.uniform(-0.3, 0.3, n),
            "border_lat": lat + rng.uniform(-0.3, 0.3, n),
            "side": np.where(at_border, "at the border (within the data's accuracy)", "AM"),
        },
        columns=COLUMNS,
    )
    # What the events stage and the border join give every row (as the pipeline does):
    types = {"shelled": "shelling", "attacked": "attack", "clashes": "armed_clash",
             "killed": "killing", "violence": ""}  # fmt: skip
    incident = frame["role"] == "incident"
    frame["role_reason"] = np.where(
        incident, [f"target of '{c}'" for c in cue], "no violence reported in its sentence"
    )
    frame["metonymic"] = False
    frame["event_type"] = np.where(incident, [types[c] for c in cue], "")
    frame["trigger_start"] = pd.array(np.where(incident, 7, None), dtype="Int64")
    frame["trigger_end"] = pd.array(
        np.where(incident, 7 + np.char.str_len(cue.astype(str)), None), dtype="Int64"
    )
    frame["geo_precision"] = pd.array(np.where(incident, 1, None), dtype="Int64")
    frame["where_prec"] = frame["geo_precision"]
    for column, value in {
        "border_kind": "international", "at_border": at_border, "accuracy_km": 1.0,
        "at_coast": False, "admin": "AM", "claimants": "AM", "disputed": False,
        "line": "AM-AZ", "line_kind": "ceasefire", "line_name": "1994 ceasefire line",
        "line_distance_km": distance + 150.0, "line_lon": lon + 1.5, "line_lat": lat,
        "at_line": False, "pov": "deu", "country_mismatch": False,
    }.items():  # fmt: skip
        frame[column] = value
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")  # (lon, lat)
    return gpd.GeoDataFrame(frame, geometry=geometry)


# Issue 13's examples every events backend must get right: (text, places that are not
# incidents, places that are).
ISSUE_EXAMPLES = [
    (
        "Kyiv said the strikes on Vovchansk were part of a wider offensive.",
        ["Kyiv"],
        ["Vovchansk"],
    ),
    ("Moscow blamed Ukraine for the attacks on Belgorod.", ["Moscow", "Ukraine"], ["Belgorod"]),
    ("Bangkok said its forces had responded to gunfire.", ["Bangkok"], []),
    ("Baku denied that its troops had shelled Goris.", ["Baku", "Goris"], []),
    ("Two soldiers were wounded in Goris and taken to Yerevan.", ["Yerevan"], ["Goris"]),
]

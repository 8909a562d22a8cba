"""Print the README's "What you get" table from what geomap finds in the bundled sample.

Runs the main job (``geomap.map_files(..., formats=["geojson"])``) on
``data/samples/syunik_shelling.txt`` in a temporary directory and prints one Markdown row
per place, in the order of the GeoJSON: name, feature, role, why (``role_reason``), event
type, ACLED-style precision, country, nearest land border, distance in km (3 decimals, as in
the GeoJSON; ``(area)`` for a region, country, region of the world or continent that is not
an incident: its point only stands in for an area, so it has no border distance). Paste the
output over the table in README.md; ``tests/test_readme.py`` checks the two agree.

Usage::

    python docs/readme_table.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from geomap import map_files

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "samples" / "syunik_shelling.txt"
HEADER = (
    "name", "feature", "role", "why", "event type", "precision", "country",
    "nearest land border", "distance (km)",
)  # fmt: skip
#: Features whose point is an area's stand-in: without an incident, the distance says "(area)".
AREA_FEATURES = frozenset({"region", "country", "macroregion", "continent"})


def cells(p: dict) -> list[str]:
    """Return the table cells of one GeoJSON feature's properties."""
    km = p.get("distance_km")
    if p["feature"] in AREA_FEATURES and p["role"] != "incident":
        distance = "(area)"
    else:
        distance = "" if km is None else f"{km:.3f}"
    precision = p.get("geo_precision")
    row = [
        p["name"], p["feature"], p["role"], p.get("role_reason"), p.get("event_type"),
        "" if precision is None else str(precision), p["country"], p["border"], distance,
    ]  # fmt: skip
    return [c or "" for c in row]


def table_rows(features: list[dict]) -> list[tuple[str, ...]]:
    """Return the table rows for the sample's GeoJSON features."""
    return [tuple(cells(f["properties"])) for f in features]


def markdown(rows: list[tuple[str, ...]]) -> str:
    """Return the table as README.md writes it (a right-aligned distance column)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * (len(HEADER) - 1) + "---:|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    """Print the table."""
    os.chdir(REPO)
    with tempfile.TemporaryDirectory() as tmp:
        (path,) = map_files([SAMPLE], tmp, formats=["geojson"], progress=False)
        features = json.loads(path.read_text("utf-8"))["features"]
    print(markdown(table_rows(features)))


if __name__ == "__main__":
    main()

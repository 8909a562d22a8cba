"""Print the README's "What you get" table from what geomap finds in the bundled sample.

Runs the main job (``geomap.map_files(..., formats=["geojson"])``) on
``data/samples/syunik_shelling.txt`` in a temporary directory and prints one Markdown row
per place, in the order of the GeoJSON: name, feature, role, cue, country, nearest land
border, distance in km (3 decimals, as in the GeoJSON; ``(area)`` for a country, region of
the world or continent, whose point says nothing about the distance of an event). Paste the
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
HEADER = ("name", "feature", "role", "cue", "country", "nearest land border", "distance (km)")
#: Features whose point is an area's stand-in: the distance column says "(area)".
AREA_FEATURES = frozenset({"country", "macroregion", "continent"})


def table_rows(features: list[dict]) -> list[tuple[str, ...]]:
    """Return the table rows for the sample's GeoJSON features."""
    rows = []
    for feature in features:
        p = feature["properties"]
        km = p.get("distance_km")
        distance = (
            "(area)" if p["feature"] in AREA_FEATURES else ("" if km is None else f"{km:.3f}")
        )
        cells = (p["name"], p["feature"], p["role"], p["cue"] or "", p["country"] or "")
        rows.append((*cells, p["border"] or "", distance))
    return rows


def markdown(rows: list[tuple[str, ...]]) -> str:
    """Return the table as README.md writes it (a right-aligned distance column)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|---|---|---|---|---|---|---:|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
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

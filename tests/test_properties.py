"""Property tests (Hypothesis): geoparse on arbitrary text, border distance on geometry."""

import math

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geomap.borders import Borders, border_distance
from geomap.resolve import geoparse
from geomap.testing import check_toponyms, texts

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def text_strategy(gazetteer):
    return texts(gazetteer)


def test_geoparse_never_raises_and_offsets_hold(gazetteer, text_strategy):
    """Arbitrary text and gazetteer-shaped names ("Mar del Plata", "Aix-les-Bains")."""

    @SETTINGS
    @given(text=text_strategy)
    def check(text):
        check_toponyms(text, geoparse(text, gazetteer=gazetteer))

    check()


@pytest.mark.parametrize(
    "text",
    ["Casa del Jazz", "Mar del Plata", "Ciudad del Este", "Aix-les-Bains",
     "It happened in Davao del Sur, Philippines.", "San José del Pilar"],
)  # fmt: skip
def test_names_with_connectors_after_first_names_parse(gazetteer, text):
    """ "Del", "Les", "Mar" are first names; inside a place name they start no person."""
    found = geoparse(text, gazetteer=gazetteer)
    check_toponyms(text, found)
    assert found or text == "Casa del Jazz"


def test_the_strategy_draws_real_connector_names(gazetteer):
    names = gazetteer.place_names(like="% del %", limit=5)
    assert len(names) == 5 and all(" del " in n for n in names)


# Two square countries with a straight shared border along the meridian 10°E, lat 0..10.
@pytest.fixture(scope="module")
def two_squares():
    countries = gpd.GeoDataFrame(
        {"code": ["AA", "BB"], "name": ["West", "East"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
        crs="EPSG:4326",
    )
    return Borders(countries)


@SETTINGS
@given(
    offset=st.floats(min_value=1e-3, max_value=9.9),
    lat=st.floats(min_value=0.01, max_value=9.99),
)
def test_distance_is_symmetric_across_a_straight_border(two_squares, offset, lat):
    """A point and its mirror across the meridian border are equally far from it."""
    df = border_distance([10 - offset, 10 + offset], [lat, lat], borders=two_squares)
    west, east = df["distance_km"].to_numpy()
    assert df["country"].tolist() == ["AA", "BB"] and set(df["border"]) == {"AA-BB"}
    assert math.isfinite(west) and west > 0
    assert east == pytest.approx(west, rel=1e-6, abs=1e-3)


@SETTINGS
@given(
    lon=st.floats(min_value=-180, max_value=180),
    lat=st.floats(min_value=-90, max_value=90),
)
def test_distance_is_non_negative_and_finite_on_land(borders, lon, lat):
    row = border_distance(lon, lat, borders=borders).iloc[0]
    assert row["distance_km"] >= 0 or np.isnan(row["distance_km"])
    if row["country"] is not None:  # on land: always a finite distance
        assert math.isfinite(row["distance_km"]) and row["distance_km"] >= 0


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(float("nan"), 0.0), (0.0, float("inf")), (10.0, -95.0), (-math.inf, 0)],  # lon wraps
)
def test_bad_coordinates_give_empty_results_not_errors(borders, lon, lat):
    row = border_distance([lon], [lat], borders=borders).iloc[0]
    assert row["country"] is None and np.isnan(row["distance_km"])


def test_document_incidents_raises_nothing_but_geomap_errors(gazetteer, borders):
    """Any text, lone surrogates included, through the whole text path to the table."""
    from geomap import document_incidents
    from geomap.errors import GeomapError

    strategy = texts(gazetteer, surrogates=True)
    outcomes = {"rows": 0, "refused": 0}

    @settings(SETTINGS, max_examples=100)
    @given(text=strategy)
    def check(text):
        surrogate = any("\ud800" <= ch <= "\udfff" for ch in text)
        try:
            frame = document_incidents(text, gazetteer=gazetteer, borders=borders)
        except GeomapError as err:
            assert surrogate and "lone surrogate" in str(err), err  # refused for that only
            outcomes["refused"] += 1
            return
        assert not surrogate
        outcomes["rows"] += len(frame)
        assert (frame["start"] < frame["end"]).all()
        spans = zip(frame["start"], frame["end"], frame["name"], strict=True)
        assert all(text[s:e] == n for s, e, n in spans)

    check()
    assert outcomes["refused"] > 0 and outcomes["rows"] > 0  # both paths were exercised

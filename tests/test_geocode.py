import functools

import pytest
from geopy.extra.rate_limiter import RateLimiter
from geopy.location import Location

from geomap.errors import ConfigurationError
from geomap.geocode import GazetteerGeocoder, get_geocoder


class BaseGeocoderContract:
    """Every geocoder backend passes these; subclass with make_geocoder()."""

    def make_geocoder(self):
        raise NotImplementedError

    @pytest.fixture
    def geocoder(self, gazetteer):
        return self.make_geocoder(gazetteer)

    def test_exactly_one_returns_a_location_in_lat_lon_order(self, geocoder):
        loc = geocoder.geocode("Kapan", country_codes=["AM"])
        assert isinstance(loc, Location)
        assert loc.latitude == pytest.approx(39.2076, abs=0.01)
        assert loc.longitude == pytest.approx(46.4068, abs=0.01)

    def test_list_of_candidates(self, geocoder):
        locs = geocoder.geocode("Goris", exactly_one=False)
        assert isinstance(locs, list) and all(isinstance(x, Location) for x in locs)
        assert locs[0].raw["country_code"] == "AM"
        assert "GE" in {x.raw["country_code"] for x in locs}

    def test_unknown_place_gives_none(self, geocoder):
        assert geocoder.geocode("Qwxzzy") is None
        assert geocoder.geocode("Qwxzzy", exactly_one=False) is None

    def test_works_with_partial_and_rate_limiter(self, geocoder):
        geocode = RateLimiter(
            functools.partial(geocoder.geocode, country_codes="AZ"), min_delay_seconds=0
        )
        assert geocode("Baku").raw["geonameid"] == 587084


class TestGazetteerGeocoder(BaseGeocoderContract):
    def make_geocoder(self, gazetteer):
        return GazetteerGeocoder(gazetteer=gazetteer)

    def test_limit_and_country_filter(self, geocoder):
        assert len(geocoder.geocode("Goris", exactly_one=False, limit=1)) == 1
        only_ge = geocoder.geocode("Goris", exactly_one=False, country_codes=["GE"])
        assert {x.raw["country_code"] for x in only_ge} == {"GE"}

    def test_non_string_query_is_a_clear_error(self, geocoder):
        with pytest.raises(ConfigurationError, match="string"):
            geocoder.geocode(42)


def test_registry():
    assert get_geocoder("gazetteer") is GazetteerGeocoder
    with pytest.raises(ConfigurationError, match="unknown geocoder 'nominatim'.*gazetteer"):
        get_geocoder("nominatim")

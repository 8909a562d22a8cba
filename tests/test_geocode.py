import functools
import socket

import pytest
from geopy.exc import GeocoderTimedOut, GeocoderUnavailable
from geopy.extra.rate_limiter import RateLimiter
from geopy.location import Location

from geomap.errors import ConfigurationError
from geomap.geocode import GazetteerGeocoder, NominatimGeocoder, get_geocoder


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

    def test_a_region_of_several_countries_has_no_geonames_id(self, geocoder):
        locs = geocoder.geocode("Middle East", exactly_one=False)
        region = next(x for x in locs if x.raw["feature"] == "macroregion")
        assert region.raw["geonameid"] is None and 20 < region.latitude < 38

    def test_non_string_query_is_a_clear_error(self, geocoder):
        with pytest.raises(ConfigurationError, match="string"):
            geocoder.geocode(42)


class FakeNominatim:
    """Stands in for geopy's Nominatim: answers from the gazetteer, counts calls, can fail."""

    def __init__(self, gazetteer, fail=None):
        self.offline = GazetteerGeocoder(gazetteer=gazetteer)
        self.calls = []
        self.fail = fail

    def geocode(self, query, *, exactly_one=True, timeout=None, country_codes=None):
        self.calls.append((query, exactly_one, timeout, country_codes))
        if self.fail is not None:
            raise self.fail
        found = self.offline.geocode(query, exactly_one=exactly_one, country_codes=country_codes)
        if found is None:
            return None
        rename = lambda loc: Location(f"{loc.address} (osm)", loc.point, loc.raw)  # noqa: E731
        return rename(found) if exactly_one else [rename(x) for x in found]


class TestNominatimGeocoder(BaseGeocoderContract):
    def make_geocoder(self, gazetteer, fail=None):
        self.fake = FakeNominatim(gazetteer, fail)
        return NominatimGeocoder(
            user_agent="geomap-tests",
            cache_path=self.cache_path,
            min_delay_seconds=0,
            gazetteer=gazetteer,
            geocoder=self.fake,
        )

    @pytest.fixture(autouse=True)
    def _cache(self, tmp_path):
        self.cache_path = tmp_path / "answers.sqlite"

    def test_every_answer_is_cached(self, geocoder, gazetteer):
        first = geocoder.geocode("Kapan", country_codes="AM")
        assert first.address == "Kapan, Syunik', AM (osm)" and len(self.fake.calls) == 1
        assert self.fake.calls[0][3] == ["am"]
        assert geocoder.geocode("KAPAN", country_codes=["am"]).point == first.point
        assert geocoder.geocode("Qwxzzy") is None and geocoder.geocode("Qwxzzy") is None
        assert len(self.fake.calls) == 2  # "not found" is an answer too
        again = self.make_geocoder(gazetteer)  # a new process: the SQLite cache persists
        assert again.geocode("Kapan", country_codes="AM").raw == first.raw
        assert self.fake.calls == []

    @pytest.mark.parametrize("error", [GeocoderTimedOut("slow"), GeocoderUnavailable("down")])
    def test_timeout_or_unavailable_falls_back_to_the_gazetteer(self, gazetteer, error):
        geocoder = self.make_geocoder(gazetteer, fail=error)
        with pytest.warns(UserWarning, match="Nominatim did not answer.*offline gazetteer"):
            loc = geocoder.geocode("Goris", country_codes="AM")
        assert loc.address == "Goris, Syunik', AM" and loc.raw["geonameid"] == 174895
        self.fake.fail = None
        assert geocoder.geocode("Goris", country_codes="AM").address == "Goris, Syunik', AM (osm)"

    def test_requests_are_rate_limited(self, gazetteer, monkeypatch):
        sleeps, now = [], [0.0]

        def sleep(seconds):  # a fake clock: sleeping moves it on
            sleeps.append(seconds)
            now[0] += seconds

        monkeypatch.setattr("geopy.extra.rate_limiter.sleep", sleep)
        monkeypatch.setattr("geopy.extra.rate_limiter.default_timer", lambda: now[0])
        geocoder = NominatimGeocoder(
            user_agent="geomap-tests",
            cache_path=self.cache_path,
            gazetteer=gazetteer,
            geocoder=FakeNominatim(gazetteer),
        )
        for name in ("Goris", "Kapan", "Jermuk"):
            geocoder.geocode(name)
        assert sleeps == [1.0, 1.0]  # one request a second, the first at once

    def test_user_agent_is_required(self, monkeypatch, gazetteer):
        monkeypatch.delenv("GEOMAP_USER_AGENT", raising=False)
        with pytest.raises(ConfigurationError, match="GEOMAP_USER_AGENT"):
            NominatimGeocoder(cache_path=self.cache_path, gazetteer=gazetteer)
        monkeypatch.setenv("GEOMAP_USER_AGENT", "geomap-tests (me@example.org)")
        real = NominatimGeocoder(cache_path=self.cache_path, gazetteer=gazetteer)
        assert real.user_agent == "geomap-tests (me@example.org)"


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_default_path_never_connects(gazetteer, borders):
    """With sockets blocked (pytest-socket, on for the whole suite), the offline path works."""
    from geomap.incidents import document_incidents

    with pytest.raises(Exception, match="socket"):
        socket.create_connection(("93.184.216.34", 80), timeout=1)  # the guard is on
    gdf = document_incidents("Shells hit Kapan.", gazetteer=gazetteer, borders=borders)
    assert "Kapan" in set(gdf["name"])
    assert GazetteerGeocoder(gazetteer=gazetteer).geocode("Goris") is not None


def test_registry():
    assert get_geocoder("gazetteer") is GazetteerGeocoder
    assert get_geocoder("nominatim") is NominatimGeocoder
    with pytest.raises(ConfigurationError, match="unknown geocoder 'google'.*gazetteer"):
        get_geocoder("google")

"""A two-town gazetteer, built in a second: for tests of building, opening and verifying."""

from geomap import gazetteer as gz

TINY_CITIES = {
    "174895": {"geonameid": 174895, "name": "Goris", "latitude": 39.51111, "longitude": 46.34168,
               "countrycode": "AM", "population": 17592, "admin1code": "9",
               "alternatenames": ["Geryusy", "Goris", "GRS"]},
    "614455": {"geonameid": 614455, "name": "Gori", "latitude": 41.98532, "longitude": 44.1129,
               "countrycode": "GE", "population": 41933, "admin1code": "12",
               "alternatenames": ["Gori", "Goris"]},
}  # fmt: skip
TINY_WORDS = {"common": {"police"}, "first": {"charles"}, "english": {"police", "the"}}


def tiny_sources(monkeypatch):
    """Build from two towns; leave out the slow sources (counties, word lists)."""
    monkeypatch.setattr(gz.sources, "load_cities", lambda: TINY_CITIES)
    monkeypatch.setattr(gz.sources, "county_rows", lambda _cities, _town_keys=None: iter(()))
    monkeypatch.setattr(gz.sources, "word_lists", lambda _keys: TINY_WORDS)


def tiny_build(monkeypatch, path):
    """Build the tiny gazetteer at ``path`` and return its path."""
    tiny_sources(monkeypatch)
    return gz.build_gazetteer(path, progress=False)

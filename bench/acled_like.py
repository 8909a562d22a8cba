"""A synthetic event table shaped like an ACLED export, for ``bench_batch.py``.

The 31 columns of ACLED's public export (names and types: ids, dates, integers, floats,
categories, long text), filled with invented values: no ACLED data is read or copied. Events
happen at a fixed number of *sites* (points on land, drawn at random, 4 decimals as ACLED
gives them); each event picks a site with a heavy-tailed (Zipf-like) probability, because
event data geocode to named places that recur: many events at a few towns, a few at many
villages. ``sites=None`` gives every row its own point instead (the worst case for
geomap's cache of repeated coordinates).

Run ``python bench/acled_like.py --rows 1000000 --out events.csv`` to write one (the suffix
picks CSV or Parquet; row groups of 1,048,576 rows, pyarrow's default).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv
import pyarrow.parquet as pq

from geomap import load_borders

EVENT_TYPES = {
    "Battles": ["Armed clash", "Government regains territory", "Non-state actor overtakes"],
    "Explosions/Remote violence": ["Shelling/artillery/missile attack", "Air/drone strike"],
    "Violence against civilians": ["Attack", "Abduction/forced disappearance"],
    "Protests": ["Peaceful protest", "Protest with intervention"],
    "Riots": ["Violent demonstration", "Mob violence"],
    "Strategic developments": ["Looting/property destruction", "Arrests"],
}
REGIONS = ["Western Africa", "Eastern Africa", "Middle East", "South Asia", "Caucasus"]
SLICE = 500_000


def sites(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return lon, lat (4 decimals) and country code of ``count`` random points on land."""
    borders = load_borders()
    rng = np.random.default_rng(seed)
    lon_parts, lat_parts, code_parts = [], [], []
    have = 0
    while have < count:
        lon = rng.uniform(-20.0, 100.0, 2 * count).round(4)
        lat = rng.uniform(-35.0, 55.0, 2 * count).round(4)
        code = borders.country_at(lon, lat)
        land = np.asarray([c is not None for c in code])
        lon_parts.append(lon[land])
        lat_parts.append(lat[land])
        code_parts.append(code[land])
        have += int(land.sum())
    return (
        np.concatenate(lon_parts)[:count],
        np.concatenate(lat_parts)[:count],
        np.concatenate(code_parts)[:count].astype(str),
    )


def _text(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(str), type=pa.string())


def slices(rows: int, *, sites_count: int | None = 400_000, seed: int = 0) -> Iterator[pa.Table]:
    """Yield the table in slices of at most 500,000 rows (memory stays small)."""
    rng = np.random.default_rng(seed)
    if sites_count is not None:
        site_lon, site_lat, site_code = sites(sites_count, seed)
        # Zipf-like popularity over the sites, in a random order of sites.
        weight = 1.0 / np.arange(1, sites_count + 1) ** 0.9
        weight = weight[rng.permutation(sites_count)]
        cumulative = np.cumsum(weight / weight.sum())
    else:
        all_lon, all_lat, all_code = sites(rows, seed)
    types = np.array(list(EVENT_TYPES))
    start_day = np.datetime64("1997-01-01")
    for lo in range(0, rows, SLICE):
        n = min(SLICE, rows - lo)
        if sites_count is not None:
            at = np.minimum(np.searchsorted(cumulative, rng.random(n)), sites_count - 1)
            lon, lat, code = site_lon[at], site_lat[at], site_code[at]
            location = np.char.add("Site ", at.astype(str))
        else:
            lon, lat, code = all_lon[lo : lo + n], all_lat[lo : lo + n], all_code[lo : lo + n]
            location = np.char.add("Site ", np.arange(lo, lo + n).astype(str))
        day = start_day + rng.integers(0, 10_000, n).astype("timedelta64[D]")
        event_type = types[rng.integers(0, len(types), n)]
        sub = np.array([EVENT_TYPES[t][i % 2] for i, t in enumerate(event_type)])
        fatalities = rng.poisson(0.8, n) * (rng.random(n) < 0.6)
        actor1 = np.char.add("Military Forces of ", code)
        actor2 = np.where(rng.random(n) < 0.5, "Unidentified Armed Group", "Civilians")
        notes = pc.binary_join_element_wise(
            "On ",
            _text(np.datetime_as_string(day)),
            ", ",
            _text(actor1),
            " and ",
            _text(actor2),
            " were reported near ",
            _text(location),
            " in the district of ",
            _text(np.char.add("Admin ", (np.arange(n) % 97).astype(str))),
            ". Sources report ",
            _text(fatalities),
            " fatalities; the information could not be independently verified.",
            "",
        )
        missing_admin3 = rng.random(n) < 0.7
        table = pa.table(
            {
                "event_id_cnty": _text(np.char.add(code, (lo + np.arange(n)).astype(str))),
                "event_date": pa.array(day, type=pa.date32()),
                "year": pa.array(day.astype("datetime64[Y]").astype(int) + 1970),
                "time_precision": pa.array(rng.integers(1, 4, n)),
                "disorder_type": _text(
                    np.where(rng.random(n) < 0.8, "Political violence", "Demonstrations")
                ),
                "event_type": _text(event_type),
                "sub_event_type": _text(sub),
                "actor1": _text(actor1),
                "assoc_actor_1": _text(np.where(rng.random(n) < 0.8, "", "Militia")),
                "inter1": pa.array(rng.integers(1, 9, n)),
                "actor2": _text(actor2),
                "assoc_actor_2": _text(np.where(rng.random(n) < 0.9, "", "Farmers")),
                "inter2": pa.array(rng.integers(0, 9, n)),
                "interaction": pa.array(rng.integers(10, 90, n)),
                "civilian_targeting": _text(
                    np.where(actor2 == "Civilians", "Civilian targeting", "")
                ),
                "iso": pa.array(rng.integers(4, 894, n)),
                "region": _text(np.array(REGIONS)[rng.integers(0, len(REGIONS), n)]),
                "country": _text(code),
                "admin1": _text(np.char.add("Province ", (np.arange(n) % 31).astype(str))),
                "admin2": _text(np.char.add("Admin ", (np.arange(n) % 97).astype(str))),
                "admin3": pa.array(
                    np.where(
                        missing_admin3, None, np.char.add("Sub ", (np.arange(n) % 211).astype(str))
                    ),
                    type=pa.string(),
                ),
                "location": _text(location),
                "latitude": pa.array(lat),
                "longitude": pa.array(lon),
                "geo_precision": pa.array(rng.integers(1, 4, n)),
                "source": _text(np.where(rng.random(n) < 0.5, "Local media", "Wire service")),
                "source_scale": _text(np.where(rng.random(n) < 0.5, "National", "Subnational")),
                "notes": notes,
                "fatalities": pa.array(fatalities),
                "tags": _text(np.where(rng.random(n) < 0.9, "", "crowd size=no report")),
                "timestamp": pa.array(1_600_000_000 + rng.integers(0, 10**8, n)),
            }
        )
        yield table


def write(path: Path, rows: int, *, sites_count: int | None = 400_000, seed: int = 0) -> Path:
    """Write the table to ``path`` (``.csv`` or ``.parquet``), slice by slice."""
    writer: pyarrow.csv.CSVWriter | pq.ParquetWriter | None = None
    buffered: list[pa.Table] = []
    try:
        for table in slices(rows, sites_count=sites_count, seed=seed):
            if path.suffix == ".csv":
                if writer is None:
                    writer = pyarrow.csv.CSVWriter(path, table.schema)
                writer.write_table(table)
                continue
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            buffered.append(table)
            if sum(len(t) for t in buffered) >= 1_048_576:  # pyarrow's default row group
                writer.write_table(pa.concat_tables(buffered), row_group_size=1_048_576)
                buffered = []
        if buffered and writer is not None:
            writer.write_table(pa.concat_tables(buffered), row_group_size=1_048_576)
    finally:
        if writer is not None:
            writer.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=400_000, help="0: every row its own point")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(args.out, args.rows, sites_count=args.sites or None)


if __name__ == "__main__":
    main()

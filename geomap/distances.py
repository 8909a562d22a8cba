"""Border distances of many points, in compact form, each distinct point computed once.

The per-chunk work of :mod:`geomap.annotate`: :func:`find` runs `Borders.distance` and
returns :class:`Found`, three float columns and four text columns as integer codes into a
small vocabulary (cheap to send between processes). Event tables repeat places (many
events in one town, geocoded to the same coordinates): :func:`prepare` keeps one row per
distinct point of a chunk and leaves out those a :class:`Memo` of the run already holds,
and :meth:`Prepared.resolve` puts the answers back in row order. Points are the same when
their coordinates are the same floats, so the numbers are exactly those of computing
every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from geomap.borders import Borders
from geomap.features import ROUNDING

__all__ = ["NUMBERS", "TEXTS", "Found", "Memo", "Prepared", "find", "prepare"]

FloatArray = npt.NDArray[np.float64]

#: The float columns of :class:`Found`, in order (rounded as every export rounds them).
NUMBERS: Final = ("distance_km", "border_lon", "border_lat")
#: Its text columns, in order, as codes into its vocabulary (-1: none).
TEXTS: Final = ("country", "border", "side", "kind")
_MEMO_LIMIT: Final = 4_000_000  # distinct points kept per run (about 60 bytes each)


@dataclass(frozen=True)
class Found:
    """Results for ``n`` points: ``numbers`` (n, 3), ``codes`` (n, 4) into ``vocab``."""

    numbers: FloatArray
    codes: npt.NDArray[np.int32]
    vocab: list[str]

    @classmethod
    def empty(cls, n: int) -> Found:
        """Return ``n`` rows with no result."""
        return cls(np.full((n, 3), np.nan), np.full((n, 4), -1, dtype=np.int32), [])


def find(borders: Borders, lon: FloatArray, lat: FloatArray, measure: str) -> Found:
    """Return the nearest border of each point (lon, lat: WGS84 degrees), compact.

    Examples
    --------
    >>> from geomap.borders import load_borders
    >>> found = find(load_borders(), np.array([46.4068]), np.array([39.2076]), "land")
    >>> [found.vocab[c] for c in found.codes[0]], float(found.numbers[0, 0])
    (['AM', 'AM-AZ', "at the border (within the data's accuracy)", 'land'], 0.329)
    """
    if len(lon) == 0:
        return Found.empty(0)
    frame = borders.distance(lon, lat, measure=measure)
    numbers = np.column_stack([frame[c].to_numpy(dtype=float).round(ROUNDING[c]) for c in NUMBERS])
    vocab: list[str] = []
    index: dict[str, int] = {}
    codes = np.empty((len(lon), len(TEXTS)), dtype=np.int32)
    for j, column in enumerate(TEXTS):
        k, uniques = pd.factorize(frame[column].to_numpy(dtype=object), use_na_sentinel=True)
        mapping = [index.setdefault(str(u), len(index)) for u in uniques]
        codes[:, j] = np.asarray([*mapping, -1], dtype=np.int32)[k]  # k = -1: none
    vocab.extend(sorted(index, key=index.__getitem__))
    return Found(numbers, codes, vocab)


def point_keys(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.uint64]:
    """Mix the bits of each (lon, lat) into one 64-bit key (equal points, equal keys)."""
    a = np.ascontiguousarray(lon, dtype=np.float64).view(np.uint64)
    b = np.ascontiguousarray(lat, dtype=np.float64).view(np.uint64)
    with np.errstate(over="ignore"):
        key = a * np.uint64(0x9E3779B97F4A7C15) ^ (b + np.uint64(0x632BE59BD9B4E019)) * np.uint64(
            0xBF58476D1CE4E5B9
        )
        return key ^ (key >> np.uint64(31))


class Memo:
    """The points already found in a run, by exact coordinates, with their results."""

    def __init__(self, limit: int = _MEMO_LIMIT) -> None:
        self.limit = limit
        self.keys = np.empty(0, dtype=np.uint64)
        self.lon = np.empty(0)
        self.lat = np.empty(0)
        self.numbers = np.empty((0, len(NUMBERS)))
        self.codes = np.empty((0, len(TEXTS)), dtype=np.int32)
        self.vocab: list[str] = []
        self._index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, keys: Any, lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.intp]:
        """Return the position of each point in the memo, -1 where it is not."""
        if not len(self.keys) or not len(keys):
            return np.full(len(keys), -1, dtype=np.intp)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        same = (self.keys[at] == keys) & (self.lon[at] == lon) & (self.lat[at] == lat)
        return np.where(same, at, -1)

    def encode(self, found: Found) -> npt.NDArray[np.int32]:
        """Return ``found``'s codes in this memo's vocabulary (extended as needed)."""
        mapping = [self._index.setdefault(v, len(self._index)) for v in found.vocab]
        if len(self._index) > len(self.vocab):
            self.vocab.extend(sorted(self._index, key=self._index.__getitem__)[len(self.vocab) :])
        return np.asarray([*mapping, -1], dtype=np.int32)[found.codes]

    def add(self, keys: Any, lon: FloatArray, lat: FloatArray, numbers: Any, codes: Any) -> None:
        """Keep these points (those whose key is new, while there is room)."""
        room = self.limit - len(self.keys)
        if room <= 0 or not len(keys):
            return
        keys, first = np.unique(keys, return_index=True)
        if len(self.keys):
            at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            fresh = self.keys[at] != keys
            keys, first = keys[fresh], first[fresh]
        keys, first = keys[:room], first[:room]
        where = np.searchsorted(self.keys, keys)
        self.keys = np.insert(self.keys, where, keys)
        self.lon = np.insert(self.lon, where, lon[first])
        self.lat = np.insert(self.lat, where, lat[first])
        self.numbers = np.insert(self.numbers, where, numbers[first], axis=0)
        self.codes = np.insert(self.codes, where, codes[first], axis=0)


@dataclass(frozen=True)
class Prepared:
    """A chunk's distinct valid points, and which of them are new to the memo."""

    valid: npt.NDArray[np.bool_]
    inverse: npt.NDArray[np.intp]
    keys: npt.NDArray[np.uint64]
    lon: FloatArray
    lat: FloatArray
    new: npt.NDArray[np.bool_]

    def missing(self) -> tuple[FloatArray, FloatArray]:
        """Return the points to compute: (lon, lat) of the new ones."""
        return self.lon[self.new], self.lat[self.new]

    def resolve(self, found: Found, memo: Memo) -> Found:
        """Return every row's results (codes in ``memo.vocab``), given the new points'."""
        codes = memo.encode(found)
        new = np.flatnonzero(self.new)
        memo.add(self.keys[new], self.lon[new], self.lat[new], found.numbers, codes)
        at = memo.lookup(self.keys, self.lon, self.lat)
        numbers = np.empty((len(self.keys), len(NUMBERS)))
        unique_codes = np.empty((len(self.keys), len(TEXTS)), dtype=np.int32)
        hit = at >= 0
        numbers[hit] = memo.numbers[at[hit]]
        unique_codes[hit] = memo.codes[at[hit]]
        if not hit.all():  # not kept (the memo is full, or two points share a key)
            row_of_new = np.cumsum(self.new) - 1
            numbers[~hit] = found.numbers[row_of_new[~hit]]
            unique_codes[~hit] = codes[row_of_new[~hit]]
        out = Found.empty(len(self.valid))
        out.numbers[self.valid] = numbers[self.inverse]
        out.codes[self.valid] = unique_codes[self.inverse]
        return Found(out.numbers, out.codes, memo.vocab)


def prepare(lon: FloatArray, lat: FloatArray, memo: Memo) -> Prepared:
    """Return the distinct valid points of a chunk (NaN: invalid) and which are new."""
    valid = np.isfinite(lon) & np.isfinite(lat)
    vlon, vlat = lon[valid], lat[valid]
    keys = point_keys(vlon, vlat)
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    ulon, ulat = vlon[first], vlat[first]
    if not (np.array_equal(ulon[inverse], vlon) and np.array_equal(ulat[inverse], vlat)):
        # Two points share a key (about never): no sharing in this chunk.
        unique, ulon, ulat, inverse = keys, vlon, vlat, np.arange(len(keys))
    new = memo.lookup(unique, ulon, ulat) < 0
    if len(unique) != len(np.unique(unique)):
        new[:] = True  # the memo keeps one point per key: compute all of this chunk
    return Prepared(valid, inverse.ravel(), unique, ulon, ulat, new)

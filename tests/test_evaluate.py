import json
import math
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from geomap.cli import cli
from geomap.errors import DataFileError
from geomap.evaluate import evaluate_documents, read_corpus


@dataclass
class Pred:
    start: int
    end: int
    lat: float | None
    lon: float | None


DOCS = [
    {
        "text": "Goris and Kapan and Paris.",
        "toponyms": [
            {"start": 0, "end": 5, "name": "Goris", "lat": 39.5111, "lon": 46.3417},
            {"start": 10, "end": 15, "name": "Kapan", "lat": 39.2076, "lon": 46.4068},
            {"start": 20, "end": 25, "name": "Paris", "lat": 48.8534, "lon": 2.3488},
            {"start": 0, "end": 3, "name": "Gor", "lat": None, "lon": None},  # not scored
        ],
    }
]


def test_metrics_on_a_hand_made_prediction():
    preds = [
        Pred(0, 5, 39.5111, 46.3417),  # exact, 0 km
        Pred(11, 15, 41.9853, 44.1129),  # overlaps Kapan, ~300 km off
        Pred(16, 19, 0.0, 0.0),  # a false positive
    ]
    r = evaluate_documents(DOCS, lambda _t: preds)
    assert (r.gold, r.predicted, r.matched, r.exact) == (3, 3, 2, 1)
    assert r.precision == pytest.approx(2 / 3) and r.recall == pytest.approx(2 / 3)
    assert r.f1 == pytest.approx(2 / 3)
    assert r.accuracy_161 == 0.5 and r.end_to_end == pytest.approx(1 / 3)
    assert 250 < r.mean_km * 2 < 400  # one error of ~300 km and one of 0
    assert r.auc == pytest.approx(math.log1p(r.mean_km * 2) / math.log(20039) / 2, rel=1e-6)


def test_each_prediction_matches_one_gold_at_most():
    preds = [Pred(0, 25, 39.5111, 46.3417)]  # one long span overlapping three gold
    r = evaluate_documents(DOCS, lambda _t: preds)
    assert r.matched == 1 and r.recall == pytest.approx(1 / 3)


def test_unresolved_predictions_count_as_the_largest_error():
    r = evaluate_documents(DOCS, lambda _t: [Pred(0, 5, None, None)])
    assert r.matched == 1 and r.accuracy_161 == 0 and r.median_km == 20039.0


def test_read_corpus_names_the_file_and_line(tmp_path):
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"text": "a", "toponyms": []}\n{"text": 3}\n')
    with pytest.raises(DataFileError, match=r"c\.jsonl' line 2"):
        read_corpus(bad)
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(DataFileError, match="no documents"):
        read_corpus(tmp_path / "empty.jsonl")
    with pytest.raises(DataFileError, match="missing.jsonl"):
        read_corpus(tmp_path / "missing.jsonl")


@pytest.mark.usefixtures("gazetteer")
def test_eval_command_prints_one_row_per_corpus(tmp_path):
    text = "Shells hit Goris and Kapan. Officials in Yerevan spoke."
    doc = {"text": text, "toponyms": [
        {"start": 11, "end": 16, "name": "Goris", "lat": 39.51111, "lon": 46.34168},
        {"start": 21, "end": 26, "name": "Kapan", "lat": 39.20762, "lon": 46.40678},
        {"start": 41, "end": 48, "name": "Yerevan", "lat": 40.17765, "lon": 44.5126},
    ]}  # fmt: skip
    for name in ("a.jsonl", "b.jsonl"):
        (tmp_path / name).write_text(json.dumps(doc) + "\n")
    result = CliRunner().invoke(
        cli, ["eval", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    )
    assert result.exit_code == 0, result.output
    rows = [
        line for line in result.output.splitlines() if line.startswith("| ") and "jsonl" in line
    ]
    assert len(rows) == 2
    cells = [c.strip() for c in rows[0].split("|")]
    assert cells[5:8] == ["1.000", "1.000", "1.000"]  # P, R, F1
    assert cells[9] == "1.000"  # accuracy within 161 km


@dataclass
class AreaPred:
    geonameid: int | None
    feature: str
    country_code: str
    place: str = ""


def _gold(gid, lat, lon):
    return {"geonameid": gid, "lat": lat, "lon": lon}


def test_area_aware_accuracy_counts_the_area_that_holds_the_gold_place(gazetteer):
    from geomap.evaluate import area_holds

    holds = area_holds(gazetteer)
    atlanta = _gold(4180439, 33.749, -84.388)
    assert holds(atlanta, AreaPred(4197000, "region", "US"))  # Georgia, the state
    assert holds(atlanta, AreaPred(6252001, "country", "US"))
    assert not holds(atlanta, AreaPred(6251999, "country", "CA"))
    assert not holds(atlanta, AreaPred(5128638, "region", "US"))  # New York State
    assert holds(atlanta, AreaPred(4180439, "city", "US"))  # the same id
    # a city inside the gold region does not hold the region
    assert not holds(_gold(5128638, 42.759, -75.833), AreaPred(5128581, "city", "US"))


def test_a_gold_place_of_no_country_is_held_by_the_country_its_point_is_in(gazetteer):
    """A continent's point (North America's lies in North Dakota) is in a country."""
    from geomap.evaluate import area_holds

    holds = area_holds(gazetteer)
    north_america = _gold(6255149, 46.07323, -100.54688)
    assert holds(north_america, AreaPred(6252001, "country", "US"))
    assert not holds(north_america, AreaPred(6251999, "country", "CA"))

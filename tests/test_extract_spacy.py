"""The optional spaCy recogniser, tested with a blank English pipeline and an EntityRuler."""

import pytest

from geomap import geoparse
from geomap.errors import ConfigurationError
from geomap.extract import GazetteerExtractor
from geomap.text import get_extractor

spacy = pytest.importorskip("spacy")
from geomap.extract_spacy import SpacyExtractor  # noqa: E402


@pytest.fixture(scope="module")
def ruler_extractor():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "GPE", "pattern": "Goris"},
            {"label": "GPE", "pattern": "Kapan"},
            {
                "label": "GPE",
                "pattern": [{"LOWER": "the"}, {"TEXT": "United"}, {"TEXT": "States"}],
            },
            {"label": "NORP", "pattern": "Armenian"},
            {"label": "LOC", "pattern": "Zzyzx Ridge"},
            {"label": "PERSON", "pattern": "Charles Michel"},
        ]
    )
    return SpacyExtractor(nlp)


TEXT = (
    "Armenian officials said Goris and Kapan were shelled. Charles Michel called "
    "the United States. Goris's school was hit near Zzyzx Ridge."
)


def test_entities_become_resolved_toponyms_with_exact_offsets(ruler_extractor, gazetteer):
    found = geoparse(TEXT, gazetteer=gazetteer, extractor=ruler_extractor)
    for t in found:
        assert TEXT[t.start : t.end] == t.name
    names = [t.name for t in found]
    assert names == ["Armenian", "Goris", "Kapan", "United States", "Goris", "Zzyzx Ridge"]
    by = {t.name: t for t in found}
    assert by["Goris"].country_code == "AM" and by["Kapan"].geonameid == 174875
    assert by["Armenian"].feature == "country" and by["United States"].country_code == "US"


def test_a_recognised_place_missing_from_the_gazetteer_is_kept_unresolved(
    ruler_extractor, gazetteer
):
    zzyzx = next(t for t in geoparse(TEXT, gazetteer=gazetteer, extractor=ruler_extractor)
                 if t.name == "Zzyzx Ridge")  # fmt: skip
    assert (zzyzx.lat, zzyzx.lon, zzyzx.geonameid) == (None, None, None)
    assert zzyzx.reason == "not-in-gazetteer"


def test_sentences_come_from_the_pipeline(ruler_extractor, gazetteer):
    kapan = next(m for m in ruler_extractor(TEXT, gazetteer) if m.name == "Kapan")
    assert TEXT[kapan.sentence_start : kapan.sentence_end].endswith("were shelled.")


def test_registry_and_defaults(monkeypatch):
    assert isinstance(get_extractor(), GazetteerExtractor)
    with pytest.raises(ConfigurationError, match="unknown extractor 'stanza'"):
        get_extractor("stanza")
    monkeypatch.setattr("geomap.extract_spacy.english_models", lambda: [])
    assert isinstance(get_extractor("auto"), GazetteerExtractor)
    with pytest.raises(ConfigurationError, match="no English spaCy model"):
        get_extractor("spacy")


def test_missing_spacy_is_an_import_error_naming_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_spacy(name, *args, **kwargs):
        if name == "spacy":
            raise ImportError("No module named 'spacy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_spacy)
    with pytest.raises(ImportError, match=r"geomap\[spacy\]"):
        SpacyExtractor()

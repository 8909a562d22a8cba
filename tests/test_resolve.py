import pytest

from geomap import geoparse


def parse(text, gazetteer):
    return geoparse(text, gazetteer=gazetteer)


def by_name(text, gazetteer):
    return {t.name: t for t in parse(text, gazetteer)}


def test_sample_towns_resolve_to_armenia(sample_text, gazetteer):
    found = parse(sample_text, gazetteer)
    for t in found:
        assert sample_text[t.start : t.end] == t.name
        assert 0 <= t.score <= 1 and t.reason
    towns = {t.name: t for t in found}
    for name, gid in [("Jermuk", 174884), ("Goris", 174895), ("Kapan", 174875)]:
        assert (towns[name].country_code, towns[name].geonameid) == ("AM", gid)
    assert towns["Baku"].country_code == "AZ"
    assert towns["Russia"].feature == "country" and towns["Turkey"].country_code == "TR"
    assert not {"Charles", "Michel", "Charles Michel", "Council"} & set(towns)


@pytest.mark.parametrize(
    ("text", "name", "country"),
    [
        # A primary name beats a more populous place that only lists it as an alternate.
        ("Jermuk was shelled.", "Jermuk", "AM"),
        ("Goris was shelled.", "Goris", "AM"),
        # Context: other places and countries named in the document.
        ("Clashes near Kapan and Meghri, Armenia.", "Kapan", "AM"),
        ("Gunfire in Tripoli, Lebanon, near Beirut.", "Tripoli", "LB"),
        ("Strikes hit Paris and Lyon, France.", "Paris", "FR"),
    ],
)
def test_context_decides(text, name, country, gazetteer):
    assert by_name(text, gazetteer)[name].country_code == country


def test_transliterations_resolve_to_one_place(gazetteer):
    found = parse("Stepanakert, also called Khankendi or Xankəndi, was hit.", gazetteer)
    assert len({t.geonameid for t in found}) == 1 and len(found) == 3


def test_demonyms_resolve_to_their_country(gazetteer):
    found = by_name("Armenian forces and the Azerbaijani side exchanged fire.", gazetteer)
    assert found["Armenian"].country_code == "AM" and found["Armenian"].feature == "country"
    assert found["Azerbaijani"].country_code == "AZ"
    assert "adjective" in found["Armenian"].reason


def test_ordinary_words_need_evidence(gazetteer):
    found = by_name("Police said the Council met. Reading was quiet.", gazetteer)
    assert not {"Police", "Council", "Reading"} & set(found)
    # Mid-sentence and populous (Reading, UK) it is a place.
    assert "Reading" in by_name("Fans travelled from Reading to London.", gazetteer)


def test_countries_are_places_even_sentence_initial(gazetteer):
    found = by_name("Turkey urged restraint. China agreed.", gazetteer)
    assert found["Turkey"].country_code == "TR" and found["China"].country_code == "CN"


def test_empty_text(gazetteer):
    assert parse("", gazetteer) == [] and parse("   \n", gazetteer) == []

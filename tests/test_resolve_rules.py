"""The resolver's rules one by one, on tiny hand-made gazetteers (no cache, no build)."""

from geomap.names import Candidate, Feature, MatchKind
from geomap.resolve import (
    Context,
    Evidence,
    NameUse,
    Scored,
    choose,
    city_over_region,
    evidence,
    holds_part,
    plausible,
    region_over_country,
    region_over_town,
    resolve_mentions,
    town_over_county,
)
from geomap.text import Mention


def place(gid, name, lat, lon, cc, admin1, pop, feature, kind=MatchKind.PRIMARY):
    return Candidate(gid, name, lat, lon, cc, admin1, pop, feature, kind)


ARMENIA = place(174982, "Armenia", 40.2, 45.0, "AM", "", 2_968_000, Feature.COUNTRY)
GEORGIA_COUNTRY = place(614540, "Georgia", 42.0, 43.5, "GE", "", 3_731_000, Feature.COUNTRY)
GEORGIA_STATE = place(4197000, "Georgia", 32.75, -83.5, "US", "GA", 0, Feature.REGION)
ATLANTA = place(4180439, "Atlanta", 33.749, -84.388, "US", "GA", 463_878, Feature.CITY)
KAPAN = place(174875, "Kapan", 39.2076, 46.4068, "AM", "08", 43_190, Feature.CITY)
KAPAN_ID = place(1, "Kapan", -9.9, 124.3, "ID", "18", 700, Feature.CITY)
SYUNIK = place(174991, "Syunik", 39.5, 46.0, "AM", "08", 0, Feature.REGION)
SYUNIK_TOWN = place(2, "Syunik", 39.4, 46.1, "AM", "08", 1_200, Feature.CITY)
FAIRFAX_COUNTY = place(3, "Fairfax", 38.8, -77.3, "US", "VA", 1_100_000, Feature.COUNTY)
FAIRFAX_TOWN = place(4, "Fairfax", 38.85, -77.3, "US", "VA", 24_000, Feature.CITY)
NY_STATE = place(5128638, "New York", 43.0, -75.5, "US", "NY", 0, Feature.REGION)
NY_CITY = place(5128581, "New York", 40.71, -74.0, "US", "NY", 8_804_000, Feature.CITY)


def mention(text, name, only=None, **flags):
    start = text.index(name)
    return Mention(
        start, start + len(name), name, name.casefold(), 0, len(text), only=only, **flags
    )


def test_evidence_scores_a_country_named_elsewhere():
    ctx = Context.from_picks({"armenia": ARMENIA})
    score_with, found = evidence(KAPAN, NameUse("kapan"), ctx, near=0.0)
    score_without, _ = evidence(KAPAN, NameUse("kapan"), Context(), near=0.0)
    assert Evidence.COUNTRY_IN_TEXT in found and score_with > score_without


def test_a_name_is_no_evidence_for_itself():
    ctx = Context.from_picks({"armenia": ARMENIA})
    _, found = evidence(ARMENIA, NameUse("armenia"), ctx, near=0.0)
    assert Evidence.COUNTRY_IN_TEXT not in found and Evidence.COUNTRY in found


def test_hamlets_need_corroboration():
    assert not plausible(KAPAN_ID, NameUse("kapan"), [Evidence.NAME])
    assert plausible(KAPAN_ID, NameUse("kapan"), [Evidence.NAME, Evidence.COUNTRY_IN_TEXT])


def test_speakers_acronyms_and_ordinary_words():
    found = [Evidence.NAME]
    assert not plausible(KAPAN, NameUse("kapan", speaker=True), found)  # "Kapan said"
    assert not plausible(KAPAN, NameUse("kapan", acronym=True), found)
    alias = place(6252001, "United States", 39.8, -98.6, "US", "", 0, Feature.COUNTRY,
                  MatchKind.ALIAS)  # fmt: skip
    assert plausible(alias, NameUse("us", acronym=True), found)
    assert not plausible(KAPAN, NameUse("reading", common_word=True), found)  # 43k: too small
    assert plausible(NY_CITY, NameUse("reading", common_word=True), found)
    assert not plausible(NY_CITY, NameUse("reading", common_word=True, initial_only=True), found)
    assert plausible(KAPAN_ID, NameUse("kapan", ner=True), found)


def test_part_of_a_longer_name_needs_a_local_or_big_place():
    assert not holds_part(KAPAN_ID, [Evidence.NAME])  # "Kapan Avenue" far away
    assert holds_part(KAPAN_ID, [Evidence.NAME, Evidence.NEAR_OTHER_PLACES])
    assert holds_part(NY_CITY, [Evidence.NAME])  # big enough to be the obvious one


def scored(c, *found):
    return Scored(1.0, [Evidence.NAME, *found], True, c)


def test_region_over_town_inside_it():
    best = scored(SYUNIK_TOWN)
    pick = region_over_town(best, [best, scored(SYUNIK)])
    assert pick.candidate is SYUNIK and Evidence.REGION_OVER_NAMESAKE_TOWN in pick.found


def test_region_over_country_when_it_holds_the_other_places():
    best = scored(GEORGIA_COUNTRY)
    state = scored(GEORGIA_STATE, Evidence.HOLDS_OTHER_PLACES)
    assert region_over_country(best, [best, state]).candidate is GEORGIA_STATE
    held = scored(GEORGIA_COUNTRY, Evidence.HOLDS_OTHER_PLACES)
    assert region_over_country(held, [held, state]) is None


def test_town_over_county_and_city_over_region():
    county = scored(FAIRFAX_COUNTY)
    assert town_over_county(county, [county, scored(FAIRFAX_TOWN)]).candidate is FAIRFAX_TOWN
    state = scored(NY_STATE)
    assert city_over_region(state, [state, scored(NY_CITY)]).candidate is NY_CITY
    assert city_over_region(scored(NY_CITY), [scored(NY_STATE)]) is None


def test_choose_prefers_the_place_near_the_others():
    ctx = Context.from_picks({"goris": place(174895, "Goris", 39.51, 46.34, "AM", "08", 20_000,
                                             Feature.CITY)})  # fmt: skip
    c, score, found = choose([KAPAN_ID, KAPAN], NameUse("kapan"), ctx)
    assert c is KAPAN and Evidence.NEAR_OTHER_PLACES in found and 0 < score <= 1


def test_resolve_mentions_on_a_tiny_gazetteer():
    text = "Atlanta and Savannah are in Georgia."
    mentions = [mention(text, "Atlanta"), mention(text, "Georgia")]
    candidates = {"atlanta": [ATLANTA], "georgia": [GEORGIA_COUNTRY, GEORGIA_STATE]}
    found = {t.name: t for t in resolve_mentions(mentions, candidates)}
    assert found["Georgia"].country_code == "US" and found["Georgia"].feature == "region"
    assert "region-over-namesake-country" in found["Georgia"].reason
    assert found["Atlanta"].geonameid == 4180439


def test_a_restricted_short_form_names_only_its_feature():
    text = "Shots in Ga. today."
    mentions = [mention(text, "Ga.", only="region")]
    found = resolve_mentions(mentions, {"ga.": [GEORGIA_COUNTRY, GEORGIA_STATE]})
    assert [t.feature for t in found] == ["region"]

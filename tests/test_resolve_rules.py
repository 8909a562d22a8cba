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
    twins,
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


# -- issue 14: context-only names, units, "Town, State", the focus region, twin records ------

US_COUNTRY = place(6252001, "United States", 39.76, -98.5, "US", "", 327_000_000, Feature.COUNTRY)
PARIS_FR = place(2988507, "Paris", 48.85, 2.35, "FR", "11", 2_138_000, Feature.CAPITAL)
PARIS_TN = place(4647963, "Paris", 36.30, -88.33, "US", "TN", 10_150, Feature.CITY)
MEMPHIS = place(4641239, "Memphis", 35.15, -90.05, "US", "TN", 650_000, Feature.CITY)
NASHVILLE = place(4644585, "Nashville", 36.17, -86.78, "US", "TN", 530_000, Feature.CITY)
TENNESSEE = place(4662168, "Tennessee", 35.75, -86.25, "US", "TN", 0, Feature.REGION)
SUMY_CITY = place(692194, "Sumy", 50.92, 34.80, "UA", "21", 268_000, Feature.CITY)
SUMY_OBLAST = place(692196, "Sumska oblast", 51.0, 34.0, "UA", "21", 0, Feature.REGION,
                    MatchKind.ALTERNATE)  # fmt: skip
WHITE_HOUSE_TN = place(4664386, "White House", 36.47, -86.65, "US", "TN", 10_000, Feature.CITY)
WHITE_HOUSE = place(6252001, "United States", 39.76, -98.5, "US", "", 0, Feature.COUNTRY,
                    MatchKind.INSTITUTION)  # fmt: skip
KUPWARA_A = place(6268046, "Kupwāra", 34.03, 74.26, "IN", "12", 14_711, Feature.CITY)
KUPWARA_B = place(10002798, "Kopawor", 34.53, 74.26, "IN", "12", 21_771, Feature.CITY,
                  MatchKind.ALTERNATE)  # fmt: skip
NY_TOWN_UPSTATE = place(5106834, "Albany", 42.65, -73.76, "US", "NY", 97_000, Feature.CITY)
BUFFALO = place(5110629, "Buffalo", 42.89, -78.88, "US", "NY", 278_000, Feature.CITY)


def test_the_focus_region_is_where_most_places_lie():
    ctx = Context.from_picks({"memphis": MEMPHIS, "nashville": NASHVILLE, "goris": KAPAN})
    assert ctx.focus == ("US", "TN")
    assert ctx.in_focus(PARIS_TN, "paris") and not ctx.in_focus(PARIS_FR, "paris")
    assert not ctx.in_focus(MEMPHIS, "memphis")  # one other name is not a focus
    lone = Context.from_picks({"memphis": MEMPHIS, "goris": KAPAN, "kapan": KAPAN_ID})
    assert lone.focus is None  # no region holds two names


def test_choose_follows_the_focus_region():
    ctx = Context.from_picks({"memphis": MEMPHIS, "nashville": NASHVILLE})
    c, _, found = choose([PARIS_FR, PARIS_TN], NameUse("paris"), ctx)
    assert c is PARIS_TN and Evidence.DOCUMENT_FOCUS in found
    c, _, _ = choose([PARIS_FR, PARIS_TN], NameUse("paris"), Context())
    assert c is PARIS_FR  # with no context, the capital


def test_town_comma_area():
    use = NameUse("paris", within=frozenset({("US", "TN")}))
    c, _, found = choose([PARIS_FR, PARIS_TN], use, Context())
    assert c is PARIS_TN and Evidence.IN_NAMED_AREA in found
    text = "A shooting in Paris, Tenn., left one dead."
    mentions = [mention(text, "Paris"), mention(text, "Tenn.", only="region")]
    mentions[0] = Mention(*[getattr(mentions[0], f) for f in ("start", "end", "name", "key",
                          "sentence_start", "sentence_end")], within="tenn.")  # fmt: skip
    found = {t.name: t for t in resolve_mentions(
        mentions, {"paris": [PARIS_FR, PARIS_TN], "tenn.": [TENNESSEE]})}  # fmt: skip
    assert found["Paris"].geonameid == PARIS_TN.geonameid


def test_a_unit_word_picks_the_unit():
    c, _, found = choose([SUMY_CITY, SUMY_OBLAST], NameUse("sumy", unit="region"), Context())
    assert c is SUMY_OBLAST and Evidence.UNIT_NAMED in found
    c, _, _ = choose([SUMY_CITY, SUMY_OBLAST], NameUse("sumy"), Context())
    assert c is SUMY_CITY
    # a unit word that no candidate matches changes nothing
    c, _, _ = choose([SUMY_CITY], NameUse("sumy", unit="county"), Context())
    assert c is SUMY_CITY


def test_an_institution_is_context_not_a_place():
    text = "The White House said so."
    found = resolve_mentions([mention(text, "White House")],
                             {"white house": [WHITE_HOUSE_TN, WHITE_HOUSE]})  # fmt: skip
    assert found == []
    c, _, _ = choose([WHITE_HOUSE_TN, WHITE_HOUSE], NameUse("white house"), Context())
    assert c is WHITE_HOUSE
    ctx = Context.from_picks({"white house": WHITE_HOUSE})
    assert ctx.names_country("US", "paris") and "white house" not in ctx.anchors


def test_disagreeing_records_prefer_the_supported_one_and_say_so():
    assert twins(KUPWARA_A, [KUPWARA_A, KUPWARA_B]) == [KUPWARA_B]
    assert twins(KUPWARA_A, [KUPWARA_A, KAPAN]) == []  # another region: no twin
    c, score, found = choose([KUPWARA_A, KUPWARA_B], NameUse("kupwara"), Context())
    assert c is KUPWARA_B and Evidence.RECORDS_DISAGREE in found
    one, score_one, _ = choose([KUPWARA_A], NameUse("kupwara"), Context())
    assert score < score_one


def test_region_over_distant_city():
    ctx = Context.from_picks({"albany": NY_TOWN_UPSTATE, "buffalo": BUFFALO})
    c, _, found = choose([NY_CITY, NY_STATE], NameUse("new york"), ctx)
    assert c is NY_STATE and Evidence.REGION_OVER_NAMESAKE_TOWN in found
    near = Context.from_picks({"brooklyn": place(5110302, "Brooklyn", 40.65, -73.95, "US",
                                                 "NY", 2_600_000, Feature.CITY)})  # fmt: skip
    c, _, _ = choose([NY_CITY, NY_STATE], NameUse("new york"), near)
    assert c is NY_CITY


def test_supplement_features_are_areas_lines_water_or_landmarks():
    from geomap.names import AREAS, LANDMARKS, LINES, NOT_INCIDENT_POINTS, WATER

    assert Feature.CEASEFIRE_LINE in LINES and Feature.RIVER in WATER
    assert LINES | WATER <= NOT_INCIDENT_POINTS and LINES | WATER <= AREAS
    assert Feature.DAM in LANDMARKS and Feature.DAM not in AREAS
    assert Feature.CITY not in NOT_INCIDENT_POINTS
    loc = place(-1, "Line of Control", 34.7, 74.5, "IN", "", 0, Feature.CEASEFIRE_LINE)
    assert not plausible(loc, NameUse("line of control"), [Evidence.NAME])  # needs India
    assert plausible(loc, NameUse("line of control"), [Evidence.NAME, Evidence.COUNTRY_IN_TEXT])
    golan = place(-2, "Golan Heights", 33.0, 35.7, "IL", "", 0, Feature.DISPUTED_AREA)
    assert plausible(golan, NameUse("golan heights"), [Evidence.NAME])
    score, found = evidence(golan, NameUse("golan heights"), Context(), near=0.0)
    assert Evidence.DISPUTED_AREA in found and score > 0


def test_a_landmark_word_lowers_the_score_and_says_why():
    text = "Fighting near the Mosul dam."
    plain = mention(text, "Mosul")
    dam = Mention(*[getattr(plain, f) for f in ("start", "end", "name", "key", "sentence_start",
                  "sentence_end")], landmark="dam")  # fmt: skip
    mosul = place(99072, "Mosul", 36.34, 43.13, "IQ", "15", 1_739_800, Feature.CITY)
    with_dam = resolve_mentions([dam], {"mosul": [mosul]})[0]
    without = resolve_mentions([plain], {"mosul": [mosul]})[0]
    assert "landmark-not-in-gazetteer" in with_dam.reason and with_dam.score < without.score
    assert (with_dam.lat, with_dam.lon) == (without.lat, without.lon)


def test_a_short_alternate_name_needs_corroboration():
    che = place(
        7, "Chengde", 40.95, 117.96, "CN", "03", 300_000, Feature.CITY, MatchKind.ALTERNATE
    )
    assert not plausible(che, NameUse("che"), [Evidence.ALTERNATE_NAME])  # "Che Adams"
    assert plausible(che, NameUse("che"), [Evidence.ALTERNATE_NAME, Evidence.COUNTRY_IN_TEXT])
    own = place(8, "Ufa", 54.74, 55.97, "RU", "08", 1_100_000, Feature.CITY)
    assert plausible(own, NameUse("ufa"), [Evidence.NAME])  # its own short name is enough


# -- the fast paths score as the plain rules do -----------------------------------------------


def test_nearness_of_a_few_candidates_equals_the_distance_matrix():
    import numpy as np

    from geomap import evidence as ev

    ctx = Context.from_picks({"kapan": KAPAN, "atlanta": ATLANTA, "syunik town": SYUNIK_TOWN})
    cs = [KAPAN, KAPAN_ID, FAIRFAX_TOWN, NY_CITY]
    fast = ev.nearness(cs, "kapan", ctx)
    assert len(cs) * len(ctx.anchor_arrays().points) <= ev.SMALL_MATRIX  # the fast path ran
    old, ev.SMALL_MATRIX = ev.SMALL_MATRIX, 0  # now the matrix
    try:
        slow = ev.nearness(cs, "kapan", ctx)
    finally:
        ev.SMALL_MATRIX = old
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=0)
    assert fast[0] > 0.7 and fast[1] < 1e-6  # Kapan is 34 km from Syunik's town, not itself


def test_evidence_from_own_evidence_is_the_same_score():
    from geomap.evidence import own_evidence

    ctx = Context.from_picks({"armenia": ARMENIA, "kapan": KAPAN})
    use = NameUse("syunik")
    for c in (SYUNIK, SYUNIK_TOWN, KAPAN_ID, GEORGIA_STATE):
        assert evidence(c, use, ctx, 0.5, own_evidence(c, use)) == evidence(c, use, ctx, 0.5)

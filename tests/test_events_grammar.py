"""The grammar cues of the events stage added for issue 13's error analysis (own sentences)."""

import pytest

from geomap.events import analyse_events
from geomap.events.cues import trigger_form
from geomap.events.grammar import TriggerHit
from geomap.events.stage import sentence_analyses
from geomap.events.vocab import vocabulary
from geomap.resolve import geoparse


def contexts(text, gazetteer):
    """Return {name: MentionContext} of every mention of a sentence with violence."""
    toponyms = geoparse(text, gazetteer=gazetteer)
    out = {}
    for sa in sentence_analyses(text, toponyms):
        for c in sa.mentions:
            out[toponyms[c.index].name] = c
    return out


def mention_roles(text, gazetteer):
    toponyms = geoparse(text, gazetteer=gazetteer)
    result = analyse_events(text, toponyms)
    return {m.name: m for m in result.mentions}, result, toponyms


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("A car bomb exploded in a busy market in the centre of Mosul on Monday.", "Mosul"),
        ("Two soldiers died in fighting in the provinces of Kandahar and Helmand.", "Kandahar"),
        ("Gunmen opened fire at a checkpoint on the outskirts of Peshawar.", "Peshawar"),
    ],
)
def test_the_preposition_is_found_through_a_chain_of_place_nouns(text, name, gazetteer):
    c = contexts(text, gazetteer)[name]
    assert c.prep_class in ("locative", "near"), (c.prep, c.prep_class)
    assert c.via_area


def test_a_site_named_after_a_place_is_no_origin(gazetteer):
    site = contexts("A grenade exploded outside the Kandahar police headquarters.", gazetteer)
    assert site["Kandahar"].origin == ""
    speaker = contexts("Kandahar police said a grenade exploded on Monday.", gazetteer)
    assert speaker["Kandahar"].origin == "modifier"


@pytest.mark.parametrize(
    ("text", "origin", "scene"),
    [
        ("A roadside bomb went off beside a U.S. convoy in Kirkuk on Sunday.", "U.S.", "Kirkuk"),
        ("Ukraine drones struck an oil depot in Belgorod overnight.", "Ukraine", "Belgorod"),
    ],
)
def test_a_place_naming_a_patrol_or_aircraft_is_its_origin(gazetteer, text, origin, scene):
    # whose convoy or drones, not where the violence happened ("patrol" and "convoy" are
    # also sites: "an attack on a convoy in X")
    c = contexts(text, gazetteer)
    assert c[origin].origin == "modifier"
    assert c[scene].origin == ""
    roles = mention_roles(text, gazetteer)[0]
    assert roles[origin].role != "incident"
    assert roles[scene].role == "incident"


def test_a_place_after_an_apposition_is_the_target_of_a_passive_verb(gazetteer):
    c = contexts("Goma, the capital of North Kivu province, was captured by rebels.", gazetteer)
    assert c["Goma"].target is not None and c["Goma"].target.text == "captured"
    assert c["North Kivu"].target is None
    # a comma phrase with a verb of speech is no apposition
    said = contexts("Goma, the army said, was calm, but rebels shelled Sake.", gazetteer)
    assert said["Goma"].target is None


def test_the_first_place_as_fine_as_itself_is_a_cue(gazetteer):
    # a country named first does not take the cue from the town of the scene
    c = contexts("A car bomb exploded at Iraq's main port in the southern city of Basra.",
                 gazetteer)  # fmt: skip
    assert c["Basra"].features.get("first_located_as_fine") == 1.0
    assert "first_located" not in c["Basra"].features


def test_violence_negated_after_its_word_is_not_reported(gazetteer):
    roles = mention_roles("Drones were not used near Rutshuru, officials in Kigali said.",
                          gazetteer)[0]  # fmt: skip
    assert roles["Rutshuru"].role == "context"
    assert roles["Rutshuru"].reason == "violence negated"


def test_a_dateline_with_an_abbreviated_month(gazetteer):
    text = "KINSHASA, Dec. 1 - Rebels shelled Goma on Sunday, residents said."
    roles = mention_roles(text, gazetteer)[0]
    assert roles["KINSHASA"].reason == "dateline"
    assert roles["Goma"].role == "incident"


def test_an_unresolved_finer_name_leaves_the_area_to_the_model(gazetteer):
    # "Zarvanak" is no place of the gazetteer: Helmand is the most precise place known
    c = contexts("Gunmen attacked Zarvanak village in Helmand on Sunday.", gazetteer)
    assert c["Helmand"].container_of == ""
    assert c["Helmand"].features.get("holds_unresolved_name") == 1.0


def test_a_place_before_a_sector_in_a_region_does_not_contain_it(gazetteer):
    c = contexts("Troops shelled posts in the Poonch sector in Jammu overnight.", gazetteer)
    assert c["Poonch"].container_of == ""


def test_a_passive_verb_after_a_place_of_location_does_not_make_it_the_target(gazetteer):
    text = "Most of the men held at Kandahar were captured in the mountains last year."
    c = contexts(text, gazetteer)["Kandahar"]
    assert c.target is None
    direct = contexts("Kandahar was shelled overnight.", gazetteer)["Kandahar"]
    assert direct.target is not None


def test_coordinated_verbs_share_their_object(gazetteer):
    text = "Rebels captured and looted Kidal last week."
    c = contexts(text, gazetteer)["Kidal"]
    assert c.target is not None and c.target.text == "captured"
    got, _, _ = mention_roles(text, gazetteer)
    assert got["Kidal"].role == "incident"


def test_a_site_noun_makes_a_weak_verb_take_its_place(gazetteer):
    text = "A missile struck an apartment block in Kharkiv, killing two people."
    toponyms = geoparse(text, gazetteer=gazetteer)
    (sa,) = sentence_analyses(text, toponyms)
    assert [h.status for h in sa.triggers if h.text == "struck"] == ["reported"]
    got, _, _ = mention_roles(text, gazetteer)
    assert got["Kharkiv"].role == "incident"


@pytest.mark.parametrize(
    ("word", "form"),
    [("shelled", "past"), ("struck", "past"), ("exchanged fire", "past"), ("killing", "ing"),
     ("clashes", "other"), ("attack", "other")],
)  # fmt: skip
def test_trigger_form(word, form):
    vocab = vocabulary()
    hit = TriggerHit(0, len(word), word, vocab.triggers[word], 0, 0)
    assert trigger_form(hit, vocab) == form


def test_verb_anchor_cues(gazetteer):
    text = "Militants detonated a bomb in a crowded market in Peshawar on Friday."
    f = contexts(text, gazetteer)["Peshawar"].features
    assert f.get("verb_clear_path") == 1.0
    assert f.get("first_located_after_verb") == 1.0
    apart = "Militants detonated a bomb on Friday, officials in Peshawar said."
    g = contexts(apart, gazetteer)["Peshawar"].features
    assert "verb_clear_path" not in g


def test_a_country_holding_a_named_incident_town_is_its_container(gazetteer):
    text = (
        "Artillery struck several towns in southern Armenia overnight. "
        "Kapan was shelled for two hours, officials said."
    )
    toponyms = geoparse(text, gazetteer=gazetteer)
    result = analyse_events(text, toponyms)
    by_name = {toponyms[p.mentions[0]].name: p for p in result.places}
    assert by_name["Kapan"].role == "incident"
    assert by_name["Armenia"].role == "container"
    assert by_name["Armenia"].reason == "container of Kapan"

"""The user corrects what the assistant read about the company (bot/core/corrections.py and
its use in compound_answers and answer_router), on the real knowledge base. `context` holds
the slots as the action finds them: the earlier turns' values, and what Rasa filled from this
message's entities."""

from __future__ import annotations

import pytest

from bot.core import answer_router, compound_answers, corrections


def _acknowledged(kb, text: str, context: dict, entities: dict) -> tuple:
    """(slot updates, acknowledgement text) as the action that stores the profile gives them."""
    described, markets = compound_answers.read_profile(kb, text, entities)
    contradicted = compound_answers.contradicted(kb, text, context)
    values, cleared = compound_answers.merged_profile(context, entities, described, contradicted)
    updates, messages = answer_router.answer_company(
        kb, values, text=text, served=markets.served, wanted=markets.wanted
    )
    return dict(updates, **dict.fromkeys(cleared)), messages[0]["text"]


@pytest.mark.parametrize(
    "text, negated, kept",
    [
        ("non, on est à Nantes, pas à Nancy", "à Nancy", "Nantes"),
        ("non, nous sommes 50, pas 15", "15", "50"),
        ("en fait on ne vend pas encore en Belgique", "encore en Belgique", "on ne vend"),
        ("je me suis trompé : c'est le Maroc qu'on vise, pas l'Algérie", "l'Algérie", "Maroc"),
        ("nous ne sommes pas dans le textile mais dans la cosmétique", "dans le textile", "cosmétique"),
        ("on vise le Maroc plutôt que l'Algérie", "l'Algérie", "Maroc"),
        ("on vise plutôt la Tunisie que l'Égypte", "l'Égypte", "Tunisie"),
        ("non ce n'est pas l'Italie qu'on cible, c'est l'Espagne", "l'Italie", "Espagne"),
        ("nous sommes 50 et non 15 salariés", "15 salariés", "50"),
    ],
)
def test_the_negated_part_is_set_apart_from_what_the_message_states(kb, text, negated, kept):
    reading = corrections.split_negated(kb, text)
    assert reading.negated == (negated,)
    assert kept in reading.kept and negated not in reading.kept


@pytest.mark.parametrize(
    "text",
    [
        "je ne sais pas si le Maroc est un bon choix",
        "ce n'est pas facile d'exporter au Maroc",
        "pas de souci, on vise l'Espagne",
        "on n'exporte pas encore, on vise le Maroc",
    ],
)
def test_a_negation_that_names_no_value_right_after_it_negates_nothing(kb, text):
    assert corrections.split_negated(kb, text) == corrections.Reading(text, ())


def test_each_negated_value_is_read_in_its_field(kb):
    def negated(text):
        return corrections.negated_values(kb, corrections.split_negated(kb, text))

    assert (negated("non, on est à Nantes, pas à Nancy").departement, negated("pas à Nancy").region) == (
        "54",
        "grand-est",
    )
    # A number right after « pas » is a quantity, not the département of that number.
    assert negated("nous sommes 50, pas 15") == corrections.Negated(headcount=15)
    assert negated("on n'est pas dans le 44").departement == "44"
    assert negated("on ne vend pas encore en Belgique").countries == ("be",)
    assert negated("pas dans le textile").sector == "textile-mode-luxe"
    assert negated("on fait 2 millions de CA, pas 3 millions").revenue == 3_000_000
    assert negated("notre chiffre d'affaires est de 4 M€, pas 40") == corrections.Negated()
    assert not negated("on vise l'Espagne")


def test_the_stated_place_replaces_the_negated_one(kb):
    context = {"region": "grand-est", "departement": "Nancy"}
    updates, text = _acknowledged(kb, "non, on est à Nantes, pas à Nancy", context, {"departement": "Nancy"})
    assert (updates["region"], updates["departement"]) == ("pays-de-la-loire", "44")
    assert "Implantation : Loire-Atlantique (44), Région Pays de la Loire" in text and "Grand Est" not in text
    assert "Non retenu : Meurthe-et-Moselle (54)" in text


def test_a_region_stated_alone_does_not_keep_the_earlier_departement(kb):
    context = {"region": "Bretagne", "departement": "14"}
    updates, text = _acknowledged(kb, "non, on est en Bretagne, pas en Normandie", context, {"region": "Bretagne"})
    assert updates["region"] == "bretagne" and updates["departement"] is None
    assert "Implantation : Région Bretagne" in text and "Calvados" not in text


def test_a_place_only_negated_is_cleared_and_not_read_again_from_the_text(kb):
    context = {"region": "grand-est", "departement": "54", "headcount": "12"}
    updates, text = _acknowledged(kb, "on n'est pas à Nancy", context, {})
    assert updates["region"] is None and updates["departement"] is None
    assert "Implantation" not in text and "12 salariés" in text


def test_the_stated_headcount_replaces_the_earlier_one(kb):
    updates, text = _acknowledged(kb, "non, nous sommes 50, pas 15", {"headcount": "15"}, {"headcount": "15"})
    assert updates["headcount"] == "50"
    assert "Effectif : 50 salariés" in text and "Non retenu : 15 salariés" in text and "Effectif : 15" not in text


def test_the_stated_sector_replaces_the_negated_one(kb):
    text = "nous ne sommes pas dans le textile mais dans la cosmétique"
    updates, said = _acknowledged(kb, text, {"sector": "textile"}, {"sector": "textile"})
    assert updates["sector"] == "cosmetique"
    assert "Secteur : Cosmétique" in said and "Secteur : Textile" not in said and "Non retenu : Textile" in said


def test_the_stated_market_replaces_the_negated_one(kb):
    text = "je me suis trompé : c'est le Maroc qu'on vise, pas l'Algérie"
    described, markets = compound_answers.read_profile(kb, text, {"country": "Algérie"})
    assert markets.wanted == ("ma",) and described["country"] == "ma"
    updates, said = _acknowledged(kb, text, {"country": "dz"}, {})
    assert updates["country"] == "ma" and "Marché visé : Maroc" in said and "Non retenu : Algérie" in said


def test_a_market_negated_is_neither_served_nor_wanted_nor_asked_about(kb):
    text = "en fait on ne vend pas encore en Belgique"
    _, markets = compound_answers.read_profile(kb, text, {"country": "Belgique"})
    assert markets == compound_answers.message_parts.Markets((), ())
    assert compound_answers.country_alone(kb, text, {"country": "Belgique"}) is None
    updates, said = _acknowledged(kb, text, {"country": "be", "headcount": "20"}, {})
    assert updates["country"] is None and "20 salariés" in said
    assert "Marché visé" not in said and "Non retenu : Belgique" in said


def test_the_market_stated_after_the_negated_one_is_the_one_wanted(kb):
    text = "non ce n'est pas l'Italie qu'on cible, c'est l'Espagne"
    described, markets = compound_answers.read_profile(kb, text, {"country": "Italie"})
    assert markets.wanted == ("es",) and described["country"] == "es"


def test_a_plain_statement_keeps_adding_what_it_says(kb):
    updates, said = _acknowledged(kb, "on vise aussi le Maroc", {"headcount": "20"}, {"country": "Maroc"})
    assert updates["country"] == "ma" and updates["headcount"] == "20" and "Marché visé : Maroc" in said


def test_a_slot_rasa_filled_from_a_negated_value_gets_its_earlier_value_back(kb):
    earlier = {"country": "ma"}
    text = "on vise le Maroc, pas l'Algérie"
    slots, entities, reset = corrections.undo_negated_fills(
        kb, text, {"country": "Algérie", "headcount": "20"}, {"country": "Algérie"}, earlier.get
    )
    assert slots == {"country": "ma", "headcount": "20"} and entities == {} and reset == {"country": "ma"}
    unchanged = corrections.undo_negated_fills(
        kb, "on vise l'Algérie", {"country": "Algérie"}, {"country": "Algérie"}, earlier.get
    )
    assert unchanged == ({"country": "Algérie"}, {"country": "Algérie"}, {})

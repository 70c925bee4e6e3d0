"""What the assistant answers, decided in bot/ without Rasa, on the real knowledge base."""

from __future__ import annotations

import pytest

from bot.core import answer_router, citations, intent_table, replies
from bot.core.advice.company import NOT_GIVEN
from bot.core.replies import NOT_IN_KNOWLEDGE, french_date

# Every fact ends with its citation, whatever form it takes (page date, « non officielle »).
SOURCE = citations.CITATION


def _text(messages):
    return "\n".join(m["text"] for m in messages)


def _payloads(messages):
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


def test_french_dates():
    import datetime as dt

    assert french_date(dt.date(2022, 12, 15)) == "15 décembre 2022"
    assert french_date(dt.date(2017, 1, 1)) == "1er janvier 2017"


@pytest.mark.parametrize("typed", ["Assurance Prospection", "assurance prospection", "AP", "l'assurance-prospection"])
def test_programme_by_name_or_alias(kb, typed):
    pid, messages = answer_router.answer_programme(kb, typed, f"C'est quoi {typed} ?")
    assert pid == "assurance-prospection"
    text = _text(messages)
    record = kb.get("programme", "assurance-prospection")
    assert text.startswith(record["name"])
    assert record["summary"] in text
    assert record["sources"][0]["url"] in text
    assert SOURCE.search(text)


def test_every_programme_reply_cites_its_source_and_date(kb):
    """Its sources, a primary one first when it has one, dated by its verification."""
    for record in kb.all("programme"):
        cited = citations.parse(_text(replies.programme_details(kb, record["id"]))).citations[-1]
        urls = [s["url"] for s in record["sources"]]
        primary = [s["url"] for s in record["sources"] if s["primary"]]
        assert set(cited.urls) <= set(urls), record["id"]
        assert cited.urls[0] == (primary or urls)[0], record["id"]
        assert cited.verified_label == french_date(record["verified_on"]), record["id"]
        assert cited.official == bool(primary), record["id"]


def test_ended_programme_says_so_with_its_date(kb):
    record = kb.get("programme", "cheque-relance-export")
    assert record["status"] == "ended"
    text = _text(replies.programme_details(kb, "cheque-relance-export"))
    assert f"terminé depuis le {french_date(record['ended_on'])}" in text
    assert "15 décembre 2022" in text
    assert "Comment faire" not in text


def test_programme_found_in_text_when_entity_missing(kb):
    pid, _ = answer_router.answer_programme(kb, None, "je voudrais des infos sur le pret croissance international svp")
    assert pid == "pret-croissance-international"


def test_typo_in_programme_name_still_resolves(kb):
    pid, _ = answer_router.answer_programme(kb, "asurance prospection", "c'est quoi l'asurance prospection")
    assert pid == "assurance-prospection"


def test_unknown_programme_offers_closest_names(kb):
    pid, messages = answer_router.answer_programme(kb, "assurance prosp", "c'est quoi l'assurance prosp")
    assert pid is None
    assert "je ne connais pas ce dispositif" in _text(messages).lower()
    assert any('"programme":"assurance-prospection"' in p for p in _payloads(messages))


def test_a_precise_question_about_an_unknown_programme_gets_the_honest_reply(kb):
    text = "Quelles sont les erreurs les plus courantes commises lors de la déclaration d'origine ?"
    pid, messages = answer_router.answer_programme(kb, "déclaration d'origine", text)
    assert pid is None
    assert _text(messages).startswith(NOT_IN_KNOWLEDGE)
    assert "je ne connais pas ce dispositif" not in _text(messages).lower()


def test_a_difficulty_named_beside_a_point_its_card_does_not_hold_gets_the_honest_reply(kb):
    obstacle_id, messages = answer_router.answer_obstacle(kb, "TVA", "Pas de TVA pour les touristes ?")
    assert obstacle_id is None
    assert _text(messages).startswith(NOT_IN_KNOWLEDGE)
    assert any("tva" in p for p in _payloads(messages))  # the card, one tap away


def test_no_programme_at_all_asks_which_one(kb):
    pid, messages = answer_router.answer_programme(kb, None, "c'est quoi ce truc ?")
    assert pid is None
    assert "De quel dispositif" in _text(messages)
    assert len(_payloads(messages)) >= 3


def test_obstacle_advice_with_programmes_as_buttons(kb):
    obstacle_id, messages = answer_router.answer_obstacle(kb, "risque de change", "comment gérer le risque de change")
    assert obstacle_id == "risque-change"
    text = _text(messages)
    assert kb.get("obstacle", "risque-change")["advice"][0] in text
    assert SOURCE.search(text)
    assert any("assurance-change" in p for p in _payloads(messages))


def test_precise_question_gets_the_faq_answer_even_when_a_difficulty_is_named(kb):
    faq = next(f for f in kb.all("faq") if "EORI" in f["question"])
    _, messages = intent_table.answer_message(kb, "ask_obstacle", {"obstacle": "douane"}, {}, faq["question"])
    text = _text(messages)
    assert faq["answer"] in text
    assert faq["sources"][0]["url"] in text


def test_cluster_medicen_partnerships_are_honest(kb):
    pole_id, messages = answer_router.answer_cluster(kb, "Medicen", None, "parlez-moi de Medicen")
    assert pole_id == "medicen-paris-region"
    text = _text(messages)
    assert "Maryland" in text
    assert "BioTOP" in text and "Non confirmé" in text
    assert "DEFI Biotech" in text
    assert SOURCE.search(text)


def test_clusters_for_a_sector_named_in_text(kb):
    pole_id, messages = answer_router.answer_cluster(kb, None, None, "quel pôle de compétitivité pour l'aéronautique ?")
    assert pole_id is None
    assert "Aerospace Valley" in _text(messages)


def test_support_overview_is_sourced(kb):
    messages = replies.support_overview(kb)
    text = _text(messages)
    assert "Team France Export" in text
    assert SOURCE.search(text)
    assert len(_payloads(messages)) >= 3


@pytest.mark.parametrize(
    "region, departement, text, expected",
    [
        ("Bretagne", None, "aides export en Bretagne", "bretagne"),
        ("IDF", None, "conseiller export IDF", "ile-de-france"),
        (None, "33", "on est dans le 33", "nouvelle-aquitaine"),
        (None, "Gironde", "entreprise en Gironde", "nouvelle-aquitaine"),
        (None, None, "une PME du 2A cherche de l'aide", "corse"),
        (None, "974", "on est à la Réunion (974)", "la-reunion"),
    ],
)
def test_region_from_name_alias_or_departement(kb, region, departement, text, expected):
    region_id, messages = answer_router.answer_region(kb, region, departement, text)
    assert region_id == expected
    text_out = _text(messages)
    assert kb.get("region", expected)["name"] in text_out
    assert SOURCE.search(text_out)
    assert all(c["url"] in text_out for c in kb.get("region", expected)["contacts"])


def test_region_unknown_asks_where(kb):
    region_id, messages = answer_router.answer_region(kb, None, None, "quelles aides dans ma région ?")
    assert region_id is None and "Dans quelle Région" in _text(messages)


@pytest.mark.parametrize(
    "typed, country_id, expected",
    [
        ("Canada", "ca", "21 septembre 2017"),
        ("Japon", "jp", "1er février 2019"),
        ("Allemagne", "de", "membre de l'Union européenne"),
        ("USA", "us", "Aucun accord commercial"),
    ],
)
def test_country_pointers(kb, typed, country_id, expected):
    found, messages = answer_router.answer_country(kb, typed, f"exporter vers {typed}")
    assert found == country_id
    text = _text(messages)
    assert expected in text and kb.get("country", country_id)["in_form"] in text and SOURCE.search(text)


def test_country_editorial_notes_are_not_shown(kb):
    _, messages = answer_router.answer_country(kb, "Japon", "exporter au Japon")
    assert "n'a pas pu être confirmée" not in _text(messages)


def test_organisation_by_acronym(kb):
    organisation_id, messages = answer_router.answer_organisation(kb, "TFE", "c'est quoi la TFE")
    assert organisation_id == "team-france-export"
    assert SOURCE.search(_text(messages))


def test_clusters_for_a_sector_entity(kb):
    pole_id, messages = answer_router.answer_cluster(kb, None, "cosmétique", "quel pôle pour la cosmétique")
    assert pole_id is None and "Cosmetic Valley" in _text(messages)


def test_longer_programme_name_in_text_wins_over_a_shorter_entity(kb):
    pid, _ = answer_router.answer_programme(
        kb, "Assurance Prospection", "Parlez-moi de l'Assurance Prospection Accompagnement"
    )
    assert pid == "assurance-prospection-accompagnement"


def test_organisation_named_in_a_programme_question(kb):
    pid, messages = answer_router.answer_programme(kb, None, "C'est quoi Bpifrance Assurance Export ?")
    assert pid is None
    assert kb.get("organisation", "bpifrance-assurance-export")["summary"] in _text(messages)


def test_a_spurious_programme_entity_does_not_hide_the_answer_the_ranker_is_sure_of(kb):
    text = "Comment fonctionne un crédit documentaire ?"
    _, messages = intent_table.answer_message(kb, "ask_programme", {"programme": "fonctionne"}, {}, text)
    assert kb.get("faq", "credit-documentaire")["answer"] in _text(messages)
    assert messages[0]["metadata"]["answer_unit"] == "faq:credit-documentaire"


def test_out_of_scope_checks_the_faq_first(kb):
    _, messages = answer_router.answer_out_of_scope(kb, "Quel a été le déficit commercial de la France en 2014 ?")
    assert "53,8 Md€" in _text(messages)
    assert answer_router.answer_out_of_scope(kb, "Quel temps fera-t-il à Brest demain ?")[1] == []


def test_parse_payload():
    from bot.core.answer_router import parse_payload

    assert parse_payload('/ask_programme{"programme":"vie"}') == ("ask_programme", {"programme": "vie"})
    assert parse_payload("/ask_support_overview") == ("ask_support_overview", {})
    assert parse_payload("texte libre") is None and parse_payload('/x{"cassé') is None


def test_financing_overview_names_only_active_programmes_with_their_sources(kb):
    from bot.core import citations, replies

    [message] = replies.financing_overview(kb)
    text = message["text"]
    assert "Assurance Prospection" in text and "Chèque Relance Export" not in text
    # The text shows the first programme's source; every programme's is in the data.
    [cited] = message["metadata"][citations.SOURCES_KEY]
    assert citations.of_record(kb.get("programme", "assurance-prospection"), 1).urls[0] in text
    for pid in ("assurance-prospection", "credit-export"):
        assert citations.of_record(kb.get("programme", pid), 1).urls[0] in cited["urls"]


def test_contact_prefers_a_region_named_now_over_the_programme_in_context(kb):
    from bot.core.answer_router import answer_contact

    updates, messages = answer_contact(
        kb, None, None, "Occitanie", None, "qui contacter en Occitanie ?", {"programme": "vie"}
    )
    assert updates == {"region": "occitanie"} and "Occitanie" in messages[0]["text"]
    updates, messages = answer_contact(kb, None, None, None, None, "qui contacter ?", {"programme": "vie"})
    assert updates == {"programme": "vie"} and "Business France" in messages[0]["text"]


@pytest.mark.parametrize(
    "value, text, expected",
    [
        ("69", "", ("auvergne-rhone-alpes", "69")),
        ("Bretagne", "", ("bretagne", None)),
        (None, "on est en Gironde", ("nouvelle-aquitaine", "33")),
        (None, "passer", (NOT_GIVEN, None)),
        (None, "je ne sais pas", (NOT_GIVEN, None)),
        ("Atlantide", "", (None, None)),
    ],
)
def test_answer_to_the_region_question(kb, value, text, expected):
    from bot.core.answer_router import region_answer

    assert region_answer(kb, value, text) == expected


def test_a_bare_number_is_a_choice_only_within_the_list():
    from bot.core.answer_router import is_choice

    options = ["/ask_programme", "/ask_obstacle"]
    assert is_choice("2", options) and is_choice(" 1. ", options)
    assert not is_choice("3", options) and not is_choice("2", []) and not is_choice("123456789", options)


def test_a_faq_that_matches_every_word_beats_an_organisation_named_in_passing(kb):
    from bot.core.answer_router import answer_organisation

    question = "Quelle est la différence entre un transitaire et un commissionnaire en douane ?"
    for entity in (None, "douane"):
        entities = {"organisation": entity} if entity else {}
        _, messages = intent_table.answer_message(kb, "ask_organisation", entities, {}, question)
        assert kb.get("faq", "transitaire-commissionnaire-rde")["answer"] in messages[0]["text"]
    organisation_id, _ = answer_organisation(kb, "douane", "la douane, elle fait quoi ?")
    assert organisation_id == "douane"


def test_a_record_of_another_kind_named_answers_only_a_question_its_card_holds(kb):
    """ask_programme naming an organisation, ask_organisation naming a programme: that record's
    card, unless the point asked is not in it."""
    for intent, text, card in (
        (
            "ask_programme",
            "Business France a-t-il des bureaux ouverts le dimanche à Tokyo ?",
            ("organisation", "business-france"),
        ),
        ("ask_organisation", "Le carnet ATA couvre-t-il les chevaux de course ?", ("programme", "carnet-ata")),
    ):
        _, messages = intent_table.answer_message(kb, intent, {}, {}, text)
        assert messages[0]["text"].startswith(replies.NOT_IN_KNOWLEDGE), text
        assert messages[0]["buttons"][0]["payload"] == replies.card_button(kb, *card)["payload"]
    _, messages = answer_router.answer_programme(kb, None, "Business France")
    assert messages == replies.organisation_info(kb, "business-france")

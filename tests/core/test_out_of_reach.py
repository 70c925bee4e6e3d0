"""Live figures and private individuals (bot/core/out_of_reach.py), through the routes that
consult the ranker, on the real knowledge base."""

from __future__ import annotations

from bot.core import answer_router, compound_answers, intent_table, out_of_reach, replies, unit_answers


def _first(found) -> dict:
    updates, messages = found
    return messages[0]


def test_the_dollar_today_gets_the_honest_reply_with_the_ecb_page_from_knowledge(kb):
    message = _first(intent_table.answer_message(kb, "ask_obstacle", {}, {}, "c'est combien le dollar aujourd'hui ?"))
    assert message["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    assert "temps réel" in message["text"] or "du jour" in message["text"]
    faq = kb.get("faq", "taux-reference-bce-contrat")
    official = [s["url"] for s in faq["sources"] if "ecb.europa.eu" in s["url"]]
    assert official and official[0] in message["text"]
    assert message["metadata"][unit_answers.ABSTAINED_KEY] is True
    assert message["metadata"][unit_answers.OFFERED_KEY] == ["faq:taux-reference-bce-contrat"]
    assert faq["question"] in [b["payload"] for b in message["buttons"]]


def test_customs_duties_right_now_point_to_access2markets_not_to_a_sanctions_entry(kb):
    text = "quels sont les droits de douane americains en ce moment sur le vin francais ?"
    message = _first(intent_table.answer_message(kb, "ask_country", {"country": "États-Unis"}, {}, text))
    assert message["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    assert "Access2Markets" in message["text"]
    assert kb.get("country", "us")["access2markets_url"] in message["text"]
    assert unit_answers.UNIT_KEY not in message["metadata"]
    assert message["metadata"][unit_answers.OFFERED_KEY] == ["programme:access2markets:presentation"]


def test_a_live_figure_without_a_sourced_pointer_gets_no_invented_address(kb):
    message = _first(answer_router.answer_by_ranker(kb, "le prix du fret aujourd'hui ?"))
    assert message["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    assert "http" not in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["Parler à un conseiller"]


def test_a_parcel_to_family_gets_the_out_of_scope_reply_whatever_the_route(kb):
    text = "je suis particulier, je veux envoyer un colis a ma fille au canada, c'est possible ?"
    for found in (
        answer_router.answer_out_of_scope(kb, text),
        answer_router.answer_by_ranker(kb, text),
        intent_table.answer_message(kb, "ask_country", {"country": "Canada"}, {}, text),
        compound_answers.country_alone(kb, "Un colis pour ma fille au Canada.", {"country": "Canada"}),
    ):
        _, messages = found
        assert "entreprises" in messages[0]["text"]
        assert messages[-1] == {"response": out_of_reach.OUT_OF_SCOPE_RESPONSE}
        assert not any(unit_answers.UNIT_KEY in (m.get("metadata") or {}) for m in messages)


def test_a_private_writer_is_told_apart_from_a_company_that_sells_to_private_customers():
    assert out_of_reach.is_private_individual("Je vous écris à titre personnel : puis-je envoyer du vin ?")
    assert out_of_reach.is_private_individual("C'est pour un cadeau à ma mère qui vit au Japon")
    assert not out_of_reach.is_private_individual("Puis-je vendre du vin en ligne à des particuliers en Espagne ?")
    assert not out_of_reach.is_private_individual(
        "Notre PME a été créée par mon père ; nous voulons vendre au Japon, par où commencer ?"
    )


def test_a_compound_message_declines_only_the_live_question(kb):
    text = (
        "Nous sommes 12 à Lyon, on fait des vélos. Quel est le cours du dollar aujourd'hui ? "
        "Et comment obtenir un numéro EORI ?"
    )
    _, messages = compound_answers.answer(kb, text, {}, {})
    live = [m for m in messages if "« Quel est le cours du dollar aujourd'hui ? »" in m["text"]]
    assert live and replies.NOT_IN_KNOWLEDGE in live[0]["text"]
    assert any((m.get("metadata") or {}).get(unit_answers.UNIT_KEY) == "faq:eori-obtenir" for m in messages)


def test_dated_facts_the_knowledge_holds_are_still_answered(kb):
    for text in (
        "Quel est le taux de la prime de l'Assurance Prospection ?",
        "Quel est le taux actuel de la prime de l'Assurance Prospection ?",
        "comment se couvrir contre le risque de change ?",
        "les droits de douane pour exporter au Japon ?",
        # The entry on late-payment penalties says how today's rate is set: the ranker is sure.
        "Quel est le taux de l'intérêt de retard actuel en France ?",
    ):
        assert not out_of_reach.asks_live_figure(kb, text), text
        assert not out_of_reach.is_private_individual(text), text
        message = _first(intent_table.answer_message(kb, "ask_obstacle", {}, {}, text))
        assert not message["text"].startswith(replies.NOT_IN_KNOWLEDGE), text
        assert message["metadata"].get(unit_answers.UNIT_KEY), text

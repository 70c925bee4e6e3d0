"""A short follow-up is about the answer just given (bot/core/follow_ups.py), on the real
knowledge base, alone and through intent_table.answer_message."""

from __future__ import annotations

from bot.core import compound_answers, follow_ups, intent_table, unit_answers

VIE_CARD = "programme:vie:presentation"


def _unit(messages):
    return (messages[0].get("metadata") or {}).get(unit_answers.UNIT_KEY)


def _turn(user: str, *bots: dict) -> list:
    """One turn as Rasa stores it: the user's message, the action, the bot's messages."""
    return [
        {"event": "user", "text": user},
        {"event": "action", "name": "action_x"},
        *({"event": "bot", "text": "…", **bot} for bot in bots),
        {"event": "action", "name": "action_listen"},
    ]


def test_the_previous_turns_last_answer_unit_is_read():
    events = [
        *_turn("une question plus tôt", {"metadata": {"answer_unit": "faq:ancienne"}}),
        *_turn(
            "c'est quoi le V.I.E ?",
            {"metadata": {"answer_unit": "faq:premiere"}},
            {"metadata": {"answer_unit": VIE_CARD}},
            {"metadata": {}},
        ),
        {"event": "user", "text": "combien ?"},
    ]
    assert follow_ups.last_answer_unit(events) == VIE_CARD


def test_a_previous_turn_without_an_answer_gives_no_unit_even_after_an_earlier_answer():
    events = [
        *_turn("c'est quoi le V.I.E ?", {"metadata": {"answer_unit": VIE_CARD}}),
        *_turn("des aides ?", {"text": "De quel dispositif parlez-vous ?"}),
        {"event": "user", "text": "combien ?"},
    ]
    assert follow_ups.last_answer_unit(events) is None
    assert follow_ups.last_answer_unit([{"event": "user", "text": "bonjour"}]) is None
    assert follow_ups.last_answer_unit([]) is None


def test_combien_after_the_vie_card_gives_the_vie_amounts(kb):
    # Alone, « combien ? » gets the menu of programmes.
    _, before = intent_table.answer_message(kb, "ask_programme", {}, {}, "combien ?")
    assert _unit(before) is None
    _, messages = intent_table.answer_message(kb, "ask_programme", {}, {}, "combien ?", VIE_CARD)
    assert _unit(messages) == "faq:vie-indemnite-montant"
    assert "772,87 €" in messages[0]["text"]


def test_the_programme_slot_still_answers_its_aspect_after_its_own_card(kb):
    context = {"programme": "vie"}
    _, messages = intent_table.answer_message(kb, "ask_amount", {}, context, "combien ?", VIE_CARD)
    assert _unit(messages) == "programme:vie:montants"


def test_a_follow_up_gets_the_entry_on_the_same_programme_that_holds_its_word(kb):
    _, messages = intent_table.answer_message(kb, "ask_programme", {}, {}, "et c'est long ?", VIE_CARD)
    assert _unit(messages) == "faq:vie-delai-depart"
    _, messages = intent_table.answer_message(
        kb, "ask_programme", {}, {}, "combien ça coûte ?", "programme:assurance-prospection:presentation"
    )
    assert _unit(messages) == "faq:assurance-prospection-versement-prime" and "3 %" in messages[0]["text"]


def test_cher_after_the_credit_documentaire_is_not_answered_beside_it(kb):
    # knowledge/ gives no cost of a crédit documentaire: no entry of the payment topic is sure
    # enough, and the reply stays what it was without the previous answer.
    assert follow_ups.answer(kb, "c'est cher ?", "faq:credit-documentaire") is None
    before = intent_table.answer_message(kb, "ask_amount", {}, {}, "c'est cher ?")
    after = intent_table.answer_message(kb, "ask_amount", {}, {}, "c'est cher ?", "faq:credit-documentaire")
    assert after == before


def test_a_follow_up_on_another_subject_is_not_captured(kb):
    assert follow_ups.answer(kb, "quel temps fera-t-il demain ?", "faq:credit-documentaire") is None
    assert follow_ups.answer(kb, "et c'est long ?", None) is None
    assert follow_ups.answer(kb, "et c'est long ?", "faq:n-existe-pas") is None


def test_a_long_precise_question_is_not_captured(kb):
    question = "Quels documents la banque exige-t-elle pour payer un crédit documentaire ?"
    assert not follow_ups.is_short(kb, question)
    assert follow_ups.answer(kb, question, "faq:credit-documentaire") is None
    assert follow_ups.is_short(kb, "et pour un particulier ?") and follow_ups.is_short(kb, "c'est obligatoire ?")


def test_the_previous_unit_is_not_given_again(kb):
    # The EU trademark's entry is the best unit on its subject for « combien ça coûte ? ».
    assert follow_ups.answer(kb, "combien ça coûte ?", "faq:marque-union-europeenne") is None


def test_units_on_the_subject(kb):
    units = {u.id: u for u in unit_answers.ranker_for(kb).units}
    vie, credoc = units[VIE_CARD], units["faq:credit-documentaire"]
    assert follow_ups.on_the_subject(kb, vie, units["programme:vie:montants"])
    assert follow_ups.on_the_subject(kb, vie, units["faq:vie-cout"])
    assert not follow_ups.on_the_subject(kb, vie, units["faq:credit-documentaire"])
    assert follow_ups.on_the_subject(kb, credoc, units["faq:remise-documentaire"])  # same topic, both the ICC's
    # Same topic, nothing linked in common: the cost of a SEPA transfer is not the credit's.
    assert not follow_ups.on_the_subject(kb, credoc, units["faq:virement-euros-ue-frais"])
    assert not follow_ups.on_the_subject(kb, credoc, units["faq:vie-cout"])


# --- Follow-ups that change one condition of the previous question ---------------------------

ORIGIN_FOR_JAPAN = "Comment prouver l'origine UE de mes produits pour que mon client japonais ne paie pas de droits ?"
VAT_CANADA = "Dois-je facturer la TVA à un client situé au Canada ?"


def test_the_previous_question_is_the_message_the_previous_answer_answered():
    events = [
        *_turn("une question plus tôt", {"metadata": {"answer_unit": "faq:ancienne"}}),
        *_turn(
            ORIGIN_FOR_JAPAN,
            {"metadata": {"answer_unit": "faq:attestation-origine-japon"}},
            {"text": "Si votre question portait plutôt sur…"},
        ),
        {"event": "user", "text": "et au Royaume-Uni ?"},
    ]
    assert follow_ups.last_question(events) == ORIGIN_FOR_JAPAN


def test_no_previous_question_after_an_honest_reply_a_compound_reply_or_a_button():
    answered = {"metadata": {"answer_unit": "faq:attestation-origine-japon"}}
    replies_without_one_question = (
        [{"metadata": {"abstained": True}}],
        [{"metadata": {"profile": {"headcount": 40}}}, answered],
        [answered, {"metadata": {"answer_unit": "faq:eur1"}}],
        [answered, {"metadata": {"abstained": True}}],
    )
    for bots in replies_without_one_question:
        events = [*_turn(ORIGIN_FOR_JAPAN, *bots), {"event": "user", "text": "et au Royaume-Uni ?"}]
        assert follow_ups.last_question(events) is None
    clicked = [*_turn('/ask_country{"country": "jp"}', answered), {"event": "user", "text": "et en Chine ?"}]
    assert follow_ups.last_question(clicked) is None
    assert follow_ups.last_question([{"event": "user", "text": "et au Japon ?"}]) is None


def test_a_new_country_asks_the_previous_question_again_before_the_countrys_card(kb):
    entities = {"country": "Royaume-Uni"}
    _, card = intent_table.answer_message(kb, "ask_country", entities, {}, "et au Royaume-Uni ?")
    assert _unit(card) == "country:gb"
    _, messages = intent_table.answer_message(
        kb, "ask_country", entities, {}, "et au Royaume-Uni ?", "faq:attestation-origine-japon", ORIGIN_FOR_JAPAN
    )
    assert _unit(messages) == "faq:origine-royaume-uni-accord"
    # The country named before is taken out of the question asked again: the Japanese entry,
    # whose rules are Japan's own, cannot answer for the United Kingdom.
    assert "japonais" not in follow_ups.reasked(kb, "et au Royaume-Uni ?", ORIGIN_FOR_JAPAN)


def test_a_country_the_knowledge_answers_the_same_way_gets_the_same_entry(kb):
    # Outside the EU, Canada or Japan: the export is exempt the same way.
    assert _unit(unit_answers.answer_text(kb, VAT_CANADA)[1]) == "faq:tva-export-hors-ue"
    _, messages = intent_table.answer_message(
        kb, "ask_country", {"country": "Japon"}, {}, "et au Japon ?", "faq:tva-export-hors-ue", VAT_CANADA
    )
    assert _unit(messages) == "faq:tva-export-hors-ue"


def test_the_countrys_card_stays_when_the_question_asked_again_is_not_sure(kb):
    question = "Comment facturer sans TVA une entreprise cliente en Belgique ?"
    args = (kb, "ask_country", {"country": "Brésil"}, {}, "et au Brésil ?")
    after = intent_table.answer_message(*args, "faq:operation-triangulaire-tva", question)
    assert _unit(after[1]) == "country:br"
    assert after == intent_table.answer_message(*args)


def test_a_new_word_gets_the_entry_the_ranker_is_sure_of_that_holds_it(kb):
    _, messages = intent_table.answer_message(
        kb,
        "ask_obstacle",
        {},
        {},
        "et pour une prestation de services ?",
        "faq:tva-export-hors-ue",
        "Dois-je facturer la TVA à un client situé hors de l'Union européenne ?",
    )
    assert _unit(messages) == "faq:tva-services-client-hors-ue"
    found = follow_ups.answer(
        kb, "et pour un brevet ?", "faq:proteger-marque-quelle-voie", "Comment protéger ma marque à l'étranger ?"
    )
    assert _unit(found[1]) == "faq:brevet-etranger"


def test_a_new_condition_the_ranker_does_not_read_changes_nothing(kb):
    # The ranker answers « et si c'est un particulier ? » with the entry it gave for the
    # company client (a triangular sale, which says nothing of private buyers): no answer.
    question = "Dois-je facturer la TVA à un client allemand ?"
    assert _unit(unit_answers.answer_text(kb, question)[1]) == "faq:operation-triangulaire-tva"
    assert follow_ups.with_the_condition_changed(kb, "et si c'est un particulier ?", question) is None
    args = (kb, "ask_obstacle", {}, {}, "et si c'est un particulier ?")
    assert intent_table.answer_message(*args, "faq:operation-triangulaire-tva", question) == (
        intent_table.answer_message(*args, "faq:operation-triangulaire-tva")
    )


def test_a_likely_unit_is_not_enough(kb):
    # « Le V.I.E, combien ça coûte ? et pour 12 mois ? » finds the renewal entry likely only: the
    # programme discussed keeps giving its amounts, durations included.
    question = "Le V.I.E, combien ça coûte ?"
    assert unit_answers.decide(kb, f"{question} et pour 12 mois ?").kind == "likely"
    assert follow_ups.with_the_condition_changed(kb, "et pour 12 mois ?", question, "faq:vie-cout") is None
    args = (kb, "ask_amount", {}, {"programme": "vie"}, "et pour 12 mois ?", "faq:vie-cout")
    _, messages = intent_table.answer_message(*args, question)
    assert _unit(messages) == "programme:vie:montants"
    assert intent_table.answer_message(*args, question) == intent_table.answer_message(*args)


def test_a_private_individual_is_declined_rather_than_answered(kb):
    question = "Comment facturer sans TVA une entreprise cliente dans un autre pays de l'UE ?"
    assert follow_ups.with_the_condition_changed(kb, "et si je suis un particulier ?", question) is None
    _, messages = intent_table.answer_message(
        kb, "ask_obstacle", {}, {}, "et si je suis un particulier ?", "faq:tva-livraison-intracommunautaire", question
    )
    assert messages[-1] == {"response": "utter_out_of_scope"}


def test_a_follow_up_after_an_honest_reply_leans_on_nothing(kb):
    events = [
        *_turn("Faut-il un certificat d'origine pour exporter au Maroc ?", {"metadata": {"abstained": True}}),
        {"event": "user", "text": "et pour la Chine ?"},
    ]
    previous_unit, previous_question = follow_ups.last_answer_unit(events), follow_ups.last_question(events)
    args = (kb, "ask_country", {"country": "Chine"}, {}, "et pour la Chine ?")
    assert intent_table.answer_message(*args, previous_unit, previous_question) == intent_table.answer_message(*args)


def test_a_long_new_question_or_a_question_on_the_answer_changes_no_condition(kb):
    question = "Quels documents faut-il pour vendre des machines agricoles au Royaume-Uni après le Brexit ?"
    assert not follow_ups.changes_a_condition(kb, question)
    assert follow_ups.with_the_condition_changed(kb, question, ORIGIN_FOR_JAPAN) is None
    assert not follow_ups.changes_a_condition(kb, "et c'est long ?")
    assert not follow_ups.changes_a_condition(kb, "et alors ?")
    for follow_up in ("et au Japon ?", "Inde ?", "même question pour l'Irlande", "et si c'est un particulier ?"):
        assert follow_ups.changes_a_condition(kb, follow_up), follow_up


def test_a_country_named_alone_asks_the_previous_question_again(kb):
    entities = {"country": "Royaume-Uni"}
    updates, card = compound_answers.country_alone(kb, "et au Royaume-Uni ?", entities)
    assert updates == {"country": "gb"} and "Royaume-Uni" in card[0]["text"]
    _, messages = compound_answers.country_alone(kb, "et au Royaume-Uni ?", entities, None, ORIGIN_FOR_JAPAN)
    assert _unit(messages) == "faq:origine-royaume-uni-accord"


def test_a_follow_up_taken_for_a_company_statement_asks_the_previous_question_again(kb):
    follow_up, previous = "et pour un brevet ?", "Comment protéger ma marque à l'étranger ?"
    assert compound_answers.question_alone(kb, follow_up, {}) is None
    _, messages = compound_answers.question_alone(kb, follow_up, {}, None, previous)
    assert _unit(messages) == "faq:brevet-etranger"


def test_the_question_asked_again_keeps_the_words_as_typed(kb):
    asked = follow_ups.reasked(kb, "et au Japon ?", "Le V.I.E au Canada, combien ça coûte pour le Canada ?")
    assert "V.I.E" in asked and "Canada" not in asked and asked.endswith("et au Japon ?")


def test_a_second_follow_up_changes_the_question_asked_again(kb):
    _, messages = follow_ups.with_the_condition_changed(kb, "et au Royaume-Uni ?", ORIGIN_FOR_JAPAN)
    events = [
        *_turn(ORIGIN_FOR_JAPAN, {"metadata": {"answer_unit": "faq:attestation-origine-japon"}}),
        *_turn("et au Royaume-Uni ?", *({"metadata": m["metadata"]} for m in messages)),
        {"event": "user", "text": "et au Japon ?"},
    ]
    asked = follow_ups.last_question(events)
    assert asked.startswith("Comment prouver l'origine UE") and "Royaume-Uni" in asked
    _, messages = follow_ups.with_the_condition_changed(kb, "et au Japon ?", asked)
    assert _unit(messages) == "faq:attestation-origine-japon"

"""A short follow-up is about the answer just given (bot/core/follow_ups.py), on the real
knowledge base, alone and through intent_table.answer_message."""

from __future__ import annotations

from bot.core import follow_ups, intent_table, unit_answers

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

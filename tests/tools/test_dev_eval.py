"""Scoring the assistant's replies on the development set (bot/tools/dev_eval.py), on events
shaped as Rasa stores them."""

from __future__ import annotations

from bot.core.replies import NOT_IN_KNOWLEDGE
from bot.tools import dev_eval
from bot.tools.dev_set import Item


def _events(*bots):
    return [
        {"event": "user", "text": "une question plus tôt"},
        {"event": "bot", "text": "une réponse plus tôt", "metadata": {"answer_unit": "faq:ancienne"}},
        {"event": "user", "text": "la question"},
        {"event": "action", "name": "action_x"},
        *({"event": "bot", **b} for b in bots),
    ]


def test_the_reply_is_read_after_the_last_user_message():
    reply = dev_eval.reply_of(
        _events({"text": "Réponse. Source : x", "metadata": {"answer_unit": "faq:eori-obtenir"}}, {"text": "Suite"})
    )
    assert reply == dev_eval.Reply("Réponse. Source : x\nSuite", ("faq:eori-obtenir",), False)


def test_honest_replies_are_told_by_their_mark_their_response_or_their_first_words():
    assert dev_eval.reply_of(_events({"text": "…", "metadata": {"abstained": True}})).honest
    assert dev_eval.reply_of(_events({"text": "…", "metadata": {"utter_action": "utter_out_of_scope"}})).honest
    assert dev_eval.reply_of(_events({"text": f"{NOT_IN_KNOWLEDGE}. Un conseiller…"})).honest
    assert not dev_eval.reply_of(_events({"text": "Quelle difficulté rencontrez-vous ?"})).honest


def test_key_facts_are_found_whatever_the_accents_and_case():
    assert dev_eval.has_fact("Délai : 30 JOURS après l'expédition", ("30 jours",))
    assert dev_eval.has_fact("le numéro EORI", ("numero eori", "absent"))
    assert not dev_eval.has_fact("le numéro SIRET", ("EORI",))


def test_scores_count_top1_key_facts_honesty_and_topics():
    items = [
        Item("a", "douane", "q1", "answerable", units=("faq:a", "faq:b"), key_facts=("EORI",)),
        Item("b", "douane", "q2", "answerable", units=("faq:c",), key_facts=("42",)),
        Item("c", "tva", "q3", "unanswerable"),
        Item("d", "tva", "q4", "out_of_scope"),
        Item("e", "tva", "q5", "answerable", kind="compound"),
    ]
    replies = {
        "a": dev_eval.Reply("le numéro eori", ("faq:b", "faq:z"), False),
        "b": dev_eval.Reply("menu", (), False),
        "c": dev_eval.Reply("pas d'information", (), True),
        "d": dev_eval.Reply("une carte", ("faq:z",), False),
    }
    scored = dev_eval.score(items, replies)
    assert (scored["answerable"], scored["top1"], scored["key_fact"]) == (2, 0.5, 0.5)
    assert (scored["unanswerable"], scored["honest"]) == (2, 0.5)
    assert scored["per_topic"]["douane"]["top1_share"] == 0.5 and "tva" not in scored["per_topic"]
    assert scored["misses"] == [{"id": "b", "expected": ["faq:c"], "answered": []}]

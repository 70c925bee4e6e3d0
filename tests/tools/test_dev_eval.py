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


def test_compound_messages_count_the_questions_answered_and_the_profile_facts_read():
    items = [
        Item(
            "m",
            "normes",
            "Nous sommes 40 à Angers… ?",
            "answerable",
            kind="compound",
            units_per_question=(("country:ma",), ("region:pays-de-la-loire:contacts",), ()),
            profile_slots={"headcount": 40, "region": "pays-de-la-loire", "served": ["be"], "target": ["ma"]},
        )
    ]
    reply = dev_eval.reply_of(
        _events(
            {
                "text": "C'est noté…",
                "metadata": {"profile": {"headcount": "40", "country": "ma", "served": ["be", "fr"]}},
            },
            {"text": "Contacts…", "metadata": {"answer_unit": "region:pays-de-la-loire:contacts"}},
        )
    )
    scored = dev_eval.score_compound(items, {"m": reply})
    assert (scored["questions"], scored["answered"]) == (2, 0.5)
    # Read: headcount, target ma, served be and fr (4); expected: headcount, region, be, ma (4); 3 in common.
    assert scored["profile_f1"] == 0.75

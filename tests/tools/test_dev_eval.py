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


def test_the_units_an_honest_reply_offers_are_read_from_its_metadata():
    reply = dev_eval.reply_of(
        _events(
            {
                "text": f"« q1 »\n{NOT_IN_KNOWLEDGE}…",
                "metadata": {"abstained": True, "offered_units": ["obstacle:tva", "faq:a"]},
            },
            {"text": f"« q2 »\n{NOT_IN_KNOWLEDGE}…", "metadata": {"abstained": True, "offered_units": ["faq:b"]}},
            {"text": "Réponse", "metadata": {"answer_unit": "faq:c"}},
        )
    )
    assert reply.honest and reply.offered == ("obstacle:tva", "faq:a", "faq:b") and reply.units == ("faq:c",)
    assert dev_eval.reply_of(_events({"text": "Réponse", "metadata": {"answer_unit": "faq:c"}})).offered == ()


def test_one_tap_counts_the_honest_replies_to_answerable_questions_that_offer_the_right_unit():
    items = [
        Item("a", "douane", "q1", "answerable", units=("faq:a",)),
        Item("b", "douane", "q2", "answerable", units=("faq:b", "faq:c")),
        Item("c", "douane", "q3", "answerable", units=("faq:d",)),
        Item("d", "douane", "q4", "answerable", units=("faq:e",)),
        Item("e", "tva", "q5", "unanswerable"),
        Item("f", "tva", "q6", "out_of_scope"),
    ]
    replies = {
        "a": dev_eval.Reply("pas d'information", (), True, offered=("faq:z", "faq:a")),
        "b": dev_eval.Reply("pas d'information", (), True, offered=("faq:c",)),
        "c": dev_eval.Reply("pas d'information", (), True, offered=("faq:z",)),
        # Answered, not honest: its buttons do not count.
        "d": dev_eval.Reply("réponse", ("faq:z",), False, offered=("faq:e",)),
        "e": dev_eval.Reply("pas d'information", (), True, offered=("faq:y", "faq:x")),
        "f": dev_eval.Reply("hors sujet", (), True),
    }
    scored = dev_eval.score(items, replies)
    assert (scored["answerable_abstained"], scored["one_tap"]) == (3, 0.667)
    assert scored["offered_per_unanswerable"] == 1.0
    no_honest = dev_eval.score(items[3:4], {"d": replies["d"]})
    assert (no_honest["answerable_abstained"], no_honest["one_tap"]) == (0, None)


def test_the_summary_prints_one_tap_for_both_halves():
    half = {"top1": 0.5, "key_fact": 0.5, "honest": 0.8, "answerable": 10, "one_tap": 0.667}
    half["compound"] = {"answered": 0.7, "profile_f1": 0.9}
    lines = dev_eval.summary({"tuning": half, "heldout": dict(half, one_tap=None)}).splitlines()
    assert lines[0].split()[-3:] == ["à", "un", "clic"]
    assert lines[1].startswith("tuning") and lines[1].split()[-1] == "0.667"
    assert lines[2].startswith("heldout") and lines[2].split()[-1] == "None"


def test_the_nlu_reading_of_the_message_is_kept_beside_the_reply():
    events = _events({"text": "Réponse"})
    events[2]["parse_data"] = {
        "intent": {"name": "ask_vat", "confidence": 0.8731},
        "entities": [{"entity": "country", "value": "Chine", "start": 0, "end": 5}],
    }
    reply = dev_eval.reply_of(events)
    assert (reply.intent, reply.entities) == ("ask_vat 0.87", ("country=Chine",))


def test_transcripts_hold_the_tuning_half_only():
    items = [Item(f"x-{n:04d}", "tva", f"question {n}", "answerable", units=("faq:a",)) for n in range(20)]
    halves = {item.id: item.half for item in items}
    assert set(halves.values()) == {"tuning", "heldout"}  # the ids fall in both halves
    replies = {item.id: dev_eval.Reply("réponse", ("faq:a",), False, intent="ask_vat 0.90") for item in items}
    rows = dev_eval.transcripts(items, replies)
    assert {row["id"] for row in rows} == {i for i, half in halves.items() if half == "tuning"}
    assert rows[0]["intent"] == "ask_vat 0.90" and rows[0]["reply"] == "réponse"

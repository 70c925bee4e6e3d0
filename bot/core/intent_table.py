"""The table of intents: each intent answered by one action wherever it comes in the
conversation, the action that answers it and, when that action answers from the
knowledge base, the function that builds its reply.

Three readers: actions/actions.py defines one answer action per row that has a reply
builder; bot/tools/form_rules.py generates, from every row, the rules that let a question
interrupt a form; `route_intent` answers a button chosen by its rank (« le deuxième ») as
if the user had typed its intent. The intents of domain.yml that have no row are in
`NOT_IN_TABLE`, with the reason; tests/core/test_intent_table.py holds the table, the
domain and the rules of data/rules/ together.

Used by the action server; pure Python, no Rasa import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core import answer_router, compound_answers, follow_ups, out_of_reach, quantities, replies, unit_answers
from bot.core.advice import company as advice_company
from bot.knowledge.snapshot import KnowledgeBase

# A reply builder: (kb, entities of the message, context slots, text) → (slot updates, messages).
ReplyBuilder = Callable[[KnowledgeBase, dict, dict, str], tuple]


@dataclass(frozen=True)
class IntentRow:
    intent: str
    # A custom action (action_…) or a response of domain.yml (utter_…).
    action: str
    # None when the action is a response, or a custom action with its own logic
    # (actions/actions.py): a button that carries such an intent is not answered by rank.
    reply: ReplyBuilder | None = None


def _remembered(slot: str, found: tuple) -> tuple:
    """(record id or None, messages) → the slot set to the record the answer was about."""
    record_id, messages = found
    return ({slot: record_id} if record_id else {}), messages


def _programme(kb, entities, context, text):
    return _remembered("programme", answer_router.answer_programme(kb, entities.get("programme"), text))


def _eligibility(kb, entities, context, text):
    return answer_router.answer_eligibility(kb, entities.get("programme"), context, text)


def _programme_aspect(intent: str) -> ReplyBuilder:
    """One aspect of one programme: « combien ? », « comment faire ? », « encore ouvert ? »."""

    def reply(kb, entities, context, text):
        return _remembered(
            "programme",
            answer_router.answer_programme_aspect(
                kb, intent, entities.get("programme"), context.get("programme"), text
            ),
        )

    return reply


def _contact(kb, entities, context, text):
    get = entities.get
    return answer_router.answer_contact(
        kb, get("programme"), get("organisation"), get("region"), get("departement"), text, context
    )


def _obstacle(kb, entities, context, text):
    return _remembered("obstacle", answer_router.answer_obstacle(kb, entities.get("obstacle"), text, context))


def _cluster(kb, entities, context, text):
    # The place the message names (« biotechs santé à Lyon ») comes before the one known.
    region = (
        advice_company.parse_place(kb, text, text)[0]
        or advice_company.parse_place(kb, context.get("region"), context.get("departement"))[0]
    )
    return _remembered(
        "cluster",
        answer_router.answer_cluster(
            kb, entities.get("cluster"), entities.get("sector") or context.get("sector"), text, region
        ),
    )


def _organisation(kb, entities, context, text):
    return _remembered("organisation", answer_router.answer_organisation(kb, entities.get("organisation"), text))


def _region(kb, entities, context, text):
    return _remembered(
        "region", answer_router.answer_region(kb, entities.get("region"), entities.get("departement"), text, context)
    )


def _country(kb, entities, context, text):
    return _remembered("country", answer_router.answer_country(kb, entities.get("country"), text))


def _financing_overview(kb, entities, context, text):
    """The national catalogue; once the company has described itself, the programmes that fit
    it best and its Région's contacts instead (« …on vise le Québec. » then « Quelles aides ? »)."""
    if any(context.get(slot) for slot in ("region", "departement", "sector", "headcount")):
        company = advice_company.from_values(kb, context)
        messages = compound_answers.for_the_company(kb, company)
        if messages:
            return {}, messages
    return {}, replies.financing_overview(kb)


def _support_overview(kb, entities, context, text):
    return {}, replies.support_overview(kb)


# In the order of the generated rules (data/rules/form_interruptions.yml).
ROWS = (
    IntentRow("greet", "action_greet"),
    IntentRow("affirm", "utter_anything_else"),
    IntentRow("deny", "utter_anything_else"),
    IntentRow("thanks", "utter_you_are_welcome"),
    IntentRow("bot_challenge", "utter_iamabot"),
    IntentRow("how_are_you", "utter_how_are_you"),
    IntentRow("insult", "utter_insult"),
    IntentRow("other_language", "action_other_language"),
    IntentRow("out_of_scope", "action_out_of_scope"),
    IntentRow("nonsense", "action_nonsense"),
    IntentRow("choose_item", "action_choose_item"),
    IntentRow("inform_company", "action_remember_company"),
    IntentRow("ask_programme", "action_programme_details", _programme),
    IntentRow("ask_eligibility", "action_programme_eligibility", _eligibility),
    IntentRow("ask_amount", "action_programme_amount", _programme_aspect("ask_amount")),
    IntentRow("ask_how_to_apply", "action_programme_how_to_apply", _programme_aspect("ask_how_to_apply")),
    IntentRow("ask_programme_status", "action_programme_status", _programme_aspect("ask_programme_status")),
    IntentRow("ask_contact", "action_contact", _contact),
    IntentRow("ask_financing_overview", "action_financing_overview", _financing_overview),
    IntentRow("ask_support_overview", "action_support_overview", _support_overview),
    IntentRow("ask_obstacle", "action_obstacle_advice", _obstacle),
    IntentRow("ask_cluster", "action_cluster_info", _cluster),
    IntentRow("ask_organisation", "action_organisation_info", _organisation),
    IntentRow("ask_region_support", "action_region_support", _region),
    IntentRow("ask_country", "action_country_info", _country),
)
BY_INTENT = {row.intent: row for row in ROWS}

# The intents of domain.yml that no single action answers everywhere: their rules in
# data/rules/ start or end a form, or call Rasa's own action.
NOT_IN_TABLE = {
    "goodbye": "utter_goodbye; during a form, it also ends the form (chitchat.yml, advice.yml, adviser.yml)",
    "restart": "action_restart, Rasa's own action (chitchat.yml)",
    "request_adviser": "starts adviser_form (adviser.yml)",
    "ask_recommendation": "starts profile_form (advice.yml)",
}


def route_intent(kb: KnowledgeBase, intent: str, entities: dict, context: dict, text: str = ""):
    """(slot updates, messages) for an intent and its entities, as if the user had typed it:
    what a button chosen by its rank (« le deuxième ») leads to."""
    row = BY_INTENT.get(intent)
    if row is None or row.reply is None:
        return {}, replies.no_list_to_choose_from()
    return row.reply(kb, entities, context, text)


# The kinds of record each informational intent may name.
INTENT_KINDS = {
    "ask_programme": ("programme",),
    "ask_eligibility": ("programme",),
    "ask_amount": ("programme",),
    "ask_how_to_apply": ("programme",),
    "ask_programme_status": ("programme",),
    "ask_contact": ("programme", "organisation", "region"),
    "ask_organisation": ("organisation",),
    "ask_cluster": ("cluster", "sector"),
    "ask_country": ("country",),
    "ask_obstacle": ("obstacle",),
    "ask_region_support": ("region",),
}
# Intents about one aspect of a programme: « et ça coûte combien ? » follows up on the one
# discussed before.
ASPECT_INTENTS = {"ask_amount", "ask_how_to_apply", "ask_programme_status", "ask_eligibility", "ask_contact"}


# A Région's card lists whom to contact there: it answers « qui peut nous aider en Bretagne
# pour un salon ? » whatever the subject, words its card does not use included.
ANSWERS_BESIDE_ITS_WORDS = ("region",)


def _named_record(kb: KnowledgeBase, kind: str, entities: dict, text: str) -> str | None:
    if kind == "programme":
        return answer_router.programme_in_context(kb, entities.get("programme"), None, text)
    if kind == "region":
        return answer_router.region_in_context(kb, entities.get("region"), entities.get("departement"), text)[0]
    return kb.named(kind, entities.get(kind), text)


def _named(kb: KnowledgeBase, intent: str, entities: dict, text: str) -> tuple:
    """(kind, id) of the first record of the intent's kinds that the message names, or (None, None)."""
    for kind in INTENT_KINDS.get(intent, ()):
        rid = _named_record(kb, kind, entities, text)
        if rid is not None:
            return kind, rid
    return None, None


def answer_message(
    kb: KnowledgeBase,
    intent: str,
    entities: dict,
    context: dict,
    text: str,
    previous_unit: str | None = None,
    previous_question: str | None = None,
):
    """(slot updates, messages) for a typed message of an informational intent; `previous_unit`,
    the unit the previous turn answered (follow_ups.last_answer_unit), and `previous_question`,
    the words it answered (follow_ups.last_question).

    - A follow-up that changes one condition of the previous question (« et pour la Chine ? »,
      « et si c'est un particulier ? ») gets the answer to that question asked again, when the
      ranker is sure of it: before the card of the country it names
      (follow_ups.with_the_condition_changed).
    - A short follow-up that names no record (« c'est cher ? », « et c'est long ? ») is about
      the answer just given, when the ranker is sure of a unit on its subject (follow_ups);
      the programme discussed before keeps answering « et ça coûte combien ? » when that
      answer was about it, before both.
    - A message that says little more than a record's name (« C'est quoi le numéro EORI ? »),
      when the record's card holds its words, or that follows up on the programme discussed
      before (« et ça coûte combien ? »), gets the intent's answer about that record; for a
      difficulty, a broad subject, a FAQ entry the ranker is sure of comes first (« mon bien
      est-il à double usage ? »).
    - When the message names a record whose card holds the question's words, that card,
      unless the ranker is sure of, or finds likely, a unit about that record (or, for a
      difficulty, a FAQ entry).
    - Otherwise the ranker comes first: the unit it is sure of, a likely unit with the
      runner-up beside it, or two close ones to choose from. When it has nothing reliable
      and the message names a record whose card does not hold the point asked (« quel est le
      PIB du Vietnam ? »), the honest reply with that card one tap away, not the card.
    - Then the intent's answer, in which a precise question gets the honest reply rather than
      a menu.

    Before all of these, a typed message from a private individual or about a live figure is
    declined (bot/core/out_of_reach.py): a record's card or the nearest entry would answer
    beside the point.
    """
    row = BY_INTENT[intent]
    kind, rid = _named(kb, intent, entities, text)
    typed = not (text or "").startswith("/")  # a button sends « /intent{…} »
    declined = out_of_reach.answer(kb, text) if typed else None
    if declined is not None:
        return declined
    follow_up = (
        rid is None
        and intent in ASPECT_INTENTS
        and bool(context.get("programme"))
        and not unit_answers.is_precise(kb, text)
    )
    if typed and not (follow_up and _continues(kb, previous_unit, context["programme"])):
        found = (
            follow_ups.answer(kb, text, previous_unit, previous_question)
            if rid is None
            else follow_ups.with_the_condition_changed(kb, text, previous_question, previous_unit)
        )
        if found is not None:
            return found
    # « Quel pôle pour les produits de la mer ? »: the pôles of that sector are the answer.
    by_sector = kind == "sector"
    if typed and not follow_up and not by_sector:
        beside = rid is not None and unit_answers.beside_the_record(kb, kind, rid, text)
        if rid and not beside and unit_answers.names_only(kb, kind, rid, text):
            found = _sure_entry_on_the_subject(kb, kind, text)
        else:
            found = _ranked_answer(kb, kind, rid, text)
        if found is not None:
            return found
        if beside and kind not in ANSWERS_BESIDE_ITS_WORDS:
            return {}, unit_answers.no_reliable_answer(kb, text, (kind, rid))
    updates, messages = row.reply(kb, entities, context, text)
    return updates, unit_answers.mark_record_reply(kb, intent, updates, messages)


def _continues(kb: KnowledgeBase, previous_unit: str | None, programme: str) -> bool:
    """Whether a follow-up on the programme discussed before still follows the conversation:
    the previous answer was about that programme, or no answer came before. After an entry on
    trademarks, the V.I.E of three turns earlier is no longer the subject."""
    return previous_unit is None or follow_ups.is_about_record(kb, previous_unit, "programme", programme)


def _ranked_answer(kb: KnowledgeBase, kind: str | None, rid: str | None, text: str):
    """(slot updates, messages) from the ranker, or None. When the message names a record whose
    card holds the question's words, a unit the ranker is sure of or finds likely answers more
    precisely than the card if it is about that record, or a FAQ entry on a difficulty's
    point."""
    if rid is None or unit_answers.beside_the_record(kb, kind, rid, text):
        return unit_answers.answer_text(kb, text)
    decision = unit_answers.decide(kb, text)
    best = decision.best[0].unit if decision.best else None
    # A difficulty is a broad subject: an entry written for one question of it answers that
    # question better than its summary. A country's or a programme's card answers about itself.
    broad = kind == "obstacle" and best is not None and best.kind == "faq"
    if decision.kind in ("sure", "likely") and (broad or unit_answers.is_about(kb, best, kind, rid)):
        return unit_answers.answer_decision(kb, decision, text)
    return None


def _sure_entry_on_the_subject(kb: KnowledgeBase, kind: str, text: str):
    """(slot updates, messages) for a question that only names a difficulty, when the ranker is
    sure of a FAQ entry: a difficulty is a broad subject, and an entry written for the question
    (« mon bien est-il à double usage ? ») answers it better than the subject's summary. A
    programme's or an organisation's card already answers a question that only names it."""
    if kind != "obstacle":
        return None
    decision = unit_answers.decide(kb, text)
    if decision.kind == "sure" and decision.best[0].unit.kind == "faq":
        return unit_answers.unit_reply(kb, decision.best[0].unit, text)
    return None


def answer_choice(kb: KnowledgeBase, rank_text: str | None, text: str, options: list, context: dict):
    """(slot updates, messages) for « le deuxième »: the button of that rank in the last list."""
    if not options:
        return {}, replies.no_list_to_choose_from()
    rank = quantities.parse_rank(rank_text, len(options)) or quantities.parse_rank(text, len(options))
    if rank is None or not 1 <= rank <= len(options):
        return {}, replies.rank_out_of_range(len(options))
    chosen = options[rank - 1]
    parsed = answer_router.parse_payload(chosen)
    if parsed is None:
        # A button that asks a FAQ entry sends its question as text.
        found = unit_answers.answer_text(kb, chosen) if chosen else None
        return found if found is not None else ({}, replies.no_list_to_choose_from())
    return route_intent(kb, parsed[0], parsed[1], context)

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

from bot.core import answer_router, compound_answers, quantities, replies, unit_answers
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
    region = advice_company.parse_place(kb, context.get("region"), context.get("departement"))[0]
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
    IntentRow("other_language", "utter_other_language"),
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


# Intents whose own answer is more precise than the ranker's when the message names the
# record or follows up on one: an aspect of a programme, an eligibility check against the
# company's profile, the contacts of a Région.
RECORD_LED = {"ask_amount", "ask_how_to_apply", "ask_programme_status", "ask_eligibility", "ask_contact"}
_NAMING_ENTITIES = ("programme", "organisation", "region", "departement")
_RECORD_ENTITIES = _NAMING_ENTITIES + ("obstacle", "cluster", "country")


def _names_its_record(kb: KnowledgeBase, intent: str, entities: dict, context: dict, text: str) -> bool:
    if intent not in RECORD_LED:
        return False
    if any(entities.get(name) for name in _NAMING_ENTITIES) or kb.mentioned("programme", text or ""):
        return True
    # « et ça coûte combien ? » after a programme: a follow-up, unless the question has
    # words of its own (« combien de temps pour obtenir un EORI ? »).
    return bool(context.get("programme")) and not unit_answers.is_precise(kb, text)


def answer_message(kb: KnowledgeBase, intent: str, entities: dict, context: dict, text: str):
    """(slot updates, messages) for a typed message of an informational intent: the answer
    unit the ranker is sure of (or two close ones to choose from) comes first, unless the
    intent's own answer is about a record the message names; otherwise the intent's answer,
    in which a precise question gets the honest reply rather than a menu."""
    row = BY_INTENT[intent]
    typed = not (text or "").startswith("/")  # a button sends « /intent{…} »
    if typed and not _names_its_record(kb, intent, entities, context, text):
        # A record the extractor found (« parle-moi de Medicen ») is a better guess than a
        # unit the ranker is not sure of: only a sure unit overrules it.
        named = any(entities.get(name) for name in _RECORD_ENTITIES)
        found = unit_answers.answer_text(kb, text, only_sure=named)
        if found is not None:
            return found
    updates, messages = row.reply(kb, entities, context, text)
    return updates, unit_answers.mark_record_reply(kb, intent, updates, messages)


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

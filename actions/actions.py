"""Rasa custom actions: adapters between the tracker and bot/ (no business logic here)."""

import abc
import asyncio
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from bot.config import settings
from bot.core import (
    answer_router,
    choices,
    compound_answers,
    corrections,
    follow_ups,
    intent_table,
    language,
    replies,
    unit_answers,
)
from bot.core.advice import company as advice_company
from bot.core.advice import conversation, finder, handover, render
from bot.knowledge.provider import get_knowledge_base, prepare_each_snapshot

ENTITIES = ("programme", "obstacle", "cluster", "organisation", "region", "departement", "country", "sector")
PROFILE_SLOTS = advice_company.PROFILE_SLOTS
# The answer ranker and the sentencizer are built with each knowledge base snapshot, in the
# loading thread, not by the first question.
prepare_each_snapshot(compound_answers.prepare)
ALL_ENTITIES = tuple(dict.fromkeys(ENTITIES + PROFILE_SLOTS))
# What earlier turns established, for follow-ups such as « et c'est pour qui ? », and the
# company's profile for eligibility.
CONTEXT_SLOTS = tuple(dict.fromkeys(("programme", "organisation", "obstacle", "pending_eligibility") + PROFILE_SLOTS))


def _reply(dispatcher: CollectingDispatcher, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sends the messages; their buttons become the list that « le deuxième » refers to
    (or, where a message says so, its `choices`). Each message also carries its numbered
    choices, for the channels that write numbers instead of showing buttons. A message that
    names a response of domain.yml (`response`) is sent as that response."""
    numbered = choices.number(messages)
    for message, extra in zip(messages, choices.metadata(numbered)):
        if "response" in message:  # a response of domain.yml, which Rasa renders
            dispatcher.utter_message(response=message["response"])
            continue
        # The unit answered and its sources travel beside the text (bot/core/unit_answers.py).
        extra = {**(message.get("metadata") or {}), **extra}
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons", []), **extra)
    payloads = [choice.payload for message_choices in numbered for choice in message_choices]
    return [SlotSet("last_options", payloads)] if payloads else []


def _latest_entities(tracker: Tracker, names=ENTITIES) -> dict[str, str]:
    found = {name: next(tracker.get_latest_entity_values(name), None) for name in names}
    return {name: value for name, value in found.items() if value}


def _context(tracker: Tracker) -> dict[str, Any]:
    return {slot: tracker.get_slot(slot) for slot in CONTEXT_SLOTS}


def _profile_turn(kb, tracker: Tracker, names=PROFILE_SLOTS) -> tuple:
    """(context, entities, reset) for the latest message: a slot Rasa filled from a value the
    message negates (« pas l'Algérie ») has its earlier value back, and `reset` sets it back."""
    return corrections.undo_negated_fills(
        kb,
        tracker.latest_message.get("text") or "",
        _context(tracker),
        _latest_entities(tracker, names),
        lambda slot: conversation.value_before_latest_message(tracker.events, slot),
    )


def _note_company(kb, tracker: Tracker, read: tuple | None = None, turn: tuple | None = None):
    """(slot updates, messages) for what the latest message says about the company; slots
    hold what earlier turns said, this message's entities take precedence, and a value the
    message negates is dropped (« non, nous sommes 50, pas 15 »). `read`, what
    compound_answers.read_profile gave for this message, and `turn`, what _profile_turn gave
    for its profile slots, when the caller has them already."""
    text = tracker.latest_message.get("text") or ""
    context, entities, reset = turn or _profile_turn(kb, tracker)
    described, markets = read or compound_answers.read_profile(kb, text, entities)
    contradicted = compound_answers.contradicted(kb, text, context)
    profile, cleared = compound_answers.merged_profile(context, entities, described, contradicted)
    values = {**{k: v for k, v in context.items() if k not in advice_company.PROFILE_SLOTS}, **profile}
    updates, messages = answer_router.answer_company(
        kb, values, text=text, served=markets.served, wanted=markets.wanted
    )
    if messages:
        messages = [compound_answers.with_profile(messages[0], {**values, **updates}, markets), *messages[1:]]
    return {**reset, **updates, **dict.fromkeys(cleared)}, messages


def _previous_unit(tracker: Tracker) -> str | None:
    """The unit the previous turn answered, which a short follow-up is about."""
    return follow_ups.last_answer_unit(tracker.events)


def _previous_question(tracker: Tracker) -> str | None:
    """The words the previous turn answered, which a follow-up may ask again with a new condition."""
    return follow_ups.last_question(tracker.events)


def _slot_events(updates: dict[str, Any]) -> list[dict[str, Any]]:
    return [SlotSet(slot, value) for slot, value in updates.items()]


class AnswerAction(Action, metaclass=abc.ABCMeta):
    """Answers one intent from the knowledge base with the entities of the latest message
    and the context slots. Abstract until a subclass names its intent, so that rasa_sdk
    does not register it; the subclasses are made from bot/core/intent_table.py.

    To add an intent answered from the knowledge base:
    1. write its reply builder (bot/core/answer_router.py, bot/core/replies.py) and add its
       row to `intent_table.ROWS`: intent, action name, builder — the action exists then;
    2. in domain.yml, add the intent and the action; in data/, its NLU examples and its
       rule (intent → action);
    3. `python -m bot nlu generate` (the rules that let it interrupt a form), then
       tests/core/test_intent_table.py checks that the table, the domain and the rules agree.
    """

    action_name: str = ""

    @property
    @abc.abstractmethod
    def intent(self) -> str:
        """The intent this action answers, whatever NLU predicted (a rule chose the action)."""

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb = await get_knowledge_base()
        if kb is None:
            return _reply(dispatcher, replies.knowledge_unavailable())
        text = tracker.latest_message.get("text") or ""
        found = compound_answers.answer(kb, text, _latest_entities(tracker, ALL_ENTITIES), _context(tracker))
        updates, messages = found or intent_table.answer_message(
            kb,
            self.intent,
            _latest_entities(tracker),
            _context(tracker),
            text,
            _previous_unit(tracker),
            _previous_question(tracker),
        )
        return _reply(dispatcher, messages) + _slot_events(updates)


def _answer_action(row: intent_table.IntentRow) -> type:
    """action_programme_details → class ActionProgrammeDetails, named like its action."""
    class_name = "".join(part.capitalize() for part in row.action.split("_"))
    return type(
        class_name,
        (AnswerAction,),
        {"__module__": __name__, "action_name": row.action, "intent": row.intent, "__doc__": f"Answers {row.intent}."},
    )


# One answer action per row of the table that builds its reply; module attributes, so
# that rasa_sdk finds them (and keeps them: it only holds weak references to subclasses).
ANSWER_ACTIONS = tuple(_answer_action(row) for row in intent_table.ROWS if row.reply)
globals().update({action.__name__: action for action in ANSWER_ACTIONS})


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb = await get_knowledge_base()
        text = tracker.latest_message.get("text") or ""
        found = follow_ups.answer(kb, text, _previous_unit(tracker), _previous_question(tracker)) if kb else None
        updates, messages = found or (answer_router.answer_out_of_scope(kb, text) if kb else ({}, []))
        if messages:
            return _reply(dispatcher, messages) + _slot_events(updates)
        dispatcher.utter_message(response="utter_out_of_scope")
        return []


class ContextAction(Action, metaclass=abc.ABCMeta):
    """An action that needs the knowledge base and the conversation: `respond` returns
    (slot updates, messages); the base class handles an unavailable knowledge base and
    sends the messages. Abstract, so that rasa_sdk does not register it."""

    action_name: str = ""

    def name(self) -> str:
        return self.action_name

    @abc.abstractmethod
    def respond(self, kb, tracker: Tracker):
        """(slot updates, messages) from bot/."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb = await get_knowledge_base()
        if kb is None:
            return _reply(dispatcher, replies.knowledge_unavailable())
        updates, messages = self.respond(kb, tracker)
        if messages is None:
            dispatcher.utter_message(response="utter_default")
            return []
        return _reply(dispatcher, messages) + _slot_events(updates)


class ActionNonsense(ContextAction):
    """A bare « 2 » looks like noise to the classifier; right after a list of buttons it is
    a choice. Anything else gets the request to rephrase."""

    action_name = "action_nonsense"

    def respond(self, kb, tracker: Tracker):
        text = tracker.latest_message.get("text") or ""
        options = tracker.get_slot("last_options") or []
        if answer_router.is_choice(text, options):
            return intent_table.answer_choice(kb, None, text, options, _context(tracker))
        return {}, None


class ActionRememberCompany(ContextAction):
    """The company described; when the same message asks questions, they are answered too."""

    action_name = "action_remember_company"

    def respond(self, kb, tracker: Tracker):
        text = tracker.latest_message.get("text") or ""
        context, entities, reset = _profile_turn(kb, tracker, ALL_ENTITIES)
        found = compound_answers.answer(kb, text, entities, context)
        if found is None:
            # Read once for the three readings below (about 1 ms each).
            profile_entities = {slot: value for slot, value in entities.items() if slot in PROFILE_SLOTS}
            read = compound_answers.read_profile(kb, text, profile_entities)
            previous_question = _previous_question(tracker)
            found = (
                compound_answers.question_alone(kb, text, entities, read, previous_question)
                or compound_answers.country_alone(kb, text, entities, read, previous_question)
                or _note_company(kb, tracker, read, (context, profile_entities, reset))
            )
        updates, messages = found
        return {**reset, **updates}, messages


class ActionGreet(Action):
    """« Bonjour, nous sommes une PME de 60 salariés en Bretagne » is a greeting to the
    classifier: greet, then answer the question the message asks, or repeat back what it said
    about the company."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_greet")
        kb = await get_knowledge_base()
        if kb is None:
            return []
        text = tracker.latest_message.get("text") or ""
        entities = _latest_entities(tracker, ALL_ENTITIES)
        # « Bonjour, comment obtenir un numéro EORI ? » asks a question after the greeting.
        found = compound_answers.answer(kb, text, entities, _context(tracker)) or compound_answers.question_alone(
            kb, text, entities
        )
        if found is None and not _latest_entities(tracker, PROFILE_SLOTS):
            return []
        updates, messages = found or _note_company(kb, tracker)
        return _reply(dispatcher, messages) + _slot_events(updates)


class ActionChooseItem(ContextAction):
    action_name = "action_choose_item"

    def respond(self, kb, tracker: Tracker):
        return intent_table.answer_choice(
            kb,
            next(tracker.get_latest_entity_values("rank"), None),
            tracker.latest_message.get("text") or "",
            tracker.get_slot("last_options") or [],
            _context(tracker),
        )


class ActionRequestAdviser(ContextAction):
    action_name = "action_request_adviser"

    def respond(self, kb, tracker: Tracker):
        return {}, answer_router.answer_adviser(kb, _context(tracker))


class ActionRecommendProgrammes(ContextAction):
    """End of the profile form: the five programmes that fit best, and why."""

    action_name = "action_recommend_programmes"

    def respond(self, kb, tracker: Tracker):
        company = advice_company.from_values(kb, _context(tracker))
        recommended = finder.recommend(kb, company)
        trace = [{"programme": r.programme_id, "score": r.score, "verdict": r.assessment.verdict} for r in recommended]
        return {"advice_trace": trace}, render.recommendations(kb, company, recommended)


class ActionAskNeed(ContextAction):
    """The profile form's question on the main need, with the needs of knowledge/ as buttons."""

    action_name = "action_ask_profile_form_need"

    def respond(self, kb, tracker: Tracker):
        return {}, render.need_question(kb)


class ActionHandoverDeclined(ContextAction):
    action_name = "action_handover_declined"

    def respond(self, kb, tracker: Tracker):
        return {}, render.handover_declined()


class ActionSubmitHandover(Action):
    """With the consent given just before, builds the dossier, stores it and shows it."""

    def name(self) -> str:
        return "action_submit_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb = await get_knowledge_base()
        if kb is None:
            return _reply(dispatcher, replies.knowledge_unavailable())
        contact = tracker.get_slot("handover_contact")
        reset = [SlotSet("handover_contact", None)]
        if contact == conversation.CANCELLED:
            return _reply(dispatcher, render.handover_cancelled()) + reset
        events = tracker.events
        # The review queue's query, on an in-memory copy of the events: off the event loop.
        open_questions = await asyncio.get_running_loop().run_in_executor(None, conversation.open_questions, events)
        draft = handover.build(
            kb,
            tracker.sender_id,
            advice_company.from_values(kb, _context(tracker)),
            conversation.programmes_discussed(events),
            open_questions,
            conversation.contact_from_slot(contact),
            conversation.consent_record(events, render.HANDOVER_OFFER),
            # Run twice for one message (a server failed), the action stores one dossier.
            turn_id=tracker.latest_message.get("message_id"),
        )
        try:
            reference = await asyncio.get_running_loop().run_in_executor(
                None, handover.store_at, settings.current().db_url, draft
            )
        except Exception as exc:  # the user must get an answer whatever failed
            logging.getLogger(__name__).error("Dossier non enregistré : %s", exc, exc_info=True)
            return _reply(dispatcher, render.handover_unavailable()) + reset
        return _reply(dispatcher, render.handover_stored(reference, draft, kb)) + reset


class ActionAskAffirmation(ContextAction):
    """First step of the two-stage fallback. The ranker's answer comes first, or the honest
    reply to a precise question; « Vouliez-vous dire… », with the likeliest intents as
    buttons, only when neither the classifier nor the ranker understands."""

    action_name = "action_default_ask_affirmation"

    def respond(self, kb, tracker: Tracker):
        # A description of the company with its questions may puzzle the classifier: it is
        # answered as such.
        text = tracker.latest_message.get("text") or ""
        found = compound_answers.answer(
            kb, text, _latest_entities(tracker, ALL_ENTITIES), _context(tracker)
        ) or follow_ups.answer(kb, text, _previous_unit(tracker), _previous_question(tracker))
        if found is not None:
            return found
        entities = {
            e["entity"]: e["value"] for e in tracker.latest_message.get("entities", []) if e.get("entity") in ENTITIES
        }
        # The ranker first (« Qu'est-ce que le système de Madrid ? » is no question about Spain);
        # then « et pour l'Italie ? », a country named alone, gets its card, not « Vouliez-vous
        # dire… ».
        return (
            answer_router.answer_by_ranker(kb, text)
            or compound_answers.country_alone(kb, text, entities)
            or answer_router.answer_unclear(kb, text, tracker.latest_message.get("intent_ranking") or [], entities)
        )


class ActionOtherLanguage(ActionAskAffirmation):
    """`other_language`: a French message with a few English words (« on veut exporter, what
    about the VAT ? ») is answered as a French message the classifier could not place; any
    other gets the request to write in French."""

    action_name = "action_other_language"

    def respond(self, kb, tracker: Tracker):
        if not language.is_french(tracker.latest_message.get("text") or ""):
            return {}, [{"response": "utter_other_language"}]
        return super().respond(kb, tracker)


class ActionDefaultFallback(ContextAction):
    """Last step of the two-stage fallback, after a second unclear message: the ranker may
    still answer it; otherwise the user is pointed to a person."""

    action_name = "action_default_fallback"

    def respond(self, kb, tracker: Tracker):
        text = tracker.latest_message.get("text") or ""
        found = compound_answers.answer(
            kb, text, _latest_entities(tracker, ALL_ENTITIES), _context(tracker)
        ) or answer_router.answer_by_ranker(kb, text)
        if found is not None:
            return found
        region_id, _ = answer_router.region_in_context(
            kb, None, None, "", tracker.get_slot("region"), tracker.get_slot("departement")
        )
        return {}, replies.fallback_to_adviser(kb, region_id)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        answered = (unit_answers.UNIT_KEY, unit_answers.ABSTAINED_KEY, compound_answers.PROFILE_KEY)
        if any(m.get(key) for m in dispatcher.messages for key in answered):
            return events
        # Rasa's own fallback forgets the misunderstood message, so that it does not
        # weigh on the next predictions: keep that behaviour.
        return events + [UserUtteranceReverted()]


class ValidateAdviserForm(FormValidationAction):
    """The adviser form asks for the Région: a Région, a département (« le 69 ») or
    « passer » answer it; anything else leaves the question open."""

    def name(self) -> str:
        return "validate_adviser_form"

    async def extract_region(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "region":
            return {}
        kb = await get_knowledge_base()
        text = tracker.latest_message.get("text") or ""
        region_id, _ = answer_router.region_answer(kb, None, text) if kb else (None, None)
        return {"region": region_id} if region_id else {}

    async def validate_region(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        kb = await get_knowledge_base()
        if kb is None:
            # Without the knowledge base no Région can be recognised: say that, not that
            # the user's answer is wrong; the question stays open.
            _reply(dispatcher, replies.knowledge_unavailable())
            return {"region": None}
        region_id, code = answer_router.region_answer(kb, value, "")
        if region_id is None:
            dispatcher.utter_message(**replies.unknown_region(value))
            return {"region": None}
        return {"region": region_id, "departement": code} if code else {"region": region_id}


class ValidateProfileForm(FormValidationAction):
    """The profile form asks only what the conversation has not said yet: the required
    slots are recomputed from the profile on every turn."""

    def name(self) -> str:
        return "validate_profile_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[str]:
        kb = await get_knowledge_base()
        if kb is None:
            return []
        missing = advice_company.from_values(kb, _context(tracker)).missing_slots()
        # rasa_sdk validates, and sends back, only the slots listed here: a slot filled by
        # this very message must stay listed, or its value would be dropped.
        just_set = tracker.slots_to_validate()
        return [slot for slot in advice_company.FORM_SLOTS if slot in missing or slot in just_set]

    async def validate_country(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """« on vend déjà un peu en Espagne », in answer to the export-experience question,
        names a market already served, not the one targeted: the target stays as it was."""
        if tracker.get_slot("requested_slot") == "export_experience":
            return {"country": conversation.value_before_latest_message(tracker.events, "country")}
        return {"country": value}

    async def _extract(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot:
            return {}
        kb = await get_knowledge_base()
        if kb is None:
            return {}
        message = tracker.latest_message
        return conversation.answer_to_profile_question(
            kb,
            slot,
            message.get("text") or "",
            (message.get("intent") or {}).get("name") or "",
            {e["entity"]: e["value"] for e in message.get("entities", []) if e.get("value")},
        )

    async def extract_sector(self, dispatcher, tracker, domain):
        return await self._extract("sector", tracker)

    async def extract_region(self, dispatcher, tracker, domain):
        return await self._extract("region", tracker)

    async def extract_headcount(self, dispatcher, tracker, domain):
        return await self._extract("headcount", tracker)

    async def extract_revenue(self, dispatcher, tracker, domain):
        return await self._extract("revenue", tracker)

    async def extract_company_age(self, dispatcher, tracker, domain):
        return await self._extract("company_age", tracker)

    async def extract_first_balance_sheet(self, dispatcher, tracker, domain):
        return await self._extract("first_balance_sheet", tracker)

    async def extract_export_experience(self, dispatcher, tracker, domain):
        return await self._extract("export_experience", tracker)

    async def extract_country(self, dispatcher, tracker, domain):
        return await self._extract("country", tracker)

    async def extract_need(self, dispatcher, tracker, domain):
        return await self._extract("need", tracker)


class ValidateHandoverForm(FormValidationAction):
    """Asks how the adviser can reach the user back: an e-mail or a phone number, « passer »,
    or « annuler » (then nothing is stored)."""

    def name(self) -> str:
        return "validate_handover_form"

    async def extract_handover_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "handover_contact":
            return {}
        value = conversation.contact_answer(tracker.latest_message.get("text") or "")
        if value is None:
            dispatcher.utter_message(**conversation.contact_not_understood())
            return {}
        return {"handover_contact": value}

"""Rasa custom actions: adapters between the tracker and bot/ (no business logic here)."""

import abc
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import answers, replies
from bot.knowledge.provider import get_knowledge_base


def _send(dispatcher: CollectingDispatcher, messages: List[Dict[Text, Any]]) -> None:
    for message in messages:
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons", []))


class KnowledgeAction(Action, metaclass=abc.ABCMeta):
    """Passes the latest values of `entities` and the message text to `answer`, sends its
    messages and remembers the record it found in the slot of the first entity.
    Abstract until a subclass gives `answer`, so that rasa_sdk does not register it."""

    action_name: Text = ""
    entities: Tuple[Text, ...] = ()

    @staticmethod
    @abc.abstractmethod
    def answer(kb, *values_then_text):
        """A function of bot.answers: (record id or None, messages)."""

    def name(self) -> Text:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = await get_knowledge_base()
        if kb is None:
            _send(dispatcher, replies.knowledge_unavailable())
            return []
        values = [next(tracker.get_latest_entity_values(entity), None) for entity in self.entities]
        record_id, messages = type(self).answer(kb, *values, tracker.latest_message.get("text") or "")
        _send(dispatcher, messages)
        return [SlotSet(self.entities[0], record_id)] if record_id else []


class ActionProgrammeDetails(KnowledgeAction):
    action_name, entities, answer = "action_programme_details", ("programme",), answers.answer_programme


class ActionObstacleAdvice(KnowledgeAction):
    action_name, entities, answer = "action_obstacle_advice", ("obstacle",), answers.answer_obstacle


class ActionClusterInfo(KnowledgeAction):
    action_name, entities, answer = "action_cluster_info", ("cluster", "sector"), answers.answer_cluster


class ActionOrganisationInfo(KnowledgeAction):
    action_name, entities, answer = "action_organisation_info", ("organisation",), answers.answer_organisation


class ActionRegionSupport(KnowledgeAction):
    action_name, entities, answer = "action_region_support", ("region", "departement"), answers.answer_region


class ActionCountryInfo(KnowledgeAction):
    action_name, entities, answer = "action_country_info", ("country",), answers.answer_country


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = await get_knowledge_base()
        _, messages = answers.answer_out_of_scope(kb, tracker.latest_message.get("text") or "") if kb else (None, [])
        if messages:
            _send(dispatcher, messages)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []


class ActionSupportOverview(Action):
    def name(self) -> Text:
        return "action_support_overview"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = await get_knowledge_base()
        _send(dispatcher, replies.support_overview(kb) if kb else replies.knowledge_unavailable())
        return []

"""Rasa custom actions: adapters between the tracker and bot/ (no business logic here)."""

import abc
from typing import Any, Callable, Dict, List, Text, Tuple

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
    Abstract, so that rasa_sdk does not register it as an action of its own."""

    entities: Tuple[Text, ...] = ()
    answer: Callable = None

    @abc.abstractmethod
    def name(self) -> Text:
        """The action's name in domain.yml."""

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
    entities = ("programme",)
    answer = answers.answer_programme

    def name(self) -> Text:
        return "action_programme_details"


class ActionObstacleAdvice(KnowledgeAction):
    entities = ("obstacle",)
    answer = answers.answer_obstacle

    def name(self) -> Text:
        return "action_obstacle_advice"


class ActionClusterInfo(KnowledgeAction):
    entities = ("cluster", "sector")
    answer = answers.answer_cluster

    def name(self) -> Text:
        return "action_cluster_info"


class ActionOrganisationInfo(KnowledgeAction):
    entities = ("organisation",)
    answer = answers.answer_organisation

    def name(self) -> Text:
        return "action_organisation_info"


class ActionRegionSupport(KnowledgeAction):
    entities = ("region", "departement")
    answer = answers.answer_region

    def name(self) -> Text:
        return "action_region_support"


class ActionCountryInfo(KnowledgeAction):
    entities = ("country",)
    answer = answers.answer_country

    def name(self) -> Text:
        return "action_country_info"


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

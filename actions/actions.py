"""Rasa custom actions: adapters between the tracker and bot/ (no business logic here)."""

import abc
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import answers, replies
from bot.knowledge.provider import get_knowledge_base


def _send(dispatcher: CollectingDispatcher, messages: List[Dict[Text, Any]]) -> None:
    for message in messages:
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons", []))


class KnowledgeAction(Action, metaclass=abc.ABCMeta):
    """Answers from one entity and the text of the last message; remembers the record.
    Abstract, so that rasa_sdk does not register it as an action of its own."""

    entity: Text = ""
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
        value: Optional[Text] = next(tracker.get_latest_entity_values(self.entity), None)
        record_id, messages = type(self).answer(kb, value, tracker.latest_message.get("text") or "")
        _send(dispatcher, messages)
        return [SlotSet(self.entity, record_id)] if record_id else []


class ActionProgrammeDetails(KnowledgeAction):
    entity = "programme"
    answer = answers.answer_programme

    def name(self) -> Text:
        return "action_programme_details"


class ActionObstacleAdvice(KnowledgeAction):
    entity = "obstacle"
    answer = answers.answer_obstacle

    def name(self) -> Text:
        return "action_obstacle_advice"


class ActionClusterInfo(KnowledgeAction):
    entity = "cluster"
    answer = answers.answer_cluster

    def name(self) -> Text:
        return "action_cluster_info"


class ActionSupportOverview(Action):
    def name(self) -> Text:
        return "action_support_overview"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = await get_knowledge_base()
        _send(dispatcher, replies.support_overview(kb) if kb else replies.knowledge_unavailable())
        return []

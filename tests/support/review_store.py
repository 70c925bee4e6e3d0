"""Conversations written into a tracker store by Rasa's own SQLTrackerStore, from Rasa's
own event classes: the review pages read the format Rasa writes, not a copy of it.

The events follow what Rasa 3.6 records for this assistant (the rules of data/rules/,
the two-stage fallback's rewind and clarified copy, response names in bot metadata)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.compound_answers import PROFILE_KEY
from bot.core.replies import NOT_IN_KNOWLEDGE
from bot.core.unit_answers import ABSTAINED_KEY, UNIT_KEY

PARIS = ZoneInfo("Europe/Paris")
DAY = dt.date(2026, 3, 10)
VIE_PAYLOAD = '/ask_programme{"programme":"vie"}'


def at(day: dt.date, hour: int, minute: int = 0) -> float:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).timestamp()


class Script:
    """Builds one conversation's events, a second apart from `start`."""

    def __init__(self, start: float, channel: str = "rest"):
        self.clock, self.channel, self.events = start, channel, []

    def _tick(self) -> float:
        self.clock += 1
        return self.clock

    def session(self):
        t = self._tick()
        self.events += [
            ActionExecuted("action_session_start", timestamp=t),
            SessionStarted(timestamp=t),
            ActionExecuted("action_listen", timestamp=t),
        ]
        return self

    def user(self, text: str, intent: str, confidence: float, entities=(), message_id: str = None):
        entities = [
            {"entity": name, "value": value, "start": 0, "end": len(value), "extractor": "DIETClassifier"}
            for name, value in entities
        ]
        message_id = message_id or uuid.uuid4().hex
        parse_data = {
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities,
            "text": text,
            "message_id": message_id,
            "metadata": {},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
        }
        self.events.append(
            UserUttered(
                text,
                parse_data["intent"],
                entities,
                parse_data=parse_data,
                timestamp=self._tick(),
                input_channel=self.channel,
                message_id=message_id,
            )
        )
        self.last_message_id = message_id
        return self

    def action(self, name: str, policy: str = "RulePolicy"):
        self.events.append(ActionExecuted(name, policy=policy, confidence=1.0, timestamp=self._tick()))
        return self

    def bot(self, text: str, buttons=(), response: str = None, metadata: dict = None):
        """A bot message; `metadata`, what the action server put beside its text."""
        metadata = dict(metadata or {}, **({"utter_action": response} if response else {}))
        data = {"buttons": [{"title": title, "payload": payload} for title, payload in buttons] or None}
        self.events.append(BotUttered(text, data, metadata, timestamp=self._tick()))
        return self

    def listen(self):
        return self.action("action_listen")

    def slot(self, name: str, value):
        self.events.append(SlotSet(name, value, timestamp=self._tick()))
        return self

    def clarified(self, payload: str, intent: str):
        """« Vouliez-vous dire… » answered with a button: Rasa rewinds and stores the
        chosen message again, under the same message id."""
        self.user(payload, intent, 1.0)
        message_id = self.last_message_id
        self.action("action_two_stage_fallback")
        t = self._tick()
        self.events += [
            ActiveLoop(None, timestamp=t),
            UserUtteranceReverted(timestamp=t),
            ActionExecuted("action_listen", timestamp=t),
        ]
        return self.user(payload, intent, 1.0, message_id=message_id)

    def unclear(self, text: str):
        """A message the classifier is unsure of: the rule of data/rules/fallback.yml starts
        the two-stage fallback, whose first step (action_default_ask_affirmation, run inside
        it) writes the bot messages that follow."""
        self.user(text, "nlu_fallback", 0.38)
        self.action("action_two_stage_fallback")
        self.events.append(ActiveLoop("action_two_stage_fallback", timestamp=self._tick()))
        return self


def answered(start: float) -> Script:
    """A question, its answer with buttons, and a button clicked."""
    return (
        Script(start)
        .session()
        .user("C'est quoi le V.I.E ?", "ask_programme", 0.93, [("programme", "vie")])
        .slot("programme", "vie")
        .action("action_programme_details")
        .bot(
            "V.I.E – Volontariat international en entreprise",
            [("C'est pour qui ?", '/ask_eligibility{"programme":"vie"}')],
        )
        .listen()
        .user('/ask_eligibility{"programme":"vie"}', "ask_eligibility", 1.0, [("programme", "vie")])
        .action("action_programme_eligibility")
        .bot("V.I.E : les conditions à remplir")
        .listen()
    )


def unanswered(start: float) -> Script:
    """Every way a message goes unanswered, and a clarified fallback."""
    return (
        Script(start)
        .session()
        .user("xqzw plorb", "nlu_fallback", 0.41)
        .action("action_two_stage_fallback")
        .bot(
            "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire :",
            [("Une question sur un dispositif d'aide", VIE_PAYLOAD), ("Autre chose", "/out_of_scope")],
        )
        .listen()
        .clarified(VIE_PAYLOAD, "ask_programme")
        .action("action_programme_details")
        .bot("V.I.E – Volontariat international en entreprise")
        .listen()
        .user("Quel temps fera-t-il à Brest demain ?", "out_of_scope", 0.88)
        .action("action_out_of_scope")
        .bot("Je ne sais répondre qu'aux questions sur l'export des PME.", response="utter_out_of_scope")
        .listen()
        .user("le quota japonais sur le glutamate, c'est combien ?", "ask_amount", 0.71)
        .action("action_programme_amount")
        .bot(f"{NOT_IN_KNOWLEDGE}. Un conseiller pourra vous répondre.")
        .listen()
        .user("blablabla", "nonsense", 0.95)
        .action("action_nonsense")
        .bot("Désolé, je n'ai pas bien compris.", response="utter_default")
        .listen()
    )


def core_fallback(start: float) -> Script:
    """No rule fits: the policies fall back to `action_default_fallback`."""
    return (
        Script(start, channel="telegram")
        .session()
        .user("euh donc voilà", "greet", 0.22)
        .action("action_default_fallback")
        .bot("Un conseiller pourra vous répondre.")
        .listen()
    )


HONEST_REPLY = f"{NOT_IN_KNOWLEDGE} pour répondre précisément à cette question."


def ranker_fallbacks(start: float) -> Script:
    """Messages the classifier was unsure of, as the fallback actions answer them since
    issue #17: by « Vouliez-vous dire… », by an answer unit, by the honest reply (alone, or
    headed by the question in a compound reply), by a profile line."""
    return (
        Script(start)
        .session()
        .unclear("prospection machin")
        .bot(
            "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire :",
            [("Une question sur un dispositif d'aide", VIE_PAYLOAD), ("Autre chose", "/out_of_scope")],
        )
        .listen()
        # Answered by a unit: the next message's answer is not the previous one's.
        .unclear("combien coûte un stand sur un salon à l'étranger")
        .bot("Un stand sur un pavillon France coûte…", metadata={UNIT_KEY: "faq:salons-cout"})
        .listen()
        .unclear("le cerfa 4567 des moules de bouchot")
        .bot(HONEST_REPLY, [("Parler à un conseiller", "/request_adviser")], metadata={ABSTAINED_KEY: True})
        .listen()
        # A compound reply: the profile line, then the question above its honest reply.
        .unclear("Nous sommes 40 à Angers : faut-il un cerfa pour les moules ?")
        .bot("C'est noté : 40 salariés ; Pays de la Loire.", metadata={PROFILE_KEY: {"headcount": 40}})
        .bot(f"« faut-il un cerfa pour les moules ? »\n{HONEST_REPLY}", metadata={ABSTAINED_KEY: True})
        .listen()
        .unclear("Nous sommes une PME de 60 salariés en Bretagne")
        .bot("C'est noté : 60 salariés ; Bretagne.", metadata={PROFILE_KEY: {"headcount": 60}})
        .listen()
    )


def write(url: str, conversations: dict) -> None:
    """Saves each conversation (sender id → Script) as Rasa does: through its tracker store,
    one save per user message."""

    async def save_all():
        store = SQLTrackerStore(host=url)
        try:
            for sender_id, script in conversations.items():
                cut_points = [i for i, e in enumerate(script.events) if isinstance(e, UserUttered)][1:]
                for end in cut_points + [len(script.events)]:
                    tracker = DialogueStateTracker.from_events(sender_id, script.events[:end])
                    await store.save(tracker)
        finally:
            store.engine.dispose()

    asyncio.run(save_all())


def standard(url: str) -> dict:
    """The conversations most tests read: sender id → Script."""
    conversations = {
        "conv-old": answered(at(DAY - dt.timedelta(days=40), 10)),
        "conv-answered": answered(at(DAY, 9)),
        "conv-unanswered": unanswered(at(DAY, 14)),
        # Just after midnight on the 11th in Paris, still the 10th in UTC.
        "conv-night": core_fallback(at(DAY + dt.timedelta(days=1), 0, 30)),
    }
    write(url, conversations)
    return conversations

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

    def unclear_again(self, text: str):
        """A second unclear message in a row: the two-stage fallback gives up and runs
        action_default_fallback inside it (no event names that action), whose bot messages
        follow."""
        self.user(text, "nlu_fallback", 0.35)
        self.action("action_two_stage_fallback")
        self.events.append(ActiveLoop(None, timestamp=self._tick()))
        return self

    def policy_fallback(self):
        """No rule fits the message: RulePolicy predicts `action_default_fallback` at its
        core_fallback_threshold (config.yml), whatever the intent; the bot messages that
        follow are that action's."""
        self.events.append(
            ActionExecuted("action_default_fallback", policy="RulePolicy", confidence=0.3, timestamp=self._tick())
        )
        return self

    def forgotten(self):
        """ActionDefaultFallback, when nothing answered the message, rewinds it as Rasa's own
        fallback does."""
        self.events.append(UserUtteranceReverted(timestamp=self._tick()))
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


# The honest reply with the entries nearest to the question as buttons: its text still starts
# with NOT_IN_KNOWLEDGE, and a button is no answer.
NEAREST_BUTTONS = (
    ("Assurance Prospection : présentation", '/ask_programme{"programme":"assurance-prospection"}'),
    ("Qu'est-ce qu'une garantie de change ?", "Qu'est-ce qu'une garantie de change ?"),
    ("Parler à un conseiller", "/request_adviser"),
)


def policy_fallbacks(start: float) -> Script:
    """Messages whose fallback the policies predicted (the intent is not `nlu_fallback`), and a
    second unclear message in a row: action_default_fallback asks the ranker first, and answers
    by a unit, by the honest reply (with the nearest entries as buttons), by a profile line, or
    points to an adviser."""
    return (
        Script(start)
        .session()
        .user("et le marquage KC en Corée, ça prend combien de temps ?", "ask_country", 0.52)
        .policy_fallback()
        .bot("Comptez plusieurs semaines pour la certification KC…", metadata={UNIT_KEY: "faq:coree-kc"})
        .listen()
        .user("une caution bancaire pour un appel d'offres à Oman", "ask_financing", 0.47)
        .policy_fallback()
        .bot(HONEST_REPLY, NEAREST_BUTTONS, metadata={ABSTAINED_KEY: True})
        .listen()
        # A nearest entry clicked: its answer is the click's, not the question's.
        .user(NEAREST_BUTTONS[0][1], "ask_programme", 1.0, [("programme", "assurance-prospection")])
        .action("action_programme_details")
        .bot("Assurance Prospection – Bpifrance", metadata={UNIT_KEY: "programme:assurance-prospection"})
        .listen()
        .user("Nous sommes 25 à Nantes et nous faisons du cidre", "inform", 0.41)
        .policy_fallback()
        .bot("C'est noté : 25 salariés ; Pays de la Loire.", metadata={PROFILE_KEY: {"headcount": 25}})
        .listen()
        .user("et sinon les chaussettes ?", "greet", 0.25)
        .policy_fallback()
        .bot("Je ne parviens pas à comprendre votre demande, désolé.")
        .forgotten()
        .listen()
        .unclear("marquage truc")
        .bot(
            "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire :",
            [("Une question sur un dispositif d'aide", VIE_PAYLOAD), ("Autre chose", "/out_of_scope")],
        )
        .listen()
        .unclear_again("le marquage CE pour vendre des jouets en Allemagne")
        .bot("Oui : un jouet vendu dans l'Union porte le marquage CE…", metadata={UNIT_KEY: "faq:jouets-ce"})
        .listen()
    )


def honest_with_nearest(start: float) -> Script:
    """The honest reply with the nearest entries as buttons, after an unclear message: in one
    message, and as two messages, the second marked with the nearest entry's unit."""
    return (
        Script(start)
        .session()
        .unclear("les droits de douane sur les moules de bouchot au Japon")
        .bot(HONEST_REPLY, NEAREST_BUTTONS, metadata={ABSTAINED_KEY: True})
        .listen()
        .unclear_again("la TVA sur les moules vendues à Tokyo")
        .bot(HONEST_REPLY)
        .bot("Les entrées les plus proches :", NEAREST_BUTTONS, metadata={UNIT_KEY: "faq:garantie-change"})
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

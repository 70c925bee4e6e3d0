"""A message that reaches Rasa again is answered from the conversation's record, never
processed twice.

When a Rasa server dies during a turn, its client (nginx's Rasa entry, the website's
gateway) cannot tell whether the turn was saved before the death: the tracker store is
written at the end of the turn, and the answer is sent after that. So the client sends the
same message again, with the same id, to another server. That server takes the
conversation's lock (so the retry also waits for a first attempt still running elsewhere),
looks for a user message of that id in the conversation, and:

- if there is one, sends back the bot's messages recorded after it (up to the next user
  message), and changes nothing;
- otherwise processes the message as usual: the first attempt saved nothing.

Every message has an id: the client's (the website's gateway, or nginx's request id for a
REST client that gives none, bot/rasa_server/channels/rest.py) or the one Rasa draws for
it, which nothing will send again. Ids are looked up in the conversation's current
session only (what the tracker store reads for a turn).

The lookup costs no read of its own: the conversation is read once per turn, and reading
it again measured 6 ms for a conversation of 4 turns and 20 ms for one of 20 (PostgreSQL,
here). The turn's message is noted (a context variable of the turn's task) when Rasa
starts it; the first read of that conversation, Rasa's own, looks for the id, and when it
is there, stops the turn (`AlreadyProcessed`) before anything is changed or saved.

Installed in Rasa's process by bot/rasa_server/launch.py.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

_rasa_handle_message = None
_rasa_get_tracker = None
# The message whose turn runs in this task, until its conversation has been read.
_unchecked = contextvars.ContextVar("boussole_unchecked_message", default=None)


class AlreadyProcessed(Exception):
    """The conversation holds the message already; `answers` were recorded after it."""

    def __init__(self, answers: list):
        super().__init__("message déjà traité")
        self.answers = answers


def recorded_answers(events: Iterable, message_id: str | None) -> list | None:
    """The BotUttered events recorded after the user message `message_id`, up to the next
    user message; None when the conversation holds no user message of that id."""
    from rasa.shared.core.events import BotUttered, UserUttered

    if not message_id:
        return None
    found, answers = False, []
    for event in events:
        if isinstance(event, UserUttered):
            if found:
                break
            found = event.message_id == message_id
        elif found and isinstance(event, BotUttered):
            answers.append(event)
    return answers if found else None


async def get_tracker(self, conversation_id):
    """MessageProcessor.get_tracker; the first read of a turn's conversation checks its message."""
    tracker = await _rasa_get_tracker(self, conversation_id)
    message = _unchecked.get()
    if message is not None and message.sender_id == conversation_id:
        _unchecked.set(None)
        answers = recorded_answers(tracker.events, message.message_id)
        if answers is not None:
            raise AlreadyProcessed(answers)
    return tracker


async def handle_message(self, message):
    """MessageProcessor.handle_message, called by Rasa inside the conversation's lock."""
    from rasa.core.channels.channel import CollectingOutputChannel

    token = _unchecked.set(message)
    try:
        return await _rasa_handle_message(self, message)
    except AlreadyProcessed as processed:
        answers = processed.answers
    finally:
        _unchecked.reset(token)
    log.info(
        "Message %s de la conversation %s déjà traité : %d réponse(s) relue(s) dans l'historique, rien n'est rejoué.",
        message.message_id,
        message.sender_id,
        len(answers),
    )
    for answer in answers:
        await message.output_channel.send_response(message.sender_id, answer.message())
    if isinstance(message.output_channel, CollectingOutputChannel):
        return message.output_channel.messages
    return None


def install() -> None:
    """Idempotent; in the parent process, so that forked Sanic workers inherit it."""
    from rasa.core.processor import MessageProcessor

    global _rasa_handle_message, _rasa_get_tracker
    if MessageProcessor.handle_message is not handle_message:
        _rasa_handle_message = MessageProcessor.handle_message
        MessageProcessor.handle_message = handle_message
    if MessageProcessor.get_tracker is not get_tracker:
        _rasa_get_tracker = MessageProcessor.get_tracker
        MessageProcessor.get_tracker = get_tracker

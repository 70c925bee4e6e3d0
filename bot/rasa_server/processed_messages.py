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

Installed in Rasa's process by bot/rasa_server/launch.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

_rasa_handle_message = None


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


async def handle_message(self, message):
    """MessageProcessor.handle_message, called by Rasa inside the conversation's lock."""
    from rasa.core.channels.channel import CollectingOutputChannel

    tracker = await self.tracker_store.retrieve(message.sender_id)
    answers = recorded_answers(tracker.events if tracker is not None else (), message.message_id)
    if answers is None:
        return await _rasa_handle_message(self, message)
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

    global _rasa_handle_message
    if MessageProcessor.handle_message is not handle_message:
        _rasa_handle_message = MessageProcessor.handle_message
        MessageProcessor.handle_message = handle_message

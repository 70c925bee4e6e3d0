"""The same guard on every channel: checked text, and never a silent turn.

`guarded_channel` decorates an input channel class so that whatever its connector does to
read the platform's request, the message then goes through bot/message_guard.py (an empty
or oversized message gets a French answer without reaching the model, invisible control
characters are removed), and a turn that produced no answer at all — the action server
is down: Rasa logs the error and carries on — gets a polite one on the same channel.
"""

from __future__ import annotations

import functools
import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot import message_guard

log = logging.getLogger(__name__)
Handler = Callable[[UserMessage], Awaitable[Any]]


class _Watched:
    """The output channel of one turn, counting what it sends."""

    def __init__(self, channel: OutputChannel) -> None:
        self._channel = channel
        self.sent = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._channel, name)

    async def send_response(self, recipient_id: Text, message: dict) -> None:
        self.sent += 1
        await self._channel.send_response(recipient_id, message)


async def handle_turn(on_new_message: Handler, message: UserMessage) -> None:
    """Runs one turn; if it sent nothing, apologises on the same channel."""
    watched = _Watched(message.output_channel)
    message.output_channel = watched
    try:
        await on_new_message(message)
    except CancelledError:
        log.error("Tour interrompu (délai dépassé) sur le canal %s.", message.input_channel)
    except Exception as exc:  # noqa: BLE001 - the user gets an answer, the log the error type
        log.error("Tour en échec (%s) sur le canal %s.", type(exc).__name__, message.input_channel)
    if watched.sent == 0:
        await watched.send_response(message.sender_id, {"text": message_guard.NO_ANSWER})


def guarded(on_new_message: Handler) -> Handler:
    async def handler(message: UserMessage) -> None:
        checked = message_guard.check_message(message.text)
        if checked.reply:
            await message.output_channel.send_response(message.sender_id, {"text": checked.reply})
            return
        message.text = checked.text
        await handle_turn(on_new_message, message)

    return handler


def guarded_channel(cls):
    """Class decorator for an InputChannel: its blueprint gets the guarded handler."""
    blueprint = cls.blueprint

    @functools.wraps(blueprint)
    def wrapper(self, on_new_message: Handler):
        return blueprint(self, guarded(on_new_message))

    cls.blueprint = wrapper
    return cls

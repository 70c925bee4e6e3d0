"""Rasa's Socket.IO channel (the widget's alternative to the REST gateway), guarded like
every other channel (bot/rasa_server/channels/guard.py), in a namespace of its own.

With `session_persistence`, Rasa takes the conversation id from the client's
`session_request`, and would use it as the Rasa sender: a client could then name a
Telegram chat id or a Slack user id and talk inside that person's conversation. Here the
turn is filed under `sio-<id>`, while the replies still go to the room the client joined
under its own id.

An answer whose text leaves sources out gets a « Toutes les sources » quick reply, which
sends back the full list (bot/rasa_server/channels/all_sources.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint

from bot.rasa_server.channels import layout
from bot.rasa_server.channels.guard import guarded_channel

PREFIX = "sio-"


class _RoomOfTheClient:
    """The output channel of one turn, sending to the client's own room."""

    def __init__(self, channel: OutputChannel) -> None:
        self._channel = channel

    def __getattr__(self, name: str) -> Any:
        return getattr(self._channel, name)

    async def send_response(self, recipient_id: str, message: dict) -> None:
        if recipient_id.startswith(PREFIX):
            recipient_id = recipient_id[len(PREFIX) :]
        message = dict(message)
        message["buttons"] = layout.with_all_sources(message.get("buttons") or [], layout.cited(message))
        await self._channel.send_response(recipient_id, message)


def namespaced(on_new_message: Callable[[UserMessage], Awaitable[Any]]):
    async def handler(message: UserMessage) -> None:
        message.sender_id = PREFIX + str(message.sender_id)
        message.output_channel = _RoomOfTheClient(message.output_channel)
        await on_new_message(message)

    return handler


@guarded_channel
class SocketIOInput(RasaSocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(namespaced(on_new_message))

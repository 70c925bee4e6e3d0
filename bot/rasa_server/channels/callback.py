"""Rasa's callback channel (replies posted to a gateway of your own), guarded like every
other channel (bot/rasa_server/channels/guard.py), with « Toutes les sources » after an
answer whose text leaves sources out (bot/rasa_server/channels/all_sources.py)."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.callback import CallbackInput as RasaCallbackInput
from rasa.core.channels.callback import CallbackOutput as RasaCallbackOutput

from bot.rasa_server.channels import layout
from bot.rasa_server.channels.guard import guarded_channel


class CallbackOutput(RasaCallbackOutput):
    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message = dict(message)
        message["buttons"] = layout.with_all_sources(message.get("buttons") or [], layout.cited(message))
        await super().send_response(recipient_id, message)


@guarded_channel
class CallbackInput(RasaCallbackInput):
    def get_output_channel(self) -> CallbackOutput:
        return CallbackOutput(self.callback_endpoint)

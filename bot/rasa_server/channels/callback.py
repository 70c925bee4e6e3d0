"""Rasa's callback channel (replies posted to a gateway of your own), guarded like every
other channel (bot/rasa_server/channels/guard.py)."""

from rasa.core.channels.callback import CallbackInput as RasaCallbackInput

from bot.rasa_server.channels.guard import guarded_channel


@guarded_channel
class CallbackInput(RasaCallbackInput):
    pass

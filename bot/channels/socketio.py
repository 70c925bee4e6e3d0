"""Rasa's Socket.IO channel (the widget's alternative to the REST gateway), guarded like
every other channel (bot/channels/guard.py)."""

from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput

from bot.channels.guard import guarded_channel


@guarded_channel
class SocketIOInput(RasaSocketIOInput):
    pass

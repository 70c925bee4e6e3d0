"""The same guard on every channel: checked text, and never a silent turn.

`guarded_channel` decorates an input channel class so that whatever its connector does to
read the platform's request, the message then goes through bot/message_checks.py (an empty
message, or one longer than BOUSSOLE_MAX_MESSAGE_CHARS, gets a French answer without
reaching the model; invisible control characters are removed), and a turn that produced no
answer at all — the action server is down: Rasa logs the error and carries on — gets a
polite one on the same channel.

A request for an answer's sources (« Toutes les sources ») is answered by the channel from
the conversation's record, without a turn (bot/rasa_server/channels/all_sources.py).

A turn that fails is logged with its traceback (the message's text masked in it, unless
BOUSSOLE_LOG_MESSAGES=1); a cancelled turn (Sanic's request timeout, a server stopping)
is logged and cancelled for real: asyncio.CancelledError is never swallowed.
"""

from __future__ import annotations

import functools
import logging
import traceback
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.config import settings
from bot.rasa_server import message_checks
from bot.rasa_server.channels import all_sources

log = logging.getLogger(__name__)
Handler = Callable[[UserMessage], Awaitable[Any]]
MASK = "«message masqué»"


class _Watched:
    """The output channel of one turn, counting what it sends."""

    def __init__(self, channel: OutputChannel) -> None:
        self._channel = channel
        self.sent = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._channel, name)

    async def send_response(self, recipient_id: str, message: dict) -> None:
        self.sent += 1
        await self._channel.send_response(recipient_id, message)


def _failure_report(exc: BaseException, text: str | None) -> str:
    """The traceback of `exc`, with the user's text masked unless BOUSSOLE_LOG_MESSAGES=1
    (an exception's message may quote what it was given)."""
    report = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()
    if text and not settings.current().log_messages:
        # Quoted, whatever its length; bare, or its start (a quote cut at 40 or 50
        # characters), only when long enough not to hide the traceback's own words.
        quotes = [repr(text), f'"{text}"']
        if len(text) >= 8:
            quotes += [text, text[:20]]
        for quote in quotes:
            report = report.replace(quote, MASK)
    return report


async def handle_turn(on_new_message: Handler, message: UserMessage) -> None:
    """Runs one turn; if it sent nothing, apologises on the same channel."""
    watched = _Watched(message.output_channel)
    message.output_channel = watched
    try:
        await on_new_message(message)
    except CancelledError:
        log.warning("Tour interrompu (annulé) sur le canal %s.", message.input_channel)
        raise
    except Exception as exc:  # noqa: BLE001 - the user gets an answer, the log the traceback
        said = f" ; message : {message.text!r}" if settings.current().log_messages else ""
        log.error(
            "Tour en échec (%s) sur le canal %s%s :\n%s",
            type(exc).__name__,
            message.input_channel,
            said,
            _failure_report(exc, message.text),
        )
    if watched.sent == 0:
        await watched.send_response(message.sender_id, {"text": message_checks.NO_ANSWER})


def guarded(on_new_message: Handler, limit: int | None = None) -> Handler:
    """`on_new_message` behind the checks of bot/message_checks.py; `limit` is read from
    BOUSSOLE_MAX_MESSAGE_CHARS when not given (once, when the channel is built)."""
    limit = settings.current().max_message_chars if limit is None else limit

    async def handler(message: UserMessage) -> None:
        checked = message_checks.check_message(message.text, limit)
        if checked.reply:
            await message.output_channel.send_response(message.sender_id, {"text": checked.reply})
            return
        message.text = checked.text
        await handle_turn(on_new_message, message)

    return handler


def guarded_channel(cls):
    """Class decorator for an InputChannel: its blueprint gets the guarded handler, which
    answers a request for an answer's sources itself."""
    blueprint = cls.blueprint

    @functools.wraps(blueprint)
    def wrapper(self, on_new_message: Handler):
        conversations = all_sources.Conversations()
        built = blueprint(self, guarded(all_sources.answering(on_new_message, conversations)))
        conversations.blueprint = built
        return built

    cls.blueprint = wrapper
    return cls

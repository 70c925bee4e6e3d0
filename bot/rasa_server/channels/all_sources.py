"""« Toutes les sources » on the messaging channels: a tap on the button (or « sources »
typed where there are no buttons, `layout.sources_asked`) is answered with every source of
the answer it follows, numbered, with title, address and date checked.

The request names the answer's sources by a digest of them (`layout.sources_key`), and the
list is read back from the conversation's record: Rasa keeps each bot message's sources in
full in its event's metadata (bot/core/replies.py `cited_message`), in the tracker store
that every Rasa server shares and that outlives a restart. So the tap works on whichever
server receives it, after any restart, with neither process memory nor the action server;
and the list is the one the answer was given with, even if knowledge/ changed since.
Rebuilding it from knowledge/ instead would need the knowledge base in the Rasa process
(only the action server holds it) and could list sources the answer never rested on.

The request is not a turn: the model never reads it and nothing is recorded, so the
dialogue's state (the choices that « 2 » picks, the programme being discussed) stays as
the answer left it. Installed on every channel by `guard.guarded_channel`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered
from sanic import Blueprint

from bot.rasa_server.channels import layout

Handler = Callable[[UserMessage], Awaitable[Any]]


def sources_of(events, keys: list[str]) -> list[dict] | None:
    """The citations of the bot messages whose sources have these keys (latest message
    first for each key, in the order of the keys), or None when the record holds none."""
    found: dict[str, list[dict]] = {}
    for event in reversed(list(events)):
        if not isinstance(event, BotUttered):
            continue
        sources = layout.cited(event.metadata or {})
        if sources:
            found.setdefault(layout.sources_key(sources), sources)
    listed = [citation for key in dict.fromkeys(keys) for citation in found.get(key, [])]
    return listed or None


class Conversations:
    """The tracker store of the Rasa server the channel's blueprint is registered on."""

    def __init__(self) -> None:
        self.blueprint: Blueprint | None = None

    async def events(self, sender_id: str) -> list:
        app = next(iter(self.blueprint.apps))
        # Every session: a tap on an answer of yesterday still finds it.
        tracker = await app.ctx.agent.tracker_store.retrieve_full_tracker(sender_id)
        return list(tracker.events) if tracker else []


def answering(on_new_message: Handler, conversations: Conversations) -> Handler:
    """`on_new_message`, except for a request for an answer's sources, answered here."""

    async def handler(message: UserMessage) -> None:
        keys = layout.requested_sources(message.text)
        if keys is None:
            await on_new_message(message)
            return
        sources = sources_of(await conversations.events(message.sender_id), keys)
        text = layout.all_sources_text(sources) if sources else layout.SOURCES_GONE
        await message.output_channel.send_response(message.sender_id, {"text": text})

    return handler

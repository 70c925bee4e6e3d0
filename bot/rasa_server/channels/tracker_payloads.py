"""What the conversation has shown, read back from Rasa's tracker store: the connectors of
platforms that lose information on the way (Telegram's 64-byte callback data, WhatsApp's
lack of buttons) find there the payloads they stand for. The tracker store is Rasa's own
(SQL, shared by every Rasa process), so this holds across restarts and replicas.
"""

from __future__ import annotations

from rasa.shared.core.events import BotUttered, UserUttered
from sanic.request import Request


async def _events(request: Request, sender_id: str) -> list:
    tracker = await request.app.ctx.agent.tracker_store.retrieve(sender_id)
    return list(tracker.events) if tracker else []


async def shown_buttons(request: Request, sender_id: str) -> list[dict]:
    """The buttons of the conversation's bot messages, latest first."""
    return [
        button
        for event in reversed(await _events(request, sender_id))
        if isinstance(event, BotUttered)
        for button in (event.data.get("buttons") or [])
    ]


async def latest_bot_metadata(request: Request, sender_id: str) -> list[dict]:
    """The metadata of the bot messages since the user's latest message, in order."""
    latest = []
    for event in reversed(await _events(request, sender_id)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            latest.append(event.metadata or {})
    return latest[::-1]

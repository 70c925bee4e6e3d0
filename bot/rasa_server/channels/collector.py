"""The REST channel's collector: each message keeps its sources beside its text.

Rasa's own collector drops a message's metadata, so the website would get the text alone and
have to read the sources back out of it. This one adds the citations the reply built
(`citations.SOURCES_KEY`, bot/core/replies.py `cited_message`) to the message that shows
them. Like Rasa's, it cuts a message without buttons into its paragraphs; each paragraph
keeps the citations whose sentence it shows.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel

from bot.core.citations import SOURCES_KEY


def _sources(kwargs: dict) -> list:
    sources = kwargs.get(SOURCES_KEY)
    return [s for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []


class SourcesCollector(CollectingOutputChannel):
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        sources = _sources(kwargs)
        for paragraph in text.strip().split("\n\n"):
            message = self._message(recipient_id, text=paragraph)
            shown = [s for s in sources if s.get("line") and s["line"] in paragraph]
            if shown:
                message[SOURCES_KEY] = shown
            await self._persist_message(message)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list, **kwargs: Any) -> None:
        message = self._message(recipient_id, text=text, buttons=buttons)
        sources = _sources(kwargs)
        if sources:
            message[SOURCES_KEY] = sources
        await self._persist_message(message)

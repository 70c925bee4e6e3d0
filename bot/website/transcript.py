"""The messages of a conversation as the widget shows them, rebuilt from Rasa's tracker.

A click on a quick reply sends the button's payload (« /ask_programme{…} »); the tracker
keeps that payload, so it is shown again as the title of the button that was clicked.

A message's sources are the ones its reply built (the metadata `citations.SOURCES_KEY`, every
source in full); a message of an older conversation has none, and its sources are read back
out of its text.
"""

from __future__ import annotations

from bot.core import citations


def buttons_of(raw) -> list:
    return [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in raw or []
        if isinstance(b, dict)
    ]


def bot_message(text: str, buttons=None, sources=None) -> dict:
    """A bot message with its full text (what every channel shows), plus its body and its
    citations apart, for the widget: `sources` as the reply built them when given, else
    those its text names."""
    text = text or ""
    parsed = citations.parse(text)
    if not (isinstance(sources, list) and sources and all(isinstance(s, dict) for s in sources)):
        sources = [c.as_json() for c in parsed.citations]
    item = {"text": text, "body": parsed.body, "sources": sources}
    buttons = buttons_of(buttons)
    if buttons:
        item["buttons"] = buttons
    return item


def answer_message(answer: dict) -> dict:
    """A message of Rasa's REST answer (bot/rasa_server/channels/collector.py) for the widget."""
    return bot_message(answer.get("text", ""), answer.get("buttons"), answer.get(citations.SOURCES_KEY))


def messages_from_events(events: list) -> list:
    out = []
    offered = {}  # payload -> title of the buttons shown since the last user message
    for event in events or []:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text")
            if not text:
                continue
            out.append({"author": "user", "text": offered.get(text, text)})
            offered = {}
        elif kind == "bot":
            data = event.get("data") or {}
            buttons = data.get("buttons") or data.get("quick_replies")
            if not event.get("text") and not buttons:
                continue
            metadata = event.get("metadata") or {}
            message = bot_message(event.get("text"), buttons, metadata.get(citations.SOURCES_KEY))
            message["author"] = "bot"
            out.append(message)
            offered.update({b["payload"]: b["title"] for b in message.get("buttons", [])})
    return out

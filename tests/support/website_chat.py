"""A turn through the running website's chat API, as the widget sends it."""

from __future__ import annotations

import uuid

import requests


def chat(website, message: str, session_id: str = None) -> list:
    response = requests.post(
        f"{website.url}/api/chat", timeout=60, json={"message": message, "session_id": session_id or uuid.uuid4().hex}
    )
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def text_of(messages) -> str:
    return "\n".join(m["text"] for m in messages)


def text_and_sources_of(messages) -> str:
    """The text, then every source the replies carry as data: the widget lists the ones the
    text leaves out behind « Toutes les sources »."""
    urls = [url for m in messages for citation in m.get("sources") or () for url in citation.get("urls", ())]
    return text_of(messages) + ("\nToutes les sources : " + " ; ".join(urls) if urls else "")

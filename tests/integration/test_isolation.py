"""A conversation belongs to its user: the website reaches only its own conversations.

Real conversations on Telegram, Slack and Messenger (signed webhooks, on the session's
Rasa server) hold what their users said; the website's API, asked with their ids, answers
the same French 404 as for an unknown conversation, and writes nothing into them.
"""

from __future__ import annotations

import uuid

import requests

from bot.website.chat import UNKNOWN_SESSION
from bot.website.sessions import CLIENT_ID
from tests.integration.conftest import RASA_TOKEN
from tests.support.channel_requests import (
    messenger_event,
    messenger_post,
    new_chat_id,
    slack_direct_message,
    slack_post,
    telegram_message,
    telegram_post,
)

PRIVATE = "Nous sommes 12 salariés à Lyon, écrivez-moi à claire.dupont@exemple.fr"


def events(rasa_server, sender: str) -> list:
    response = requests.get(
        f"{rasa_server.url}/conversations/{sender}/tracker", params={"token": RASA_TOKEN}, timeout=30
    )
    assert response.status_code == 200, response.text[:300]
    return response.json()["events"]


def said(rasa_server, sender: str) -> list:
    return [e["text"] for e in events(rasa_server, sender) if e["event"] == "user"]


def messaging_conversations(rasa_server) -> dict:
    """Three conversations that went through the platforms' own webhooks: channel → sender."""
    chat_id = new_chat_id()
    assert telegram_post(rasa_server, telegram_message(chat_id, PRIVATE)).status_code == 200
    user = "U" + uuid.uuid4().hex[:10].upper()
    assert (
        slack_post(
            rasa_server, slack_direct_message(user, "D" + uuid.uuid4().hex[:10].upper(), PRIVATE), "application/json"
        ).status_code
        == 200
    )
    psid = str(uuid.uuid4().int % 10**16)
    assert messenger_post(rasa_server, [messenger_event(psid, PRIVATE)]).status_code == 200
    return {"telegram": str(chat_id), "slack": user, "facebook": psid}


def test_messaging_conversations_cannot_be_read_or_written_through_the_website(website, rasa_server, fake_platforms):
    for channel, sender in messaging_conversations(rasa_server).items():
        before = events(rasa_server, sender)
        assert [e["text"] for e in before if e["event"] == "user"] == [PRIVATE], channel
        assert {e.get("input_channel") for e in before if e["event"] == "user"} == {channel}

        history = requests.get(f"{website.url}/api/history", params={"session_id": sender}, timeout=30)
        chat = requests.post(
            f"{website.url}/api/chat", json={"message": "Quel est mon e-mail ?", "session_id": sender}, timeout=60
        )
        vote = requests.post(f"{website.url}/api/feedback", json={"session_id": sender, "rating": "down"}, timeout=30)
        for response in (history, chat, vote):
            assert response.status_code == 404, (channel, response.text)
            assert response.json() == {"error": UNKNOWN_SESSION, "code": "unknown_session"}
            assert "exemple.fr" not in response.text
        assert len(events(rasa_server, sender)) == len(before), f"{channel} : la conversation a été modifiée"


def test_the_website_talks_to_rasa_in_its_own_namespace(website, rasa_server):
    first = requests.post(f"{website.url}/api/chat", json={"message": "C'est quoi le V.I.E ?"}, timeout=60)
    assert first.status_code == 200, first.text
    session = first.json()["session_id"]
    assert CLIENT_ID.match(session)
    assert said(rasa_server, f"web-{session}") == ["C'est quoi le V.I.E ?"]
    assert said(rasa_server, session) == []

    again = requests.post(
        f"{website.url}/api/chat", json={"message": "et c'est pour qui ?", "session_id": session}, timeout=60
    )
    assert again.status_code == 200 and again.json()["session_id"] == session
    history = requests.get(f"{website.url}/api/history", params={"session_id": session}, timeout=30).json()
    assert [m["text"] for m in history["messages"] if m["author"] == "user"] == [
        "C'est quoi le V.I.E ?",
        "et c'est pour qui ?",
    ]


def test_a_rest_client_cannot_pass_its_turns_off_as_another_channel(rasa_server):
    sender = f"isolation-{uuid.uuid4().hex[:8]}"
    response = requests.post(
        f"{rasa_server.url}/webhooks/rest/webhook",
        timeout=60,
        json={"sender": sender, "message": "Bonjour", "input_channel": "telegram"},
    )
    assert response.status_code == 200, response.text
    channels = {e.get("input_channel") for e in events(rasa_server, sender) if e["event"] == "user"}
    assert channels == {"rest"}

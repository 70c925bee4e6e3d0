"""The widget's API against the real servers: structured answers, history rebuilt from
Rasa's tracker (read with the API token), feedback stored."""

from __future__ import annotations

import uuid

import requests

from bot.core import citations
from bot.core.replies import french_date


def test_answers_carry_body_and_sources_and_history_shows_button_titles(website, kb):
    session = uuid.uuid4().hex
    first = requests.post(
        f"{website.url}/api/chat",
        timeout=60,
        json={"message": "Quelles aides existent pour exporter ?", "session_id": session},
    )
    assert first.status_code == 200, first.text
    overview = first.json()["messages"][-1]
    assert "vérifié le" in overview["text"] and "vérifié le" not in overview["body"]
    # The text lists three sources and counts the others; the data holds every one of them.
    [every] = overview["sources"]
    assert every["line"] in overview["text"] and len(every["urls"]) > every["shown"] == 3
    assert [url for url in every["urls"] if url in overview["text"]] == every["urls"][:3]
    button = overview["buttons"][0]

    second = requests.post(
        f"{website.url}/api/chat", timeout=60, json={"message": button["payload"], "session_id": session}
    )
    assert second.status_code == 200, second.text
    pid = button["payload"].split('"programme":"')[1].split('"')[0]
    record = kb.get("programme", pid)
    cited = next(m for m in second.json()["messages"] if m["sources"])["sources"][-1]
    assert sorted(cited["urls"]) == sorted(s["url"] for s in record["sources"])
    assert cited["urls"][: cited["shown"]] == citations.of_record(record).listed
    assert cited["verified_on"] == record["verified_on"].isoformat()
    assert cited["verified_label"] == french_date(record["verified_on"])

    history = requests.get(f"{website.url}/api/history", params={"session_id": session}, timeout=30)
    assert history.status_code == 200, history.text
    messages = history.json()["messages"]
    assert [m["text"] for m in messages if m["author"] == "user"] == [
        "Quelles aides existent pour exporter ?",
        button["title"],
    ]
    bots = [m for m in messages if m["author"] == "bot"]
    assert bots[0]["text"] == overview["text"] and bots[0]["buttons"] == overview["buttons"]
    assert bots[-1]["sources"][-1] == cited


def test_unknown_conversation_has_an_empty_history(website):
    response = requests.get(f"{website.url}/api/history", params={"session_id": uuid.uuid4().hex}, timeout=30)
    assert response.status_code == 200
    assert response.json()["messages"] == []

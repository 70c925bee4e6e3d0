"""A conversation rebuilt from tracker events as the widget shows it again after a reload."""

from bot.website.transcript import answer_message, bot_message, messages_from_events

PAYLOAD = '/ask_programme{"programme":"vie"}'


def test_clicked_payloads_become_the_button_titles():
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "user", "text": "Quelles aides pour exporter ?"},
        {
            "event": "bot",
            "text": "Voici les aides.\n\nSource : https://a.example/ (vérifié le 2 mars 2026)",
            "data": {"buttons": [{"title": "V.I.E", "payload": PAYLOAD}, {"title": "Autre", "payload": "/other"}]},
        },
        {"event": "user", "text": PAYLOAD},
        {"event": "bot", "text": "Le V.I.E…", "data": {"buttons": None}},
        {"event": "user", "text": PAYLOAD},  # typed by hand later: no button offered just before
        {"event": "slot", "name": "programme", "value": "vie"},
        {"event": "bot", "text": None, "data": {}},
    ]
    messages = messages_from_events(events)
    assert [(m["author"], m.get("body", m["text"])) for m in messages] == [
        ("user", "Quelles aides pour exporter ?"),
        ("bot", "Voici les aides."),
        ("user", "V.I.E"),
        ("bot", "Le V.I.E…"),
        ("user", PAYLOAD),
    ]
    assert messages[1]["sources"] == [
        {
            "urls": ["https://a.example/"],
            "verified_on": "2026-03-02",
            "verified_label": "2 mars 2026",
            "official": True,
            "page_dates": [None],
            "page_labels": [None],
            "titles": [None],
            "shown": 1,
            "unlisted": 0,
            "line": "Source : https://a.example/ (vérifié le 2 mars 2026)",
        }
    ]
    assert messages[1]["buttons"][0] == {"title": "V.I.E", "payload": PAYLOAD}
    assert "buttons" not in messages[3]


def test_bot_message_keeps_the_full_text():
    text = "Réponse.\nSource : https://a.example/ (vérifié le 1er mai 2026)"
    message = bot_message(text, [{"title": "Oui", "payload": "/affirm", "extra": 1}, "pas un bouton"])
    assert message["text"] == text and message["body"] == "Réponse."
    assert message["buttons"] == [{"title": "Oui", "payload": "/affirm"}]
    assert messages_from_events(None) == []


def test_the_sources_a_reply_carried_are_given_as_they_are():
    """A bot event with its sources in metadata: the widget gets them all, not the three its
    text lists; an event without them (an older conversation) has them read from its text."""
    line = "Sources : https://a.example/ ; https://b.example/ (vérifié le 2 mars 2026) — et 1 autre source"
    cited = {
        "urls": ["https://a.example/", "https://b.example/", "https://c.example/"],
        "verified_on": "2026-03-02",
        "verified_label": "2 mars 2026",
        "official": True,
        "page_dates": [None, None, None],
        "page_labels": [None, None, None],
        "shown": 2,
        "unlisted": 0,
        "line": line,
    }
    events = [
        {"event": "user", "text": "Quelles aides ?"},
        {"event": "bot", "text": f"Voici les aides.\n\n{line}", "metadata": {"sources": [cited]}},
        {"event": "bot", "text": f"Voici les aides.\n\n{line}", "metadata": {}},
    ]
    carried, read_back = messages_from_events(events)[1:]
    assert carried["body"] == read_back["body"] == "Voici les aides."
    assert carried["sources"] == [cited]
    [parsed] = read_back["sources"]
    assert parsed["urls"] == cited["urls"][:2] and parsed["unlisted"] == 1 and parsed["line"] == line


def test_a_rest_answer_keeps_its_sources():
    cited = {"urls": ["https://a.example/"], "verified_label": "2 mars 2026", "line": "x"}
    answer = {"recipient_id": "s", "text": "Réponse.", "buttons": [{"title": "Oui", "payload": "/affirm"}]}
    assert answer_message(dict(answer, sources=[cited]))["sources"] == [cited]
    # Anything else than a list of citations is ignored, and the text is read instead.
    assert answer_message(dict(answer, sources="cassé"))["sources"] == []

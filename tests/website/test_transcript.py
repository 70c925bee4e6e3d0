"""A conversation rebuilt from tracker events as the widget shows it again after a reload."""

from bot.website.transcript import bot_message, messages_from_events

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

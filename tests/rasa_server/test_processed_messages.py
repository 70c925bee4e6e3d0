"""What a Rasa server sends back for a message its conversation already holds: the bot's
messages recorded after it, up to the next user message, and nothing for an unknown id."""

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.rasa_server.processed_messages import recorded_answers

EVENTS = [
    ActionExecuted("action_session_start"),
    ActionExecuted("action_listen"),
    UserUttered("C'est quoi l'Assurance Prospection ?", message_id="m1"),
    ActionExecuted("action_programme_details"),
    SlotSet("programme", "assurance-prospection"),
    BotUttered("L'Assurance Prospection…", data={"buttons": [{"title": "Montants", "payload": "/ask_amount"}]}),
    BotUttered("Source : Bpifrance"),
    ActionExecuted("action_listen"),
    UserUttered("ça coûte quoi ?", message_id="m2"),
    ActionExecuted("action_programme_details"),
    BotUttered("Les montants…"),
    ActionExecuted("action_listen"),
    UserUttered("merci", message_id="m3"),
]


def test_the_answers_recorded_after_the_message_up_to_the_next_one():
    answers = recorded_answers(EVENTS, "m1")
    assert [a.text for a in answers] == ["L'Assurance Prospection…", "Source : Bpifrance"]
    # Sent back as Rasa sends them: buttons included.
    assert answers[0].message()["buttons"] == [{"title": "Montants", "payload": "/ask_amount"}]
    assert [a.text for a in recorded_answers(EVENTS, "m2")] == ["Les montants…"]


def test_a_message_recorded_without_any_answer_gets_none_sent_again():
    assert recorded_answers(EVENTS, "m3") == []


def test_an_unknown_or_missing_id_is_a_new_message():
    assert recorded_answers(EVENTS, "m4") is None
    assert recorded_answers(EVENTS, None) is None
    assert recorded_answers([], "m1") is None

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


async def test_a_recorded_message_stops_its_turn_at_rasa_s_own_read_of_the_conversation(monkeypatch):
    """Rasa's turn, reduced to what matters here: it reads the conversation (once per turn,
    no read of this module's own), then processes the message."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_server import processed_messages

    reads, processed = [], []

    async def rasa_get_tracker(self, conversation_id):
        reads.append(conversation_id)
        return DialogueStateTracker.from_events(conversation_id, EVENTS)

    async def rasa_handle_message(self, message):
        await processed_messages.get_tracker(self, message.sender_id)
        # A second read in the same turn (Rasa's session check) is not looked at again.
        await processed_messages.get_tracker(self, message.sender_id)
        processed.append(message.message_id)
        return ["traité"]

    monkeypatch.setattr(processed_messages, "_rasa_get_tracker", rasa_get_tracker)
    monkeypatch.setattr(processed_messages, "_rasa_handle_message", rasa_handle_message)

    again = UserMessage("ça coûte quoi ?", CollectingOutputChannel(), "c1", message_id="m2")
    answers = await processed_messages.handle_message(None, again)
    assert [a["text"] for a in answers] == ["Les montants…"] and processed == [] and reads == ["c1"]
    new = UserMessage("et pour le Canada ?", CollectingOutputChannel(), "c1", message_id="m4")
    assert await processed_messages.handle_message(None, new) == ["traité"]
    assert processed == ["m4"] and reads == ["c1", "c1", "c1"]

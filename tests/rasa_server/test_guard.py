"""The guard every Rasa channel goes through (bot/rasa_server/channels/guard.py), with a fake handler:
the message-length rule read from BOUSSOLE_MAX_MESSAGE_CHARS, a failed turn logged with
its traceback but without the user's text, a cancelled turn cancelled for real."""

from __future__ import annotations

import asyncio
import logging

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.config import settings
from bot.rasa_server import message_checks
from bot.rasa_server.channels import guard


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv("BOUSSOLE_MAX_MESSAGE_CHARS", raising=False)
    monkeypatch.delenv("BOUSSOLE_LOG_MESSAGES", raising=False)


def message(text: str) -> UserMessage:
    return UserMessage(text, CollectingOutputChannel(), "conversation-1", input_channel="telegram")


class Handler:
    """Answers « vu : <text> » (or does what `behaviour` says)."""

    def __init__(self, behaviour=None) -> None:
        self.received, self.behaviour = [], behaviour

    async def __call__(self, msg: UserMessage) -> None:
        self.received.append(msg.text)
        if self.behaviour:
            await self.behaviour(msg)
        else:
            await msg.output_channel.send_response(msg.sender_id, {"text": f"vu : {msg.text}"})


def texts(msg: UserMessage) -> list:
    return (
        [m["text"] for m in msg.output_channel._channel.messages]
        if hasattr(msg.output_channel, "_channel")
        else [m["text"] for m in msg.output_channel.messages]
    )


async def test_every_channel_honours_the_message_length_setting(monkeypatch):
    monkeypatch.setenv("BOUSSOLE_MAX_MESSAGE_CHARS", "300")
    handler = Handler()
    guarded = guard.guarded(handler)
    short, long = message("a" * 300), message("a" * 301)
    await guarded(short)
    await guarded(long)
    assert handler.received == ["a" * 300]
    assert texts(long) == [message_checks.too_long(301, 300)]
    assert "300 au plus" in texts(long)[0]


async def test_the_default_limit_is_the_website_s():
    assert settings.current().max_message_chars == message_checks.MAX_MESSAGE_CHARS == 2000
    handler = Handler()
    guarded = guard.guarded(handler)
    await guarded(message("a" * 2000))
    refused = message("a" * 2001)
    await guarded(refused)
    assert handler.received == ["a" * 2000]
    assert texts(refused)[0].startswith("Votre message est trop long (2\u202f001 caractères) : 2\u202f000 au plus.")


def test_a_wrong_limit_stops_the_channel_at_start(monkeypatch):
    monkeypatch.setenv("BOUSSOLE_MAX_MESSAGE_CHARS", "deux mille")
    with pytest.raises(settings.InvalidSetting, match="BOUSSOLE_MAX_MESSAGE_CHARS"):
        guard.guarded(Handler())


async def failing_action(msg: UserMessage) -> None:
    raise ValueError(f"réponse illisible pour {msg.text!r}")


async def test_a_failed_turn_is_logged_with_its_traceback_but_not_the_user_s_text(caplog):
    msg = message("Notre SIRET est 55200000000001, c'est confidentiel")
    with caplog.at_level(logging.ERROR, logger="bot.rasa_server.channels.guard"):
        await guard.guarded(Handler(failing_action))(msg)
    assert texts(msg) == [message_checks.NO_ANSWER]
    record = next(r for r in caplog.records if r.name == "bot.rasa_server.channels.guard")
    logged = record.getMessage()
    assert "Tour en échec (ValueError) sur le canal telegram" in logged
    assert "Traceback (most recent call last)" in logged and "in failing_action" in logged
    assert "ValueError: réponse illisible pour " + guard.MASK in logged
    assert "55200000000001" not in caplog.text


async def test_with_log_messages_on_the_text_is_in_the_log(caplog, monkeypatch):
    monkeypatch.setenv("BOUSSOLE_LOG_MESSAGES", "1")
    msg = message("Notre SIRET est 55200000000001")
    with caplog.at_level(logging.ERROR, logger="bot.rasa_server.channels.guard"):
        await guard.guarded(Handler(failing_action))(msg)
    assert "55200000000001" in caplog.text and "Traceback" in caplog.text


async def test_a_short_message_does_not_mask_the_traceback_s_own_words(caplog):
    msg = message("a")
    with caplog.at_level(logging.ERROR, logger="bot.rasa_server.channels.guard"):
        await guard.guarded(Handler(failing_action))(msg)
    assert "in failing_action" in caplog.text
    assert f"réponse illisible pour {guard.MASK}" in caplog.text


async def test_a_cancelled_turn_is_cancelled_for_real(caplog):
    started = asyncio.Event()

    async def slow(msg: UserMessage) -> None:
        started.set()
        await asyncio.sleep(60)

    msg = message("C'est quoi le V.I.E ?")
    task = asyncio.create_task(guard.guarded(Handler(slow))(msg))
    await started.wait()
    with caplog.at_level(logging.WARNING, logger="bot.rasa_server.channels.guard"):
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert task.cancelled()
    assert texts(msg) == [], "rien n'est envoyé au nom d'un tour annulé"
    assert "Tour interrompu (annulé) sur le canal telegram" in caplog.text


async def test_a_turn_that_answers_gets_no_apology():
    msg = message("Bonjour")
    await guard.guarded(Handler())(msg)
    assert texts(msg) == ["vu : Bonjour"]

"""A delivery through a real channel handler (Messenger's and Slack's, on a Sanic server of
this test, their replies sent to the loopback stand-ins of the platforms): a copy that arrives while the
first attempt is in progress is left for Meta to send again, a re-delivery after the first
attempt died (its mark set, never finished) is processed, with the platform's id as the
Rasa message's id, and a delivery already processed is not processed again."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

import aiohttp
import pytest
from sanic import Sanic

from bot.rasa_server.channels import replay
from bot.rasa_server.channels.facebook import FacebookInput
from bot.rasa_server.channels.slack import SlackInput
from tests.integration import fake_platforms as fp
from tests.support.channel_requests import messenger_body, messenger_event, slack_direct_message, slack_headers
from tests.support.channel_servers import serving


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def platforms():
    with fp.FakePlatforms() as started:
        yield started


@pytest.fixture
async def messenger(platforms, monkeypatch):
    """(url of the webhook, the messages the turns were given)."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    turns = []

    async def on_new_message(message):
        turns.append(message)
        await message.output_channel.send_response(message.sender_id, {"text": "Bien reçu."})

    channel = FacebookInput.from_credentials(
        {
            "verify": fp.FACEBOOK_VERIFY_TOKEN,
            "secret": fp.FACEBOOK_APP_SECRET,
            "page-access-token": fp.FACEBOOK_PAGE_TOKEN,
            "api_url": f"{platforms.url}/facebook",
        }
    )
    async with serving(channel.blueprint(on_new_message), "facebook") as base:
        yield f"{base}/webhooks/facebook/webhook", turns


async def post(url: str, events: list) -> int:
    body = messenger_body(events)
    signature = hmac.new(fp.FACEBOOK_APP_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body.encode(), headers=headers) as answer:
            return answer.status


def answered(platforms, psid: str) -> list:
    return [
        r["body"]["message"]["text"]
        for r in platforms.received(
            "facebook", lambda r: r["body"]["recipient"]["id"] == psid and "message" in r["body"]
        )
    ]


async def test_a_redelivery_after_the_first_attempt_died_is_processed_once(monkeypatch, messenger, platforms):
    url, turns = messenger
    clock = Clock()
    monkeypatch.setattr(replay, "_store", replay.MemorySeen(in_progress_ttl=120, clock=clock))
    event = messenger_event("psid-panne", "Quelles aides pour exporter au Canada ?")
    mid = event["message"]["mid"]

    # The first attempt took the delivery, then its server died: the mark is never finished.
    assert (await replay.take("facebook", mid)).new
    # Meta sends the batch again at once: the attempt may still be running, the event is
    # not processed, and Meta is asked to send it again.
    assert await post(url, [event]) == 503
    assert turns == []

    # Later, the dead attempt's mark has expired: the re-delivery is processed.
    clock.now += 121
    assert await post(url, [event]) == 200
    assert [(m.text, m.sender_id) for m in turns] == [("Quelles aides pour exporter au Canada ?", "psid-panne")]
    # Its Rasa message id is the platform's: had the dead server saved the turn, this one
    # would answer it from the record (processed_messages.py).
    assert turns[0].message_id == replay.message_id("facebook", mid)
    assert answered(platforms, "psid-panne") == ["Bien reçu."]

    # Done: a later copy is acknowledged and not processed.
    clock.now += 3600
    assert await post(url, [event]) == 200
    assert len(turns) == 1


async def test_a_batch_processes_its_new_events_and_is_sent_again_for_the_busy_one(monkeypatch, messenger, platforms):
    url, turns = messenger
    monkeypatch.setattr(replay, "_store", replay.MemorySeen(clock=Clock()))
    busy = messenger_event("psid-lot", "Premier message")
    fresh = messenger_event("psid-lot", "Second message")
    assert (await replay.take("facebook", busy["message"]["mid"])).new
    assert await post(url, [busy, fresh]) == 503
    assert [m.text for m in turns] == ["Second message"]
    # The first attempt finishes; Meta's next delivery of the batch processes nothing again.
    await replay.store().done("facebook", busy["message"]["mid"])
    assert await post(url, [busy, fresh]) == 200
    assert [m.text for m in turns] == ["Second message"]


async def test_a_redelivery_through_redis_after_the_mark_expired(monkeypatch, messenger, redis_prefix):
    from bot.config.settings import load
    from tests.support.redis_keys import REDIS_TEST_URL

    url, turns = messenger
    prefix, client = redis_prefix
    config = replay.from_settings(load({"BOUSSOLE_LOCK_STORE": REDIS_TEST_URL, "BOUSSOLE_LOCK_PREFIX": prefix})).config
    # Two servers on the same Redis: the one that died, and the one that gets the retry.
    dead = replay.RedisSeen(config, in_progress_ttl=1)
    monkeypatch.setattr(replay, "_store", replay.RedisSeen(config, in_progress_ttl=1))
    event = messenger_event("psid-redis", "Bonjour")
    try:
        assert (await dead.take("facebook", event["message"]["mid"]))[0] is None
        assert await post(url, [event]) == 503
        await asyncio.sleep(1.6)
        assert await post(url, [event]) == 200
        assert [m.text for m in turns] == ["Bonjour"]
        assert client.get(f"{prefix}:replay:facebook:{event['message']['mid']}") == b"done"
        assert await post(url, [event]) == 200
        assert len(turns) == 1
    finally:
        await dead.close()
        await replay.store().close()


@pytest.fixture
async def slack(platforms, monkeypatch):
    """(url of Slack's webhook, the messages the turns were given, an event that ends a turn)."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    turns, ended = [], asyncio.Event()

    async def on_new_message(message):
        turns.append(message)
        await message.output_channel.send_response(message.sender_id, {"text": "Bien reçu."})
        ended.set()

    channel = SlackInput.from_credentials(
        {
            "slack_token": fp.SLACK_TOKEN,
            "slack_signing_secret": fp.SLACK_SIGNING_SECRET,
            "api_url": f"{platforms.url}/slack/api/",
        }
    )
    async with serving(channel.blueprint(on_new_message), "slack") as base:
        yield f"{base}/webhooks/slack/webhook", turns, ended


async def post_slack(url: str, body: str) -> int:
    headers = slack_headers(body, "application/json")
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body.encode(), headers=headers) as answer:
            return answer.status


async def test_slack_marks_an_event_done_when_its_background_turn_ends(monkeypatch, slack):
    url, turns, ended = slack
    clock = Clock()
    monkeypatch.setattr(replay, "_store", replay.MemorySeen(in_progress_ttl=120, clock=clock))
    body = slack_direct_message("U0CLAIRE", "D0PANNE", "Bonjour")
    event_id = "event:" + json.loads(body)["event_id"]

    # The first attempt died with its turn: a copy waits for the mark to expire.
    assert (await replay.take("slack", event_id)).new
    assert await post_slack(url, body) == 503
    clock.now += 121
    assert await post_slack(url, body) == 200
    await asyncio.wait_for(ended.wait(), 10)
    assert [(m.text, m.message_id) for m in turns] == [("Bonjour", replay.message_id("slack", event_id))]
    # The turn ended in the background: the event is done, not merely in progress.
    await asyncio.sleep(0.1)
    assert (await replay.take("slack", event_id)).state == replay.DONE
    assert await post_slack(url, body) == 200
    assert len(turns) == 1

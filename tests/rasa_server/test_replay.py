"""The deliveries already seen (bot/rasa_server/channels/replay.py): in memory, and in a real Redis
(db 12, a key prefix of this run's own, removed afterwards) shared by several servers."""

from __future__ import annotations

import asyncio

import pytest

from bot.config.settings import load
from bot.rasa_server.channels import replay
from tests.support.redis_keys import REDIS_TEST_URL


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_memory_remembers_an_id_per_channel_for_its_ttl():
    clock = Clock()
    seen = replay.MemorySeen(ttl=60, clock=clock)
    assert await seen.first_time("telegram", "42")
    assert not await seen.first_time("telegram", "42")
    # Another channel's 42 is another delivery.
    assert await seen.first_time("twilio", "42")
    clock.now += 59
    assert not await seen.first_time("telegram", "42")
    clock.now += 2
    assert await seen.first_time("telegram", "42")


async def test_memory_keeps_at_most_max_size_ids_per_channel_the_oldest_forgotten():
    seen = replay.MemorySeen(ttl=3600, max_size=3, clock=Clock())
    for delivery in "abcd":
        assert await seen.first_time("slack", delivery)
    assert len(seen) == 3
    assert await seen.first_time("slack", "a"), "le plus ancien est oublié"
    assert not await seen.first_time("slack", "d")


async def test_memory_forgets_expired_ids_as_it_goes():
    clock = Clock()
    seen = replay.MemorySeen(ttl=10, clock=clock)
    for i in range(100):
        await seen.first_time("facebook", f"m_{i}")
    clock.now += 11
    await seen.first_time("facebook", "m_new")
    assert len(seen) == 1


async def test_a_long_id_is_kept_as_a_digest():
    seen = replay.MemorySeen()
    long_id = "v0=" + "a" * 300
    assert await seen.first_time("slack", long_id)
    assert not await seen.first_time("slack", long_id)
    assert await seen.first_time("slack", long_id[:-1] + "b")
    assert all(len(key) <= replay.MAX_ID_CHARS for key in seen._seen["slack"])


async def test_a_missing_id_counts_as_new(monkeypatch):
    monkeypatch.setattr(replay, "_store", replay.MemorySeen())
    assert await replay.first_time("twilio", None) and await replay.first_time("twilio", None)
    assert await replay.first_time("twilio", "")
    assert await replay.first_time("twilio", 7) and not await replay.first_time("twilio", "7")


def test_the_store_follows_the_lock_store_setting():
    assert isinstance(replay.from_settings(load({})), replay.MemorySeen)
    assert isinstance(replay.from_settings(load({"BOUSSOLE_LOCK_STORE": "in_memory"})), replay.MemorySeen)
    store = replay.from_settings(
        load({"BOUSSOLE_LOCK_STORE": "redis://:motdepasse@redis.interne:6380/3", "BOUSSOLE_LOCK_PREFIX": "prod1"})
    )
    assert isinstance(store, replay.RedisSeen)
    assert (store.config["url"], store.config["port"], store.config["db"], store.config["password"]) == (
        "redis.interne",
        6380,
        3,
        "motdepasse",
    )
    assert store.redis_key("telegram", "42") == "prod1:replay:telegram:42"


def test_a_wrong_lock_store_setting_is_refused_in_french():
    from bot.rasa_server.runtime_files import ConfigurationError

    with pytest.raises(ConfigurationError, match="BOUSSOLE_LOCK_STORE"):
        replay.from_settings(load({"BOUSSOLE_LOCK_STORE": "memcached://hôte"}))


def redis_store(prefix: str, ttl: float = replay.TTL_S) -> replay.RedisSeen:
    return replay.RedisSeen(
        replay.from_settings(load({"BOUSSOLE_LOCK_STORE": REDIS_TEST_URL, "BOUSSOLE_LOCK_PREFIX": prefix})).config,
        ttl=ttl,
    )


async def test_redis_is_shared_by_several_servers_with_a_ttl(redis_prefix):
    prefix, client = redis_prefix
    first, second = redis_store(prefix, ttl=3600), redis_store(prefix, ttl=3600)
    try:
        assert await first.first_time("twilio", "SM1")
        assert not await second.first_time("twilio", "SM1"), "l'autre serveur l'a déjà traité"
        assert await second.first_time("facebook", "SM1")
        assert 3590 < client.ttl(f"{prefix}:replay:twilio:SM1") <= 3600
    finally:
        await first.close()
        await second.close()


async def test_redis_lets_one_of_many_simultaneous_deliveries_through(redis_prefix):
    prefix, _ = redis_prefix
    stores = [redis_store(prefix) for _ in range(8)]
    try:
        results = await asyncio.gather(
            *(store.first_time("botframework", "a:1|act") for store in stores for _ in range(3))
        )
        assert sum(results) == 1
    finally:
        for store in stores:
            await store.close()


async def test_redis_expiry(redis_prefix):
    prefix, _ = redis_prefix
    store = redis_store(prefix, ttl=1)
    try:
        assert await store.first_time("slack", "event:Ev1")
        assert not await store.first_time("slack", "event:Ev1")
        await asyncio.sleep(1.6)
        assert await store.first_time("slack", "event:Ev1")
    finally:
        await store.close()


async def test_when_redis_does_not_answer_this_server_s_memory_takes_over(caplog):
    # Nothing listens on port 1.
    store = replay.RedisSeen({"url": "127.0.0.1", "port": 1, "key_prefix": "absent"})
    with caplog.at_level("WARNING", logger="bot.rasa_server.channels.replay"):
        assert await store.first_time("telegram", "9")
        assert not await store.first_time("telegram", "9")
    assert "Redis ne répond pas" in caplog.text
    await store.close()


def test_what_identifies_a_messenger_event():
    from bot.rasa_server.channels.facebook import delivery_id

    assert delivery_id({"sender": {"id": "1"}, "timestamp": 5, "message": {"mid": "m_1", "text": "a"}}) == "m_1"
    assert delivery_id({"sender": {"id": "1"}, "timestamp": 5, "postback": {"mid": "m_2", "payload": "/x"}}) == "m_2"
    assert delivery_id({"sender": {"id": "1"}, "timestamp": 5, "postback": {"payload": "/x"}}) == "1@5:postback"
    assert delivery_id({"read": {"watermark": 1}}) is None

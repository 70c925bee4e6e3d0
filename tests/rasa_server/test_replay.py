"""The deliveries already taken (bot/rasa_server/channels/replay.py): « in progress » while a
server handles one, « done » for a day after; in memory, and in a real Redis (db 12, a key
prefix of this test's own, removed afterwards) shared by several servers."""

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


class Boom(Exception):
    pass


@pytest.fixture
def memory(monkeypatch):
    """This process's store in memory, on a clock the test moves."""
    clock = Clock()
    seen = replay.MemorySeen(ttl=3600, in_progress_ttl=120, clock=clock)
    monkeypatch.setattr(replay, "_store", seen)
    return seen, clock


async def test_a_delivery_is_in_progress_then_done_then_forgotten(memory):
    _, clock = memory
    async with replay.delivery("telegram", "42") as first:
        assert first.new and not first.busy
        copy = await replay.take("telegram", "42")
        assert copy.busy and not copy.new, "une copie pendant le traitement n'est pas traitée"
        # Another channel's 42 is another delivery.
        assert (await replay.take("twilio", "42")).new
    # Done: ignored for the long TTL, not just the « in progress » one.
    clock.now += 3599
    again = await replay.take("telegram", "42")
    assert not again.new and not again.busy
    clock.now += 2
    assert (await replay.take("telegram", "42")).new


async def test_a_delivery_never_finished_is_taken_again_once_its_mark_expires(memory):
    _, clock = memory
    # The server that took it died: nothing marks it done, nothing releases it.
    assert (await replay.take("facebook", "m_1")).new
    clock.now += 119
    assert (await replay.take("facebook", "m_1")).busy
    clock.now += 2
    retry = await replay.take("facebook", "m_1")
    assert retry.new, "la livraison renvoyée après la mort du premier serveur est traitée"
    assert (await replay.take("facebook", "m_1")).busy


@pytest.mark.parametrize("failure", [Boom, asyncio.CancelledError])
async def test_handling_that_raises_releases_the_delivery_at_once(memory, failure):
    with pytest.raises(failure):
        async with replay.delivery("botframework", "a:1|act") as current:
            assert current.new
            raise failure()
    assert (await replay.take("botframework", "a:1|act")).new, "le renvoi de la plateforme passe aussitôt"


async def test_a_late_release_leaves_the_next_attempt_s_mark_alone(memory):
    seen, clock = memory
    stale = await replay.take("slack", "event:Ev1")
    clock.now += 121
    current = await replay.take("slack", "event:Ev1")
    assert current.new
    await stale.release()
    assert (await replay.take("slack", "event:Ev1")).busy


async def test_a_copy_dropped_changes_nothing(memory):
    async with replay.delivery("twilio", "SM1"):
        async with replay.delivery("twilio", "SM1") as copy:
            assert copy.busy
        # The copy's end neither released nor finished the first attempt's mark.
        assert (await replay.take("twilio", "SM1")).busy


async def test_a_missing_id_counts_as_new_and_leaves_no_mark(memory):
    seen, _ = memory
    for missing in (None, ""):
        async with replay.delivery("twilio", missing) as current:
            assert current.new and current.message_id is None
        assert (await replay.take("twilio", missing)).new
    async with replay.delivery("twilio", 7):
        pass
    assert not (await replay.take("twilio", "7")).new
    assert len(seen) == 1


def test_the_message_id_is_the_same_for_every_copy_and_a_usable_one():
    from bot.rasa_client import check_message_id

    assert replay.message_id("telegram", 815) == "telegram:815"
    assert replay.message_id("twilio", "SMa1b2") == "twilio:SMa1b2"
    long_mid = "m_" + "Ab-9" * 40
    teams = "19:abc@thread.v2|1234567890"
    for channel, delivery_id in (("facebook", long_mid), ("botframework", teams), ("slack", "v0=" + "f" * 64)):
        found = replay.message_id(channel, delivery_id)
        assert found == replay.message_id(channel, delivery_id)
        assert check_message_id(found) == found and found.startswith(f"{channel}:")
    assert replay.message_id("facebook", long_mid) != replay.message_id("facebook", long_mid[:-1])
    assert replay.message_id("slack", None) is None


async def test_memory_keeps_at_most_max_size_ids_per_channel_the_oldest_forgotten():
    seen = replay.MemorySeen(ttl=3600, max_size=3, clock=Clock())
    for delivery in "abcd":
        assert (await seen.take("slack", delivery))[0] is None
        await seen.done("slack", delivery)
    assert len(seen) == 3
    assert (await seen.take("slack", "a"))[0] is None, "le plus ancien est oublié"
    assert (await seen.take("slack", "d"))[0] == replay.DONE


async def test_memory_forgets_expired_ids_as_it_goes():
    clock = Clock()
    seen = replay.MemorySeen(ttl=10, in_progress_ttl=5, clock=clock)
    for i in range(100):
        await seen.take("facebook", f"m_{i}")
        if i % 2:
            await seen.done("facebook", f"m_{i}")
    clock.now += 11
    await seen.take("facebook", "m_new")
    assert len(seen) == 1


async def test_a_long_id_is_kept_as_a_digest():
    seen = replay.MemorySeen()
    long_id = "v0=" + "a" * 300
    assert (await seen.take("slack", long_id))[0] is None
    assert (await seen.take("slack", long_id))[0] == replay.IN_PROGRESS
    assert (await seen.take("slack", long_id[:-1] + "b"))[0] is None
    assert all(len(key) <= replay.MAX_ID_CHARS for key in seen._marks[replay.IN_PROGRESS]["slack"])


def test_the_in_progress_mark_outlasts_a_turn_that_holds_its_conversation():
    from rasa.core.lock_store import LOCK_LIFETIME

    assert replay.IN_PROGRESS_TTL_S >= 2 * LOCK_LIFETIME
    assert replay.IN_PROGRESS_TTL_S < replay.TTL_S / 100


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


def redis_store(prefix: str, ttl: float = replay.TTL_S, in_progress_ttl: float = replay.IN_PROGRESS_TTL_S):
    return replay.RedisSeen(
        replay.from_settings(load({"BOUSSOLE_LOCK_STORE": REDIS_TEST_URL, "BOUSSOLE_LOCK_PREFIX": prefix})).config,
        ttl=ttl,
        in_progress_ttl=in_progress_ttl,
    )


async def test_redis_is_shared_by_several_servers_in_progress_then_done(redis_prefix):
    prefix, client = redis_prefix
    first, second = redis_store(prefix, ttl=3600, in_progress_ttl=90), redis_store(prefix, ttl=3600)
    key = f"{prefix}:replay:twilio:SM1"
    try:
        state, attempt = await first.take("twilio", "SM1")
        assert state is None
        assert 80 < client.ttl(key) <= 90
        assert await second.take("twilio", "SM1") == (replay.IN_PROGRESS, ""), "l'autre serveur le traite"
        assert (await second.take("facebook", "SM1"))[0] is None
        await first.done("twilio", "SM1")
        assert await second.take("twilio", "SM1") == (replay.DONE, "")
        assert 3590 < client.ttl(key) <= 3600
    finally:
        await first.close()
        await second.close()


async def test_redis_lets_one_of_many_simultaneous_deliveries_through(redis_prefix):
    prefix, _ = redis_prefix
    stores = [redis_store(prefix) for _ in range(8)]
    try:
        results = await asyncio.gather(*(store.take("botframework", "a:1|act") for store in stores for _ in range(3)))
        assert [state for state, _ in results].count(None) == 1
        assert [state for state, _ in results].count(replay.IN_PROGRESS) == 23
    finally:
        for store in stores:
            await store.close()


async def test_redis_in_progress_expiry_lets_a_redelivery_through_and_done_lasts(redis_prefix):
    prefix, _ = redis_prefix
    store = redis_store(prefix, ttl=3600, in_progress_ttl=1)
    try:
        # The first attempt's server died: its mark expires.
        assert (await store.take("slack", "event:Ev1"))[0] is None
        assert (await store.take("slack", "event:Ev1"))[0] == replay.IN_PROGRESS
        await asyncio.sleep(1.6)
        assert (await store.take("slack", "event:Ev1"))[0] is None
        await store.done("slack", "event:Ev1")
        await asyncio.sleep(1.6)
        assert (await store.take("slack", "event:Ev1"))[0] == replay.DONE, "« traité » dure bien plus"
    finally:
        await store.close()


async def test_redis_release_removes_only_this_attempt_s_mark(redis_prefix):
    prefix, client = redis_prefix
    store = redis_store(prefix)
    key = f"{prefix}:replay:telegram:7"
    try:
        _, attempt = await store.take("telegram", "7")
        await store.release("telegram", "7", "une-autre-tentative")
        assert (await store.take("telegram", "7"))[0] == replay.IN_PROGRESS
        await store.release("telegram", "7", attempt)
        assert not client.exists(key)
        _, attempt = await store.take("telegram", "7")
        await store.done("telegram", "7")
        await store.release("telegram", "7", attempt)
        assert (await store.take("telegram", "7"))[0] == replay.DONE, "un tour terminé n'est pas relâché"
    finally:
        await store.close()


async def test_redis_reads_a_mark_of_the_previous_version_as_done(redis_prefix):
    prefix, client = redis_prefix
    client.set(f"{prefix}:replay:twilio:SM9", "1", ex=60)
    store = redis_store(prefix)
    try:
        assert await store.take("twilio", "SM9") == (replay.DONE, "")
    finally:
        await store.close()


async def test_when_redis_does_not_answer_this_server_s_memory_takes_over(caplog):
    # Nothing listens on port 1.
    store = replay.RedisSeen({"url": "127.0.0.1", "port": 1, "key_prefix": "absent"})
    with caplog.at_level("WARNING", logger="bot.rasa_server.channels.replay"):
        state, attempt = await store.take("telegram", "9")
        assert state is None
        assert (await store.take("telegram", "9"))[0] == replay.IN_PROGRESS
        await store.release("telegram", "9", attempt)
        assert (await store.take("telegram", "9"))[0] is None
        await store.done("telegram", "9")
        assert (await store.take("telegram", "9"))[0] == replay.DONE
    assert "Redis ne répond pas" in caplog.text
    await store.close()


def test_what_identifies_a_messenger_event():
    from bot.rasa_server.channels.facebook import delivery_id

    assert delivery_id({"sender": {"id": "1"}, "timestamp": 5, "message": {"mid": "m_1", "text": "a"}}) == "m_1"
    assert delivery_id({"sender": {"id": "1"}, "timestamp": 5, "postback": {"mid": "m_2", "payload": "/x"}}) == "m_2"
    assert delivery_id({"sender": {"id": "1"}, "timestamp": 5, "postback": {"payload": "/x"}}) == "1@5:postback"
    assert delivery_id({"read": {"watermark": 1}}) is None

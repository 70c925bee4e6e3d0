"""The website's rate limits (bot/website/ratelimit.py): the same behaviour tests on both
stores, this process's memory and a real Redis (db 12, a key prefix of each test's own,
removed afterwards), then what only the shared store does."""

from __future__ import annotations

import asyncio

import pytest

from bot.config.settings import load
from bot.multiserver import shared_redis
from bot.multiserver.shared_redis import SharedRedis
from bot.website.ratelimit import MAX_KEY_CHARS, MemoryRateLimiter, RedisRateLimiter, rate_limiter
from tests.support.redis_keys import REDIS_TEST_URL


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def shared(prefix: str) -> SharedRedis:
    return shared_redis.from_settings(load({"BOUSSOLE_LOCK_STORE": REDIS_TEST_URL, "BOUSSOLE_LOCK_PREFIX": prefix}))


@pytest.fixture(params=["memory", "redis"])
async def make_limiter(request):
    """A function (limit, window_s, clock) → a limiter of the store under test."""
    redis = None
    if request.param == "redis":
        prefix, _ = request.getfixturevalue("redis_prefix")
        redis = shared(prefix)

    def make(limit: int, window_s: float = 60.0, clock=None):
        clock = clock or Clock()
        if redis is None:
            return MemoryRateLimiter(limit, window_s, clock=clock)
        return RedisRateLimiter(redis, "essai", limit, window_s, clock=clock)

    yield make
    if redis is not None:
        await redis.close()


async def test_at_most_limit_hits_per_sliding_window(make_limiter):
    clock = Clock()
    limiter = make_limiter(2, 60, clock)
    assert [await limiter.hit("a"), await limiter.hit("a")] == [0, 0]
    clock.now += 30
    assert await limiter.hit("a") == 30, "the first hit leaves the window in 30 s"
    assert await limiter.hit("b") == 0, "each key has its own count"
    clock.now += 29.5
    assert await limiter.hit("a") == 1, "never 0 while refused"
    clock.now += 0.5
    assert [await limiter.hit("a"), await limiter.hit("a"), await limiter.hit("a")] == [0, 0, 60]


async def test_a_refused_hit_is_not_counted(make_limiter):
    clock = Clock()
    limiter = make_limiter(1, 10, clock)
    assert await limiter.hit("a") == 0
    for _ in range(5):
        assert await limiter.hit("a") == 10
    clock.now += 10
    assert await limiter.hit("a") == 0, "waiting the time said is always enough"


async def test_wait_s_tells_without_counting_and_forget_starts_again(make_limiter):
    clock = Clock()
    limiter = make_limiter(2, 900, clock)
    for _ in range(5):
        assert await limiter.wait_s("10.0.0.1") == 0
    assert await limiter.hit("10.0.0.1") == 0
    assert await limiter.hit("10.0.0.1") == 0
    clock.now += 100
    assert await limiter.wait_s("10.0.0.1") == 800
    await limiter.forget("10.0.0.1")
    assert await limiter.wait_s("10.0.0.1") == 0
    assert await limiter.hit("10.0.0.1") == 0


async def test_a_limit_of_zero_means_no_limit(make_limiter):
    limiter = make_limiter(0)
    assert [await limiter.hit("a") for _ in range(50)] == [0] * 50


async def test_a_very_long_key_is_counted_by_its_digest(make_limiter):
    limiter = make_limiter(1)
    forwarded = "203.0.113.7, " * 40
    assert await limiter.hit(forwarded) == 0
    assert await limiter.hit(forwarded) > 0
    assert await limiter.hit(forwarded + "x") == 0


async def test_memory_keeps_at_most_max_keys_and_drops_unused_ones():
    limiter = MemoryRateLimiter(1, max_keys=3)
    for key in "abcde":
        await limiter.hit(key)
    assert len(limiter) == 3
    await limiter.wait_s("z")
    assert len(limiter) == 3, "asking about a key never seen keeps nothing"


async def test_redis_counts_the_hits_of_every_process_at_once(redis_prefix):
    """Eight website processes, 40 simultaneous hits of one address: exactly the limit
    goes through (the check and the count are one atomic script)."""
    prefix, _ = redis_prefix
    processes = [shared(prefix) for _ in range(8)]
    limiters = [RedisRateLimiter(redis, "ip", 5, 60) for redis in processes]
    try:
        waits = await asyncio.gather(*(limiter.hit("198.51.100.4") for limiter in limiters for _ in range(5)))
        assert sum(wait == 0 for wait in waits) == 5
    finally:
        for redis in processes:
            await redis.close()


async def test_redis_keys_sit_under_the_prefix_and_expire_with_their_window(redis_prefix):
    prefix, client = redis_prefix
    redis = shared(prefix)
    try:
        limiter = RedisRateLimiter(redis, "session", 3, 60)
        await limiter.hit("0123abcd")
        assert [key.decode() for key in client.scan_iter(f"{prefix}:*")] == [f"{prefix}:ratelimit:session:0123abcd"]
        assert 59_000 < client.pttl(f"{prefix}:ratelimit:session:0123abcd") <= 60_000
        assert len(limiter.redis_key("x" * (MAX_KEY_CHARS + 1))) < len(prefix) + 100
    finally:
        await redis.close()


async def test_when_redis_does_not_answer_this_process_counts_alone(caplog):
    # Nothing listens on port 1.
    redis = SharedRedis({"url": "127.0.0.1", "port": 1, "key_prefix": "absent"})
    limiter = RedisRateLimiter(redis, "ip", 2, 60)
    with caplog.at_level("WARNING", logger="bot.website.ratelimit"):
        assert [await limiter.hit("a"), await limiter.hit("a")] == [0, 0]
        assert await limiter.hit("a") > 0
    assert "Limite « ip » : Redis ne répond pas" in caplog.text
    await redis.close()


def test_the_store_follows_the_lock_store_setting():
    assert isinstance(rate_limiter(shared_redis.from_settings(load({})), "ip", 5), MemoryRateLimiter)
    redis = shared_redis.from_settings(
        load({"BOUSSOLE_LOCK_STORE": "redis://:motdepasse@redis.interne:6380/3", "BOUSSOLE_LOCK_PREFIX": "prod1"})
    )
    limiter = rate_limiter(redis, "ip", 5)
    assert isinstance(limiter, RedisRateLimiter)
    assert (redis.config["url"], redis.config["port"], redis.config["db"]) == ("redis.interne", 6380, 3)
    assert limiter.redis_key("203.0.113.7") == "prod1:ratelimit:ip:203.0.113.7"

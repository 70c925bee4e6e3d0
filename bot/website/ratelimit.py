"""Sliding-window rate limits: per client address, per conversation, per address on the
advisers' login form.

One interface, two stores, chosen from the settings (`rate_limiter`):

- this process's memory when the deployment runs a single website process (`make run`:
  BOUSSOLE_LOCK_STORE=in_memory);
- Redis when it shares a Redis between its processes (BOUSSOLE_LOCK_STORE=redis://…,
  bot/multiserver/shared_redis.py): behind nginx, each website process counting its own
  share would multiply every limit by the number of processes. Each check is one Lua
  script, atomic in Redis, on a sorted set of the key's hit times
  (`<BOUSSOLE_LOCK_PREFIX>:ratelimit:<limit>:<key>`), which expires with its window. The
  times are the website hosts' clocks (kept in step by NTP, as every server's). If Redis
  does not answer, this process's memory takes over, with a warning: a user is never
  refused because Redis is down.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from abc import ABC, abstractmethod
from collections import OrderedDict, deque

from bot.multiserver import shared_redis
from bot.multiserver.shared_redis import SharedRedis

log = logging.getLogger(__name__)

# Longer keys (an X-Forwarded-For of any length, behind a trusted proxy) are kept as a digest.
MAX_KEY_CHARS = 100


class RateLimiter(ABC):
    """At most `limit` hits per `window_s` seconds for each key; `limit` 0 means no limit."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s

    async def hit(self, key: str) -> int:
        """Records a hit and returns 0, or returns the seconds to wait (the hit is not
        recorded, so that waiting is always enough)."""
        return await self._wait(key, record=True)

    async def wait_s(self, key: str) -> int:
        """The seconds to wait before the next hit of `key` is allowed (0: now); records nothing."""
        return await self._wait(key, record=False)

    async def _wait(self, key: str, record: bool) -> int:
        if self.limit <= 0:
            return 0
        left = await self._check(_short(key), record)
        return max(1, math.ceil(left)) if left > 0 else 0

    @abstractmethod
    async def _check(self, key: str, record: bool) -> float:
        """The time left before `key` may be hit again, 0.0 if it may now (and then, if
        `record`, the hit is recorded)."""

    @abstractmethod
    async def forget(self, key: str) -> None:
        """Forgets the hits of `key` (a login that succeeded)."""


def _short(key: str) -> str:
    key = str(key)
    if len(key) > MAX_KEY_CHARS:
        return "sha256-" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return key


class MemoryRateLimiter(RateLimiter):
    """The hits of this process. Keys unused for a whole window are forgotten; at most
    `max_keys` are kept, the least recently used forgotten first."""

    def __init__(self, limit: int, window_s: float = 60.0, clock=time.monotonic, max_keys: int = 50_000):
        super().__init__(limit, window_s)
        self.clock = clock
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque] = OrderedDict()

    def check_now(self, key: str, record: bool) -> float:
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window_s - now
        if record:
            hits.append(now)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
        elif not hits:
            del self._hits[key]
        return 0.0

    async def _check(self, key: str, record: bool) -> float:
        return self.check_now(key, record)

    async def forget(self, key: str) -> None:
        self._hits.pop(_short(key), None)

    def __len__(self) -> int:
        return len(self._hits)


# KEYS[1]: the key's hit times (a sorted set); ARGV: now, window (s), limit, record (1 or
# 0), a member unique to this hit. Returns the seconds left, as text (Lua numbers reach
# the client as integers).
SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
end
return '0'
"""


class RedisRateLimiter(RateLimiter):
    """The hits of every website process sharing this Redis, under the limit's `name`."""

    def __init__(self, redis: SharedRedis, name: str, limit: int, window_s: float = 60.0, clock=time.time, **memory):
        super().__init__(limit, window_s)
        self.redis = redis
        self.name = name
        self.clock = clock
        # Also counts from the wall clock: it takes over from Redis in the same window.
        self.fallback = MemoryRateLimiter(limit, window_s, clock=clock, **memory)

    def redis_key(self, key: str) -> str:
        return self.redis.key("ratelimit", self.name, _short(key))

    async def _check(self, key: str, record: bool) -> float:
        now = self.clock()
        args = [repr(now), repr(float(self.window_s)), self.limit, int(record), f"{now!r}-{secrets.token_hex(4)}"]
        try:
            script = self.redis.client().register_script(SLIDING_WINDOW)
            left = await script(keys=[self.redis_key(key)], args=args)
        except shared_redis.unavailable_errors() as error:
            log.warning(
                "Limite « %s » : Redis ne répond pas (%s) ; ce processus compte seul pour le moment.",
                self.name,
                type(error).__name__,
            )
            return self.fallback.check_now(key, record)
        return float(left)

    async def forget(self, key: str) -> None:
        await self.fallback.forget(key)
        try:
            await self.redis.client().delete(self.redis_key(key))
        except shared_redis.unavailable_errors() as error:
            log.warning("Limite « %s » : Redis ne répond pas (%s).", self.name, type(error).__name__)


def rate_limiter(redis: SharedRedis | None, name: str, limit: int, window_s: float = 60.0, **memory) -> RateLimiter:
    """The limit `name` in the deployment's shared Redis when there is one
    (bot/multiserver/shared_redis.from_settings), else in this process's memory."""
    if redis is None:
        return MemoryRateLimiter(limit, window_s, **memory)
    return RedisRateLimiter(redis, name, limit, window_s, **memory)

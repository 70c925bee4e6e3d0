"""Deliveries already seen: a webhook request captured and posted again is not processed twice.

A platform's signature proves who wrote a request, not that it is new: anyone who saw one
signed request (a proxy's log, a debugging tool) can post it again, and the platforms
themselves deliver an update again when they think the first delivery failed. Each
channel therefore names what identifies a delivery (Telegram's `update_id`, Messenger's
`mid`, Twilio's `MessageSid`, the Bot Framework activity's `id`, Slack's `event_id`) and
asks `first_time(channel, id)` once the request is known to be authentic: True the first
time, False for as long as the id is remembered.

Ids are remembered for `TTL_S` (a day: Telegram keeps an undelivered update for 24 hours,
the other platforms retry for less), per channel:

- in this process's memory by default, at most `MAX_PER_CHANNEL` ids per channel (the
  oldest forgotten first);
- in Redis when the deployment keeps its conversation locks there (BOUSSOLE_LOCK_STORE =
  redis://…, read by bot/config/settings.py), under `<BOUSSOLE_LOCK_PREFIX>:replay:<channel>:<id>`,
  so that several Rasa servers behind nginx share what they have seen: one `SET NX EX`,
  atomic, so that two servers receiving the same delivery at once process it once.
  If Redis does not answer, this process's memory takes over (with a warning): a message
  is never lost because Redis is down.

Used from Rasa's process (bot/rasa_server/channels/).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from bot.config import settings
from bot.config.settings import Settings
from bot.multiserver import shared_redis
from bot.multiserver.shared_redis import SharedRedis

logger = logging.getLogger(__name__)

TTL_S = 24 * 3600
MAX_PER_CHANNEL = 50_000
# Longer ids (Slack's signature, used when a request carries no id) are kept as a digest.
MAX_ID_CHARS = 100
REDIS_TIMEOUT_S = 2.0


def _key(delivery_id: str) -> str:
    delivery_id = str(delivery_id)
    if len(delivery_id) > MAX_ID_CHARS:
        return "sha256-" + hashlib.sha256(delivery_id.encode("utf-8")).hexdigest()
    return delivery_id


class MemorySeen:
    """Ids seen in this process, each for `ttl` seconds, at most `max_size` per channel."""

    def __init__(
        self, ttl: float = TTL_S, max_size: int = MAX_PER_CHANNEL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.max_size, self.clock = ttl, max_size, clock
        # channel → id → expiry; insertion order is expiry order (one TTL for all).
        self._seen: dict[str, OrderedDict[str, float]] = {}

    def first_time_now(self, channel: str, delivery_id: str) -> bool:
        now = self.clock()
        seen = self._seen.setdefault(channel, OrderedDict())
        while seen:
            oldest, expiry = next(iter(seen.items()))
            if expiry > now:
                break
            del seen[oldest]
        key = _key(delivery_id)
        if key in seen:
            return False
        seen[key] = now + self.ttl
        while len(seen) > self.max_size:
            seen.popitem(last=False)
        return True

    async def first_time(self, channel: str, delivery_id: str) -> bool:
        return self.first_time_now(channel, delivery_id)

    def __len__(self) -> int:
        return sum(len(seen) for seen in self._seen.values())


class RedisSeen:
    """Ids seen by any server sharing this Redis, each for `ttl` seconds."""

    def __init__(self, config: Mapping, ttl: float = TTL_S, fallback: MemorySeen | None = None) -> None:
        # `config`: the lock store's entry of the endpoints (bot/runtime_files.lock_store).
        self.redis = SharedRedis(config, REDIS_TIMEOUT_S)
        self.config = self.redis.config
        self.ttl = ttl
        self.fallback = fallback or MemorySeen(ttl)

    def redis_key(self, channel: str, delivery_id: str) -> str:
        return self.redis.key("replay", channel, _key(delivery_id))

    async def first_time(self, channel: str, delivery_id: str) -> bool:
        try:
            created = await self.redis.client().set(
                self.redis_key(channel, delivery_id), "1", nx=True, ex=max(1, int(self.ttl))
            )
        except shared_redis.unavailable_errors() as error:
            logger.warning(
                "Rejeux : Redis ne répond pas (%s) ; les identifiants déjà vus sont gardés en mémoire "
                "de ce serveur seulement.",
                type(error).__name__,
            )
            return self.fallback.first_time_now(channel, delivery_id)
        return bool(created)

    async def close(self) -> None:
        await self.redis.close()


def from_settings(settings_: Settings | None = None):
    """Redis when the lock store is there, else this process's memory."""
    config = (settings_ or settings.current()).lock_store
    if config.get("type") == "in_memory":
        return MemorySeen()
    return RedisSeen(config)


_store = None


def store():
    """This process's store, built from the environment on first use (a wrong
    BOUSSOLE_LOCK_STORE has stopped the process at start, bot/config/settings.py)."""
    global _store
    if _store is None:
        _store = from_settings()
    return _store


async def first_time(channel: str, delivery_id) -> bool:
    """True if this delivery of `channel` was not seen within the last day; remembers it.
    A missing id (None, empty) cannot be checked: the delivery counts as new."""
    if delivery_id is None or str(delivery_id) == "":
        return True
    return await store().first_time(channel, str(delivery_id))

"""The Redis that the processes of a deployment share besides the conversation locks: the
deliveries already seen by the Rasa servers (bot/rasa_server/channels/replay.py), the
website's rate limits (bot/website/ratelimit.py) and the advisers' sessions
(bot/website/admin_auth.py).

It is the lock store's Redis (BOUSSOLE_LOCK_STORE = redis://…), under its key prefix
(BOUSSOLE_LOCK_PREFIX): a deployment that runs several processes keeps its locks there
already, and one that runs a single process (`in_memory`, `make run`'s default) keeps
everything in that process's memory.

Used from the Rasa and website processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.config import settings
from bot.config.settings import Settings

TIMEOUT_S = 2.0


class SharedRedis:
    """One asyncio client per event loop (a redis.asyncio client belongs to the loop it was
    first used in) on the Redis `config` names: the lock store's entry of the settings."""

    def __init__(self, config: Mapping, timeout_s: float = TIMEOUT_S) -> None:
        self.config = dict(config)
        self.prefix = self.config.get("key_prefix") or settings.REDIS_KEY_PREFIX
        self.timeout_s = timeout_s
        self._clients: dict[int, object] = {}

    def key(self, *parts: str) -> str:
        """`<prefix>:<part>:<part>…`: beside the locks (`<prefix>:lock:<conversation>`),
        apart from any other deployment's keys."""
        return ":".join((self.prefix, *parts))

    def client(self):
        import redis.asyncio as aioredis

        loop = asyncio.get_running_loop()
        client = self._clients.get(id(loop))
        if client is None:
            client = aioredis.Redis(
                host=self.config.get("url") or "localhost",
                port=int(self.config.get("port") or 6379),
                db=int(self.config.get("db") or 0),
                password=self.config.get("password"),
                ssl=bool(self.config.get("use_ssl")),
                socket_timeout=self.timeout_s,
                socket_connect_timeout=self.timeout_s,
            )
            self._clients = {id(loop): client}
        return client

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients = {}


def from_settings(settings_: Settings | None = None) -> SharedRedis | None:
    """The deployment's shared Redis, or None when the lock store is in memory."""
    config = (settings_ or settings.current()).lock_store
    if config.get("type") == "in_memory":
        return None
    return SharedRedis(config)


def unavailable_errors() -> tuple[type[BaseException], ...]:
    """What a call to a Redis that is down or too slow raises."""
    import redis

    return (redis.RedisError, OSError, asyncio.TimeoutError)

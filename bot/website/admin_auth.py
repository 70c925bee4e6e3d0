"""Who may read the review pages: the holder of the advisers' token.

The login form exchanges the token for a session cookie. The cookie carries no secret,
only its issue time, a random nonce and an HMAC keyed by the token, so that changing the
token ends every session; a session is also valid only while the session store holds its
nonce, for its lifetime: logging out deletes it. Tokens and signatures are compared in
constant time. Failed logins are counted per client address and paused after too many.

The sessions and the failed logins are kept where the website's rate limits are
(bot/website/ratelimit.py): in this process's memory for a single website process (a
restart then ends the sessions), in the deployment's shared Redis otherwise
(`<BOUSSOLE_LOCK_PREFIX>:admin-session:<nonce>`, expiring with the session), so that a
session opened on one website process is valid on the others, and ended on all by one
logout. A session store that does not answer refuses every session
(`SessionsUnavailable`) rather than let a closed one through.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable

from bot.multiserver import shared_redis
from bot.multiserver.shared_redis import SharedRedis
from bot.website.ratelimit import RateLimiter, rate_limiter

log = logging.getLogger(__name__)

MIN_TOKEN_LENGTH = 16
SESSION_LIFETIME_S = 8 * 3600
MAX_FAILURES = 10
FAILURE_WINDOW_S = 15 * 60
MAX_TRACKED_ADDRESSES = 10_000
MAX_MEMORY_SESSIONS = 10_000


class WeakToken(ValueError):
    """The message says, in French, why the token is refused."""


def check_token(token: str) -> None:
    if len(token) < MIN_TOKEN_LENGTH:
        raise WeakToken(
            f"BOUSSOLE_ADMIN_TOKEN est trop court ({len(token)} caractères, {MIN_TOKEN_LENGTH} au moins) : "
            "la page de suivi reste fermée. Choisissez un jeton plus long, ou supprimez la variable "
            "pour qu'un jeton soit créé dans var/admin_token."
        )


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class SessionsUnavailable(RuntimeError):
    """The session store does not answer; the message says so in French."""


class MemorySessionStore:
    """Open sessions in this process: nonce → expiry. At most `max_sessions`, the oldest
    closed first (a login opens one; the token's holders are a handful of advisers)."""

    def __init__(self, clock: Callable[[], float] = time.time, max_sessions: int = MAX_MEMORY_SESSIONS):
        self._clock = clock
        self.max_sessions = max_sessions
        self._open: dict[str, float] = {}

    async def open(self, nonce: str, lifetime_s: int) -> None:
        now = self._clock()
        self._open = {n: expiry for n, expiry in self._open.items() if expiry > now}
        self._open[nonce] = now + lifetime_s
        while len(self._open) > self.max_sessions:
            self._open.pop(next(iter(self._open)))

    async def holds(self, nonce: str) -> bool:
        return self._open.get(nonce, 0.0) > self._clock()

    async def close(self, nonce: str) -> None:
        self._open.pop(nonce, None)


class RedisSessionStore:
    """Open sessions in the deployment's shared Redis, each key expiring with its session."""

    UNAVAILABLE = "les sessions des conseillers sont gardées dans Redis, qui ne répond pas."

    def __init__(self, redis: SharedRedis):
        self.redis = redis

    def redis_key(self, nonce: str) -> str:
        return self.redis.key("admin-session", nonce)

    async def _call(self, method: str, *args, **kwargs):
        try:
            return await getattr(self.redis.client(), method)(*args, **kwargs)
        except shared_redis.unavailable_errors() as error:
            log.error("Sessions des conseillers : Redis ne répond pas (%s).", type(error).__name__)
            raise SessionsUnavailable(self.UNAVAILABLE) from None

    async def open(self, nonce: str, lifetime_s: int) -> None:
        await self._call("set", self.redis_key(nonce), "1", ex=max(1, int(lifetime_s)))

    async def holds(self, nonce: str) -> bool:
        return bool(await self._call("exists", self.redis_key(nonce)))

    async def close(self, nonce: str) -> None:
        await self._call("delete", self.redis_key(nonce))


def session_store(redis: SharedRedis | None):
    """In the deployment's shared Redis when there is one, else in this process's memory."""
    return MemorySessionStore() if redis is None else RedisSessionStore(redis)


def login_limiter(redis: SharedRedis | None) -> RateLimiter:
    """At most MAX_FAILURES failed logins per address within FAILURE_WINDOW_S: `hit` on a
    failure, `wait_s` before trying, `forget` on a success."""
    return rate_limiter(redis, "admin-login", MAX_FAILURES, FAILURE_WINDOW_S, max_keys=MAX_TRACKED_ADDRESSES)


class Sessions:
    """Signed session cookies for one token, each valid while `store` holds it."""

    def __init__(
        self,
        token: str,
        store=None,
        lifetime_s: int = SESSION_LIFETIME_S,
        clock: Callable[[], float] = time.time,
    ):
        self._token = _digest(token)
        self._key = hashlib.sha256(b"boussole-admin-session\0" + token.encode("utf-8")).digest()
        self.store = store if store is not None else MemorySessionStore(clock)
        self.lifetime_s = lifetime_s
        self._clock = clock

    def token_matches(self, candidate: str | None) -> bool:
        # Digests of equal length, so the comparison says nothing about the token's length.
        return hmac.compare_digest(_digest(candidate or ""), self._token)

    def _signature(self, issued: str, nonce: str) -> str:
        return hmac.new(self._key, f"{issued}.{nonce}".encode("ascii"), hashlib.sha256).hexdigest()

    async def issue(self) -> str:
        """A new session's cookie; raises SessionsUnavailable."""
        issued, nonce = str(int(self._clock())), secrets.token_urlsafe(16)
        await self.store.open(nonce, self.lifetime_s)
        return f"{issued}.{nonce}.{self._signature(issued, nonce)}"

    def _nonce(self, cookie: str | None) -> str | None:
        """The nonce of a cookie this token signed and whose lifetime is not over."""
        try:
            issued, nonce, signature = (cookie or "").split(".")
            age = self._clock() - int(issued)
            expected = self._signature(issued, nonce)
        except (ValueError, UnicodeEncodeError):
            return None
        if not hmac.compare_digest(signature.encode("ascii", "replace"), expected.encode("ascii")):
            return None
        if not 0 <= age < self.lifetime_s:
            return None
        return nonce

    async def valid(self, cookie: str | None) -> bool:
        """Raises SessionsUnavailable (a forged or expired cookie never reaches the store)."""
        nonce = self._nonce(cookie)
        return nonce is not None and await self.store.holds(nonce)

    async def revoke(self, cookie: str | None) -> None:
        """Raises SessionsUnavailable."""
        nonce = self._nonce(cookie)
        if nonce is not None:
            await self.store.close(nonce)

"""Who may read the review pages: the holder of the advisers' token.

The login form exchanges the token for a session cookie; the cookie carries no secret,
only its issue time, a random nonce and an HMAC keyed by the token, so that changing the
token ends every session. Tokens and signatures are compared in constant time. Failed
logins are counted per client address and paused after too many.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

MIN_TOKEN_LENGTH = 16
SESSION_LIFETIME_S = 8 * 3600
MAX_FAILURES = 10
FAILURE_WINDOW_S = 15 * 60
MAX_TRACKED_ADDRESSES = 10_000


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


class Sessions:
    """Signed session cookies for one token."""

    def __init__(self, token: str, lifetime_s: int = SESSION_LIFETIME_S, clock: Callable[[], float] = time.time):
        self._token = _digest(token)
        self._key = hashlib.sha256(b"boussole-admin-session\0" + token.encode("utf-8")).digest()
        self.lifetime_s = lifetime_s
        self._clock = clock
        # Nonces of sessions closed before they expired, with their expiry.
        self._revoked: dict = {}

    def token_matches(self, candidate: str | None) -> bool:
        # Digests of equal length, so the comparison says nothing about the token's length.
        return hmac.compare_digest(_digest(candidate or ""), self._token)

    def _signature(self, issued: str, nonce: str) -> str:
        return hmac.new(self._key, f"{issued}.{nonce}".encode("ascii"), hashlib.sha256).hexdigest()

    def issue(self) -> str:
        issued, nonce = str(int(self._clock())), secrets.token_urlsafe(16)
        return f"{issued}.{nonce}.{self._signature(issued, nonce)}"

    def _parts(self, cookie: str | None):
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
        return int(issued), nonce

    def valid(self, cookie: str | None) -> bool:
        parts = self._parts(cookie)
        return parts is not None and parts[1] not in self._revoked

    def revoke(self, cookie: str | None) -> None:
        parts = self._parts(cookie)
        if parts is None:
            return
        now = self._clock()
        self._revoked = {n: expiry for n, expiry in self._revoked.items() if expiry > now}
        self._revoked[parts[1]] = parts[0] + self.lifetime_s


class LoginThrottle:
    """At most MAX_FAILURES failed logins per address within FAILURE_WINDOW_S."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._failures: dict = {}

    def _recent(self, address: str) -> list:
        now = self._clock()
        recent = [t for t in self._failures.get(address, []) if now - t < FAILURE_WINDOW_S]
        if recent:
            self._failures[address] = recent
        else:
            self._failures.pop(address, None)
        return recent

    def wait_s(self, address: str) -> int:
        """Seconds before this address may try again (0: now)."""
        recent = self._recent(address)
        if len(recent) < MAX_FAILURES:
            return 0
        return max(1, int(FAILURE_WINDOW_S - (self._clock() - recent[0])))

    def failed(self, address: str) -> None:
        if len(self._failures) >= MAX_TRACKED_ADDRESSES and address not in self._failures:
            for stale in [a for a in list(self._failures) if not self._recent(a)]:
                self._failures.pop(stale, None)
            if len(self._failures) >= MAX_TRACKED_ADDRESSES:
                self._failures.pop(next(iter(self._failures)))
        self._failures.setdefault(address, []).append(self._clock())

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)

"""A Redis lock store whose ticket operations are atomic, for several Rasa servers.

Rasa's open-source RedisLockStore reads a conversation's ticket lock, changes it in
Python and writes it back: two servers that take a message of the same conversation at
the same moment both read « no ticket », both write ticket 0, and both process their
message at once; the tracker store then keeps only one of the two turns
(RasaHQ/rasa#9213; the concurrent lock store that fixes it is Rasa Pro only). Measured
here: two stores asking a ticket for the same conversation at the same instant got the
same ticket 275 times out of 300, and tests/integration/test_multiserver.py lost one of two
simultaneous messages within its first four pairs.

This subclass keeps Rasa's ticket lock and its data in Redis as they are, and makes each
read-change-write one optimistic Redis transaction (WATCH the key, MULTI, EXEC, and start
again if another server wrote the key in between). Rasa loads it from endpoints.yml as
`type: bot.multiserver.lock_store.AtomicRedisLockStore`.

A ticket also lives only as long as the process that holds it. Rasa gives each ticket 60
seconds (TICKET_LOCK_LIFETIME), so that a server killed during a turn froze that
conversation for a minute: every later message waited for the dead server's ticket to
expire. Here a ticket is issued for `TICKET_LIFETIME_S` and a thread of the holding
process pushes its expiry back every `RENEW_EVERY_S`, while the turn waits and while it
runs. A live server keeps its ticket however long its turn lasts (up to Rasa's 60 s, as
before); a dead one stops renewing, and the next message of the conversation waits at
most `TICKET_LIFETIME_S`. The renewal runs in a thread rather than on Rasa's event loop,
which a long prediction may keep busy for longer than a ticket's lifetime. Expiry times
are wall-clock times compared across servers: their clocks must agree (NTP) to well
under the margin between the two periods.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

log = logging.getLogger(__name__)

# Each retry means another server changed this conversation's lock meanwhile: a handful
# at most in practice.
MAX_ATTEMPTS = 50
# The longest a conversation waits for a holder that died. Three renewals fit in it: a
# renewal late by up to three seconds (a machine overloaded, a slow Redis) loses nothing.
TICKET_LIFETIME_S = 4.0
RENEW_EVERY_S = 1.0
# How often a waiting turn looks whether its ticket is served (Rasa: every second).
POLL_EVERY_S = 0.1


class _Renewal(threading.Thread):
    """Pushes back the expiry of every ticket this process holds, every `every_s`, until
    each one's turn ends or it has been held `max_hold_s` (Rasa's lock lifetime)."""

    def __init__(self, store: AtomicRedisLockStore, every_s: float) -> None:
        super().__init__(name="renouvellement des tickets", daemon=True)
        self.store, self.every_s = store, every_s
        # (conversation, ticket) → monotonic time after which it is no longer renewed.
        self.held: dict[tuple[str, int], float] = {}
        self.guard = threading.Lock()

    def hold(self, conversation_id: str, ticket: int, max_hold_s: float) -> None:
        with self.guard:
            self.held[(conversation_id, ticket)] = time.monotonic() + max_hold_s

    def release(self, conversation_id: str, ticket: int) -> None:
        with self.guard:
            self.held.pop((conversation_id, ticket), None)

    def run(self) -> None:
        while True:
            time.sleep(self.every_s)
            now = time.monotonic()
            by_conversation: dict[str, set] = {}
            with self.guard:
                for (conversation_id, ticket), until in list(self.held.items()):
                    if now < until:
                        by_conversation.setdefault(conversation_id, set()).add(ticket)
            for conversation_id, tickets in by_conversation.items():
                try:
                    lost = self.store.renew(conversation_id, tickets)
                except Exception as exc:  # noqa: BLE001 - the next round tries again
                    log.warning("Verrous : renouvellement impossible (%s) ; nouvel essai dans %g s.", exc, self.every_s)
                    continue
                for ticket in lost:
                    log.warning(
                        "Verrous : le ticket %s de la conversation « %s » a expiré avant d'être renouvelé.",
                        ticket,
                        conversation_id,
                    )
                    self.release(conversation_id, ticket)


class AtomicRedisLockStore(RedisLockStore):
    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        ticket_lifetime_s: float = TICKET_LIFETIME_S,
        renew_every_s: float = RENEW_EVERY_S,
        **kwargs,
    ) -> None:
        if endpoint_config is not None:
            kwargs = dict(endpoint_config.kwargs, host=endpoint_config.url, **kwargs)
        super().__init__(**kwargs)
        if not 0 < renew_every_s < ticket_lifetime_s:
            raise ValueError("renew_every_s must be shorter than ticket_lifetime_s")
        self.ticket_lifetime_s, self.renew_every_s = ticket_lifetime_s, renew_every_s
        self._renewal: _Renewal | None = None
        self._renewal_guard = threading.Lock()

    def _running_renewal(self) -> _Renewal:
        """This process's renewal thread, started on the first turn (in each Sanic worker:
        a thread does not survive the fork that starts one)."""
        with self._renewal_guard:
            if self._renewal is None or not self._renewal.is_alive():
                self._renewal = _Renewal(self, self.renew_every_s)
                self._renewal.start()
            return self._renewal

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncIterator[TicketLock]:
        """Rasa's ticket lock, with a short ticket renewed for as long as the turn waits and
        runs, at most `lock_lifetime` seconds (past that, Rasa's own rule applies: the
        conversation is no longer kept from the next message)."""
        renewal = self._running_renewal()
        ticket = self.issue_ticket(conversation_id, min(lock_lifetime, self.ticket_lifetime_s))
        renewal.hold(conversation_id, ticket, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, min(wait_time_in_seconds, POLL_EVERY_S))
        finally:
            renewal.release(conversation_id, ticket)
            self.cleanup(conversation_id, ticket)

    def _change(
        self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, object]]
    ) -> object:
        """Applies `change` (old lock → (new lock or None to delete, result)) atomically."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            for _ in range(MAX_ATTEMPTS):
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue
        raise LockError(
            f"Le verrou de la conversation « {conversation_id} » change sans cesse : "
            f"{MAX_ATTEMPTS} essais sans pouvoir l'écrire."
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock):
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except LockError:
            raise
        except Exception as exc:  # Rasa's callers expect a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def renew(self, conversation_id: str, tickets: set) -> set:
        """Gives `tickets` a full lifetime from now; returns those already gone (expired)."""

        def push_back(lock):
            if lock is None:
                return None, set(tickets)
            expires = time.time() + self.ticket_lifetime_s
            found = set()
            for ticket in lock.tickets:
                if ticket.number in tickets and not ticket.has_expired():
                    ticket.expires = expires
                    found.add(ticket.number)
            return lock, set(tickets) - found

        return self._change(conversation_id, push_back)

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock):
            if lock is None:
                return None, None
            lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def remove(lock):
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, remove)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Removes the ticket and, in the same transaction, the lock if nobody waits: a
        ticket issued meanwhile by another server is never deleted with it."""

        def remove_and_maybe_delete(lock):
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, remove_and_maybe_delete)

